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


class TestNightlyCatchUp(FrappeTestCase):
	"""The nightly pass converges every automatic move, set-based (a lost after-commit job is caught up)."""

	def make(self, name, state="Potential"):
		customer = make_customer(name)
		doc = frappe.get_doc({"doctype": "Customer Archive", "full_name": name, "customer": customer})
		doc.insert(ignore_permissions=True)
		if state != "Potential":
			frappe.db.set_value("Customer Archive", doc.name, "lifecycle_state", state)
		return doc.name, customer

	def test_lost_jobs_are_caught_up_and_the_pass_is_set_based(self):
		from crm_archive.lifecycle.store import daily
		from crm_archive.tiering.store.engine import retier

		frappe.db.set_single_value("CRM Archive Settings", "churn_after_days", 180)
		# invoices whose after-commit jobs were lost (hooks off = nothing enqueued)
		frappe.flags.crm_archive_hooks_off = True
		try:
			bought, c1 = self.make("_Catch Bought")
			make_sales_invoice(c1, 900)
			quiet, c2 = self.make("_Catch Quiet")
			make_sales_invoice(c2, 900, posting_date=add_days(nowdate(), -400))
		finally:
			frappe.flags.crm_archive_hooks_off = False
		retier(archives=[bought, quiet], trigger="Scheduled")  # the nightly re-tier runs first
		frappe.db.set_value("Customer Archive", quiet, "lifecycle_state", "Existing")
		daily()
		self.assertEqual(self.state(bought), "Existing")
		self.assertEqual(self.state(quiet), "Churned")
		self.assertIn(("Potential", "Existing", "Catch-up"), self.moves(bought))
		self.assertIn(("Existing", "Churned", "Inactivity"), self.moves(quiet))
		# idempotent
		daily()
		self.assertEqual(len(self.moves(bought)), 1)

	def test_a_purchase_after_the_churn_whose_job_was_lost_wins_the_archive_back(self):
		from crm_archive.lifecycle.store import daily
		from crm_archive.tiering.store.engine import retier

		frappe.db.set_single_value("CRM Archive Settings", "churn_after_days", 180)
		frappe.flags.crm_archive_hooks_off = True  # every invoice's after-commit job lost
		try:
			names = {}
			for tag in ("Back", "Before", "Unlogged"):
				name, customer = self.make(f"_Win {tag}")
				make_sales_invoice(customer, 900, posting_date=add_days(nowdate(), -400))
				names[tag] = (name, customer)
			retier(archives=[n for n, _c in names.values()], trigger="Scheduled")
			for name, _c in names.values():
				frappe.db.set_value("Customer Archive", name, "lifecycle_state", "Existing")
			daily()  # all three churn, each with its log row
			unlogged = names["Unlogged"][0]
			frappe.db.delete("Customer Archive Log", {"customer_archive": unlogged})
			make_sales_invoice(names["Back"][1], 500)  # today: after the churn
			make_sales_invoice(names["Before"][1], 500, posting_date=add_days(nowdate(), -1))  # entered late
			make_sales_invoice(names["Unlogged"][1], 500)
		finally:
			frappe.flags.crm_archive_hooks_off = False
		retier(archives=[n for n, _c in names.values()], trigger="Scheduled")
		daily()
		self.assertEqual(self.state(names["Back"][0]), "Existing")
		self.assertIn(("Churned", "Existing", "Catch-up"), self.moves(names["Back"][0]))
		self.assertEqual(self.state(names["Before"][0]), "Churned")
		# without its churn on record the pass cannot tell when it churned: it leaves it to the invoice's job
		self.assertEqual(self.state(unlogged), "Churned")

	def test_statements_do_not_grow_with_the_archives_moved(self):
		from crm_archive.lifecycle.store import daily

		frappe.db.set_single_value("CRM Archive Settings", "churn_after_days", 180)
		old = add_days(nowdate(), -400)

		def statements(n, tag):
			names = []
			for i in range(n):
				name, _c = self.make(f"_Set {tag} {i}")
				names.append(name)
			frappe.db.sql(
				"""update `tabCustomer Archive` set lifecycle_state = 'Existing', last_purchase_date = %s,
				invoice_count = 1 where name in %s""",
				(old, tuple(names)),
			)
			count = 0
			real_sql = frappe.db.sql

			def counting(*args, **kwargs):
				nonlocal count
				count += 1
				return real_sql(*args, **kwargs)

			frappe.db.sql = counting
			try:
				daily()
			finally:
				frappe.db.sql = real_sql
			self.assertEqual({self.state(n) for n in names}, {"Churned"})
			return count

		few, many = statements(3, "few"), statements(30, "many")
		self.assertLessEqual(many, few + 2, (few, many))

	moves = TestWinBack.moves
	state = TestWinBack.state
