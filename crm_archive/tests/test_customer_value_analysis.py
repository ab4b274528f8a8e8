# Copyright (c) 2026, crm_archive developers and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate, nowdate

from crm_archive.crm_archive.report.customer_value_analysis.customer_value_analysis import execute
from crm_archive.tests.utils import ensure_user, make_customer, make_sales_invoice
from crm_archive.tiering.store import engine, rule_sets

MANAGER = "crm.cva.manager@example.com"
REP = "crm.cva.rep@example.com"
HIDDEN_FIELDS = {"mobile_no", "email_id", "address", "social_accounts", "id_number"}


def make_test_archive(full_name, manager, with_customer=True):
	doc = frappe.get_doc(
		{
			"doctype": "Customer Archive",
			"full_name": full_name,
			"customer": make_customer(full_name) if with_customer else None,
			"account_manager": manager,
		}
	)
	doc.flags.ignore_duplicates = True
	return doc.insert()


class TestCustomerValueAnalysis(FrappeTestCase):
	"""Five archives of one account manager, so the quintiles are computed over a known population."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.today = getdate(nowdate())
		ensure_user(MANAGER), ensure_user(REP)
		days = lambda n: add_days(cls.today, -n)  # noqa: E731
		cls.v1 = make_test_archive("_CVA Frequent", MANAGER)
		cls.v2 = make_test_archive("_CVA Steady", MANAGER)
		cls.v3 = make_test_archive("_CVA Newcomer", MANAGER)
		cls.v4 = make_test_archive("_CVA Lapsed", MANAGER)
		cls.v5 = make_test_archive("_CVA Never Bought", MANAGER)
		cls.no_customer = make_test_archive("_CVA Prospect", MANAGER, with_customer=False)
		cls.rep_archive = make_test_archive("_CVA Rep Own", REP)
		# v1: 1000 + 3000 − 500 returned; a cancelled and a draft invoice never count
		make_sales_invoice(cls.v1.customer, 1000, posting_date=days(10))
		big = make_sales_invoice(cls.v1.customer, 3000, posting_date=days(40))
		make_sales_invoice(
			cls.v1.customer, 500, posting_date=days(39), is_return=True, return_against=big.name
		)
		make_sales_invoice(cls.v1.customer, 9999, posting_date=days(5)).cancel()
		make_sales_invoice(cls.v1.customer, 7777, posting_date=days(3), submit=False)
		for n in (100, 200, 300):
			make_sales_invoice(cls.v2.customer, 800, posting_date=days(n))
		make_sales_invoice(cls.v3.customer, 200, posting_date=days(5))
		make_sales_invoice(cls.v4.customer, 5000, posting_date=days(400))  # outside a 365-day window
		make_sales_invoice(cls.rep_archive.customer, 50, posting_date=days(1))

	def tearDown(self):
		frappe.set_user("Administrator")

	def run_report(self, **filters):
		filters.setdefault("as_of", str(self.today))
		filters.setdefault("account_manager", MANAGER)
		columns, rows, message, chart, summary = execute(filters)
		return (
			columns,
			{r["customer_archive"]: r for r in rows},
			chart,
			{s["label"]: s["value"] for s in summary},
		)

	def test_rfm_values_scores_segments(self):
		columns, rows, chart, summary = self.run_report(window_days=365)
		self.assertNotIn(self.no_customer.name, rows)  # only archives linked to a Customer
		self.assertNotIn(self.rep_archive.name, rows)  # the account manager filter
		expected = {
			# name: (recency_days, frequency, monetary, code, segment)
			self.v1.name: (10, 2, 3500, "4-4-5", "Champions"),
			self.v2.name: (100, 3, 2400, "3-5-4", "Loyal"),
			self.v3.name: (5, 1, 200, "5-3-3", "Potential Loyalist"),
			self.v4.name: (400, 0, 0, "2-1-1", "Hibernating"),
			self.v5.name: (None, 0, 0, "1-1-1", "Hibernating"),
		}
		self.assertEqual(set(rows), set(expected))
		for name, (recency, frequency, monetary, code, segment) in expected.items():
			row = rows[name]
			self.assertEqual(
				(row["recency_days"], row["frequency"], row["monetary"], row["code"], row["segment"]),
				(recency, frequency, monetary, code, segment),
				name,
			)
		# ABC on 70 / 90 %: 3500 (share before 0 %) A, 2400 (57 %) A, 200 (97 %) C, zero spend C
		self.assertEqual(
			{n: r["abc"] for n, r in rows.items()},
			{self.v1.name: "A", self.v2.name: "A", self.v3.name: "C", self.v4.name: "C", self.v5.name: "C"},
		)
		self.assertEqual(
			summary,
			{"Customers": 5, "Class A": 2, "Class B": 0, "Class C": 3, "Monetary": 6100},
		)
		self.assertEqual(
			dict(zip(chart["data"]["labels"], chart["data"]["datasets"][0]["values"], strict=True)),
			{"Champions": 1, "Loyal": 1, "Potential Loyalist": 1, "Hibernating": 2},
		)
		self.assertEqual(chart["type"], "bar")
		self.assertFalse(HIDDEN_FIELDS & {c["fieldname"] for c in columns})
		self.assertFalse(HIDDEN_FIELDS & set(rows[self.v1.name]))

	def test_abc_shares_filter(self):
		_c, rows, _chart, summary = self.run_report(a_share=50, b_share=97)
		self.assertEqual(
			[rows[a.name]["abc"] for a in (self.v1, self.v2, self.v3, self.v4)], ["A", "B", "B", "C"]
		)
		self.assertEqual((summary["Class A"], summary["Class B"], summary["Class C"]), (1, 2, 2))
		self.assertRaises(frappe.ValidationError, execute, {"a_share": 95, "b_share": 90})
		self.assertRaises(frappe.ValidationError, execute, {"window_days": -5})
		self.assertRaises(frappe.ValidationError, execute, {"as_of": "not a date"})

	def test_as_of_window_and_company(self):
		# 30 days ago: the 1000 purchase (10 days ago) did not exist yet; the return did
		_c, past, *_ = self.run_report(as_of=str(add_days(self.today, -30)))
		self.assertEqual(
			(
				past[self.v1.name]["recency_days"],
				past[self.v1.name]["frequency"],
				past[self.v1.name]["monetary"],
			),
			(10, 1, 2500),
		)
		self.assertEqual(past[self.v3.name]["recency_days"], None)  # bought 5 days ago: not yet
		# a 20-day window keeps only the 1000 purchase of v1; recency is not limited by the window
		_c, short, *_ = self.run_report(window_days=20)
		self.assertEqual((short[self.v1.name]["frequency"], short[self.v1.name]["monetary"]), (1, 1000))
		self.assertEqual((short[self.v2.name]["frequency"], short[self.v2.name]["recency_days"]), (0, 100))
		# another company: nobody bought there
		_c, other, _chart, summary = self.run_report(company="_CVA No Such Company")
		self.assertEqual(summary["Monetary"], 0)
		self.assertTrue(all(r["abc"] == "C" for r in other.values()))

	def test_monetary_agrees_with_archive_metrics(self):
		rule_set, company = rule_sets.load_rule_set()
		names = [self.v1.name, self.v2.name, self.v4.name]
		engine.retier(archives=names)
		_c, rows, *_ = self.run_report(window_days=rule_set.window_days, company=company)
		stored = {
			a.name: a
			for a in frappe.get_all(
				"Customer Archive",
				filters={"name": ("in", names)},
				fields=["name", "window_spend", "invoice_count", "last_purchase_date"],
			)
		}
		for name in names:
			self.assertEqual(rows[name]["monetary"], stored[name].window_spend, name)
			self.assertEqual(rows[name]["frequency"], stored[name].invoice_count, name)
			self.assertEqual(rows[name]["last_purchase_date"], stored[name].last_purchase_date, name)
		self.assertEqual(stored[self.v1.name].window_spend, 3500)

	def test_record_permissions(self):
		frappe.set_user(REP)
		_c, rows, *_ = self.run_report(account_manager=None)
		mine = {a.name for a in (self.v1, self.v2, self.v3, self.v4, self.v5, self.rep_archive)}
		self.assertEqual(set(rows) & mine, {self.rep_archive.name})
		# the rep asking for the manager's archives gets nothing, not an error
		_c, rows, *_ = self.run_report(account_manager=MANAGER)
		self.assertEqual(rows, {})
		# what the prepared-report job runs for the rep (as the rep): the same permission-scoped rows
		from frappe.desk.query_report import generate_report_result

		report = frappe.get_doc("Report", "Customer Value Analysis")
		result = generate_report_result(report, {"as_of": str(self.today)}, user=REP)
		names = {r["customer_archive"] for r in result["result"]}
		self.assertEqual(names & mine, {self.rep_archive.name})

	def test_large_site_path_gives_the_same_rows(self):
		"""Past FEW visible archives the report joins archives to the aggregate in the database; on the same
		data that path must give exactly what the small-site path gives, permissions included."""
		from unittest.mock import patch

		from crm_archive.crm_archive.report.customer_value_analysis import customer_value_analysis as cva

		cases = [
			(None, {}),
			(None, {"as_of": str(add_days(self.today, -30))}),
			(None, {"window_days": 20, "a_share": 50, "b_share": 97}),
			(None, {"company": "_CVA No Such Company"}),
			(REP, {"account_manager": None}),
			(REP, {"account_manager": MANAGER}),
			(
				None,
				{"account_manager": "crm.cva.%@example.com"},
			),  # a % in a value is a character, not a wildcard
		]
		for user, filters in cases:
			frappe.set_user(user or "Administrator")
			small = self.run_report(**filters)
			with patch.object(cva, "FEW", 0):
				large = self.run_report(**filters)
			self.assertEqual(large[1], small[1], (user, filters))
			self.assertEqual(large[3], small[3], (user, filters))
			frappe.set_user("Administrator")
		self.assertTrue(small[1] == {} and len(self.run_report()[1]) == 5)
