"""The customer pool (公海) on a real site with real ERPNext documents: release by silence and by no
purchase (submitted, cancelled and returned Sales Invoices), every hold (exempt tier, exempt lifecycle
state, tier lock, protection, open Quotation, open Sales Order), warning and escalation to the parent
Sales Person's user, giving back by hand, claims within the holding limit, per day and after the cooldown,
a manager's assignment, the old owner losing access at once, the log rows, and claims racing over HTTP."""

import json
from threading import Thread

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate, nowdate

from crm_archive.pool.store import core as store
from crm_archive.tests.rest import Session
from crm_archive.tests.utils import make_customer, make_sales_invoice, test_company

PWD = "Pool@12345"
SILENT, PURCHASE, VIP = "_Pool Silent", "_Pool Purchase", "_Pool VIP"


def make_user(email, *roles):
	if not frappe.db.exists("User", email):
		frappe.get_doc(
			{"doctype": "User", "email": email, "first_name": email.split("@")[0], "send_welcome_email": 0}
		).insert(ignore_permissions=True)
	user = frappe.get_doc("User", email)
	user.new_password = PWD
	user.save(ignore_permissions=True)
	user.add_roles(*roles)
	return email


def make_tier(name, rank, **policy):
	if frappe.db.exists("Customer Tier", name):
		frappe.delete_doc("Customer Tier", name, force=True)
	frappe.get_doc({"doctype": "Customer Tier", "tier_name": name, "rank": rank, **policy}).insert(
		ignore_permissions=True
	)
	return name


def set_settings(**values):
	settings = frappe.get_doc("CRM Archive Settings")
	limits = values.pop("pool_limits", None)
	settings.update(values)
	if limits is not None:
		settings.set("pool_limits", [])
		for row in limits:
			settings.append("pool_limits", row)
	settings.save(ignore_permissions=True)
	frappe.clear_document_cache("CRM Archive Settings", "CRM Archive Settings")


def pool_archive_fixture(full_name, rep, tier=SILENT, held_days=100, silent_days=None, customer=None, **more):
	"""An archive held by `rep` since `held_days` ago, last interaction `silent_days` ago."""
	doc = frappe.get_doc(
		{"doctype": "Customer Archive", "full_name": full_name, "account_manager": rep, "customer": customer}
	).insert(ignore_permissions=True)
	today = getdate(nowdate())
	values = {
		"tier": tier,
		"pool_claimed_on": add_days(today, -held_days),
		"last_interaction_date": add_days(today, -silent_days) if silent_days is not None else None,
		**more,
	}
	frappe.db.set_value("Customer Archive", doc.name, values, update_modified=False)
	return doc.name


def logs(archive, event):
	return frappe.get_all(
		"Customer Archive Log",
		{"customer_archive": archive, "event_type": event},
		["from_value", "to_value", "trigger", "rule_row", "metrics_snapshot", "user"],
		order_by="creation",
	)


def visible(user, archive) -> tuple[bool, bool]:
	"""(has_permission, in get_list) for `user`."""
	current = frappe.session.user
	frappe.set_user(user)
	try:
		listed = archive in frappe.get_list("Customer Archive", pluck="name", limit_page_length=0)
		return frappe.has_permission("Customer Archive", "read", doc=archive, user=user), listed
	finally:
		frappe.set_user(current)


class PoolCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.today = getdate(nowdate())
		cls.rep1 = make_user("pool.rep1@example.com", "CRM Archive User")
		cls.rep2 = make_user("pool.rep2@example.com", "CRM Archive User")
		cls.rep3 = make_user("pool.rep3@example.com", "CRM Archive User")
		cls.boss = make_user("pool.boss@example.com", "CRM Archive User")
		cls.mgr = make_user("pool.mgr@example.com", "CRM Archive Manager")
		make_tier(
			SILENT, 11, pool_release_no_interaction_days=30, pool_warning_days=5, pool_escalation_days=3
		)
		make_tier(PURCHASE, 12, pool_release_no_purchase_days=60)
		make_tier(VIP, 13, pool_exempt=1, pool_release_no_interaction_days=30)
		set_settings(
			pool_enabled=1,
			pool_holding_limit=0,
			pool_claims_per_day=0,
			pool_cooldown_days=0,
			pool_limit_by_tier=0,
			pool_exempt_churned=1,
			pool_limits=[],
		)


