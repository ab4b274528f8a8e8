# Copyright (c) 2026, crm_archive developers and contributors
# For license information, please see license.txt

"""Customer Lifetime Value: BG/NBD + Gamma-Gamma (crm_archive/analysis/clv.py) fitted on every customer's
submitted Sales Invoices up to As Of, shown for the archives the user may read.

The models are fitted on all customers — what a user learns from that is the handful of population
parameters in the summary, never a per-customer figure: rows, the model check chart and the totals cover
only the archives the user may read (after the filters)."""

from datetime import timedelta

import frappe
import numpy as np
from frappe import _
from frappe.utils import escape_html, flt, formatdate, getdate

from crm_archive.analysis import clv
from crm_archive.analysis.store import lifetime_value as S
from crm_archive.analysis.store.reports import (
	add_manager_names,
	archive_column,
	as_of,
	manager_column,
	permitted_archives,
	positive_int,
	tier_column,
)

FIELDS = ["name", "full_name", "customer", "tier", "account_manager"]
MAX_HORIZON_DAYS = 3650
MAX_PERIOD_DAYS = 365


def execute(filters=None):
	filters = frappe._dict(filters or {})
	date = as_of(filters)
	horizon = positive_int(filters, "horizon_days", 365)
	if horizon > MAX_HORIZON_DAYS:
		frappe.throw(
			_("The horizon can be at most {0} days.").format(MAX_HORIZON_DAYS), title=_("Invalid Filter")
		)
	rate = discount_rate(filters)
	period = positive_int(filters, "check_period_days", 7)
	if period > MAX_PERIOD_DAYS:
		frappe.throw(
			_("The check period can be at most {0} days.").format(MAX_PERIOD_DAYS), title=_("Invalid Filter")
		)
	cal_end = calibration_end(filters, date)
	company = filters.get("company") or None
	if company is not None and not isinstance(company, str):
		frappe.throw(_("Filter {0} must be a single value.").format("company"), title=_("Invalid Filter"))

	archives = permitted_archives(filters, FIELDS, {"customer": ("is", "set")})
	purchases = S.fetch_purchases(date, company)
	currencies = S.mixed_currencies(purchases, company)
	if currencies:
		frappe.throw(
			_(
				"This report sums invoices in the company currency, and the companies keep different currencies ({0}): choose a Company."
			).format(", ".join(currencies)),
			title=_("Mixed Currencies"),
		)
	s = S.summaries(purchases)
	model = fit_or_explain(s)
	if not model.converged:
		log_technical_detail(model.technical, date, company, len(s.x))

	visible = visible_positions(archives, purchases, s)
	rows = get_rows(archives, visible, s, model, date, horizon, rate)
	add_manager_names(rows)
	check, check_note = model_check(purchases, archives, date, cal_end, period)
	message = "<br>".join(escape_html(m) for m in [model.notice(), *check_note] if m) or None
	return (
		get_columns(horizon),
		rows,
		message,
		get_chart(check, cal_end),
		get_summary(model, s, rows, check),
	)


# --- filters ---------------------------------------------------------------------------------------------


def discount_rate(filters) -> float:
	value = filters.get("discount_rate")
	rate = 1.0 if value in (None, "") else flt(value)
	if isinstance(value, list | dict) or not 0 <= rate < 100:
		frappe.throw(
			_("The discount rate must be at least 0 and below 100%."), title=_("Invalid Discount Rate")
		)
	return rate / 100


def calibration_end(filters, date):
	value = filters.get("calibration_end")
	if value in (None, ""):
		return None
	try:
		end = getdate(value)
	except Exception:
		frappe.throw(_("{0} is not a valid date.").format(frappe.bold(value)), title=_("Invalid Filter"))
	if end >= date:
		frappe.throw(
			_("The Calibration End must be before the As Of date (the holdout is the time between them)."),
			title=_("Invalid Filter"),
		)
	return end


# --- model -----------------------------------------------------------------------------------------------


def fit_or_explain(s: clv.ArraySummaries) -> S.Model:
	try:
		model = S.fit(s, S.last_good())
	except S.TooFewBuyers as e:
		if e.detail:
			log_technical_detail([e.detail], None, None, len(s.x))
		frappe.throw(str(e), title=_("Not Enough Data"))
	return model


ERROR_TITLE = "Customer Lifetime Value: a fit did not converge"


