"""A published CLV backtest: fit the purchase model (BG/NBD, crm_archive/analysis/clv.py) on a calibration
period, predict each customer's repeat purchases in the holdout that follows, and compare with what they
did. Pure: numpy and the standard library only — no frappe import.

Given purchase records (customer, date, amount — invoices positive, credit notes negative), a calibration
end and a holdout length, the records are netted per customer and day as clv.summarize does (same-day
records one purchase, a day netted to <= 0 none); the customers whose first purchase day is on or before
the calibration end are the backtest's, each with

	predicted  E[Y(h) | x, t_x, T] (eq. 10 of Fader, Hardie & Lee 2005) at the calibration end, h the
	           holdout length — the model fitted on the calibration period only;
	baseline   the naive forecast: the customer repeats its calibration-period rate, x / T · h (0 when
	           T == 0: bought first on the calibration end, no rate to repeat);
	actual     its purchase days in the holdout (calibration end, calibration end + h].

Reported: per-customer MAE and RMSE of predicted and of baseline against actual, the aggregate expected,
baseline and actual holdout repeat purchases, the fit's parameters (in days, and per week as the literature
reports them: only α carries the unit, clv.per_week) and the fit time.

The literature's check is the CDNOW sample (Fader, Hardie & Lee 2005: 2,357 customers who first bought in
the first 12 weeks of 1997, calibration 39 weeks from 1997-01-01 — to 1997-09-30 — and a 39-week holdout
to 1998-06-30; r = 0.243, α = 4.414 per week, a = 0.793, b = 2.426, 1,653 expected holdout repeat
purchases). The sample ships as package data of PyPI's `lifetimes` (`pip install --no-deps lifetimes`:
only its data file is read, the package is never imported): load_cdnow().
"""

from __future__ import annotations

import importlib.util
import math
import os
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime

import numpy as np

import crm_archive.analysis.clv as clv

WEEK_DAYS = clv.WEEK_DAYS
# Fader, Hardie & Lee (2005), the CDNOW sample: calibration 39 weeks from 1997-01-01, holdout 39 weeks
CDNOW_CALIBRATION_END = date(1997, 9, 30)
CDNOW_HOLDOUT_WEEKS = 39
CDNOW_CUSTOMERS = 2357
CDNOW_PUBLISHED = {"r": 0.243, "alpha_per_week": 4.414, "a": 0.793, "b": 2.426, "expected_holdout": 1653}
CDNOW_FILE = "CDNOW_sample.txt"

__all__ = [
	"CDNOW_CALIBRATION_END",
	"CDNOW_CUSTOMERS",
	"CDNOW_HOLDOUT_WEEKS",
	"CDNOW_PUBLISHED",
	"Backtest",
	"CdnowMissing",
	"backtest",
	"backtest_arrays",
	"cdnow_path",
	"load_cdnow",
	"run_cdnow",
]


class CdnowMissing(FileNotFoundError):
	"""The CDNOW sample is not installed (it ships in PyPI's lifetimes package data)."""


@dataclass(frozen=True)
class Backtest:
	"""One backtest's figures. Purchase counts are purchase days; times in days unless named per week."""

	calibration_end: date | None
	holdout_days: int
	customers: int  # first purchase on or before the calibration end
	repeat_buyers: int  # … of whom bought again on another day within the calibration period
	calibration_repeat_purchases: int
	r: float
	alpha: float  # per day (the fit's unit)
	a: float
	b: float
	alpha_per_week: float
	converged: bool
	fit_message: str
	fit_seconds: float
	actual: int  # holdout repeat purchases, summed over the customers
	expected: float  # the model's, summed
	baseline: float  # the naive forecast's, summed
	mae: float
	rmse: float
	baseline_mae: float
	baseline_rmse: float

	def as_dict(self) -> dict:
		out = asdict(self)
		out["calibration_end"] = str(self.calibration_end) if self.calibration_end else None
		return out


def _errors(predicted: np.ndarray, actual: np.ndarray) -> tuple[float, float]:
	diff = predicted - actual
	return float(np.mean(np.abs(diff))), float(math.sqrt(np.mean(diff * diff)))