class TestPoolRelease(PoolCase):
	def test_release_by_silence_takes_access_from_owner_creator_shares_and_team_at_once(self):
		frappe.set_user(self.rep1)  # rep1 creates it: the creator has access while no account manager
		a = frappe.get_doc(
			{"doctype": "Customer Archive", "full_name": "公海沉默甲", "account_manager": self.rep1}
		).insert()
		frappe.set_user("Administrator")
		frappe.db.set_value(
			"Customer Archive",
			a.name,
			{
				"tier": SILENT,
				"pool_claimed_on": add_days(self.today, -100),
				"last_interaction_date": add_days(self.today, -31),
			},
		)
		quiet = pool_archive_fixture("公海沉默乙", self.rep1, silent_days=10)
		frappe.share.add_docshare(
			"Customer Archive", a.name, self.rep2, read=1, flags={"ignore_share_permission": 1}
		)
		frappe.get_doc(
			{
				"doctype": "ToDo",
				"allocated_to": self.rep1,
				"reference_type": "Customer Archive",
				"reference_name": a.name,
				"crm_reminder": "follow_up",
				"description": "follow up",
			}
		).insert(ignore_permissions=True)
		self.assertEqual(visible(self.rep1, a.name), (True, True))
		self.assertEqual(visible(self.rep2, a.name), (True, True))

		out = store.run(self.today)
		self.assertGreaterEqual(out["released"], 1)
		row = frappe.db.get_value(
			"Customer Archive",
			a.name,
			["in_pool", "account_manager", "pool_previous_owner", "pool_release_reason", "pool_released_on"],
			as_dict=True,
		)
		self.assertEqual(
			(row.in_pool, row.account_manager, row.pool_previous_owner, row.pool_release_reason),
			(1, None, self.rep1, "No Interaction"),
		)
		self.assertEqual(getdate(row.pool_released_on), self.today)
		# the old owner (also its creator) and the share's user lose it at once, on every path
		self.assertEqual(visible(self.rep1, a.name), (False, False))
		self.assertEqual(visible(self.rep2, a.name), (False, False))
		self.assertFalse(frappe.db.exists("DocShare", {"share_name": a.name}))
		self.assertFalse(
			frappe.db.exists("ToDo", {"reference_name": a.name, "status": "Open", "allocated_to": self.rep1})
		)
		# a manager still reads it
		self.assertTrue(frappe.has_permission("Customer Archive", "read", doc=a.name, user=self.mgr))
		# the quiet-for-10-days archive is planned for 20 days from now
		self.assertEqual(visible(self.rep1, quiet), (True, True))
		self.assertEqual(
			getdate(frappe.db.get_value("Customer Archive", quiet, "pool_release_date")),
			add_days(self.today, 20),
		)
		[log] = logs(a.name, "Pool Release")
		self.assertEqual(
			(log.from_value, log.trigger, log.rule_row), (self.rep1, "Scheduled", "No Interaction")
		)
		figures = json.loads(log.metrics_snapshot)
		self.assertEqual(figures["days_without_interaction"], 31)
		self.assertEqual(figures["silent_days"], 30)

	def test_release_by_no_purchase_counts_submitted_non_return_invoices_only(self):
		customer = make_customer("_Pool Buyer 丙")
		a = pool_archive_fixture("公海买家丙", self.rep1, tier=PURCHASE, customer=customer)
		si = make_sales_invoice(customer, 500, posting_date=add_days(self.today, -50))
		from erpnext.accounts.doctype.sales_invoice.sales_invoice import make_sales_return

		credit = make_sales_return(si.name)
		credit.posting_date = add_days(self.today, -5)
		credit.set_posting_time = 1
		credit.insert(ignore_permissions=True)
		credit.submit()
		cancelled = make_sales_invoice(customer, 300, posting_date=add_days(self.today, -3))
		cancelled.cancel()
		self.assertEqual(
			getdate(frappe.db.get_value("Customer Archive", a, "last_purchase_date")),
			add_days(self.today, -50),
		)
		# the invoices re-tiered it by the rule set: the rules under test are the purchase tier's
		frappe.db.set_value("Customer Archive", a, "tier", PURCHASE)
		never = pool_archive_fixture("公海买家丁", self.rep1, tier=PURCHASE)  # held 100 days, no purchase

		store.run(self.today)
		self.assertEqual(frappe.db.get_value("Customer Archive", never, "pool_release_reason"), "No Purchase")
		self.assertEqual(frappe.db.get_value("Customer Archive", a, "in_pool"), 0)
		# the credit note and the cancelled invoice are no purchase: 60 days from the real one
		self.assertEqual(
			getdate(frappe.db.get_value("Customer Archive", a, "pool_release_date")), add_days(self.today, 10)
		)
		store.run(add_days(self.today, 10))
		self.assertEqual(frappe.db.get_value("Customer Archive", a, "in_pool"), 1)
		[log] = logs(a, "Pool Release")
		self.assertEqual(json.loads(log.metrics_snapshot)["days_without_purchase"], 60)

	def test_every_hold_keeps_the_archive(self):
		from crm_archive.devtools.setup_site import SERVICE_ITEM

		company = test_company()
		held = {}
		held["tier"] = pool_archive_fixture("公海免A", self.rep2, tier=VIP, silent_days=90)
		held["lock"] = pool_archive_fixture(
			"公海免B", self.rep2, silent_days=90, tier_locked=1, locked_tier=SILENT
		)
		held["protected"] = pool_archive_fixture(
			"公海免C", self.rep2, silent_days=90, pool_protected_until=self.today
		)
		held["state"] = pool_archive_fixture("公海免D", self.rep2, silent_days=90, lifecycle_state="Churned")
		qc, sc = make_customer("_Pool Quote 戊"), make_customer("_Pool Order 己")
		held["quotation"] = pool_archive_fixture("公海免E", self.rep2, silent_days=90, customer=qc)
		held["sales_order"] = pool_archive_fixture("公海免F", self.rep2, silent_days=90, customer=sc)
		expired = pool_archive_fixture(
			"公海免G", self.rep2, silent_days=90, pool_protected_until=add_days(self.today, -1)
		)
		item = {"item_code": SERVICE_ITEM, "qty": 1, "rate": 100}
		frappe.get_doc(
			{
				"doctype": "Quotation",
				"quotation_to": "Customer",
				"party_name": qc,
				"company": company,
				"transaction_date": self.today,
				"valid_till": add_days(self.today, 30),
				"items": [item],
			}
		).insert(ignore_permissions=True).submit()
		frappe.get_doc(
			{
				"doctype": "Sales Order",
				"customer": sc,
				"company": company,
				"transaction_date": self.today,
				"delivery_date": add_days(self.today, 7),
				"items": [{**item, "delivery_date": add_days(self.today, 7)}],
			}
		).insert(ignore_permissions=True).submit()

		store.run(self.today)
		for why, name in held.items():
			row = frappe.db.get_value(
				"Customer Archive", name, ["in_pool", "pool_release_date"], as_dict=True
			)
			self.assertEqual((why, row.in_pool, row.pool_release_date), (why, 0, None))
		self.assertEqual(frappe.db.get_value("Customer Archive", expired, "in_pool"), 1)

	def test_the_nights_sql_agrees_with_the_pure_rules(self):
		from crm_archive.pool import rules as R

		both = make_tier(
			"_Pool Both", 14, pool_release_no_interaction_days=20, pool_release_no_purchase_days=45
		)
		policy = R.TierPolicy(silent_days=20, no_purchase_days=45)
		cases = []
		for i, (held, silent, bought, locked) in enumerate(
			[
				(100, 5, 10, 0),
				(100, 30, 2, 0),
				(10, None, None, 0),
				(100, 1, 60, 0),
				(3, 50, 50, 0),
				(100, 5, 5, 1),
			]
		):
			a = pool_archive_fixture(
				f"公海对照{i}", self.rep3, tier=both, held_days=held, silent_days=silent, tier_locked=locked
			)
			if bought is not None:
				frappe.db.set_value(
					"Customer Archive", a, "last_purchase_date", add_days(self.today, -bought)
				)
			cases.append((a, held, silent, bought, locked))
		store.plan(self.today)
		for a, held, silent, bought, locked in cases:
			expected, _reason = R.release_date(
				policy,
				add_days(self.today, -silent) if silent is not None else None,
				add_days(self.today, -bought) if bought is not None else None,
				add_days(self.today, -held),
			)
			if R.holds(policy, None, [], bool(locked), None, self.today, False, False):
				expected = None
			got = frappe.db.get_value("Customer Archive", a, "pool_release_date")
			self.assertEqual(getdate(got) if got else None, expected, (held, silent, bought, locked))

	def test_pool_off_releases_nothing(self):
		a = pool_archive_fixture("公海关", self.rep1, silent_days=90)
		set_settings(pool_enabled=0)
		try:
			self.assertEqual(store.run(self.today), {"skipped": "pool off"})
			self.assertEqual(frappe.db.get_value("Customer Archive", a, "in_pool"), 0)
		finally:
			set_settings(pool_enabled=1)

	def test_warning_before_release_once(self):
		a = pool_archive_fixture("公海预警", self.rep3, silent_days=27)  # released in 3 days, warned from 5
		store.run(self.today)
		store.run(self.today)
		todos = frappe.get_all(
			"ToDo", {"reference_name": a, "crm_reminder": store.WARNING, "status": "Open"}, ["allocated_to"]
		)
		self.assertEqual([t.allocated_to for t in todos], [self.rep3])
		self.assertEqual(len(logs(a, "Pool Warning")), 1)
		# the rep calls: the warning closes the next night
		frappe.db.set_value("Customer Archive", a, "last_interaction_date", self.today)
		store.run(self.today)
		self.assertFalse(
			frappe.db.exists("ToDo", {"reference_name": a, "crm_reminder": store.WARNING, "status": "Open"})
		)

	def test_escalation_goes_to_the_parent_sales_persons_user_else_managers(self):
		boss_sp = self.sales_person("_Pool Boss SP", self.boss, None, is_group=1)
		self.sales_person("_Pool Rep3 SP", self.rep3, boss_sp)
		late = pool_archive_fixture(
			"公海逾期", self.rep3, silent_days=1, next_follow_up_date=add_days(self.today, -4)
		)
		alone = pool_archive_fixture(
			"公海逾期无上级", self.rep2, silent_days=1, next_follow_up_date=add_days(self.today, -4)
		)
		fine = pool_archive_fixture(
			"公海未逾期", self.rep3, silent_days=1, next_follow_up_date=add_days(self.today, -2)
		)
		store.run(self.today)
		store.run(self.today)  # once per follow-up date

		def to(archive):
			return sorted(
				frappe.get_all(
					"ToDo",
					{"reference_name": archive, "crm_reminder": store.ESCALATION},
					pluck="allocated_to",
				)
			)

		self.assertEqual(to(late), [self.boss])
		self.assertIn(self.mgr, to(alone))
		self.assertNotIn(self.boss, to(alone))
		self.assertEqual(to(fine), [])
		[log] = logs(late, "Pool Escalation")
		self.assertEqual((log.from_value, log.to_value), (self.rep3, self.boss))
		self.assertEqual(json.loads(log.metrics_snapshot)["days_overdue"], 4)

	def sales_person(self, name, user, parent, is_group=0):
		employee = frappe.db.get_value("Employee", {"user_id": user}, "name") or (
			frappe.get_doc(
				{
					"doctype": "Employee",
					"first_name": user.split("@")[0],
					"gender": "Male",
					"date_of_birth": "1990-01-01",
					"date_of_joining": "2020-01-01",
					"company": test_company(),
					"status": "Active",
					"user_id": user,
				}
			)
			.insert(ignore_permissions=True)
			.name
		)
		root = frappe.db.get_value("Sales Person", {"is_group": 1}, "name", order_by="lft")
		return (
			frappe.get_doc(
				{
					"doctype": "Sales Person",
					"sales_person_name": name,
					"parent_sales_person": parent or root,
					"is_group": is_group,
					"employee": employee,
				}
			)
			.insert(ignore_permissions=True)
			.name
		)

	def test_manager_runs_the_release_on_demand_reps_may_not(self):
		from crm_archive.pool.store import api

		a = pool_archive_fixture("公海手动", self.rep1, silent_days=90)
		frappe.set_user(self.rep1)
		self.assertRaises(frappe.PermissionError, api.release_now)
		frappe.set_user(self.mgr)
		out = api.release_now()
		frappe.set_user("Administrator")
		self.assertGreaterEqual(out["released"], 1)
		[log] = logs(a, "Pool Release")
		self.assertEqual((log.trigger, log.user), ("Manual", self.mgr))


