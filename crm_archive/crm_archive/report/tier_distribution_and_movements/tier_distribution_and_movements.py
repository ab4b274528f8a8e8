# Copyright (c) 2026, crm_archive developers and contributors
# For license information, please see license.txt

from collections import Counter, defaultdict

import frappe
from frappe import _
from frappe.utils import add_days, escape_html, flt, getdate, nowdate

from crm_archive.analysis.store.reports import permitted_archives


def execute(filters=None):
	filters = frappe._dict(filters or {})
	from_date = getdate(filters.get("from_date") or add_days(nowdate(), -90))
	to_date = getdate(filters.get("to_date") or nowdate())
	archives = permitted_archives(filters, ["name", "tier", "window_spend"])
	tiers = frappe.get_all("Customer Tier", fields=["name", "rank"], order_by="rank desc")
	ranks = {t.name: t.rank for t in tiers}
	count, value = Counter(), defaultdict(float)
	for a in archives:
		count[a.tier or ""] += 1
		value[a.tier or ""] += flt(a.window_spend)
	moves = get_moves({a.name for a in archives}, from_date, to_date)
	ups = sum(n for (f, t), n in moves.items() if ranks.get(t, -1) > ranks.get(f, -1) and f)
	downs = sum(n for (f, t), n in moves.items() if f and ranks.get(t, -1) < ranks.get(f, -1))
	rows = []
	for t in [*(t.name for t in tiers), ""]:
		if t or count.get(""):
			rows.append(
				{
					"tier": t or _("(none)"),
					"archives": count.get(t, 0),
					"window_spend": value.get(t, 0.0),
					"moved_in": sum(n for (f, to), n in moves.items() if to == t and f != t),
					"moved_out": sum(n for (f, to), n in moves.items() if f == t and to != t),
				}
			)
	chart = {
		"data": {
			"labels": [r["tier"] for r in rows],
			"datasets": [{"name": _("Archives"), "values": [r["archives"] for r in rows]}],
		},
		"type": "bar",
	}
	summary = [
		{"label": _("Upgrades"), "value": ups, "datatype": "Int", "indicator": "Green"},
		{"label": _("Downgrades"), "value": downs, "datatype": "Int", "indicator": "Red"},
	]
	return get_columns(), rows, matrix_html(moves, [t.name for t in tiers]), chart, summary


def get_moves(visible: set, from_date, to_date) -> Counter:
	log = frappe.qb.DocType("Customer Archive Log")
	rows = (
		frappe.qb.from_(log)
		.select(log.customer_archive, log.from_value, log.to_value)
		.where(
			(log.event_type == "Tier Change")
			& (log.timestamp >= from_date)
			& (log.timestamp < add_days(to_date, 1))
		)
		.run(as_dict=True)
	)
	return Counter((r.from_value or "", r.to_value or "") for r in rows if r.customer_archive in visible)


def matrix_html(moves: Counter, tiers: list[str]) -> str:
	if not moves:
		return "<p>" + _("No tier changes in this period.") + "</p>"
	heads = "".join(f"<th>{escape_html(t)}</th>" for t in tiers)
	body = ""
	for f in ["", *tiers]:
		cells = "".join(f"<td>{moves.get((f, t), '')}</td>" for t in tiers)
		body += f"<tr><th>{escape_html(f or _('(none)'))}</th>{cells}</tr>"
	return (
		f"<h6>{_('Movements')} ({_('From')} ↓ / {_('To')} →)</h6>"
		f"<table class='table table-bordered'><tr><th></th>{heads}</tr>{body}</table>"
	)


def get_columns():
	return [
		{"label": _("Tier"), "fieldname": "tier", "fieldtype": "Data", "width": 140},
		{"label": _("Archives"), "fieldname": "archives", "fieldtype": "Int", "width": 100},
		{"label": _("Window Spend"), "fieldname": "window_spend", "fieldtype": "Currency", "width": 150},
		{"label": _("Moved In"), "fieldname": "moved_in", "fieldtype": "Int", "width": 100},
		{"label": _("Moved Out"), "fieldname": "moved_out", "fieldtype": "Int", "width": 100},
	]
