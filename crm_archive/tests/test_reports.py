"""The six script reports, called directly, on real invoices, archives and log rows."""

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate, nowdate

from crm_archive.crm_archive.report.churn_risk.churn_risk import execute as churn_risk
from crm_archive.crm_archive.report.customer_transaction_history.customer_transaction_history import (
	execute as history,
)
from crm_archive.crm_archive.report.customer_value_analysis.customer_value_analysis import execute as value
from crm_archive.crm_archive.report.follow_ups_due.follow_ups_due import execute as follow_ups
from crm_archive.crm_archive.report.lifecycle_funnel.lifecycle_funnel import execute as funnel
from crm_archive.crm_archive.report.tier_distribution_and_movements.tier_distribution_and_movements import (
	execute as tiers,
)
from crm_archive.tests.utils import make_customer, make_sales_invoice
from crm_archive.tiering.store.engine import retier

REP_A, REP_B = "crm.report.a@example.com", "crm.report.b@example.com"


def user(email):
	if not frappe.db.exists("User", email):
		frappe.get_doc(
			{"doctype": "User", "email": email, "first_name": email.split("@")[0], "send_welcome_email": 0}
		).insert()
	frappe.get_doc("User", email).add_roles("CRM Archive User")
	return email


def log(archive, event, frm, to, days_ago=1):
	frappe.get_doc(
		{
			"doctype": "Customer Archive Log",
			"customer_archive": archive,
			"event_type": event,
			"from_value": frm,
			"to_value": to,
			"trigger": "Manual",
			"timestamp": add_days(nowdate(), -days_ago),
		}
	).insert(ignore_permissions=True)