def log_technical_detail(lines: list[str], date, company, customers: int) -> None:
	"""The optimizer's own words for an admin, in the Error Log (deferred: a report may run on a replica),
	once a day for the same text — the report's readers get one plain sentence instead."""
	text = "\n".join(
		[
			*lines,
			f"As Of {date}, Company {company or '(all)'}, {customers} customers fitted (days as the unit).",
		]
	)
	if frappe.db.exists(
		"Error Log", {"method": ERROR_TITLE, "error": text, "creation": (">=", frappe.utils.today())}
	):
		return
	frappe.log_error(ERROR_TITLE, text, defer_insert=True)


def visible_positions(archives, purchases: S.Purchases, s: clv.ArraySummaries) -> list[tuple[dict, int]]:
	"""(archive, position in the summaries) for the readable archives whose customer bought by As Of."""
	out = []
	for a in archives:
		code = purchases.code(a.customer)
		if code is None:
			continue
		i = int(np.searchsorted(s.customer, code))
		if i < len(s.customer) and s.customer[i] == code:
			out.append((a, i))
	return out


def get_rows(archives, visible, s, model: S.Model, date, horizon: int, rate: float) -> list[dict]:
	if not visible:
		return []
	idx = np.array([i for _a, i in visible], dtype=np.int64)
	scores = clv.score(
		model.bg, model.gg, s.x[idx], s.t_x[idx], s.T[idx], s.m_x[idx], horizon, rate, step=S.STEP_DAYS
	)
	rows = []
	for k, (a, i) in enumerate(visible):
		rows.append(
			{
				"customer_archive": a.name,
				"customer_name": a.full_name,
				"customer": a.customer,
				"tier": a.tier,
				"account_manager": a.account_manager,
				"purchase_days": int(s.x[i]) + 1,
				"first_purchase_date": date + timedelta(days=int(s.first[i])),
				"last_purchase_date": date + timedelta(days=int(s.last[i])),
				"p_alive": float(scores.p_alive[k]),
				"expected_purchases": float(scores.expected_purchases[k]),
				"expected_spend": float(scores.expected_spend[k]),
				"clv": float(scores.clv[k]),
			}
		)
	rows.sort(key=lambda r: (-r["clv"], r["customer_archive"]))
	return rows


def model_check(purchases: S.Purchases, archives, date, cal_end, period: int):
	"""Fit on the calibration period (every customer's invoices up to the Calibration End), then expected
	against actual repeat purchases in the holdout, summed over the readable archives' customers only."""
	if cal_end is None:
		return None, []
	cal_day = purchases.day_of(cal_end)
	s_cal = S.summaries(purchases, cal_day)
	try:
		cal_fit = clv.fit_bgnbd(s_cal.x, s_cal.t_x, s_cal.T)
	except clv.ModelError:
		return None, [
			_(
				"No model check: too few customers bought again by the Calibration End {0} to fit the model on that period."
			).format(cal_end)
		]
	note = []
	if not cal_fit.converged:
		note.append(
			_(
				"The model check could not settle on stable parameters for the period up to the Calibration End; read its expected line as rough."
			)
		)
		log_technical_detail(
			[f"The model check's BG/NBD fit up to {cal_end} did not converge: {cal_fit.message}"],
			date,
			None,
			len(s_cal.x),
		)
	codes = np.array(
		sorted({c for c in (purchases.code(a.customer) for a in archives) if c is not None}), dtype=np.int64
	)
	in_cal = np.isin(s_cal.customer, codes)
	if not in_cal.any():
		return None, note
	mine = np.isin(purchases.customer, codes)
	holdout = clv.holdout_actuals_arrays(
		purchases.customer[mine],
		purchases.day[mine],
		purchases.amount[mine],
		cal_day,
		0,
		period_days=period,
	)
	try:
		rows = clv.model_check_arrays(cal_fit, s_cal.x[in_cal], s_cal.t_x[in_cal], s_cal.T[in_cal], holdout)
	except (clv.ModelError, ArithmeticError, ValueError) as e:
		return None, [*note, _("No model check: {0}").format(str(e))]
	for r in rows:
		r["period_end_date"] = cal_end + timedelta(days=r["period_end_offset"])
	return {"rows": rows, "fit": cal_fit, "customers": int(in_cal.sum())}, note


