# Copyright (c) 2026, crm_archive developers and contributors
# For license information, please see license.txt

from collections import Counter

import frappe
from frappe import _
from frappe.utils import flt

from crm_archive.analysis.value import SEGMENTS, abc_classes, rfm
from crm_archive.report_utils import as_of, metrics_for, permitted_archives, positive_int


def execute(filters=None):
	filters = frappe._dict(filters or {})
	rows = get_data(filters)
	return get_columns(), rows, None, get_chart(rows), get_summary(rows)


def shares(filters):
	a = flt(filters.get("a_share") or 70) / 100
	b = flt(filters.get("b_share") or 90) / 100
	if not (0 < a < b <= 1):
		frappe.throw(
			_("The A share must be below the B share, both between 0 and 100."), title=_("Invalid Filter")
		)
	return a, b


def get_data(filters):
	date = as_of(filters)
	window = positive_int(filters, "window_days", 365)
	a_share, b_share = shares(filters)
	archives = permitted_archives(
		filters, ["name", "full_name", "customer", "tier", "account_manager"], {"customer": ("is", "set")}
	)
	if not archives:
		return []
	metrics = metrics_for([a.customer for a in archives], date, window, filters.get("company"))
	base = []
	for a in archives:
		m = metrics.get(a.customer)
		base.append(
			{
				"customer_archive": a.name,
				"full_name": a.full_name,
				"customer": a.customer,
				"tier": a.tier,
				"account_manager": a.account_manager,
				"recency_days": m.recency_days if m else None,
				"frequency": m.invoice_count if m else 0,
				"monetary": m.window_spend if m else 0.0,
				"last_purchase_date": m.last_purchase_date if m else None,
			}
		)
	scored = rfm(base)
	abc = abc_classes({r["customer_archive"]: r["monetary"] for r in scored}, a_share, b_share)
	for r in scored:
		r["abc"] = abc[r["customer_archive"]]
		r["segment_label"] = _(r["segment"])
	scored.sort(key=lambda r: (-r["monetary"], r["customer_archive"]))
	return scored


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
			"label": _("Tier"),
			"fieldname": "tier",
			"fieldtype": "Link",
			"options": "Customer Tier",
			"width": 100,
		},
		{
			"label": _("Account Manager"),
			"fieldname": "account_manager",
			"fieldtype": "Link",
			"options": "User",
			"width": 140,
		},
		{"label": _("Recency (days)"), "fieldname": "recency_days", "fieldtype": "Int", "width": 100},
		{"label": _("Frequency"), "fieldname": "frequency", "fieldtype": "Int", "width": 90},
		{"label": _("Monetary"), "fieldname": "monetary", "fieldtype": "Currency", "width": 130},
		{"label": _("R"), "fieldname": "r", "fieldtype": "Int", "width": 45},
		{"label": _("F"), "fieldname": "f", "fieldtype": "Int", "width": 45},
		{"label": _("M"), "fieldname": "m", "fieldtype": "Int", "width": 45},
		{"label": _("RFM"), "fieldname": "code", "fieldtype": "Data", "width": 70},
		{"label": _("Segment"), "fieldname": "segment_label", "fieldtype": "Data", "width": 130},
		{"label": _("ABC"), "fieldname": "abc", "fieldtype": "Data", "width": 55},
	]


def get_chart(rows):
	counts = Counter(r["segment"] for r in rows)
	labels = [s for s in SEGMENTS if counts.get(s)]
	return {
		"data": {
			"labels": [_(s) for s in labels],
			"datasets": [{"name": _("Customers"), "values": [counts[s] for s in labels]}],
		},
		"type": "bar",
	}


def get_summary(rows):
	abc = Counter(r["abc"] for r in rows)
	return [
		{"label": _("Customers"), "value": len(rows), "datatype": "Int"},
		{"label": _("Class A"), "value": abc.get("A", 0), "datatype": "Int", "indicator": "Green"},
		{"label": _("Class B"), "value": abc.get("B", 0), "datatype": "Int", "indicator": "Blue"},
		{"label": _("Class C"), "value": abc.get("C", 0), "datatype": "Int", "indicator": "Gray"},
		{"label": _("Monetary"), "value": sum(r["monetary"] for r in rows), "datatype": "Currency"},
	]
