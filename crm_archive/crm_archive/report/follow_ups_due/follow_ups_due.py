# Copyright (c) 2026, crm_archive developers and contributors
# For license information, please see license.txt

from collections import Counter

import frappe
from frappe import _
from frappe.utils import cint, getdate

from crm_archive.analysis.store.reports import (
	add_manager_names,
	archive_column,
	as_of,
	manager_column,
	permitted_archives,
	tier_column,
)


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
		if getdate(a.creation) > date:  # did not exist yet on the as-of date
			continue
		reasons, overdue = due_reasons(a, date, intervals.get(a.tier) or 0)
		if reasons:
			rows.append(
				{
					"customer_archive": a.name,
					"customer_name": a.full_name,
					"account_manager": a.account_manager,
					"tier": a.tier,
					"last_interaction_date": a.last_interaction_date,
					"next_follow_up_date": a.next_follow_up_date,
					"days_overdue": overdue,
					"reason": "; ".join(reasons),
				}
			)
	rows.sort(key=lambda r: (r["account_manager"] or "", -r["days_overdue"], r["customer_archive"]))
	add_manager_names(rows)
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


def due_reasons(a, date, interval: int) -> tuple[list[str], int]:
	"""Why an archive is due on `date` and by how many days: its follow-up date is reached, or it was
	last contacted more than its tier's follow-up interval ago, or it was never contacted at all."""
	reasons, overdue = [], 0
	if a.next_follow_up_date and getdate(a.next_follow_up_date) <= date:
		overdue = (date - getdate(a.next_follow_up_date)).days
		reasons.append(_("Follow-up date reached"))
	if not a.last_interaction_date:
		reasons.append(_("First Contact"))  # never contacted: the first contact is due
		if interval:  # a new archive is due at once, overdue once the interval since creation has passed
			overdue = max(overdue, (date - getdate(a.creation)).days - interval)
	elif interval:
		silent = (date - getdate(a.last_interaction_date)).days
		if silent > interval:
			overdue = max(overdue, silent - interval)
			reasons.append(_("No contact for {0} days (interval {1})").format(silent, interval))
	return reasons, max(overdue, 0)


def get_columns():
	return [
		archive_column(),
		{"label": _("Customer Name"), "fieldname": "customer_name", "fieldtype": "Data", "width": 160},
		manager_column(150),
		tier_column(),
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
