"""`bench --site SITE crm-archive-dev backtest-clv [--calibration-end D] [--holdout-weeks 39] [--cdnow]`

The CLV backtest (crm_archive/analysis/backtest.py) on the site's own submitted Sales Invoices — read by
the nightly refresh's aggregate (analysis/store/lifetime_value.fetch_purchases: credit notes netted,
same-day invoices one purchase, as the Customer Lifetime Value report does) — or, with --cdnow, on the
literature's CDNOW sample (Fader, Hardie & Lee 2005; lifetimes' package data)."""

from datetime import timedelta

import frappe
from frappe.utils import getdate, nowdate

import crm_archive.analysis.backtest as B
import crm_archive.analysis.clv as clv
from crm_archive.analysis.store import lifetime_value as S


def on_site(calibration_end=None, holdout_weeks: int = B.CDNOW_HOLDOUT_WEEKS, company=None):
	"""Fit on the invoices up to calibration_end (default: today − the holdout), check on the holdout_weeks
	after it. The Company: the one named, else the active tier rule set's (as the nightly fit), else all.
	Returns (Backtest, the company used)."""
	holdout_days = int(holdout_weeks) * B.WEEK_DAYS
	if holdout_days <= 0:
		raise clv.ModelError("the holdout must be at least one week long")
	cal = getdate(calibration_end) if calibration_end else getdate(nowdate()) - timedelta(days=holdout_days)
	company = company or S._company_for_refresh()
	purchases = S.fetch_purchases(cal + timedelta(days=holdout_days), company)
	# day numbers count from the holdout's end (0): the calibration end is −holdout_days
	result = B.backtest_arrays(
		purchases.customer, purchases.day, purchases.amount, -holdout_days, holdout_days, calibration_date=cal
	)
	return result, company


def describe(result: B.Backtest, source: str) -> list[str]:
	r = result
	lines = [
		f"{source}: calibration to {r.calibration_end}, holdout {r.holdout_days} days "
		f"({r.holdout_days / B.WEEK_DAYS:g} weeks)",
		f"customers {r.customers} ({r.repeat_buyers} repeat buyers, "
		f"{r.calibration_repeat_purchases} repeat purchases in the calibration period)",
		f"BG/NBD fit in {r.fit_seconds:.3f} s, {'converged' if r.converged else 'NOT converged'}: "
		f"r {r.r:.4f}, alpha {r.alpha:.4f} per day = {r.alpha_per_week:.4f} per week, "
		f"a {r.a:.4f}, b {r.b:.4f}",
		f"holdout repeat purchases: actual {r.actual}, model {r.expected:.1f}, "
		f"naive baseline {r.baseline:.1f}",
		f"per customer: model MAE {r.mae:.4f}, RMSE {r.rmse:.4f}; "
		f"baseline MAE {r.baseline_mae:.4f}, RMSE {r.baseline_rmse:.4f}",
	]
	if not r.converged:
		lines.append(f"fit message: {r.fit_message}")
	return lines
