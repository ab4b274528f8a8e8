"""ERPNext's own merge and rename of Customers (Customer → Rename → "Merge with existing"), with real
Customers, archives and invoices: the archives follow, merged by the app's own merge and its rules."""

import frappe
from frappe.tests.utils import FrappeTestCase

from crm_archive.tests.utils import make_archive, make_customer, make_sales_invoice

REP = "crm.merge.rep@example.com"
MANAGER = "crm.merge.manager@example.com"


def make_user(email, roles):
	if not frappe.db.exists("User", email):
		frappe.get_doc(
			{"doctype": "User", "email": email, "first_name": email.split("@")[0], "send_welcome_email": 0}
		).insert(ignore_permissions=True)
	frappe.get_doc("User", email).add_roles(*roles)
	return email


class TestCustomerMerge(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		# both may write Customers in ERPNext; only the manager may merge archives
		make_user(REP, ["CRM Archive User", "Sales User", "Sales Master Manager"])
		make_user(MANAGER, ["CRM Archive Manager", "Sales Manager", "Sales Master Manager"])

	def tearDown(self):
		frappe.set_user("Administrator")

	def archived_customer(self, name, **values):
		customer = make_customer(name)
		archive = make_archive(full_name=name, customer=customer, **values)
		return customer, archive.name

	def test_merge_of_two_archived_customers_merges_their_archives(self):
		old, old_archive = self.archived_customer("_Merge Old Co", city="上海", account_manager=MANAGER)
		new, new_archive = self.archived_customer("_Merge New Co", mobile_no="13700002222")
		make_sales_invoice(old, 3000)
		make_sales_invoice(new, 2000)
		frappe.get_doc(
			{"doctype": "Customer Interaction", "customer_archive": old_archive, "summary": "old note"}
		).insert()
		frappe.set_user(MANAGER)
		frappe.rename_doc("Customer", old, new, merge=True)
		frappe.set_user("Administrator")
		self.assertFalse(frappe.db.exists("Customer", old))
		self.assertFalse(frappe.db.exists("Customer Archive", old_archive))
		survivor = frappe.get_doc("Customer Archive", new_archive)
		self.assertEqual(survivor.customer, new)
		self.assertEqual(frappe.db.get_value("Customer", new, "crm_archive"), new_archive)
		self.assertEqual((survivor.city, survivor.mobile_no), ("上海", "+8613700002222"))  # filled in
		self.assertEqual(frappe.db.count("Customer Interaction", {"customer_archive": new_archive}), 1)
		# the survivor's figures count both Customers' invoices, now all on the surviving Customer
		self.assertEqual(survivor.window_spend, 5000)

	def test_a_rep_is_refused_with_one_sentence(self):
		old, old_archive = self.archived_customer("_Merge Rep Old", account_manager=REP)
		new, new_archive = self.archived_customer("_Merge Rep New", account_manager=REP)
		frappe.set_user(REP)
		with self.assertRaises(frappe.ValidationError) as ctx:
			frappe.rename_doc("Customer", old, new, merge=True)
		frappe.set_user("Administrator")
		message = str(ctx.exception)
		self.assertIn("CRM Archive Manager", message)
		self.assertNotIn("IntegrityError", message)
		self.assertIs(type(ctx.exception), frappe.ValidationError)  # frappe.throw's, not the database's
		# nothing half-written: both Customers and both archives, each linked both ways
		for customer, archive in ((old, old_archive), (new, new_archive)):
			self.assertTrue(frappe.db.exists("Customer", customer))
			self.assertEqual(frappe.db.get_value("Customer Archive", archive, "customer"), customer)
			self.assertEqual(frappe.db.get_value("Customer", customer, "crm_archive"), archive)

	def test_the_refusal_reads_in_chinese(self):
		old, _a = self.archived_customer("_Merge Zh Old", account_manager=REP)
		new, _b = self.archived_customer("_Merge Zh New", account_manager=REP)
		frappe.set_user(REP)
		lang = frappe.local.lang
		frappe.local.lang = "zh"
		try:
			with self.assertRaises(frappe.ValidationError) as ctx:
				frappe.rename_doc("Customer", old, new, merge=True)
		finally:
			frappe.local.lang = lang
			frappe.set_user("Administrator")
		self.assertIn("客户档案", str(ctx.exception))

	def test_archived_customer_merged_into_one_without_keeps_its_archive(self):
		old, archive = self.archived_customer("_Merge Lone Old")
		new = make_customer("_Merge Lone New")
		make_sales_invoice(old, 700)
		frappe.set_user(REP)  # no archive merge: a rep may do it
		frappe.rename_doc("Customer", old, new, merge=True)
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value("Customer Archive", archive, "customer"), new)
		self.assertEqual(frappe.db.get_value("Customer", new, "crm_archive"), archive)
		self.assertEqual(frappe.db.get_value("Customer Archive", archive, "window_spend"), 700)

	def test_customer_without_archive_merged_into_an_archived_one(self):
		old = make_customer("_Merge Plain Old")
		new, archive = self.archived_customer("_Merge Plain New")
		frappe.rename_doc("Customer", old, new, merge=True)
		self.assertEqual(frappe.db.get_value("Customer Archive", archive, "customer"), new)
		self.assertEqual(frappe.db.get_value("Customer", new, "crm_archive"), archive)

	def test_plain_rename_keeps_the_link_both_ways(self):
		old, archive = self.archived_customer("_Rename Before")
		frappe.rename_doc("Customer", old, "_Rename After")
		self.assertEqual(frappe.db.get_value("Customer Archive", archive, "customer"), "_Rename After")
		self.assertEqual(frappe.db.get_value("Customer", "_Rename After", "crm_archive"), archive)