class TestPoolClaims(PoolCase):
	def released(self, full_name, owner=None, reason="试试看"):
		owner = owner or self.rep1
		a = pool_archive_fixture(full_name, owner, silent_days=1)
		frappe.set_user(owner)
		try:
			store.give_back(a, reason)
		finally:
			frappe.set_user("Administrator")
		return a

	def test_give_back_by_hand(self):
		a = pool_archive_fixture("公海退回", self.rep1, silent_days=1)
		frappe.set_user(self.rep2)
		self.assertRaises(frappe.PermissionError, store.give_back, a, "不是我的")
		frappe.set_user(self.rep1)
		self.assertRaises(frappe.ValidationError, store.give_back, a, "  ")
		self.assertEqual(frappe.db.get_value("Customer Archive", a, "in_pool"), 0)  # nothing half-written
		store.give_back(a, "客户转行了")
		frappe.set_user("Administrator")
		row = frappe.db.get_value(
			"Customer Archive", a, ["in_pool", "pool_release_reason", "pool_release_note"], as_dict=True
		)
		self.assertEqual(
			(row.in_pool, row.pool_release_reason, row.pool_release_note), (1, "Given Back", "客户转行了")
		)
		[log] = logs(a, "Pool Release")
		self.assertEqual((log.from_value, log.trigger, log.user), (self.rep1, "Manual", self.rep1))
		self.assertEqual(visible(self.rep1, a), (False, False))

	def test_claim_gives_access_reminders_and_a_log_row(self):
		a = self.released("公海认领")
		self.assertEqual(visible(self.rep2, a), (False, False))
		frappe.db.set_value("Customer Archive", a, "next_follow_up_date", self.today)
		frappe.set_user(self.rep2)
		out = store.claim([a])
		frappe.set_user("Administrator")
		self.assertEqual(out, {"claimed": [a], "refused": {}})
		self.assertEqual(visible(self.rep2, a), (True, True))
		self.assertEqual(visible(self.rep1, a), (False, False))
		row = frappe.db.get_value(
			"Customer Archive",
			a,
			["account_manager", "in_pool", "pool_claimed_on", "pool_release_date"],
			as_dict=True,
		)
		self.assertEqual(
			(row.account_manager, row.in_pool, getdate(row.pool_claimed_on)), (self.rep2, 0, self.today)
		)
		self.assertEqual(getdate(row.pool_release_date), add_days(self.today, 30))  # the clock starts now
		self.assertTrue(
			frappe.db.exists("ToDo", {"reference_name": a, "allocated_to": self.rep2, "status": "Open"})
		)
		[log] = logs(a, "Pool Claim")
		self.assertEqual((log.to_value, log.user), (self.rep2, self.rep2))
		# a second claim of the same archive: a clear sentence, nothing changes
		frappe.set_user(self.rep3)
		out = store.claim([a])
		frappe.set_user("Administrator")
		self.assertEqual(out["claimed"], [])
		self.assertIn(a, out["refused"])

	def test_holding_limit_claims_per_day_and_cooldown(self):
		pool = [self.released(f"公海限额{i}") for i in range(4)]
		set_settings(pool_holding_limit=5, pool_limits=[{"user": self.rep3, "holding_limit": 2}])
		try:
			pool_archive_fixture("公海已有", self.rep3, silent_days=1)  # rep3 holds one already
			frappe.set_user(self.rep3)
			out = store.claim(pool[:3])
			frappe.set_user("Administrator")
			self.assertEqual(len(out["claimed"]), 1)
			self.assertEqual(len(out["refused"]), 2)
			for message in out["refused"].values():
				self.assertIn("(2)", message)
			set_settings(pool_holding_limit=0, pool_limits=[], pool_claims_per_day=2)
			frappe.set_user(self.rep3)
			out = store.claim(pool[1:])  # one claimed today already: one more
			frappe.set_user("Administrator")
			self.assertEqual(len(out["claimed"]), 1)
			self.assertTrue(all("(2)" in m for m in out["refused"].values()))
		finally:
			set_settings(pool_holding_limit=0, pool_limits=[], pool_claims_per_day=0)

	def test_cooldown_before_claiming_back(self):
		set_settings(pool_cooldown_days=7)
		try:
			a = self.released("公海冷却", owner=self.rep1)
			frappe.set_user(self.rep1)
			out = store.claim([a])
			self.assertEqual(out["claimed"], [])
			self.assertIn(frappe.utils.formatdate(add_days(self.today, 7)), out["refused"][a])
			frappe.set_user(self.rep2)
			self.assertEqual(store.claim([a])["claimed"], [a])
		finally:
			frappe.set_user("Administrator")
			set_settings(pool_cooldown_days=0)

	def test_manager_assigns_several_reps_may_not(self):
		a, b = self.released("公海分配甲"), self.released("公海分配乙")
		frappe.set_user(self.rep2)
		self.assertRaises(frappe.PermissionError, store.assign, [a, b], self.rep2)
		frappe.set_user(self.mgr)
		out = store.assign([a, b, "CA-NOPE"], self.rep3)
		frappe.set_user("Administrator")
		self.assertEqual(sorted(out["claimed"]), sorted([a, b]))
		self.assertIn("CA-NOPE", out["refused"])
		for name in (a, b):
			self.assertEqual(frappe.db.get_value("Customer Archive", name, "account_manager"), self.rep3)
			[log] = logs(name, "Pool Assignment")
			self.assertEqual((log.to_value, log.user), (self.rep3, self.mgr))
			self.assertEqual(visible(self.rep3, name), (True, True))

	def test_pool_list_shows_basic_facts_only(self):
		from frappe.desk.query_report import run

		a = self.released("公海列表")
		frappe.db.set_value(
			"Customer Archive",
			a,
			{
				"mobile_no": "+8613911112222",
				"email_id": "poolsecret@example.com",
				"address": "poolsecret road",
				"confidential_notes": "poolsecret-notes",
				"company_name": "公海列表公司",
				"city": "杭州",
			},
		)
		rows = [r for r in store.pool_rows() if r.name == a]
		self.assertEqual(len(rows), 1)
		self.assertEqual(set(rows[0]), set(store.BASIC_FIELDS))
		frappe.set_user(self.rep2)
		try:
			out = run("Customer Pool", filters={"search": "公海列表"})
			self.assertFalse(frappe.has_permission("Customer Archive", "read", doc=a, user=self.rep2))
		finally:
			frappe.set_user("Administrator")
		[row] = [r for r in out["result"] if r["name"] == a]
		self.assertEqual((row["company_name"], row["city"]), ("公海列表公司", "杭州"))
		body = json.dumps(out, default=str, ensure_ascii=False)
		for secret in ("13911112222", "poolsecret"):
			self.assertNotIn(secret, body)
		# a user who may not claim (an auditor) gets no pool list
		auditor = make_user("pool.auditor@example.com", "CRM Archive Auditor")
		frappe.set_user(auditor)
		try:
			self.assertRaises(frappe.PermissionError, run, "Customer Pool")
		finally:
			frappe.set_user("Administrator")

	def test_pool_flow_counts_in_and_out_and_holdings(self):
		from crm_archive.crm_archive.report.pool_flow.pool_flow import execute, holdings

		a = self.released("公海流转")
		frappe.set_user(self.rep2)
		store.claim([a])
		frappe.set_user(self.mgr)
		try:
			columns, rows, message, chart, summary = execute({})
		finally:
			frappe.set_user("Administrator")
		self.assertTrue(any(r["archives"] >= 1 and r["reason"] for r in rows))
		self.assertIn(self.rep2, [h["user"] for h in holdings()])
		self.assertGreaterEqual(summary[0]["value"], 1)
		self.assertEqual(len(chart["data"]["datasets"]), 2)
		frappe.set_user(self.rep2)
		try:
			self.assertRaises(frappe.PermissionError, execute, {})
		finally:
			frappe.set_user("Administrator")


