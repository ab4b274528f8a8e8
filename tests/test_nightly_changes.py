"""What can change a tier between two nights (crm_archive/tiering/changes.py): exact boundaries, checked
against the rules themselves — an archive outside every source keeps the answer rules.qualify gives."""

from datetime import date, datetime, timedelta

import pytest

from crm_archive.tiering import changes as C
from crm_archive.tiering import rules as R
from crm_archive.tiering.metrics import Metrics

D = date(2026, 12, 7)
FP = "fp"


def rule_set(*rules, window=30, grace=0):
	return R.RuleSet("RS", tuple(rules), "Bronze", window, grace)


def last(as_of=D - timedelta(days=1)):
	return C.LastNight(as_of=as_of, started=datetime(2026, 12, 6, 2, 0), fingerprint=FP)


def test_full_run_reasons():
	rs = rule_set(R.Rule("Gold", min_window_spend=100))
	assert C.full_run_reason(last(), D, FP, rs) is None
	assert C.full_run_reason(last(D), D, FP, rs) is None  # run again the same day
	assert C.full_run_reason(C.LastNight(), D, FP, rs) == "first"
	assert C.full_run_reason(last(D - timedelta(days=2)), D, FP, rs) == "missed"
	assert C.full_run_reason(last(D + timedelta(days=1)), D, FP, rs) == "back"
	assert C.full_run_reason(last(), D, "other", rs) == "rules"
	predicted = rule_set(R.Rule("Gold", condition="p_alive > 0.5"))
	assert C.full_run_reason(last(), D, FP, predicted) == "predictions"
	computed = rule_set(R.Rule("Gold", condition="recency_days / 7 < 2"))
	assert C.full_run_reason(last(), D, FP, computed) == "unbounded"


@pytest.mark.parametrize(
	"condition, expected",
	[
		("recency_days <= 30", {29, 30}),
		("recency_days < 30", {29}),
		("30 > recency_days", {29}),
		("recency_days > 7.5", {7}),
		("recency_days == 10 or invoice_count > 3", {9, 10}),
		("5 < recency_days <= 9", {4, 5, 8, 9}),
		("recency_days >= -1", set()),  # no customer has a negative count
	],
)
def test_boundaries_of_conditions(condition, expected):
	got = C.day_boundaries(rule_set(R.Rule("Gold", condition=condition)))["recency_days"]
	assert expected <= got  # what matters: no boundary is missed (checked exhaustively below)


@pytest.mark.parametrize(
	"condition",
	["recency_days + 1 < 30", "max(recency_days, 3) < 9", "recency_days < invoice_count", "recency_days"],
)
def test_unbounded_uses(condition):
	assert C.day_boundaries(rule_set(R.Rule("Gold", condition=condition))) is None


def _eval(expression, values):
	return bool(eval(expression, {"__builtins__": {}, "max": max, "min": min, "abs": abs}, dict(values)))


@pytest.mark.parametrize(
	"rules",
	[
		(R.Rule("Gold", max_recency_days=30, min_invoice_count=1),),
		(R.Rule("Gold", condition="recency_days <= 14"), R.Rule("Silver", condition="recency_days > 7.5")),
		(R.Rule("Gold", condition="5 < days_since_first_purchase <= 9 or recency_days == 3"),),
		(R.Rule("Gold", condition="recency_days != 4 and recency_days >= 2"),),
	],
)
def test_an_archive_outside_the_crossings_keeps_its_tier(rules):
	"""For every last purchase date in a wide span: if the tier differs between last night and tonight, the
	date is in one of the crossing ranges (no boundary missed); over one day and over a rerun."""
	rs = rule_set(*rules)
	bounds = C.day_boundaries(rs)
	for prev, cur in ((D - timedelta(days=1), D), (D, D)):
		ranges = {name: C.crossing_dates(bounds[name], prev, cur) for name in C.DAY_COUNTERS}
		for back in range(0, 60):
			for first_back in (back, back + 3, back + 8):
				last_buy, first_buy = cur - timedelta(days=back), cur - timedelta(days=first_back)

				def tier(as_of, last_buy=last_buy, first_buy=first_buy):
					m = Metrics(
						"C",
						invoice_count=1,
						last_purchase_date=last_buy,
						first_purchase_date=first_buy,
						recency_days=(as_of - last_buy).days,
						days_since_first_purchase=(as_of - first_buy).days,
					)
					return R.qualify(m, rs, _eval)[0]

				if last_buy > prev:
					continue  # bought after last night: an invoice source, not a day count
				if tier(prev) != tier(cur):
					inside = any(lo <= last_buy <= hi for lo, hi in ranges["recency_days"]) or any(
						lo <= first_buy <= hi for lo, hi in ranges["days_since_first_purchase"]
					)
					assert inside, (rules, back, first_back)


def test_crossings_are_one_day_per_boundary():
	assert C.crossing_dates(frozenset({30}), D - timedelta(days=1), D) == [
		(D - timedelta(days=31), D - timedelta(days=31))
	]
	assert C.crossing_dates(frozenset({30}), D, D) == []


def test_window_ranges():
	prev = D - timedelta(days=1)
	left, came = C.window_ranges(prev, D, 30)
	# last night the window began on prev - 29; tonight on D - 29: the invoices of prev - 29 left
	assert left == (prev - timedelta(days=29), prev - timedelta(days=29))
	assert came == (D, D)
	assert C.window_ranges(D, D, 30) == []


def test_grace_cutoff():
	assert C.grace_cutoff(D, 3) == D - timedelta(days=3)
	pending = D - timedelta(days=3)  # grace of 3 days ends tonight
	assert R.decide("Gold", "Bronze", {"Gold": 2, "Bronze": 1}, pending, D, 3)[0] == "Bronze"
	pending = D - timedelta(days=2)
	assert pending > C.grace_cutoff(D, 3)
	assert R.decide("Gold", "Bronze", {"Gold": 2, "Bronze": 1}, pending, D, 3)[0] == "Gold"
