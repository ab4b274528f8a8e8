import frappe
from frappe.tests.utils import FrappeTestCase

from crm_archive.adoption import (
	archive_from_customer,
	create_archives_for_customers,
	customers_without_archive,
	make_archive_from_lead,
)
from crm_archive.tests.utils import make_customer


class TestAdoption(FrappeTestCase):
	def test_archives_for_existing_customers_idempotent(self):
		make_customer("_CRM Adopt A")
		make_customer("_CRM Adopt B")
		created = create_archives_for_customers(publish=False)
		self.assertGreaterEqual(created, 2)
		self.assertEqual(customers_without_archive(), [])
		a = frappe.db.get_value("Customer", "_CRM Adopt A", "crm_archive")
		self.assertTrue(a)
		self.assertEqual(frappe.db.get_value("Customer Archive", a, "customer"), "_CRM Adopt A")
		n = frappe.db.count("Customer Archive")
		self.assertEqual(create_archives_for_customers(publish=False), 0)
		self.assertEqual(frappe.db.count("Customer Archive"), n)

	def test_new_customer_gets_archive_when_setting_on(self):
		settings = frappe.get_single("CRM Archive Settings")
		make_customer("_CRM Auto Off")
		self.assertFalse(frappe.db.get_value("Customer", "_CRM Auto Off", "crm_archive"))
		settings.auto_create_archive = 1
		settings.save()
		try:
			make_customer("_CRM Auto On")
			archive = frappe.db.get_value("Customer Archive", {"customer": "_CRM Auto On"}, "name")
			self.assertTrue(archive)
			self.assertEqual(frappe.db.get_value("Customer", "_CRM Auto On", "crm_archive"), archive)
		finally:
			settings.auto_create_archive = 0
			settings.save()

	def test_create_customer_from_archive_makes_no_second_archive(self):
		settings = frappe.get_single("CRM Archive Settings")
		settings.auto_create_archive = 1
		settings.save()
		try:
			archive = frappe.get_doc({"doctype": "Customer Archive", "full_name": "Only One"}).insert()
			customer = archive.create_customer()
			self.assertEqual(frappe.db.count("Customer Archive", {"customer": customer}), 1)
		finally:
			settings.auto_create_archive = 0
			settings.save()

	def test_lead_to_archive(self):
		lead = frappe.get_doc(
			{
				"doctype": "Lead",
				"first_name": "梅梅",
				"last_name": "韩",
				"company_name": "梅花贸易",
				"email_id": "meimei@example.cn",
				"mobile_no": "13912345678",
				"source": frappe.db.get_value("Lead Source", {}, "name"),
				"city": "上海",
			}
		).insert()
		name = make_archive_from_lead(lead.name)
		archive = frappe.get_doc("Customer Archive", name)
		self.assertEqual(archive.lead, lead.name)
		self.assertEqual(archive.full_name, lead.lead_name)
		self.assertEqual(archive.company_name, "梅花贸易")
		self.assertEqual(archive.email_id, "meimei@example.cn")
		self.assertEqual(archive.mobile_no, "+8613912345678")
		self.assertEqual(archive.city, "上海")
		self.assertEqual(archive.source, lead.source)
		# idempotent: a second call returns the same archive
		self.assertEqual(make_archive_from_lead(lead.name), name)


