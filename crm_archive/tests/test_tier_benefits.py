"""Tiers that act inside ERPNext (issue 17), with real ERPNext documents: the tier's Customer Group and the
Pricing Rule for it on a new Sales Order, the group given back, the tier's Email Group, the tier pill on
selling documents only for users who may read the archive."""

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, flt, nowdate

from crm_archive.devtools.setup_site import SERVICE_ITEM
from crm_archive.tests.rest import Session
from crm_archive.tests.test_permissions import PWD, make_user
from crm_archive.tests.test_tiering import make_rule_set
from crm_archive.tests.utils import make_sales_invoice, test_company, use_default_rule_set
from crm_archive.tiering.store import benefits, engine

GROUP = "_CRM Key Customers"
TIER = "重要客户"  # 30,000 in the window (tiering.test_tiering.RULES)
PRICE = 1000


def settings(sync: int):
	doc = frappe.get_single("CRM Archive Settings")
	doc.sync_customer_group = sync
	doc.save(ignore_permissions=True)
	frappe.clear_document_cache("CRM Archive Settings", "CRM Archive Settings")


def make_customer(name: str) -> str:
	"""A Customer in an ordinary group (never the tier's)."""
	if not frappe.db.exists("Customer", name):
		frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": name,
				"customer_group": frappe.db.get_value(
					"Customer Group", {"is_group": 0, "name": ("!=", GROUP)}, "name"
				),
				"territory": frappe.db.get_value("Territory", {"is_group": 0}, "name"),
			}
		).insert(ignore_permissions=True)
	return name


def group_of(customer):
	return frappe.db.get_value("Customer", customer, "customer_group")


def new_sales_order(customer):
	company = test_company()
	so = frappe.get_doc(
		{
			"doctype": "Sales Order",
			"company": company,
			"customer": customer,
			# the desk's form fills the group from the Customer (ERPNext's server side keeps a Selling
			# Settings default group instead, which ERPNext's own test records set on a test site)
			"customer_group": frappe.db.get_value("Customer", customer, "customer_group"),
			"transaction_date": nowdate(),
			"delivery_date": add_days(nowdate(), 7),
			"selling_price_list": "Standard Selling",
			"currency": frappe.get_cached_value("Company", company, "default_currency"),
			"conversion_rate": 1,
			"items": [{"item_code": SERVICE_ITEM, "qty": 1, "delivery_date": add_days(nowdate(), 7)}],
		}
	)
	so.insert(ignore_permissions=True)
	return so


