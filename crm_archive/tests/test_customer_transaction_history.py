# Copyright (c) 2026, crm_archive developers and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate, nowdate

from crm_archive.crm_archive.report.customer_transaction_history.customer_transaction_history import execute
from crm_archive.devtools.setup_site import SERVICE_ITEM
from crm_archive.tests.utils import ensure_user, make_customer, make_sales_invoice

OWNER_REP = "crm.cth.owner@example.com"
OTHER_REP = "crm.cth.other@example.com"


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


class TestCustomerTransactionHistory(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.today = getdate(nowdate())
		ensure_user(OWNER_REP), ensure_user(OTHER_REP)
		cls.archive = make_test_archive("_CTH Buyer", OWNER_REP)
		cls.other = make_test_archive("_CTH Other Buyer", OTHER_REP)
		cls.prospect = make_test_archive("_CTH Prospect", OWNER_REP, with_customer=False)
		customer = cls.archive.customer
		cls.recent = make_sales_invoice(customer, 1000, posting_date=add_days(cls.today, -10))
		cls.big = make_sales_invoice(customer, 3000, posting_date=add_days(cls.today, -40))
		cls.ret = make_sales_invoice(
			customer, 500, posting_date=add_days(cls.today, -39), is_return=True, return_against=cls.big.name
		)
		cls.cancelled = make_sales_invoice(customer, 9999, posting_date=add_days(cls.today, -5))
		cls.cancelled.cancel()
		cls.draft = make_sales_invoice(customer, 7777, posting_date=add_days(cls.today, -3), submit=False)
		make_sales_invoice(cls.other.customer, 4444, posting_date=add_days(cls.today, -2))

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_rows_are_submitted_invoices_and_returns_net(self):
		columns, rows, message, chart, summary = execute({"customer_archive": self.archive.name})
		by_invoice = {r["invoice"]: r for r in rows}
		# cancelled and draft invoices never show; nor do other customers' invoices
		self.assertEqual(set(by_invoice), {self.recent.name, self.big.name, self.ret.name})
		self.assertEqual([r["invoice"] for r in rows], [self.big.name, self.ret.name, self.recent.name])
		self.assertEqual(
			{n: (r["is_return"], r["base_net_total"], r["qty"]) for n, r in by_invoice.items()},
			{self.recent.name: (0, 1000, 1), self.big.name: (0, 3000, 1), self.ret.name: (1, -500, -1)},
		)
		item_name = frappe.db.get_value("Item", SERVICE_ITEM, "item_name")
		self.assertTrue(all(r["items"] == item_name for r in rows))
		for r in rows:
			self.assertEqual(
				r["outstanding_amount"],
				frappe.db.get_value("Sales Invoice", r["invoice"], "outstanding_amount"),
			)
		self.assertEqual(
			{s["label"]: s["value"] for s in summary}, {"Invoices": 2, "Returns": 1, "Net Spend": 3500}
		)
		# monthly net spend: the months of the three invoices, summing to 3500
		months = dict(zip(chart["data"]["labels"], chart["data"]["datasets"][0]["values"], strict=True))
		expected = {}
		for si in (self.recent, self.big, self.ret):
			key = getdate(si.posting_date).strftime("%Y-%m")
			expected[key] = expected.get(key, 0) + si.base_net_total
		self.assertEqual(months, expected)
		self.assertIsNone(message)
		self.assertEqual(
			[c["fieldname"] for c in columns][:7],
			["posting_date", "invoice", "is_return", "items", "qty", "base_net_total", "outstanding_amount"],
		)

	def test_date_company_and_customer_filters(self):
		_c, rows, *_ = execute(
			{"customer_archive": self.archive.name, "from_date": str(add_days(self.today, -20))}
		)
		self.assertEqual([r["invoice"] for r in rows], [self.recent.name])
		_c, rows, *_ = execute(
			{
				"customer_archive": self.archive.name,
				"from_date": str(add_days(self.today, -45)),
				"to_date": str(add_days(self.today, -39)),
			}
		)
		self.assertEqual([r["invoice"] for r in rows], [self.big.name, self.ret.name])
		_c, rows, *_ = execute({"customer_archive": self.archive.name, "company": "_CTH No Such Company"})
		self.assertEqual(rows, [])
		# the customer alone finds its archive; a customer of another archive narrows to nothing
		_c, rows, *_ = execute({"customer": self.archive.customer})
		self.assertEqual(len(rows), 3)
		_c, rows, *_ = execute({"customer_archive": self.archive.name, "customer": self.other.customer})
		self.assertEqual(rows, [])
		self.assertRaises(frappe.ValidationError, execute, {})
		self.assertRaises(frappe.ValidationError, execute, {"customer_archive": [self.archive.name]})

	def test_archive_without_customer(self):
		_c, rows, message, _chart, summary = execute({"customer_archive": self.prospect.name})
		self.assertEqual(rows, [])
		self.assertIn("_CTH Prospect", message)
		self.assertEqual({s["label"]: s["value"] for s in summary}["Net Spend"], 0)

	def test_permission(self):
		from frappe.desk.query_report import run

		frappe.set_user(OWNER_REP)
		_c, rows, *_ = execute({"customer_archive": self.archive.name})
		self.assertEqual(len(rows), 3)
		# through the desk too: a rep has no report permission on Sales Invoice, the report is gated by
		# Customer Archive (its ref_doctype) and the archive's own permission
		result = run("Customer Transaction History", filters={"customer_archive": self.archive.name})
		self.assertEqual(len(result["result"]), 3)
		invoice = next(c for c in result["columns"] if c["fieldname"] == "invoice")
		self.assertEqual(invoice["fieldtype"], "Data")  # a rep cannot open invoices: no Link to them
		frappe.set_user("Administrator")
		columns, *_ = execute({"customer_archive": self.archive.name})
		invoice = next(c for c in columns if c["fieldname"] == "invoice")
		self.assertEqual((invoice["fieldtype"], invoice["options"]), ("Link", "Sales Invoice"))
		frappe.set_user(OWNER_REP)
		frappe.set_user(OTHER_REP)
		self.assertRaises(frappe.PermissionError, execute, {"customer_archive": self.archive.name})
		# choosing by customer does not get around it
		self.assertRaises(frappe.PermissionError, execute, {"customer": self.archive.customer})
		self.assertRaises(frappe.PermissionError, execute, {"customer_archive": "_CTH no such archive"})
		self.assertRaises(
			frappe.PermissionError,
			run,
			"Customer Transaction History",
			filters={"customer_archive": self.archive.name},
		)
