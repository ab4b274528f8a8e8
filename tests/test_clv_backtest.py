"""The CLV backtest (crm_archive.analysis.backtest): the literature's CDNOW check (Fader, Hardie & Lee 2005)
and the backtest's arithmetic on small data. Pure: no frappe.

The CDNOW sample ships in PyPI's lifetimes package data (`pip install --no-deps lifetimes`); the CDNOW tests
skip, saying so, only when it is not installed."""

from datetime import date, timedelta

import numpy as np
import pytest

from crm_archive.analysis import backtest as B
from crm_archive.analysis import clv

try:
	CDNOW, MISSING = B.cdnow_path(), ""
except B.CdnowMissing as e:
	CDNOW, MISSING = None, str(e)

needs_cdnow = pytest.mark.skipif(CDNOW is None, reason=f"CDNOW check not run: {MISSING}")


@pytest.fixture(scope="module")
def cdnow():
	return B.run_cdnow(CDNOW)


@needs_cdnow
def test_cdnow_reproduces_fader_hardie_lee(cdnow):
	"""2,357 customers, 2,457 calibration repeat purchases, the published parameters (per week) and 1,653
	expected repeat purchases in the 39-week holdout, within 1 %."""
	pub = B.CDNOW_PUBLISHED
	assert cdnow.customers == B.CDNOW_CUSTOMERS
	assert cdnow.calibration_repeat_purchases == 2457
	assert cdnow.holdout_days == 39 * 7
	assert cdnow.converged, cdnow.fit_message
	assert cdnow.r == pytest.approx(pub["r"], rel=0.01)
	assert cdnow.alpha_per_week == pytest.approx(pub["alpha_per_week"], rel=0.01)
	assert cdnow.alpha == pytest.approx(cdnow.alpha_per_week * 7)
	assert cdnow.a == pytest.approx(pub["a"], rel=0.01)
	assert cdnow.b == pytest.approx(pub["b"], rel=0.01)
	assert cdnow.expected == pytest.approx(pub["expected_holdout"], rel=0.01)
	assert cdnow.actual == 1882  # purchase days in the holdout (1,959 records, same-day ones count once)


@needs_cdnow
def test_cdnow_model_beats_the_naive_baseline(cdnow):
	assert cdnow.mae < cdnow.baseline_mae
	assert cdnow.rmse < cdnow.baseline_rmse
	# the naive forecast over-predicts the aggregate: early bursts of buying do not last
	assert abs(cdnow.expected - cdnow.actual) < abs(cdnow.baseline - cdnow.actual)


@needs_cdnow
def test_cdnow_holdout_expectation_does_not_depend_on_the_time_unit(cdnow):
	"""Fitted in weeks (t_x, T ÷ 7) with a 39-week holdout: the same parameters (α × 7 apart) and the same
	aggregate expectation as the fit in days with a 273-day holdout."""
	rows = B.load_cdnow(CDNOW)
	s = clv.summarize(rows, B.CDNOW_CALIBRATION_END)
	x, t_x, T, _m = clv.to_arrays(s)
	weeks = clv.fit_bgnbd(x, t_x / 7, T / 7)
	assert weeks.alpha == pytest.approx(cdnow.alpha_per_week, rel=1e-4)
	assert (weeks.r, weeks.a, weeks.b) == pytest.approx((cdnow.r, cdnow.a, cdnow.b), rel=1e-4)
	in_weeks = clv.expected_purchases(weeks, 39, x, t_x / 7, T / 7).sum()
	assert in_weeks == pytest.approx(cdnow.expected, rel=1e-4)
	# and the published parameters on the weekly summaries give the published figure
	published = (0.243, 4.414, 0.793, 2.426)
	assert clv.expected_purchases(published, 39, x, t_x / 7, T / 7).sum() == pytest.approx(1653, rel=0.01)


# ---------------------------------------------------------------------------------------------------------
# the arithmetic, on data drawn from the model (no lifetimes needed)


