import frappe
from frappe.tests.utils import FrappeTestCase

from crm_archive.duplicates.store import merge_archives
from crm_archive.tests.utils import make_archive, make_customer, make_sales_invoice


class TestDuplicates(FrappeTestCase):
	def tearDown(self):
		frappe.db.set_single_value("CRM Archive Settings", "duplicate_check", "Warn")
		frappe.clear_document_cache("CRM Archive Settings", "CRM Archive Settings")

	def test_warn_and_block_on_save(self):
		make_archive(full_name="_Dup 王小明", mobile_no="13811112222", company_name="华信科技有限公司")
		frappe.clear_messages()
		make_archive(full_name="_Dup Other", mobile_no="+86 138 1111 2222")
		self.assertIn("same mobile", str(frappe.message_log))
		frappe.db.set_single_value("CRM Archive Settings", "duplicate_check", "Block")
		frappe.clear_document_cache("CRM Archive Settings", "CRM Archive Settings")
		n = frappe.db.count("Customer Archive")
		with self.assertRaises(frappe.ValidationError):
			make_archive(full_name="_Dup 王 小明", company_name="华信科技")
		with self.assertRaises(frappe.ValidationError):
			make_archive(full_name="_Dup Mail", email_id="X@Example.com", mobile_no="13811112222")
		self.assertEqual(frappe.db.count("Customer Archive"), n)
		make_archive(full_name="_Dup Clean", mobile_no="13999998888")  # no suspect: saves

	def test_merge_moves_everything_and_refuses_two_customers(self):
		customer = make_customer("_Dup Merge Customer")
		dup = make_archive(full_name="_Merge Dup", customer=customer, city="上海", occupation="采购")
		keep = make_archive(full_name="_Merge Keep", mobile_no="13700001111")
		make_sales_invoice(customer, 5000)
		for archive in (dup.name, keep.name):
			frappe.get_doc(
				{"doctype": "Customer Interaction", "customer_archive": archive, "summary": f"note {archive}"}
			).insert()
		logs_before = frappe.db.count(
			"Customer Archive Log", {"customer_archive": ("in", [dup.name, keep.name])}
		)
		merge_archives(dup.name, keep.name)
		self.assertFalse(frappe.db.exists("Customer Archive", dup.name))
		survivor = frappe.get_doc("Customer Archive", keep.name)
		self.assertEqual(survivor.customer, customer)
		self.assertEqual(frappe.db.get_value("Customer", customer, "crm_archive"), keep.name)
		self.assertEqual(
			(survivor.city, survivor.occupation, survivor.mobile_no), ("上海", "采购", "+8613700001111")
		)
		self.assertEqual(frappe.db.count("Customer Interaction", {"customer_archive": keep.name}), 2)
		self.assertGreaterEqual(
			frappe.db.count("Customer Archive Log", {"customer_archive": keep.name}), logs_before
		)
		self.assertEqual(survivor.window_spend, 5000)
		self.assertIsNotNone(survivor.last_interaction_date)

		other = make_archive(full_name="_Merge Other", customer=make_customer("_Dup Other Customer"))
		with self.assertRaises(frappe.ValidationError) as ctx:
			merge_archives(other.name, keep.name)
		self.assertIn("different ERPNext Customers", str(ctx.exception))
		self.assertTrue(frappe.db.exists("Customer Archive", other.name))


