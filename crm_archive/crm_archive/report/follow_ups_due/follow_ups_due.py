# Copyright (c) 2026, crm_archive developers and contributors
# For license information, please see license.txt

from collections import Counter

import frappe
from frappe import _
from frappe.utils import cint, getdate

from crm_archive.report_utils import as_of, permitted_archives


def execute(filters=None):
	filters = frappe._dict(filters or {})
	date = as_of(filters)
	intervals = {
		t.name: cint(t.follow_up_interval_days)
		for t in frappe.get_all("Customer Tier", fields=["name", "follow_up_interval_days"])
	}
	archives = permitted_archives(
		filters,
		[
			"name",
			"full_name",
			"account_manager",
			"tier",
			"last_interaction_date",
			"next_follow_up_date",
			"creation",
		],
	)
	rows = []
	for a in archives:
		reasons, overdue = [], 0
		if a.next_follow_up_date and getdate(a.next_follow_up_date) <= date:
			overdue = (date - getdate(a.next_follow_up_date)).days
			reasons.append(_("Follow-up date reached"))
		interval = intervals.get(a.tier) or 0
		last = getdate(a.last_interaction_date or a.creation)
		if interval and (date - last).days > interval:
			overdue = max(overdue, (date - last).days - interval)
			reasons.append(_("No contact for {0} days (interval {1})").format((date - last).days, interval))
		if reasons:
			rows.append(
				{**a, "days_overdue": overdue, "reason": "; ".join(reasons), "customer_archive": a.name}
			)
	rows.sort(key=lambda r: (r["account_manager"] or "", -r["days_overdue"]))
	per_manager = Counter(r["account_manager"] or _("(none)") for r in rows)
	chart = {
		"data": {
			"labels": list(per_manager),
			"datasets": [{"name": _("Due"), "values": list(per_manager.values())}],
		},
		"type": "bar",
	}
	summary = [
		{"label": _("Due"), "value": len(rows), "datatype": "Int", "indicator": "Orange"},
		{
			"label": _("Overdue"),
			"value": sum(1 for r in rows if r["days_overdue"] > 0),
			"datatype": "Int",
			"indicator": "Red",
		},
	]
	return get_columns(), rows, None, chart, summary


def get_columns():
	return [
		{
			"label": _("Customer Archive"),
			"fieldname": "customer_archive",
			"fieldtype": "Link",
			"options": "Customer Archive",
			"width": 120,
		},
		{"label": _("Customer Name"), "fieldname": "full_name", "fieldtype": "Data", "width": 160},
		{
			"label": _("Account Manager"),
			"fieldname": "account_manager",
			"fieldtype": "Link",
			"options": "User",
			"width": 150,
		},
		{
			"label": _("Tier"),
			"fieldname": "tier",
			"fieldtype": "Link",
			"options": "Customer Tier",
			"width": 100,
		},
		{
			"label": _("Last Interaction"),
			"fieldname": "last_interaction_date",
			"fieldtype": "Datetime",
			"width": 150,
		},
		{"label": _("Next Follow-up"), "fieldname": "next_follow_up_date", "fieldtype": "Date", "width": 110},
		{"label": _("Days Overdue"), "fieldname": "days_overdue", "fieldtype": "Int", "width": 100},
		{"label": _("Reason"), "fieldname": "reason", "fieldtype": "Data", "width": 280},
	]