class TestSetBasedAdoption(FrappeTestCase):
	"""`adopt_all` (issue 16) on real Customers with real ERPNext invoices: the same archive values as
	one-by-one adoption, each archive where its invoices say, idempotent and resumable. It commits (as
	the bench command does), so the class removes what it made."""

	PREFIX = "_CRM Bulk Adopt "

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		from frappe.utils import add_days, nowdate

		from crm_archive.tests.utils import ensure_user, make_sales_invoice

		cls.remove_archives()  # an earlier class may have adopted these Customers and committed
		frappe.db.set_single_value("CRM Archive Settings", "auto_create_archive", 0)  # the default
		frappe.clear_document_cache("CRM Archive Settings", "CRM Archive Settings")
		cls.rep = ensure_user("crm.adopt.rep@example.com")
		churn_days = frappe.db.get_single_value("CRM Archive Settings", "churn_after_days") or 180
		cls.names = [make_customer(f"{cls.PREFIX}{i}") for i in range(6)]
		frappe.db.set_value("Customer", cls.names[0], "account_manager", cls.rep)
		frappe.db.set_value("Customer", cls.names[1], "customer_type", "Company")
		make_sales_invoice(cls.names[2], 500)  # a recent buyer → Existing
		make_sales_invoice(
			cls.names[3], 800, posting_date=add_days(nowdate(), -(churn_days + 30))
		)  # → Churned
		frappe.db.commit()

	@classmethod
	def remove_archives(cls):
		archives = frappe.get_all("Customer Archive", {"customer": ("like", cls.PREFIX + "%")}, pluck="name")
		if archives:
			frappe.db.delete("Customer Archive Log", {"customer_archive": ("in", archives)})
			frappe.db.delete("Customer Archive Access", {"archive": ("in", archives)})
			frappe.db.delete("Customer Archive", {"name": ("in", archives)})
		frappe.db.sql("update `tabCustomer` set crm_archive = null where name like %s", cls.PREFIX + "%")
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.db.rollback()
		cls.remove_archives()
		for si in frappe.get_all(
			"Sales Invoice", {"customer": ("like", cls.PREFIX + "%"), "docstatus": 1}, pluck="name"
		):
			frappe.get_doc("Sales Invoice", si).cancel()
		frappe.db.commit()
		super().tearDownClass()

	def expected(self, customer):
		"""What one-by-one adoption stores for this Customer: archive_from_customer, then validate."""
		row = customers_without_archive(names=[customer])[0]
		frappe.db.savepoint("one_by_one")
		doc = archive_from_customer(row)
		doc.insert(ignore_permissions=True)  # exactly the one-by-one path, undone below
		values = frappe._dict(doc.as_dict())
		# and what its own re-tier (on_update) wrote on it
		values.update(frappe.db.get_value("Customer Archive", doc.name, self.ENGINE, as_dict=True))
		frappe.db.rollback(save_point="one_by_one")
		return values

	ENGINE = (
		"tier", "qualified_tier", "tier_pending_since", "tier_rule", "tier_reason", "window_spend",
		"lifetime_spend", "invoice_count", "average_order_value", "first_purchase_date",
		"last_purchase_date", "review_required",
	)  # fmt: skip

	def test_bulk_equals_one_by_one_and_lands_where_invoices_say(self):
		from crm_archive.adoption import adopt_all

		expected = {c: self.expected(c) for c in self.names}
		# killed after the first chunk: what was written is whole, a second run finishes the rest
		import crm_archive.adoption as adoption

		chunk = adoption.BULK_CHUNK
		adoption.BULK_CHUNK = 4
		try:
			first = adopt_all(publish=False, customers=self.names, stop_after_chunks=1)
		finally:
			adoption.BULK_CHUNK = chunk
		self.assertEqual((first["created"], first["pending"]), (4, 2))
		self.assertEqual(len(customers_without_archive(names=self.names)), 2)
		stats = adopt_all(publish=False, customers=self.names)
		self.assertEqual(stats["created"], 2)
		# inserted with their first re-tier: the re-tier after the chunks finds nothing to change
		self.assertEqual((stats["retier"]["changed"], stats["retier"]["tier_changes"]), (0, 0))
		self.assertEqual(customers_without_archive(names=self.names), [])

		compared = (
			"full_name", "company_name", "territory", "industry", "account_manager", "lead", "id_type",
			"company_size", "completeness_score", "review_required", "verified", "name_search",
			"name_pinyin", "duplicate_block",
		)  # fmt: skip
		archives = {}
		for customer, doc in expected.items():
			name = frappe.db.get_value("Customer", customer, "crm_archive")
			self.assertTrue(name, customer)
			self.assertTrue(name.startswith("CA-"), name)  # the archive's own series
			archives[customer] = stored = frappe.get_doc("Customer Archive", name)
			self.assertEqual(stored.customer, customer)
			for field in (*compared, *self.ENGINE):
				self.assertEqual(stored.get(field) or None, doc.get(field) or None, (customer, field))
		self.assertEqual(len({a.name for a in archives.values()}), len(self.names))

		# where the invoices say, with the moves logged; no invoice → stays Potential
		state = {c: a.lifecycle_state for c, a in archives.items()}
		self.assertEqual(state[self.names[2]], "Existing")
		self.assertEqual(state[self.names[3]], "Churned")
		for c in (self.names[0], self.names[1], self.names[4], self.names[5]):
			self.assertEqual(state[c], "Potential", c)
		moves = frappe.get_all(
			"Customer Archive Log",
			filters={"customer_archive": archives[self.names[3]].name, "event_type": "Lifecycle Change"},
			fields=["to_value", "trigger"],
			order_by="creation",
		)
		self.assertEqual([m.to_value for m in moves][-1], "Churned")
		self.assertTrue(archives[self.names[2]].tier)  # re-tiered once, by the one pass
		self.assertEqual(
			frappe.db.count(
				"Customer Archive Log",
				{
					"customer_archive": archives[self.names[2]].name,
					"event_type": "Tier Change",
					"trigger": "Adoption",
				},
			),
			1,
		)
		# the account manager may read their adopted archive (access rows written with the chunk)
		from crm_archive.access.permissions import has_archive_permission

		self.assertTrue(has_archive_permission(archives[self.names[0]], "read", self.rep))
		self.assertFalse(has_archive_permission(archives[self.names[1]], "read", self.rep))
		# idempotent
		self.assertEqual(adopt_all(publish=False, customers=self.names)["created"], 0)
		self.assertEqual(frappe.db.count("Customer Archive", {"customer": ("like", self.PREFIX + "%")}), 6)


