"""What the workspace's cards show agrees with the records (issue: correct in real ERPNext flows)."""

import json

import frappe
from frappe.desk.doctype.number_card.number_card import get_result
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, nowdate

from crm_archive.access.table import refresh
from crm_archive.tests.utils import ensure_user


class TestOverdueCard(FrappeTestCase):
	def card_count(self) -> int:
		card = frappe.get_doc("Number Card", "Overdue Follow-ups")
		filters = json.loads(card.filters_json or "[]")
		# the desk evaluates the dynamic filters (frappe.datetime.nowdate()) before asking
		filters += [[d[0], d[1], d[2], nowdate()] for d in json.loads(card.dynamic_filters_json or "[]")]
		return get_result(card.as_dict(), filters)

	def test_archives_without_a_follow_up_date_are_not_overdue(self):
		rep = ensure_user("card.rep@example.com")
		frappe.set_user(rep)
		before = self.card_count()
		frappe.set_user("Administrator")
		never = frappe.get_doc(
			{"doctype": "Customer Archive", "full_name": "_Card Never", "account_manager": rep}
		).insert(ignore_permissions=True)
		late = frappe.get_doc(
			{"doctype": "Customer Archive", "full_name": "_Card Late", "account_manager": rep}
		).insert(ignore_permissions=True)
		frappe.db.set_value("Customer Archive", late.name, "next_follow_up_date", add_days(nowdate(), -3))
		refresh([never.name, late.name])
		frappe.set_user(rep)
		try:
			self.assertEqual(self.card_count(), before + 1)
		finally:
			frappe.set_user("Administrator")