def backtest_arrays(
	customer, day, amount, calibration_end: int, holdout_days: int, *, calibration_date: date | None = None
) -> Backtest:
	"""The backtest on parallel arrays (see clv.purchase_days_arrays): customer codes, day numbers on any one
	origin, net amounts; calibration_end a day number on that origin, the holdout the holdout_days after
	it. Records after the holdout are ignored. clv.ModelError when the calibration period cannot identify
	the model (too few customers or repeat buyers) or the holdout length is not positive."""
	holdout_days = int(holdout_days)
	if holdout_days <= 0:
		raise clv.ModelError("the holdout must be at least one day long")
	cal = int(calibration_end)
	s = clv.summarize_arrays(customer, day, amount, cal)
	start = time.perf_counter()
	fit = clv.fit_bgnbd(s.x, s.t_x, s.T)
	fit_seconds = time.perf_counter() - start
	holdout = clv.holdout_actuals_arrays(
		customer, day, amount, cal, cal + holdout_days, period_days=holdout_days
	)
	actual = np.array([holdout.per_customer.get(int(c), 0) for c in s.customer], dtype=float)
	predicted = clv.expected_purchases(fit, float(holdout_days), s.x, s.t_x, s.T)
	baseline = np.where(s.T > 0, s.x / np.maximum(s.T, 1.0) * holdout_days, 0.0)
	mae, rmse = _errors(predicted, actual)
	base_mae, base_rmse = _errors(baseline, actual)
	return Backtest(
		calibration_end=calibration_date,
		holdout_days=holdout_days,
		customers=len(s.x),
		repeat_buyers=int(np.count_nonzero(s.x)),
		calibration_repeat_purchases=int(s.x.sum()),
		r=fit.r,
		alpha=fit.alpha,
		a=fit.a,
		b=fit.b,
		alpha_per_week=clv.per_week(fit.params)[1],
		converged=fit.converged,
		fit_message=fit.message,
		fit_seconds=fit_seconds,
		actual=int(actual.sum()),
		expected=float(predicted.sum()),
		baseline=float(baseline.sum()),
		mae=mae,
		rmse=rmse,
		baseline_mae=base_mae,
		baseline_rmse=base_rmse,
	)


def _as_date(value) -> date:
	if isinstance(value, datetime):
		return value.date()
	if isinstance(value, date):
		return value
	if isinstance(value, str):
		return date.fromisoformat(value[:10])
	raise clv.ModelError(f"not a date: {value!r}")


def backtest(rows: Iterable, calibration_end, holdout_days: int) -> Backtest:
	"""The backtest on (customer, date, amount) records (dates as date, datetime or ISO text): see the
	module docstring and backtest_arrays."""
	codes: dict = {}
	customers, days, amounts = [], [], []
	for who, when, value in rows:
		customers.append(codes.setdefault(who, len(codes)))
		days.append(_as_date(when).toordinal())
		amounts.append(float(value))
	cal = _as_date(calibration_end)
	return backtest_arrays(
		np.array(customers, dtype=np.int64),
		np.array(days, dtype=np.int64),
		np.array(amounts, dtype=float),
		cal.toordinal(),
		holdout_days,
		calibration_date=cal,
	)


# ---------------------------------------------------------------------------------------------------------
# the CDNOW sample


def cdnow_path() -> str:
	"""CDNOW_sample.txt in the installed lifetimes package's datasets (found without importing lifetimes,
	whose own dependencies are not needed); CdnowMissing with the install command when absent."""
	spec = importlib.util.find_spec("lifetimes")
	for folder in (spec.submodule_search_locations or []) if spec else []:
		path = os.path.join(folder, "datasets", CDNOW_FILE)
		if os.path.isfile(path):
			return path
	raise CdnowMissing(
		"the CDNOW sample is not installed: it ships in PyPI's lifetimes package data "
		"(pip install --no-deps lifetimes)"
	)


def load_cdnow(path: str | None = None) -> list[tuple[int, date, float]]:
	"""The CDNOW sample's records as (customer, date, amount). The file's columns: master id, sample id
	(1–2,357, the customer here), yyyymmdd, number of CDs, dollar value. A record is a purchase whatever its
	dollar value — 8 of the 2,357 customers' only record is $0.00, and netting would drop them — so the
	amount given is the number of CDs (>= 1): the backtest counts purchase days and never reads amounts
	otherwise."""
	out = []
	with open(path or cdnow_path(), encoding="ascii") as f:
		for line in f:
			parts = line.split()
			if not parts:
				continue
			_master, customer, ymd, cds, _dollars = parts
			out.append((int(customer), date(int(ymd[:4]), int(ymd[4:6]), int(ymd[6:8])), float(cds)))
	return out


def run_cdnow(path: str | None = None) -> Backtest:
	"""The literature's backtest: CDNOW sample, calibration to 1997-09-30, 39-week holdout."""
	return backtest(load_cdnow(path), CDNOW_CALIBRATION_END, CDNOW_HOLDOUT_WEEKS * WEEK_DAYS)