class TestAdoptionLapsedBuyers(FrappeTestCase):
	"""A team adopting Customers who bought, but not in the window: under the installed default rules they
	are 沉睡客户 (bought before, nothing in the window), not 潜在客户, which is for customers who never
	bought. adopt_all commits (as the bench command does), so the class removes what it made."""

	PREFIX = "_CRM Lapsed Adopt "
	remove_archives = classmethod(TestSetBasedAdoption.remove_archives.__func__)

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		from frappe.utils import add_days, nowdate

		from crm_archive.tests.utils import make_sales_invoice, use_default_rule_set

		use_default_rule_set()
		cls.remove_archives()
		frappe.db.set_single_value("CRM Archive Settings", "auto_create_archive", 0)
		frappe.clear_document_cache("CRM Archive Settings", "CRM Archive Settings")
		cls.lapsed, cls.lapsed_too, cls.never, cls.recent = (
			make_customer(f"{cls.PREFIX}{kind}") for kind in ("Lapsed", "Lapsed Too", "Never", "Recent")
		)
		for days in (700, 500, 400):  # three real purchases, all before the 365-day window
			make_sales_invoice(cls.lapsed, 1200, posting_date=add_days(nowdate(), -days))
		make_sales_invoice(cls.lapsed_too, 90, posting_date=add_days(nowdate(), -366))
		make_sales_invoice(cls.recent, 300, posting_date=add_days(nowdate(), -20))
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.db.rollback()
		cls.remove_archives()
		for si in frappe.get_all(
			"Sales Invoice", {"customer": ("like", cls.PREFIX + "%"), "docstatus": 1}, pluck="name"
		):
			frappe.get_doc("Sales Invoice", si).cancel()
		frappe.db.commit()
		super().tearDownClass()

	def test_set_based_adoption_puts_lapsed_buyers_in_the_lapsed_tier(self):
		from crm_archive.adoption import adopt_all
		from crm_archive.install import LAPSED_TIER

		names = [self.lapsed, self.lapsed_too, self.never, self.recent]
		adopt_all(publish=False, customers=names)
		got = {
			c: frappe.db.get_value(
				"Customer Archive", {"customer": c}, ["tier", "lifecycle_state", "tier_rule"], as_dict=True
			)
			for c in names
		}
		self.assertEqual(LAPSED_TIER, "沉睡客户")
		self.assertEqual((got[self.lapsed].tier, got[self.lapsed].lifecycle_state), ("沉睡客户", "Churned"))
		self.assertEqual(got[self.lapsed_too].tier, "沉睡客户")
		self.assertEqual((got[self.never].tier, got[self.never].lifecycle_state), ("潜在客户", "Potential"))
		self.assertIn("(default)", got[self.never].tier_rule)  # the rule set's default: never bought
		self.assertEqual(got[self.recent].tier, "普通客户")
		self.assertTrue(frappe.db.get_value("Customer Tier", "沉睡客户", "description").startswith("Lapsed"))

	def test_one_by_one_adoption_agrees(self):
		row = customers_without_archive(names=[self.lapsed])
		if not row:  # the set-based test ran first and adopted it
			return
		frappe.db.savepoint("one")
		doc = archive_from_customer(row[0])
		doc.insert(ignore_permissions=True)
		self.assertEqual(frappe.db.get_value("Customer Archive", doc.name, "tier"), "沉睡客户")
		frappe.db.rollback(save_point="one")