class TestReports(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.today = getdate(nowdate())
		user(REP_A), user(REP_B)
		ca = make_customer("_Report A")
		cb = make_customer("_Report B")
		cls.a = (
			frappe.get_doc(
				{
					"doctype": "Customer Archive",
					"full_name": "_Report A",
					"customer": ca,
					"account_manager": REP_A,
				}
			)
			.insert()
			.name
		)
		cls.b = (
			frappe.get_doc(
				{
					"doctype": "Customer Archive",
					"full_name": "_Report B",
					"customer": cb,
					"account_manager": REP_B,
				}
			)
			.insert()
			.name
		)
		make_sales_invoice(ca, 1000, posting_date=add_days(cls.today, -10))
		si = make_sales_invoice(ca, 3000, posting_date=add_days(cls.today, -40))
		make_sales_invoice(
			ca, 500, posting_date=add_days(cls.today, -39), is_return=True, return_against=si.name
		)
		make_sales_invoice(ca, 9999, posting_date=add_days(cls.today, -5)).cancel()
		for days in (400, 300, 200):
			make_sales_invoice(cb, 800, posting_date=add_days(cls.today, -days))

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_transaction_history(self):
		columns, rows, message, chart, summary = history({"customer_archive": self.a})
		self.assertEqual(len(rows), 3)  # the cancelled invoice never shows
		self.assertEqual(sum(r.amount for r in rows), 3500)
		self.assertEqual(sorted(r.is_return for r in rows), [0, 0, 1])
		self.assertIn("CRM Service Package", rows[0]["items"])
		self.assertEqual({s["label"]: s["value"] for s in summary}["Net Spend"], 3500)
		self.assertEqual(sum(chart["data"]["datasets"][0]["values"]), 3500)
		frappe.set_user(REP_B)
		self.assertRaises(frappe.PermissionError, history, {"customer_archive": self.a})

	def test_value_analysis_agrees_with_archive_metrics_and_permissions(self):
		columns, rows, _m, chart, summary = value({"as_of": str(self.today), "window_days": 365})
		row = next(r for r in rows if r["customer_archive"] == self.a)
		self.assertEqual((row["monetary"], row["frequency"], row["recency_days"]), (3500, 2, 10))
		self.assertRegex(row["code"], r"^[1-5]-[1-5]-[1-5]$")
		self.assertIn(row["abc"], "ABC")
		retier(archives=[self.a])
		self.assertEqual(frappe.db.get_value("Customer Archive", self.a, "window_spend"), row["monetary"])
		# as of 30 days ago the later purchase did not exist yet
		_c, past, *_ = value({"as_of": str(add_days(self.today, -30)), "window_days": 365})
		past_a = next(r for r in past if r["customer_archive"] == self.a)
		self.assertEqual((past_a["monetary"], past_a["frequency"], past_a["recency_days"]), (2500, 1, 10))
		frappe.set_user(REP_A)
		_c, mine, *_ = value({"as_of": str(self.today)})
		self.assertEqual({r["customer_archive"] for r in mine}, {self.a})
		self.assertNotIn("mobile_no", {c["fieldname"] for c in columns})
		self.assertRaises(frappe.ValidationError, value, {"a_share": 95, "b_share": 90})

	def test_saved_filtered_version_for_a_team(self):
		"""An admin's "Save As" of a script report (Frappe's Custom Report) keeps its filters and still runs
		the report's own permission-aware code for whoever opens it."""
		import json

		from frappe.desk.query_report import run, save_report

		name = save_report(
			"Customer Value Analysis",
			"_CVA Team A",
			json.dumps([{"fieldname": "customer_archive"}, {"fieldname": "monetary"}]),
			json.dumps({"account_manager": REP_A, "window_days": 365}),
		)
		report = frappe.get_doc("Report", name)
		self.assertEqual(
			(report.report_type, report.reference_report), ("Custom Report", "Customer Value Analysis")
		)
		saved_filters = json.loads(report.json)["filters"]
		# the manager's view through the saved version: the saved filter narrows to rep A's archives
		result = run(name, filters=saved_filters)
		self.assertEqual({r["customer_archive"] for r in result["result"] if isinstance(r, dict)}, {self.a})
		# rep B opens the same saved version: the report's permission condition still applies
		frappe.set_user(REP_B)
		result = run(name, filters=saved_filters)
		self.assertEqual([r for r in result["result"] if isinstance(r, dict)], [])
		# … and when the rep clears the saved filter in the desk, the rep's own archives only
		result = run(name, filters={**saved_filters, "account_manager": None}, are_default_filters=False)
		self.assertEqual({r["customer_archive"] for r in result["result"] if isinstance(r, dict)}, {self.b})
		# Frappe checks the original report's roles when a saved version runs (not the saved version's own),
		# so the rows, not the menu, are the boundary: a user with no CRM role gets nothing
		frappe.set_user("Administrator")
		outsider = "crm.report.outsider@example.com"
		if not frappe.db.exists("User", outsider):
			frappe.get_doc(
				{"doctype": "User", "email": outsider, "first_name": "Outsider", "send_welcome_email": 0}
			).insert()
		frappe.set_user(outsider)
		self.assertRaises(frappe.PermissionError, run, name, filters=saved_filters)

	def test_tier_movements(self):
		log(self.a, "Tier Change", "普通客户", "重要客户")
		log(self.b, "Tier Change", "重要客户", "普通客户")
		columns, rows, message, chart, summary = tiers(
			{"from_date": str(add_days(self.today, -7)), "to_date": str(self.today)}
		)
		s = {x["label"]: x["value"] for x in summary}
		self.assertGreaterEqual(s["Upgrades"], 1)
		self.assertGreaterEqual(s["Downgrades"], 1)
		self.assertIn("<table", message)
		frappe.set_user(REP_A)
		_c, rows, message, chart, summary = tiers(
			{"from_date": str(add_days(self.today, -7)), "to_date": str(self.today)}
		)
		self.assertEqual(sum(r["archives"] for r in rows), 1)
		self.assertEqual(
			{x["label"]: x["value"] for x in summary}["Downgrades"], 0
		)  # rep B's move is not visible

	def test_lifecycle_funnel(self):
		frappe.set_user(REP_A)
		columns, rows, _m, chart, summary = funnel(
			{"from_date": str(add_days(self.today, -7)), "to_date": str(self.today)}
		)
		stage = {r["stage"]: r for r in rows}
		self.assertEqual(stage["Potential → Existing"]["moved"], 1)  # the first invoice moved A
		self.assertEqual(stage["Potential → Existing"]["conversion"], 100.0)
		self.assertEqual({x["label"]: x["value"] for x in summary}["Existing"], 1)

	def test_follow_ups_due(self):
		frappe.db.set_value("Customer Archive", self.a, "next_follow_up_date", add_days(self.today, -3))
		columns, rows, _m, chart, summary = follow_ups({"as_of": str(self.today), "account_manager": REP_A})
		row = next(r for r in rows if r["customer_archive"] == self.a)
		self.assertGreaterEqual(row["days_overdue"], 3)
		self.assertIn("Follow-up date reached", row["reason"])
		self.assertTrue(all(r["account_manager"] == REP_A for r in rows))

	def test_churn_risk(self):
		columns, rows, _m, chart, summary = churn_risk({"as_of": str(self.today), "churn_after_days": 365})
		names = {r["customer_archive"]: r for r in rows}
		self.assertIn(self.b, names)  # every ~100 days, silent for 200
		self.assertEqual(names[self.b]["typical_gap"], 100.0)
		self.assertEqual(names[self.b]["value_at_risk"], 2400)
		self.assertNotIn(self.a, names)
		# as of 150 days ago B was still buying on schedule
		_c, past, *_ = churn_risk({"as_of": str(add_days(self.today, -150)), "churn_after_days": 365})
		self.assertNotIn(self.b, {r["customer_archive"] for r in past})
		frappe.set_user(REP_A)
		_c, mine, *_ = churn_risk({"as_of": str(self.today), "churn_after_days": 365})
		self.assertNotIn(self.b, {r["customer_archive"] for r in mine})

	def test_bad_filters(self):
		self.assertRaises(frappe.ValidationError, value, {"as_of": "not a date"})
		self.assertRaises(frappe.ValidationError, follow_ups, {"tier": ["VIP", "x"]})
		self.assertRaises(frappe.ValidationError, value, {"window_days": -5})
		# SQL-looking values are only ever parameters: they match nothing
		_c, rows, *_ = follow_ups({"account_manager": "x' or '1'='1"})
		self.assertEqual(rows, [])


class TestWorkspace(FrappeTestCase):
	def test_workspace_cards_and_charts(self):
		from frappe.desk.doctype.number_card.number_card import get_result

		frappe.get_doc({"doctype": "Customer Archive", "full_name": "_Workspace Archive"}).insert()
		ws = frappe.get_doc("Workspace", "CRM Archive")
		self.assertEqual(len(ws.number_cards), 4)
		self.assertEqual(len(ws.charts), 3)
		card = frappe.get_doc("Number Card", "Customer Archives")
		total = get_result(card.as_dict(), None)
		self.assertEqual(total, frappe.db.count("Customer Archive"))
		user("crm.card.rep@example.com")
		frappe.set_user("crm.card.rep@example.com")
		try:
			self.assertEqual(get_result(card.as_dict(), None), 0)  # a new rep owns nothing yet
		finally:
			frappe.set_user("Administrator")
		from frappe.desk.doctype.dashboard_chart.dashboard_chart import has_permission

		from crm_archive.crm_archive.dashboard_chart_source.crm_archives_by_lifecycle_state import (
			crm_archives_by_lifecycle_state as by_state,
		)
		from crm_archive.crm_archive.dashboard_chart_source.crm_monthly_spend import crm_monthly_spend
		from crm_archive.crm_archive.dashboard_chart_source.crm_tier_mix import crm_tier_mix
		from crm_archive.tests.test_tiering import archive_with_customer

		before = sum(crm_monthly_spend.get()["datasets"][0]["values"])
		make_sales_invoice(archive_with_customer("_Workspace Spend").customer, 1234)
		self.assertEqual(sum(crm_monthly_spend.get()["datasets"][0]["values"]) - before, 1234)
		data = crm_tier_mix.get(chart_name="Tier Mix")
		# every tier is named, an empty one too, and archives without a tier are counted apart
		tiers = frappe.get_all("Customer Tier", pluck="name")
		named = {label.removesuffix(" (0)") for label in data["labels"]}
		self.assertTrue(set(tiers) <= named, data["labels"])
		values = data["datasets"][0]["values"]
		# zeros last (frappe-charts drops a zero from the legend's values, shifting the counts after it)
		self.assertEqual(values, sorted(values, key=lambda n: n == 0))
		for label, n in zip(data["labels"], values, strict=True):
			self.assertEqual(label.endswith(" (0)"), n == 0, (label, n))
		self.assertEqual(sum(data["datasets"][0]["values"]), frappe.db.count("Customer Archive"))
		states = by_state.get(chart_name="Archives by Lifecycle State")
		self.assertEqual(states["labels"], ["Potential", "Intentional", "Existing", "Churned"])
		self.assertTrue(all(isinstance(v, int) for v in states["datasets"][0]["values"]))
		self.assertEqual(sum(states["datasets"][0]["values"]), frappe.db.count("Customer Archive"))
		frappe.set_user("crm.card.rep@example.com")
		try:
			# the charts are the rep's, not the company's: a new rep's are empty, yet shown to them
			self.assertEqual(sum(crm_tier_mix.get()["datasets"][0]["values"]), 0)
			self.assertEqual(sum(by_state.get()["datasets"][0]["values"]), 0)
			self.assertEqual(sum(crm_monthly_spend.get()["datasets"][0]["values"]), 0)  # not the company's
			for name in ("Tier Mix", "Archives by Lifecycle State", "Monthly Spend of Archived Customers"):
				self.assertTrue(
					has_permission(frappe.get_doc("Dashboard Chart", name), "read", frappe.session.user)
				)
			frappe.local.lang = "zh"
			self.assertEqual(by_state.get()["labels"], ["潜在客户", "意向客户", "现有客户", "流失客户"])
		finally:
			frappe.local.lang = "en"
			frappe.set_user("Administrator")
