"""Automatic lifecycle moves in real ERPNext flows (issue: correct in real ERPNext flows)."""

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, nowdate

from crm_archive.lifecycle.store import mark_inactive_churned
from crm_archive.tests.utils import make_customer, make_sales_invoice


class TestWinBack(FrappeTestCase):
	def moves(self, archive):
		return [
			(r.from_value, r.to_value, r.trigger)
			for r in frappe.get_all(
				"Customer Archive Log",
				filters={"customer_archive": archive, "event_type": "Lifecycle Change"},
				fields=["from_value", "to_value", "trigger"],
				order_by="timestamp asc, creation asc",
			)
		]

	def state(self, archive):
		return frappe.db.get_value("Customer Archive", archive, "lifecycle_state")

	def test_credit_note_or_backdated_invoice_is_no_win_back(self):
		frappe.db.set_single_value("CRM Archive Settings", "churn_after_days", 180)
		customer = make_customer("_Win Back Customer")
		archive = frappe.get_doc(
			{"doctype": "Customer Archive", "full_name": "_Win Back", "customer": customer}
		).insert(ignore_permissions=True)
		first = make_sales_invoice(customer, 500, posting_date=add_days(nowdate(), -200))
		self.assertEqual(self.state(archive.name), "Existing")
		self.assertEqual(mark_inactive_churned(), 1)
		self.assertEqual(self.state(archive.name), "Churned")

		# a credit note for the old purchase is no purchase: still churned
		make_sales_invoice(customer, 500, is_return=True, return_against=first.name)
		self.assertEqual(self.state(archive.name), "Churned")
		# an invoice dated before the churn, entered late, is no win-back either
		make_sales_invoice(customer, 300, posting_date=add_days(nowdate(), -190))
		self.assertEqual(self.state(archive.name), "Churned")
		# a new purchase after the churn is
		make_sales_invoice(customer, 800)
		self.assertEqual(self.state(archive.name), "Existing")
		self.assertEqual(
			self.moves(archive.name),
			[
				("Potential", "Existing", "Invoice Submit"),
				("Existing", "Churned", "Inactivity"),
				("Churned", "Existing", "Invoice Submit"),
			],
		)