class TestTierBenefits(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_rule_set("_Benefits Rules", grace=0)
		if not frappe.db.exists("Customer Group", GROUP):
			frappe.get_doc(
				{
					"doctype": "Customer Group",
					"customer_group_name": GROUP,
					"parent_customer_group": "All Customer Groups",
				}
			).insert(ignore_permissions=True)
		if not frappe.db.exists("Item Price", {"item_code": SERVICE_ITEM, "price_list": "Standard Selling"}):
			frappe.get_doc(
				{
					"doctype": "Item Price",
					"item_code": SERVICE_ITEM,
					"price_list": "Standard Selling",
					"price_list_rate": PRICE,
				}
			).insert(ignore_permissions=True)
		frappe.db.set_value(
			"Item Price",
			{"item_code": SERVICE_ITEM, "price_list": "Standard Selling"},
			"price_list_rate",
			PRICE,
		)
		cls.rule = frappe.get_doc(
			{
				"doctype": "Pricing Rule",
				"title": "_CRM Key customers 10%",
				"apply_on": "Item Code",
				"items": [{"item_code": SERVICE_ITEM}],
				"selling": 1,
				"applicable_for": "Customer Group",
				"customer_group": GROUP,
				"rate_or_discount": "Discount Percentage",
				"discount_percentage": 10,
				"company": test_company(),
			}
		).insert(ignore_permissions=True)
		tier = frappe.get_doc("Customer Tier", TIER)
		tier.customer_group = GROUP
		tier.save(ignore_permissions=True)
		settings(1)

	def new_archive(self, name):
		customer = make_customer(name)
		archive = frappe.get_doc({"doctype": "Customer Archive", "full_name": name, "customer": customer})
		archive.insert(ignore_permissions=True)
		return customer, archive.name

	def test_promoted_customer_gets_the_groups_price_and_loses_it_after_a_downgrade(self):
		customer, archive = self.new_archive("_Benefits Promoted")
		own_group = group_of(customer)
		self.assertNotEqual(own_group, GROUP)
		self.assertEqual(flt(new_sales_order(customer).items[0].rate), PRICE)

		make_sales_invoice(customer, 40000)
		self.assertEqual(frappe.db.get_value("Customer Archive", archive, "tier"), TIER)
		self.assertEqual(group_of(customer), GROUP)
		self.assertEqual(
			frappe.db.get_value("Customer Archive", archive, "customer_group_before_tier"), own_group
		)
		order = new_sales_order(customer)
		self.assertEqual(flt(order.items[0].rate), PRICE * 0.9)
		self.assertIn(self.rule.name, order.items[0].pricing_rules or "")
		log = frappe.get_all(
			"Customer Archive Log",
			{"customer_archive": archive, "event_type": "Customer Group Change"},
			["from_value", "to_value", "trigger"],
		)
		self.assertEqual(
			[(r.from_value, r.to_value, r.trigger) for r in log], [(own_group, GROUP, "Invoice Submit")]
		)

		# a year and more later the window is empty: downgraded (grace 0), the group given back
		engine.retier(archives=[archive], as_of=add_days(nowdate(), 400), trigger="Scheduled")
		self.assertNotEqual(frappe.db.get_value("Customer Archive", archive, "tier"), TIER)
		self.assertEqual(group_of(customer), own_group)
		self.assertIsNone(frappe.db.get_value("Customer Archive", archive, "customer_group_before_tier"))
		self.assertEqual(flt(new_sales_order(customer).items[0].rate), PRICE)

	def test_a_moved_customer_is_not_read_from_a_stale_cache(self):
		"""ERPNext reads a party's group through Frappe's document cache (party.py): the bulk move must
		clear it, or the Customer keeps its old group for whoever cached it first."""
		customer, _archive = self.new_archive("_Benefits Cached")
		own_group = frappe.get_cached_value("Customer", customer, "customer_group")  # cached now
		make_sales_invoice(customer, 40000)
		self.assertNotEqual(own_group, GROUP)
		self.assertEqual(frappe.get_cached_value("Customer", customer, "customer_group"), GROUP)

	def test_cancelling_the_promoting_invoice_moves_the_group_back(self):
		customer, archive = self.new_archive("_Benefits Cancelled")
		own_group = group_of(customer)
		si = make_sales_invoice(customer, 40000)
		self.assertEqual(group_of(customer), GROUP)
		si.cancel()
		self.assertEqual(group_of(customer), own_group)

	def test_a_locked_tier_holds_the_group(self):
		customer, archive = self.new_archive("_Benefits Locked")
		make_sales_invoice(customer, 40000)
		doc = frappe.get_doc("Customer Archive", archive)
		doc.tier_locked, doc.locked_tier, doc.tier_lock_reason = 1, TIER, "key account"
		doc.save(ignore_permissions=True)
		engine.retier(archives=[archive], as_of=add_days(nowdate(), 400), trigger="Scheduled")
		self.assertEqual(frappe.db.get_value("Customer Archive", archive, "tier"), TIER)
		self.assertEqual(group_of(customer), GROUP)

	def test_switching_the_setting_off_gives_every_customer_its_group_back(self):
		first, _a = self.new_archive("_Benefits Off 1")
		second, _b = self.new_archive("_Benefits Off 2")
		own = {c: group_of(c) for c in (first, second)}
		for c in (first, second):
			make_sales_invoice(c, 40000)
			self.assertEqual(group_of(c), GROUP)
		settings(0)
		try:
			self.assertEqual({c: group_of(c) for c in (first, second)}, own)
			# off: a promotion no longer moves the group
			third, _c = self.new_archive("_Benefits Off 3")
			before = group_of(third)
			make_sales_invoice(third, 40000)
			self.assertEqual(group_of(third), before)
		finally:
			settings(1)
		# on again: the tiered Customers move to the tier's group at once
		self.assertEqual(group_of(first), GROUP)

	def test_tier_benefits_report_names_the_group_its_rule_and_last_months_revenue(self):
		from frappe.utils import add_months, get_first_day

		from crm_archive.crm_archive.report.tier_benefits.tier_benefits import execute

		customer, archive = self.new_archive("_Benefits Report")
		last_month = add_days(get_first_day(nowdate()), -3)
		make_sales_invoice(customer, 45000, posting_date=last_month)
		make_sales_invoice(customer, 5000, posting_date=add_months(last_month, -2))  # not last month
		self.assertEqual(frappe.db.get_value("Customer Archive", archive, "tier"), TIER)
		columns, rows, _msg, chart = execute({})
		row = next(r for r in rows if r["tier"] == TIER)
		self.assertEqual(row["customer_group"], GROUP)
		self.assertIn(self.rule.title, row["pricing_rules"])
		self.assertEqual(row["email_group"], benefits.email_group_title(TIER))
		expected = frappe.db.sql(
			"""select sum(si.base_net_total) from `tabSales Invoice` si
			join `tabCustomer Archive` a on a.customer = si.customer
			where si.docstatus = 1 and a.tier = %s and si.posting_date between %s and %s""",
			(TIER, get_first_day(last_month), add_days(get_first_day(nowdate()), -1)),
		)[0][0]
		self.assertGreaterEqual(flt(row["revenue_last_month"]), 45000)
		self.assertEqual(flt(row["revenue_last_month"]), flt(expected))
		self.assertEqual(len(chart["data"]["labels"]), len(rows))


class TestTierEmailGroups(FrappeTestCase):
	def test_members_follow_the_tier_without_no_marketing_and_unsubscribed(self):
		make_rule_set("_Email Group Rules", grace=0)

		def archive(name, email, **values):
			customer = make_customer(name)
			doc = frappe.get_doc(
				{
					"doctype": "Customer Archive",
					"full_name": name,
					"customer": customer,
					"email_id": email,
					**values,
				}
			)
			doc.flags.ignore_duplicates = True
			return customer, doc.insert(ignore_permissions=True).name

		a_customer, a = archive("_Mail A", "mail.a@example.com")
		b_customer, b = archive("_Mail B", "mail.b@example.com", no_marketing=1)
		c_customer, c = archive("_Mail C", "mail.c@example.com")
		for customer in (a_customer, b_customer, c_customer):
			make_sales_invoice(customer, 40000)
		benefits.sync_email_groups()  # every archive, as a full re-tier ends
		group = benefits.email_group_title(TIER)
		self.assertEqual(frappe.db.get_value("Customer Tier", TIER, "email_group"), group)

		def members():
			return {
				m.email: m.unsubscribed
				for m in frappe.get_all(
					"Email Group Member", {"email_group": group}, ["email", "unsubscribed"]
				)
				if m.email.startswith("mail.")
			}

		self.assertEqual(members(), {"mail.a@example.com": 0, "mail.c@example.com": 0})
		self.assertEqual(
			frappe.db.get_value("Email Group", group, "total_subscribers"),
			frappe.db.count("Email Group Member", {"email_group": group, "unsubscribed": 0}),
		)
		# C unsubscribes (from the Newsletter's link): stays unsubscribed through every re-tier
		frappe.db.set_value(
			"Email Group Member", {"email_group": group, "email": "mail.c@example.com"}, "unsubscribed", 1
		)
		engine.retier(trigger="Manual")
		self.assertEqual(members()["mail.c@example.com"], 1)
		# A leaves the tier: removed; B lifts No Marketing: added by the save
		engine.retier(archives=[a], as_of=add_days(nowdate(), 400), trigger="Scheduled")
		doc = frappe.get_doc("Customer Archive", b)
		doc.no_marketing = 0
		doc.save(ignore_permissions=True)
		self.assertEqual(members(), {"mail.b@example.com": 0, "mail.c@example.com": 1})
		other = benefits.email_group_title("普通客户")
		self.assertNotIn(
			"mail.b@example.com", frappe.get_all("Email Group Member", {"email_group": other}, pluck="email")
		)
		# B's archive deleted: its email leaves the group at once (not at the next full re-tier), the
		# count follows; an unsubscribed member's row (C) stays
		frappe.delete_doc("Customer Archive", b, force=True, ignore_permissions=True)
		self.assertEqual(members(), {"mail.c@example.com": 1})
		self.assertEqual(
			frappe.db.get_value("Email Group", group, "total_subscribers"),
			frappe.db.count("Email Group Member", {"email_group": group, "unsubscribed": 0}),
		)


def buying_archive_with_email(name: str, email: str):
	"""An archive with this email whose Customer bought 40,000 (enough for a tier), inserted as a desk
	user would."""
	customer = make_customer(name)
	doc = frappe.get_doc(
		{"doctype": "Customer Archive", "full_name": name, "customer": customer, "email_id": email}
	)
	doc.flags.ignore_duplicates = True
	doc.insert(ignore_permissions=True)
	make_sales_invoice(customer, 40000)
	return doc


class TestTierEmailGroupsOnEdit(FrappeTestCase):
	def test_a_changed_email_takes_its_place_in_the_group(self):
		make_rule_set("_Email Edit Rules", grace=0)
		doc = buying_archive_with_email("_Mail Edit", "mail.old@example.com")
		engine.retier(archives=[doc.name], trigger="Manual")
		group = benefits.email_group_title(frappe.db.get_value("Customer Archive", doc.name, "tier"))

		def members():
			return set(
				frappe.get_all(
					"Email Group Member",
					{"email_group": group, "email": ("like", "mail.%"), "unsubscribed": 0},
					pluck="email",
				)
			)

		self.assertEqual(members(), {"mail.old@example.com"})
		doc.reload()
		doc.email_id = "mail.new@example.com"
		doc.save(ignore_permissions=True)
		# the old address no longer belongs to any archive of the tier: it leaves, the new one joins
		self.assertEqual(members(), {"mail.new@example.com"})
		self.assertEqual(
			frappe.db.get_value("Email Group", group, "total_subscribers"),
			frappe.db.count("Email Group Member", {"email_group": group, "unsubscribed": 0}),
		)
		# and a sync of the archive finds nothing left to do
		self.assertEqual(benefits.sync_email_groups([doc.name]), {"added": 0, "removed": 0})


class TestEmailGroupsCheckedAlongside(FrappeTestCase):
	"""A full re-tier checks the tiers' Email Groups on its second connection while it aggregates and
	syncs them only when a tier changed or the check found them out of step (engine.retier)."""

	def test_a_steady_full_run_syncs_only_groups_out_of_step(self):
		import threading
		from unittest.mock import patch

		make_rule_set("_Alongside Email Rules", grace=0)
		doc = buying_archive_with_email("_Mail Alongside", "mail.alongside@example.com")
		# (a second archive: a full run's first pass is taken by more archives than a chunk holds)
		other = frappe.get_doc({"doctype": "Customer Archive", "full_name": "_Mail Alongside Too"})
		other.flags.ignore_duplicates = True
		other.insert(ignore_permissions=True)

		class HereRead(engine.AlongsideRead):
			"""The second connection's read and check, made on this one (another cannot see these rows)."""

			def __init__(self, then=None):
				self.chunks, self.error = list(engine.unlocked_chunks()), None
				self.then_result = then(frappe.db) if then else None
				self.read = threading.Event()
				self.read.set()
				self.thread = threading.Thread(target=lambda: None)
				self.thread.start()

			@staticmethod
			def possible():
				return True

		def full_run():
			with patch.object(engine, "AlongsideRead", HereRead), patch.object(engine, "CHUNK", 1):
				stats = engine.retier(trigger="Scheduled")
			self.assertEqual(stats.get("first_pass_read_on"), "second connection", stats)
			return stats

		full_run()  # tiers every archive on the site; the groups synced
		group = benefits.email_group_title(frappe.db.get_value("Customer Archive", doc.name, "tier"))
		check = benefits.email_groups_check()
		self.assertTrue(check(frappe.db))
		steady = full_run()
		self.assertEqual(steady["tier_changes"], 0)
		self.assertEqual(steady["email_groups"], {"added": 0, "removed": 0, "in_step": True})

		# a member deleted behind the app's back: the check finds it, the run puts it back
		frappe.db.delete("Email Group Member", {"email_group": group, "email": "mail.alongside@example.com"})
		self.assertFalse(check(frappe.db))
		self.assertEqual(full_run()["email_groups"], {"added": 1, "removed": 0})
		self.assertTrue(
			frappe.db.exists(
				"Email Group Member", {"email_group": group, "email": "mail.alongside@example.com"}
			)
		)
		# a subscribed member no archive of the tier has: found and removed
		frappe.get_doc(
			{"doctype": "Email Group Member", "email_group": group, "email": "mail.stray@example.com"}
		).insert(ignore_permissions=True)
		self.assertFalse(check(frappe.db))
		self.assertEqual(full_run()["email_groups"], {"added": 0, "removed": 1})
		self.assertTrue(check(frappe.db))

		# a check that failed (no result) is no licence to skip: the run syncs
		class FailedCheck(HereRead):
			def __init__(self, then=None):
				super().__init__(None)

		with patch.object(engine, "AlongsideRead", FailedCheck), patch.object(engine, "CHUNK", 1):
			self.assertEqual(engine.retier(trigger="Scheduled")["email_groups"], {"added": 0, "removed": 0})


class TestTierBadge(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_rule_set("_Badge Rules", grace=0)
		cls.rep_a = make_user("crm.badge.a@example.com", ["CRM Archive User", "Sales User"])
		cls.rep_b = make_user("crm.badge.b@example.com", ["CRM Archive User", "Sales User"])
		cls.mine = make_customer("_Badge Mine")
		cls.theirs = make_customer("_Badge Theirs")
		for customer, rep in ((cls.mine, cls.rep_a), (cls.theirs, cls.rep_b)):
			frappe.get_doc(
				{
					"doctype": "Customer Archive",
					"full_name": customer,
					"customer": customer,
					"account_manager": rep,
				}
			).insert(ignore_permissions=True)
			make_sales_invoice(customer, 40000)
		frappe.db.commit()
		cls.session = Session(cls.rep_a, PWD)

	@classmethod
	def tearDownClass(cls):
		for customer in (cls.mine, cls.theirs):
			for si in frappe.get_all("Sales Invoice", {"customer": customer, "docstatus": 1}, pluck="name"):
				frappe.get_doc("Sales Invoice", si).cancel()
			for archive in frappe.get_all("Customer Archive", {"customer": customer}, pluck="name"):
				frappe.db.delete("Customer Archive Log", {"customer_archive": archive})
				frappe.delete_doc("Customer Archive", archive, force=True, ignore_permissions=True)
		use_default_rule_set()  # its committed _Badge Rules (grace 0) would tier every later class
		frappe.db.commit()
		super().tearDownClass()

	def badge(self, customer):
		r = self.session.method("crm_archive.tiering.store.api.tier_badge", customer=customer)
		self.assertEqual(r.status_code, 200, r.get_data(as_text=True)[:300])
		return r.json.get("message"), r.get_data(as_text=True)

	def test_the_pill_only_for_readers_of_the_archive(self):
		mine, _body = self.badge(self.mine)
		self.assertEqual(mine["tier"], TIER)
		self.assertTrue(mine["color"])
		self.assertEqual(mine["sla_hours"], frappe.db.get_value("Customer Tier", TIER, "response_sla_hours"))
		theirs, body = self.badge(self.theirs)
		self.assertIsNone(theirs)
		archive = frappe.db.get_value("Customer", self.theirs, "crm_archive")
		for secret in (archive, TIER, self.rep_b):
			self.assertNotIn(secret, body)
		none, _ = self.badge("_No Such Customer")
		self.assertIsNone(none)