# --- output ----------------------------------------------------------------------------------------------


def get_columns(horizon: int):
	return [
		archive_column(),
		{"label": _("Customer Name"), "fieldname": "customer_name", "fieldtype": "Data", "width": 160},
		tier_column(),
		manager_column(),
		{"label": _("Purchase Days"), "fieldname": "purchase_days", "fieldtype": "Int", "width": 100},
		{"label": _("Last Purchase"), "fieldname": "last_purchase_date", "fieldtype": "Date", "width": 110},
		{"label": _("P(alive)"), "fieldname": "p_alive", "fieldtype": "Float", "precision": 3, "width": 90},
		{
			"label": _("Expected Purchases ({0} days)").format(horizon),
			"fieldname": "expected_purchases",
			"fieldtype": "Float",
			"precision": 2,
			"width": 150,
		},
		{
			"label": _("Expected Average Spend"),
			"fieldname": "expected_spend",
			"fieldtype": "Currency",
			"width": 150,
		},
		{"label": _("CLV"), "fieldname": "clv", "fieldtype": "Currency", "width": 140},
	]


def get_chart(check, cal_end):
	if not check:
		return None
	rows = check["rows"]
	return {
		"data": {
			"labels": [str(r["period_end_date"]) for r in rows],
			"datasets": [
				{"name": _("Actual Repeat Purchases"), "values": [r["actual"] for r in rows]},
				{"name": _("Expected Repeat Purchases"), "values": [round(r["expected"], 2) for r in rows]},
			],
		},
		"type": "line",
		"title": _("Model Check: holdout after {0}").format(cal_end),
	}


def nightly_fit() -> dict:
	"""When the parameters behind the archives' stored P(alive), expected purchases and CLV were fitted (the
	nightly refresh refits on a schedule and rescores with them every night; this report fits its own)."""
	kept = S.last_good()
	if kept is None:
		value = _("Not yet")
	else:
		value = _("{0} (data as of {1})").format(
			formatdate(getdate(kept.fitted_on)), formatdate(kept.as_of) if kept.as_of else "—"
		)
	return {"label": _("Nightly Fit On"), "value": value, "datatype": "Data", "indicator": "Blue"}


def get_summary(model: S.Model, s: clv.ArraySummaries, rows: list[dict], check) -> list[dict]:
	bg_ll, gg_ll = S.log_likelihoods(model, s)
	# fitted in days; α shown per week as the literature reports it (α_days / 7); r, a, b, p, q have no unit
	r, alpha, a, b = clv.per_week(model.bg)
	p, q, v = model.gg
	converged = model.converged
	out = [
		{
			"label": _("Parameters"),
			"value": _("Fitted")
			if converged
			else _("Last Good")
			if model.fallback_from
			else _("Not Converged"),
			"datatype": "Data",
			"indicator": "Green" if converged else "Orange",
		},
		nightly_fit(),
		{"label": _("Customers Fitted"), "value": len(s.x), "datatype": "Int"},
		{"label": _("Repeat Buyers"), "value": int(np.count_nonzero(s.x)), "datatype": "Int"},
		*(
			{"label": label, "value": round(value, 6), "datatype": "Float"}
			for label, value in (("r", r), (_("α (per week)"), alpha), ("a", a), ("b", b))
		),
		{"label": _("Log-Likelihood (BG/NBD)"), "value": round(bg_ll, 2), "datatype": "Float"},
		*(
			{"label": label, "value": round(value, 6), "datatype": "Float"}
			for label, value in (("p", p), ("q", q), ("v", v))
		),
		{"label": _("Log-Likelihood (Gamma-Gamma)"), "value": round(gg_ll, 2), "datatype": "Float"},
		{"label": _("Archives Shown"), "value": len(rows), "datatype": "Int"},
		{
			"label": _("CLV of the Archives Shown"),
			"value": sum(r["clv"] for r in rows),
			"datatype": "Currency",
		},
	]
	if check:
		last = check["rows"][-1]
		out += [
			{
				"label": _("Holdout: Actual Repeat Purchases"),
				"value": last["actual_cumulative"],
				"datatype": "Int",
			},
			{
				"label": _("Holdout: Expected Repeat Purchases"),
				"value": round(last["expected_cumulative"], 1),
				"datatype": "Float",
			},
		]
	return out