class TestDuplicatesReport(FrappeTestCase):
	def test_report_lists_pairs_without_contact_values(self):
		from crm_archive.crm_archive.report.possible_duplicates.possible_duplicates import execute

		a = make_archive(full_name="_DupRep Smith John", city="杭州", mobile_no="13612345678")
		b = make_archive(full_name="_DupRep john smith", city="杭州")
		c = make_archive(full_name="_DupRep Other", mobile_no="+86 136 1234 5678")
		columns, rows, *_ = execute({})
		pairs = {(r["archive"], r["duplicate"]): r["reason"] for r in rows}
		self.assertEqual(pairs.get(tuple(sorted((a.name, b.name)))), "similar name")
		self.assertEqual(pairs.get(tuple(sorted((a.name, c.name)))), "same mobile")
		self.assertNotIn("+8613612345678", str(rows))

	def test_report_compares_names_by_reading_like_the_save_check(self):
		"""张伟 and 張偉 (Traditional) in the same company are a pair in the report as on save; two people
		called 张伟 in different companies and cities are not."""
		from crm_archive.crm_archive.report.possible_duplicates.possible_duplicates import execute

		def archive(name, **values):
			doc = frappe.get_doc({"doctype": "Customer Archive", "full_name": name, **values})
			doc.flags.ignore_duplicates = True
			return doc.insert(ignore_permissions=True)

		a = archive("张伟", company_name="_DupRead 华信科技有限公司")
		b = archive("張偉", company_name="_DupRead 华信科技有限公司")
		c = archive("张伟", company_name="_DupRead 远方贸易", city="乌鲁木齐")
		columns, rows, *_ = execute({})
		pairs = {(r["archive"], r["duplicate"]) for r in rows}
		self.assertIn(tuple(sorted((a.name, b.name))), pairs)
		self.assertNotIn(tuple(sorted((b.name, c.name))), pairs)


class TestDuplicateSearchIsIndexed(FrappeTestCase):
	def test_save_check_finds_the_pure_pairs_through_indexes_only(self):
		"""The check on save finds, for each new archive, exactly the pairs the pure matcher finds over all
		of them, and every query it sends reads an index (EXPLAIN: never a full scan), so its cost does
		not grow with the table (the figure at 100k archives: bench crm-archive-dev benchmark-duplicates)."""
		from crm_archive.duplicates import matching as D
		from crm_archive.duplicates.store import FIELDS, candidates
		from crm_archive.utils import phone_region

		rows = [
			dict(full_name="_Idx 王小明", company_name="北京华信科技有限公司"),
			dict(full_name="_Idx 王 小明", company_name="北京华信科技"),
			dict(full_name="_Idx 李雷", city="杭州"),
			dict(full_name="_Idx 李 雷", city="杭州"),
			dict(full_name="_Idx 韩梅梅", city="杭州"),
			dict(full_name="_Idx Mail", email_id="Same.Person@Example.com"),
			dict(full_name="_Idx Mail 2", email_id="same.person@example.com"),
			dict(full_name="_Idx Phone", mobile_no="13912345678"),
			dict(full_name="_Idx Phone 2", mobile_no="+86 139 1234 5678"),
		]
		saved = []
		for values in rows:
			doc = frappe.get_doc({"doctype": "Customer Archive", **values})
			doc.flags.ignore_duplicates = True
			saved.append(doc.insert(ignore_permissions=True))
		names = {d.name for d in saved}
		records = frappe.get_all("Customer Archive", filters={"name": ("in", list(names))}, fields=FIELDS)
		truth = set(D.find_pairs(records, phone_region(), 90))
		self.assertEqual(len(truth), 4)

		found, statements = set(), []
		real_sql = frappe.db.sql

		def recording(query, *args, **kwargs):
			statements.append((str(query), args[0] if args else kwargs.get("values")))
			return real_sql(query, *args, **kwargs)

		for doc in saved:
			frappe.db.sql = recording
			try:
				rows_ = candidates(doc)
			finally:
				frappe.db.sql = real_sql
			for other, _reason in D.suspects_for(
				{f: doc.get(f) for f in FIELDS}, [r for r in rows_ if r["name"] in names], phone_region()
			):
				found.add(tuple(sorted((doc.name, other))))
		self.assertEqual(found, {tuple(sorted(p)) for p in truth})
		selects = [(q, v) for q, v in statements if q.lstrip().upper().startswith("SELECT")]
		self.assertTrue(selects)
		for query, values in selects:
			for plan in frappe.db.sql("EXPLAIN " + query, values, as_dict=True):
				self.assertNotEqual(plan["type"], "ALL", query)
				self.assertTrue(plan["key"], query)