def drawn_rows(n=600, seed=5):
	"""(customer, day, amount) of n customers from the BG/NBD process (rates per day), first purchases in
	the first 60 days of 2025, through day 400."""
	rng = np.random.default_rng(seed)
	start = date(2025, 1, 1)
	rows = []
	for c in range(n):
		lam, p = rng.gamma(0.5, 1 / 20), rng.beta(0.8, 3.0)
		t = float(rng.integers(0, 60))
		rows.append((f"C{c}", start + timedelta(days=t), 10.0))
		while True:
			t += rng.exponential(1 / lam)
			if t > 400:
				break
			rows.append((f"C{c}", start + timedelta(days=int(t)), 10.0))
			if rng.random() < p:
				break
	return rows


def test_backtest_figures_are_the_per_customer_errors():
	rows = drawn_rows()
	cal, h = date(2025, 6, 30), 120
	got = B.backtest(rows, cal, h)
	s = clv.summarize(rows, cal)
	x, t_x, T, _m = clv.to_arrays(s)
	fit = clv.fit_bgnbd(x, t_x, T)
	hold = clv.holdout_actuals(rows, cal, cal + timedelta(days=h), period_days=h)
	actual = np.array([hold.per_customer.get(c, 0) for c in s], dtype=float)
	predicted = clv.expected_purchases(fit, h, x, t_x, T)
	naive = np.where(T > 0, x / np.maximum(T, 1) * h, 0.0)
	assert got.customers == len(s) and got.repeat_buyers == int((x > 0).sum())
	assert got.actual == int(actual.sum()) == sum(hold.by_period)
	assert got.expected == pytest.approx(predicted.sum())
	assert got.baseline == pytest.approx(naive.sum())
	assert got.mae == pytest.approx(np.abs(predicted - actual).mean())
	assert got.rmse == pytest.approx(np.sqrt(((predicted - actual) ** 2).mean()))
	assert got.baseline_mae == pytest.approx(np.abs(naive - actual).mean())
	assert got.baseline_rmse == pytest.approx(np.sqrt(((naive - actual) ** 2).mean()))
	assert got.fit_seconds > 0
	assert (got.r, got.alpha, got.a, got.b) == pytest.approx(fit.params)
	assert got.as_dict()["calibration_end"] == "2025-06-30"
	assert got.mae < got.baseline_mae


def test_backtest_nets_days_and_ignores_customers_new_in_the_holdout():
	rows = drawn_rows()
	cal = date(2025, 6, 30)
	base = B.backtest(rows, cal, 60)
	extra = [
		("C0", cal + timedelta(days=5), 10.0),  # a holdout purchase …
		("C0", cal + timedelta(days=5), 3.0),  # … and a second invoice that day: one purchase
		("C1", cal + timedelta(days=6), 10.0),  # an invoice and its credit note: none
		("C1", cal + timedelta(days=6), -10.0),
		("NEW", cal + timedelta(days=1), 50.0),  # first bought in the holdout: not part of the check
		("NEW", cal + timedelta(days=9), 50.0),
		("C2", cal + timedelta(days=61), 10.0),  # after the holdout
	]
	more = B.backtest(rows + extra, cal, 60)
	assert more.customers == base.customers
	assert more.actual == base.actual + 1
	assert more.expected == pytest.approx(base.expected)


def test_backtest_refuses_what_it_cannot_check():
	rows = drawn_rows(n=10)
	with pytest.raises(clv.ModelError, match="too few customers"):
		B.backtest(rows, date(2025, 6, 30), 30)
	with pytest.raises(clv.ModelError, match="at least one day"):
		B.backtest(drawn_rows(), date(2025, 6, 30), 0)


def test_cdnow_missing_says_how_to_install(tmp_path, monkeypatch):
	monkeypatch.setattr(B.importlib.util, "find_spec", lambda name: None)
	with pytest.raises(B.CdnowMissing, match="pip install --no-deps lifetimes"):
		B.cdnow_path()
