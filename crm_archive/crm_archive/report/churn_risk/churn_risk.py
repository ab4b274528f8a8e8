# Copyright (c) 2026, crm_archive developers and contributors
# For license information, please see license.txt

from collections import defaultdict

import frappe
from frappe import _
from frappe.utils import cint, flt

from crm_archive.analysis.store.lifetime_value import p_alive_for
from crm_archive.analysis.store.reports import (
	add_manager_names,
	archive_column,
	as_of,
	manager_column,
	metrics_for,
	permitted_archives,
	tier_column,
)
from crm_archive.utils import get_settings

GAP_FACTOR = 1.5  # silent for 1.5 × the customer's own typical gap between purchases …
MIN_GAP_DAYS = 30  # … but never less than this, so a weekly buyer is not "at risk" after 11 quiet days


def execute(filters=None):
	"""Who is slipping away, as of a date (invoices posted after it are ignored).

	Population: archives in lifecycle state Existing with a linked Customer and at least one purchase (an
	Intentional or Potential archive has nothing to lose yet; a Churned one is already lost).
	At risk when days since the last purchase exceed max(1.5 × typical gap, 30) — typical gap =
	(last purchase − first purchase) / (purchases − 1), needs ≥ 2 purchases — or reach the churn
	threshold (filter, else CRM Archive Settings churn_after_days; ≥ as in the daily churn job).
	All numbers come from one aggregate over the invoices of the visible archives' customers; P(alive) (the
	BG/NBD purchase model's, by the parameters the nightly CLV refresh fitted) from a second one over the
	listed customers' invoices, empty before the first fit."""
	filters = frappe._dict(filters or {})
	date = as_of(filters)
	threshold = cint(filters.get("churn_after_days") or get_settings().churn_after_days or 180)
	if threshold <= 0:
		frappe.throw(_("Churn After must be a positive number of days."), title=_("Invalid Filter"))
	archives = permitted_archives(
		filters,
		["name", "full_name", "customer", "account_manager", "tier"],
		{"lifecycle_state": "Existing", "customer": ("is", "set")},
	)
	rows = []
	if archives:
		metrics = metrics_for([a.customer for a in archives], date, 365, filters.get("company"))
		alive = {}
		for a in archives:
			m = metrics.get(a.customer)
			if not m or m.recency_days is None:
				continue
			gap, reasons = risk(m, threshold)
			if reasons:
				rows.append(
					{
						"customer_archive": a.name,
						"customer_name": a.full_name,
						"customer": a.customer,
						"account_manager": a.account_manager,
						"tier": a.tier,
						"last_purchase_date": m.last_purchase_date,
						"days_since": m.recency_days,
						"typical_gap": round(gap, 1) if gap is not None else None,
						"p_alive": None,
						"lifetime_spend": m.lifetime_spend,
						"value_at_risk": m.lifetime_spend,  # older key, read by crm_archive/tests/test_reports.py
						"reason": "; ".join(reasons),
					}
				)
		if rows:
			# beside the rhythm: the purchase model's P(alive) as of the same date (the nightly fit's parameters)
			alive = p_alive_for([r["customer"] for r in rows], date, filters.get("company"))
		for r in rows:
			r["p_alive"] = alive.get(r.pop("customer"))
	rows.sort(key=lambda r: (-flt(r["lifetime_spend"]), r["customer_archive"]))
	add_manager_names(rows)
	per_tier = defaultdict(float)
	for r in rows:
		per_tier[r["tier"] or _("(none)")] += flt(r["lifetime_spend"])
	chart = {
		"data": {
			"labels": list(per_tier),
			"datasets": [{"name": _("Value at Risk"), "values": list(per_tier.values())}],
		},
		"type": "bar",
		"fieldtype": "Currency",
	}
	summary = [
		{"label": _("Customers at Risk"), "value": len(rows), "datatype": "Int", "indicator": "Red"},
		{
			"label": _("Value at Risk"),
			"value": sum(flt(r["lifetime_spend"]) for r in rows),
			"datatype": "Currency",
		},
	]
	return get_columns(), rows, None, chart, summary


def risk(m, threshold: int) -> tuple[float | None, list[str]]:
	"""(typical gap in days or None, reasons) for one customer's metrics."""
	gap = None
	if m.lifetime_invoice_count >= 2:
		gap = (m.last_purchase_date - m.first_purchase_date).days / (m.lifetime_invoice_count - 1)
	reasons = []
	if gap is not None and m.recency_days > max(GAP_FACTOR * gap, MIN_GAP_DAYS):
		reasons.append(
			_("{0} days since the last purchase, usually every {1} days").format(m.recency_days, round(gap))
		)
	if m.recency_days >= threshold:
		reasons.append(_("No purchase for {0} days (threshold {1})").format(m.recency_days, threshold))
	return gap, reasons


def get_columns():
	return [
		archive_column(),
		{"label": _("Customer Name"), "fieldname": "customer_name", "fieldtype": "Data", "width": 160},
		manager_column(),
		tier_column(),
		{"label": _("Last Purchase"), "fieldname": "last_purchase_date", "fieldtype": "Date", "width": 110},
		{"label": _("Days Since"), "fieldname": "days_since", "fieldtype": "Int", "width": 90},
		{"label": _("Typical Gap (days)"), "fieldname": "typical_gap", "fieldtype": "Float", "width": 120},
		{"label": _("P(alive)"), "fieldname": "p_alive", "fieldtype": "Float", "precision": 3, "width": 90},
		{
			"label": _("Value at Risk"),
			"fieldname": "lifetime_spend",
			"fieldtype": "Currency",
			"width": 140,
		},
		{"label": _("Reason"), "fieldname": "reason", "fieldtype": "Data", "width": 300},
	]
