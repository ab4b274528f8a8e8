"""Customer Pool (公海): the archives nobody holds, as reps may see them — basic facts only (name, company,
industry, city, tier, lifecycle state, last interaction and purchase, why and when released), read
server-side with an explicit column list (crm_archive.pool.store.core.pool_rows). A rep still has no access row
for these archives: their forms, contact details, interactions and attachments stay closed until claimed."""

import frappe
from frappe import _
from frappe.utils import getdate, nowdate

from crm_archive.pool.store import core as store


def execute(filters=None):
	filters = frappe._dict(filters or {})
	user = frappe.session.user
	if user != "Administrator" and not set(store.CLAIM_ROLES) & set(frappe.get_roles(user)):
		frappe.throw(
			_("Only sales reps and CRM Archive Managers can see the customer pool."), frappe.PermissionError
		)
	rows = store.pool_rows(filters, limit=500)
	today = getdate(nowdate())
	for row in rows:
		row["claim"] = row["name"]
		row["pool_release_reason"] = _(row["pool_release_reason"]) if row["pool_release_reason"] else ""
		row["lifecycle_state"] = _(row["lifecycle_state"]) if row["lifecycle_state"] else ""
		row["days_in_pool"] = (
			(today - getdate(row["pool_released_on"])).days if row["pool_released_on"] else None
		)
	return get_columns(), rows, None, None, get_summary(user, today)


def get_columns():
	return [
		{"fieldname": "full_name", "label": _("Customer Name"), "fieldtype": "Data", "width": 160},
		{"fieldname": "claim", "label": _("Claim"), "fieldtype": "Data", "width": 90},
		{
			"fieldname": "tier",
			"label": _("Tier"),
			"fieldtype": "Link",
			"options": "Customer Tier",
			"width": 100,
		},
		{"fieldname": "lifecycle_state", "label": _("Lifecycle State"), "fieldtype": "Data", "width": 100},
		{"fieldname": "company_name", "label": _("Company Name"), "fieldtype": "Data", "width": 160},
		{"fieldname": "industry", "label": _("Industry"), "fieldtype": "Data", "width": 110},
		{"fieldname": "city", "label": _("City"), "fieldtype": "Data", "width": 90},
		{
			"fieldname": "last_interaction_date",
			"label": _("Last Interaction"),
			"fieldtype": "Datetime",
			"width": 150,
		},
		{"fieldname": "last_purchase_date", "label": _("Last Purchase"), "fieldtype": "Date", "width": 100},
		{"fieldname": "pool_release_reason", "label": _("Release Reason"), "fieldtype": "Data", "width": 100},
		{
			"fieldname": "pool_released_on",
			"label": _("Released to the Pool On"),
			"fieldtype": "Date",
			"width": 110,
		},
		{"fieldname": "days_in_pool", "label": _("Days in the Pool"), "fieldtype": "Int", "width": 90},
		{"fieldname": "name", "label": _("Archive"), "fieldtype": "Data", "width": 100},
	]


def get_summary(user, today):
	settings = frappe.get_cached_doc("CRM Archive Settings")
	state = store.claim_state(user, today, settings)
	out = [
		{
			"value": frappe.db.count("Customer Archive", {"in_pool": 1}),
			"label": _("In the Pool"),
			"datatype": "Int",
		},
		{"value": state.holding, "label": _("You Hold"), "datatype": "Int"},
	]
	if state.limit:
		out.append({"value": state.limit, "label": _("Holding Limit"), "datatype": "Int"})
	if state.per_day:
		out.append(
			{
				"value": max(state.per_day - state.claimed_today, 0),
				"label": _("Claims Left Today"),
				"datatype": "Int",
			}
		)
	return out