class TestCustomerMergeOverHttp(FrappeTestCase):
	"""The desk's Rename dialog (update_document_title with enqueue, as toolbar.js sends it) over HTTP: the
	rep gets the sentence (HTTP 417), never a 500; the manager's merge merges the archives. Commits (each
	request is its own connection), so the class removes what it made."""

	PREFIX = "_Merge Http "
	PWD = "Merge-Http-Pass-9!"

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		from crm_archive.tests.rest import Session

		for email in (make_user(REP, []), make_user(MANAGER, [])):
			user = frappe.get_doc("User", email)
			user.new_password = cls.PWD
			user.save(ignore_permissions=True)
		make_user(REP, ["CRM Archive User", "Sales User", "Sales Master Manager"])
		make_user(MANAGER, ["CRM Archive Manager", "Sales Manager", "Sales Master Manager"])
		cls.pairs = {}
		for who in ("Rep", "Manager"):
			pair = []
			for side in ("Old", "New"):
				customer = make_customer(f"{cls.PREFIX}{who} {side}")
				archive = make_archive(full_name=customer, customer=customer, account_manager=REP)
				pair.append((customer, archive.name))
			cls.pairs[who] = pair
		frappe.db.commit()
		cls.rep, cls.manager = Session(REP, cls.PWD), Session(MANAGER, cls.PWD)

	@classmethod
	def tearDownClass(cls):
		frappe.db.rollback()
		archives = frappe.get_all("Customer Archive", {"full_name": ("like", cls.PREFIX + "%")}, pluck="name")
		for archive in archives:
			frappe.db.delete("Customer Archive Log", {"customer_archive": archive})
			frappe.db.delete("Customer Archive Access", {"archive": archive})
			frappe.db.set_value("Customer Archive", archive, "customer", None, update_modified=False)
			frappe.delete_doc("Customer Archive", archive, force=True, ignore_permissions=True)
		for customer in frappe.get_all("Customer", {"name": ("like", cls.PREFIX + "%")}, pluck="name"):
			frappe.delete_doc("Customer", customer, force=True, ignore_permissions=True)
		frappe.db.commit()
		super().tearDownClass()

	def rename(self, session, old, new):
		return session.method(
			"frappe.model.rename_doc.update_document_title",
			doctype="Customer",
			docname=old,
			name=new,
			merge=1,
			enqueue=1,
			freeze=1,
		)

	def test_rep_refused_manager_merges(self):
		(old, old_archive), (new, new_archive) = self.pairs["Rep"]
		r = self.rename(self.rep, old, new)
		body = r.get_data(as_text=True)
		self.assertEqual(r.status_code, 417, body[:500])
		self.assertIn("CRM Archive Manager", body)
		self.assertNotIn("IntegrityError", body)
		frappe.db.rollback()
		self.assertEqual(frappe.db.get_value("Customer Archive", old_archive, "customer"), old)
		self.assertEqual(frappe.db.get_value("Customer", old, "crm_archive"), old_archive)

		(old, old_archive), (new, new_archive) = self.pairs["Manager"]
		r = self.rename(self.manager, old, new)
		self.assertEqual(r.status_code, 200, r.get_data(as_text=True)[:500])
		frappe.db.rollback()
		if frappe.db.exists("Customer", old):  # queued: a worker would finish it; this site has no scheduler
			self.skipTest("the rename was queued for a worker")
		self.assertFalse(frappe.db.exists("Customer Archive", old_archive))
		self.assertEqual(frappe.db.get_value("Customer Archive", new_archive, "customer"), new)
		self.assertEqual(frappe.db.get_value("Customer", new, "crm_archive"), new_archive)
