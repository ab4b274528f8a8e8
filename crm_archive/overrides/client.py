"""frappe.client.get_count counts any doctype with no permission check (Frappe 15): for this app's
doctypes count through frappe.get_list so record-level permissions apply; others keep Frappe's behaviour."""

import frappe
from frappe.client import get_count as frappe_get_count
from frappe.utils import get_safe_filters

PROTECTED = {"Customer Archive", "Customer Interaction", "Customer Archive Log"}


@frappe.whitelist()
def get_count(doctype, filters=None, debug=False, cache=False):
	if doctype not in PROTECTED:
		return frappe_get_count(doctype, filters, debug, cache)
	rows = frappe.get_list(
		doctype,
		filters=get_safe_filters(filters),
		fields=[f"count(`tab{doctype}`.name) as total"],
		limit_page_length=0,
	)
	return rows[0].total if rows else 0
