# Copyright (c) 2026, crm_archive developers and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate, nowdate

from crm_archive.crm_archive.report.churn_risk.churn_risk import execute
from crm_archive.tests.utils import ensure_user, make_customer, make_sales_invoice, use_default_rule_set
from crm_archive.utils import get_settings

MANAGER = "crm.churn.manager@example.com"
REP = "crm.churn.rep@example.com"


class TestChurnRisk(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		use_default_rule_set()  # the tiers below assume its 30-day downgrade grace
		cls.today = getdate(nowdate())
		ensure_user(MANAGER), ensure_user(REP)
		day = lambda n: add_days(cls.today, -n)  # noqa: E731

		def buyer(name, amounts_days, state="Existing", tier=None, manager=MANAGER):
			doc = frappe.get_doc(
				{
					"doctype": "Customer Archive",
					"full_name": name,
					"customer": make_customer(name),
					"account_manager": manager,
				}
			)
			doc.flags.ignore_duplicates = True
			doc.insert()
			invoices = [
				make_sales_invoice(doc.customer, amount, posting_date=day(n)) for amount, n in amounts_days
			]
			# state and tier as they would stand today (set after the invoices' own automatic moves)
			frappe.db.set_value("Customer Archive", doc.name, {"lifecycle_state": state, "tier": tier})
			return doc.name, invoices

		# every ~100 days, silent for 200: at risk (gap), and past a 180-day threshold
		cls.lapsed, _ = buyer("_Churn Lapsed", [(800, 400), (800, 300), (800, 200)], tier="VIP")
		# every 20 days, last 20 days ago: on schedule
		cls.steady, _ = buyer("_Churn Steady", [(100, 60), (100, 40), (100, 20)], tier="普通客户")
		# one purchase 250 days ago: no gap, only the threshold can flag it
		cls.single, _ = buyer("_Churn Single", [(5000, 250)], tier="普通客户")
		# weekly buyer silent for 20 days: 1.5 × 7 is exceeded, but not the 30-day floor
		cls.weekly, _ = buyer("_Churn Weekly", [(50, 34), (50, 27), (50, 20)], tier="普通客户")
		# a return is spend but not a purchase; a cancelled invoice is nothing
		cls.returner, invoices = buyer("_Churn Returner", [(1000, 300), (1000, 200)], tier="VIP")
		customer = frappe.db.get_value("Customer Archive", cls.returner, "customer")
		make_sales_invoice(
			customer, 400, posting_date=day(150), is_return=True, return_against=invoices[0].name
		)
		make_sales_invoice(customer, 9000, posting_date=day(10)).cancel()
		# not an Existing customer: out of the population
		cls.potential, _ = buyer("_Churn Potential", [(800, 400), (800, 300)], state="Potential")
		cls.rep_lapsed, _ = buyer("_Churn Rep", [(70, 300), (70, 200)], manager=REP)

	def tearDown(self):
		frappe.set_user("Administrator")

	def run_report(self, **filters):
		filters.setdefault("as_of", str(self.today))
		filters.setdefault("account_manager", MANAGER)
		columns, rows, _m, chart, summary = execute(filters)
		return columns, rows, chart, {s["label"]: s["value"] for s in summary}

	def test_at_risk_rows(self):
		columns, rows, chart, summary = self.run_report(churn_after_days=180)
		# sorted by lifetime spend (value at risk), descending
		self.assertEqual([r["customer_archive"] for r in rows], [self.single, self.lapsed, self.returner])
		by_name = {r["customer_archive"]: r for r in rows}
		lapsed = by_name[self.lapsed]
		self.assertEqual(
			(lapsed["days_since"], lapsed["typical_gap"], lapsed["lifetime_spend"], lapsed["tier"]),
			(200, 100.0, 2400, "VIP"),
		)
		self.assertEqual(lapsed["last_purchase_date"], add_days(self.today, -200))
		self.assertEqual(
			lapsed["reason"],
			"200 days since the last purchase, usually every 100 days; No purchase for 200 days (threshold 180)",
		)
		single = by_name[self.single]
		self.assertEqual(
			(single["days_since"], single["typical_gap"], single["lifetime_spend"]), (250, None, 5000)
		)
		self.assertEqual(single["reason"], "No purchase for 250 days (threshold 180)")
		returner = by_name[self.returner]  # the return is not its last purchase; it reduces the value
		self.assertEqual(
			(returner["days_since"], returner["typical_gap"], returner["lifetime_spend"]), (200, 100.0, 1600)
		)
		self.assertEqual(summary, {"Customers at Risk": 3, "Value at Risk": 9000})
		per_tier = dict(zip(chart["data"]["labels"], chart["data"]["datasets"][0]["values"], strict=True))
		self.assertEqual(per_tier, {"普通客户": 5000, "VIP": 4000})
		self.assertEqual(
			[c["fieldname"] for c in columns],
			[
				"customer_archive",
				"customer_name",
				"account_manager",
				"tier",
				"last_purchase_date",
				"days_since",
				"typical_gap",
				"p_alive",
				"lifetime_spend",
				"reason",
			],
		)

	def test_threshold_and_as_of(self):
		_c, rows, _chart, _s = self.run_report(churn_after_days=365)
		self.assertEqual(
			{r["customer_archive"]: r["reason"] for r in rows},
			{
				self.lapsed: "200 days since the last purchase, usually every 100 days",
				self.returner: "200 days since the last purchase, usually every 100 days",
			},
		)
		# 150 days ago both were still buying on schedule (50 days since, every 100); later invoices ignored
		_c, rows, *_ = self.run_report(as_of=str(add_days(self.today, -150)), churn_after_days=365)
		self.assertEqual(rows, [])
		# without the filter the threshold comes from CRM Archive Settings
		threshold = get_settings().churn_after_days or 180
		_c, rows, *_ = self.run_report()
		self.assertEqual(self.single in {r["customer_archive"] for r in rows}, 250 >= threshold)
		self.assertRaises(frappe.ValidationError, execute, {"churn_after_days": -1})
		_c, rows, *_ = self.run_report(churn_after_days=180, company="_Churn No Such Company")
		self.assertEqual(rows, [])

	def test_record_permissions(self):
		frappe.set_user(REP)
		_c, rows, *_ = self.run_report(account_manager=None, churn_after_days=180)
		ours = {self.lapsed, self.single, self.returner, self.rep_lapsed}
		self.assertEqual({r["customer_archive"] for r in rows} & ours, {self.rep_lapsed})
		# the desk's runner (report permission, link-column checks) gives the rep the same rows
		from frappe.desk.query_report import run

		result = run("Churn Risk", filters={"as_of": str(self.today), "churn_after_days": 180})
		self.assertEqual({r["customer_archive"] for r in result["result"]} & ours, {self.rep_lapsed})
