# Copyright (c) 2026, crm_archive developers and contributors
# For license information, please see license.txt

from collections import Counter

import frappe
from frappe import _
from frappe.utils import add_days, flt, getdate, nowdate

from crm_archive.analysis.store.reports import LIFECYCLE_STATES, permitted_archives

STAGES = (
	("Potential", "Intentional"),
	("Intentional", "Existing"),
	("Potential", "Existing"),
	("Existing", "Churned"),
	("Churned", "Intentional"),
	("Churned", "Existing"),
)


def execute(filters=None):
	filters = frappe._dict(filters or {})
	from_date = getdate(filters.get("from_date") or add_days(nowdate(), -90))
	to_date = getdate(filters.get("to_date") or nowdate())
	archives = permitted_archives(filters, ["name", "lifecycle_state"])
	now = Counter(a.lifecycle_state for a in archives)
	visible = {a.name for a in archives}
	log = frappe.qb.DocType("Customer Archive Log")
	moves = Counter(
		(r.from_value, r.to_value)
		for r in frappe.qb.from_(log)
		.select(log.customer_archive, log.from_value, log.to_value)
		.where(
			(log.event_type == "Lifecycle Change")
			& (log.timestamp >= from_date)
			& (log.timestamp < add_days(to_date, 1))
		)
		.run(as_dict=True)
		if r.customer_archive in visible
	)
	left = Counter()
	for (f, _t), n in moves.items():
		left[f] += n
	rows = []
	for f, t in STAGES:
		n = moves.get((f, t), 0)
		base = now.get(f, 0) + left.get(f, 0)  # archives that were in the stage at some point of the period
		rows.append(
			{
				"stage": f"{_(f)} → {_(t)}",
				"moved": n,
				"conversion": flt(100.0 * n / base, 1) if base else 0.0,
			}
		)
	chart = {
		"data": {
			"labels": [_(s) for s in LIFECYCLE_STATES],
			"datasets": [{"name": _("Archives"), "values": [now.get(s, 0) for s in LIFECYCLE_STATES]}],
		},
		"type": "bar",
		"colors": ["#5e64ff"],
	}
	summary = [{"label": _(s), "value": now.get(s, 0), "datatype": "Int"} for s in LIFECYCLE_STATES]
	summary.append(
		{
			"label": _("Win-backs"),
			"value": moves.get(("Churned", "Existing"), 0) + moves.get(("Churned", "Intentional"), 0),
			"datatype": "Int",
			"indicator": "Green",
		}
	)
	columns = [
		{"label": _("Stage"), "fieldname": "stage", "fieldtype": "Data", "width": 220},
		{"label": _("Moved"), "fieldname": "moved", "fieldtype": "Int", "width": 100},
		{"label": _("Conversion %"), "fieldname": "conversion", "fieldtype": "Percent", "width": 120},
	]
	return columns, rows, None, chart, summary