class TestPoolRace(FrappeTestCase):
	"""N reps claim the same archives at the same moment over HTTP (each request its own connection)."""

	REPS = [f"pool.race{i}@example.com" for i in range(5)]

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		for rep in cls.REPS:
			make_user(rep, "CRM Archive User")
		make_tier(SILENT, 11, pool_release_no_interaction_days=30)
		set_settings(
			pool_enabled=1, pool_holding_limit=2, pool_claims_per_day=0, pool_cooldown_days=0, pool_limits=[]
		)
		cls.pool = []
		for i in range(8):
			a = pool_archive_fixture(f"公海抢{i}", cls.REPS[0], silent_days=1)
			store.release_rows(
				[{"name": a, "account_manager": cls.REPS[0], "reason": "Given Back", "note": "race"}],
				"Manual",
			)
			cls.pool.append(a)
		frappe.db.sql(
			"delete from `tabCustomer Archive Log` where `event_type` = 'Pool Claim' and `user` like 'pool.race%%'"
		)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.db.sql(
			"delete from `tabCustomer Archive Log` where `customer_archive` in %s", (tuple(cls.pool),)
		)
		frappe.db.sql("delete from `tabToDo` where `reference_name` in %s", (tuple(cls.pool),))
		for a in cls.pool:
			frappe.delete_doc("Customer Archive", a, force=True, ignore_permissions=True)
		set_settings(pool_holding_limit=0, pool_enabled=0)
		# the committed test tier would stand in every later test's tier list (distribution, charts)
		if not frappe.db.exists("Customer Archive", {"tier": SILENT}):
			frappe.db.delete("Customer Tier", {"name": SILENT})
		frappe.db.commit()
		super().tearDownClass()

	def test_each_archive_one_owner_losers_told_nobody_over_the_limit(self):
		# REPS[0] gave them back: without a cooldown they may claim too; two sessions of one rep race as well
		sessions = [Session(rep, PWD) for rep in self.REPS] + [Session(self.REPS[1], PWD)]
		results = [None] * len(sessions)

		def go(i):
			order = self.pool if i % 2 else list(reversed(self.pool))
			r = sessions[i].method("crm_archive.pool.store.api.claim", archives=order)
			results[i] = (r.status_code, r.json)

		threads = [Thread(target=go, args=(i,)) for i in range(len(sessions))]
		for t in threads:
			t.start()
		for t in threads:
			t.join()
		claimed: dict[str, list[str]] = {}
		for i, (status, body) in enumerate(results):
			self.assertEqual(status, 200, body)
			out = body["message"]
			for a in out["claimed"]:
				claimed.setdefault(a, []).append(sessions[i].user)
			for a, message in out["refused"].items():
				self.assertTrue(message and a in self.pool, message)
			self.assertEqual(len(out["claimed"]) + len(out["refused"]), len(self.pool))
		print(results)
		frappe.db.rollback()  # a fresh read
		self.assertEqual(sorted(claimed), sorted(self.pool))  # 5 reps x 2 >= 8: every archive taken
		for a, owners in claimed.items():
			self.assertEqual(len(owners), 1, (a, owners))
			self.assertEqual(frappe.db.get_value("Customer Archive", a, "account_manager"), owners[0])
		for rep in self.REPS:
			held = frappe.db.count("Customer Archive", {"account_manager": rep, "name": ("in", self.pool)})
			self.assertLessEqual(held, 2, rep)
		self.assertEqual(
			frappe.db.count(
				"Customer Archive Log", {"event_type": "Pool Claim", "customer_archive": ("in", self.pool)}
			),
			len(self.pool),
		)