class TestLapsedTierPatch(FrappeTestCase):
	"""Existing sites: the patch adds the lapsed tier's row to a rule set still exactly as installed,
	never to one a manager edited, and only once."""

	def rule_set(self, name, rules):
		from crm_archive.install import DEFAULT_RULE_SET_DESCRIPTION

		if frappe.db.exists("Tier Rule Set", name):
			frappe.delete_doc("Tier Rule Set", name, force=True)
		return frappe.get_doc(
			{
				"doctype": "Tier Rule Set",
				"rule_set_name": name,
				"is_active": 0,
				"window_days": 365,
				"default_tier": "潜在客户",
				"downgrade_grace_days": 30,
				"description": DEFAULT_RULE_SET_DESCRIPTION,
				"rules": rules,
			}
		).insert()

	def test_added_to_the_unedited_set_only_once(self):
		from crm_archive.install import DEFAULT_RULES, LAPSED_RULE, add_lapsed_tier

		self.rule_set("_Old Default Rules", [dict(r) for r in DEFAULT_RULES])
		self.assertTrue(add_lapsed_tier("_Old Default Rules"))
		rows = frappe.get_doc("Tier Rule Set", "_Old Default Rules").rules
		self.assertEqual(
			[(r.tier, r.priority, r.condition) for r in rows][-1],
			(LAPSED_RULE["tier"], LAPSED_RULE["priority"], LAPSED_RULE["condition"]),
		)
		self.assertEqual(len(rows), 4)
		self.assertFalse(add_lapsed_tier("_Old Default Rules"))  # a second run changes nothing
		self.assertEqual(len(frappe.get_doc("Tier Rule Set", "_Old Default Rules").rules), 4)

	def test_an_edited_set_is_left_alone(self):
		from crm_archive.install import DEFAULT_RULES, add_lapsed_tier

		edited = [dict(r) for r in DEFAULT_RULES]
		edited[0]["min_window_spend"] = 80000
		self.rule_set("_Edited Default Rules", edited)
		self.assertFalse(add_lapsed_tier("_Edited Default Rules"))
		self.assertEqual(len(frappe.get_doc("Tier Rule Set", "_Edited Default Rules").rules), 3)

	def test_the_installed_default_has_the_lapsed_row(self):
		from crm_archive.install import DEFAULT_RULE_SET, LAPSED_RULE

		rows = frappe.get_doc("Tier Rule Set", DEFAULT_RULE_SET).rules
		self.assertIn((LAPSED_RULE["tier"], LAPSED_RULE["condition"]), [(r.tier, r.condition) for r in rows])
