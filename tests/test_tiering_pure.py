"""Pure tier rules: thresholds at exact boundaries (the erpnext#14930 class of bug), priorities,
conditions, downgrade grace hysteresis, locks, and metrics from aggregate rows."""

import time
from datetime import date, datetime
from decimal import Decimal

import pytest

from crm_archive.tiering import rules as R
from crm_archive.tiering.metrics import Metrics, empty_metrics, metrics_from_row, money

AS_OF = date(2026, 11, 24)
RANKS = {"VIP": 40, "重要客户": 30, "普通客户": 20, "潜在客户": 10}
RULES = R.RuleSet(
	name="Test",
	rules=(
		R.Rule("普通客户", priority=3, min_invoice_count=1, row_id="3"),
		R.Rule("VIP", priority=1, min_window_spend=100000, min_invoice_count=6, row_id="1"),
		R.Rule("重要客户", priority=2, min_window_spend=30000, max_recency_days=90, row_id="2"),
	),
	default_tier="潜在客户",
	grace_days=30,
)


def m(**kw):
	base = {"customer": "C1", "invoice_count": 1, "recency_days": 10}
	base.update(kw)
	return Metrics(**base)


@pytest.mark.parametrize(
	"spend,count,recency,tier",
	[
		(100000, 6, 10, "VIP"),  # exactly at both VIP thresholds
		(99999.99, 6, 10, "重要客户"),  # one cent below
		(100000, 5, 10, "重要客户"),  # one invoice short
		(30000, 1, 90, "重要客户"),  # recency exactly at the max
		(30000, 1, 91, "普通客户"),  # a day too old
		(29999.99, 1, 10, "普通客户"),
		(0, 0, None, "潜在客户"),  # never purchased
		(-500, 0, 30, "潜在客户"),  # net negative after returns
	],
)
def test_thresholds_at_exact_boundaries(spend, count, recency, tier):
	assert R.qualify(m(window_spend=spend, invoice_count=count, recency_days=recency), RULES)[0] == tier


def test_float_noise_does_not_cross_a_boundary():
	row = {"customer": "C", "window_spend": 0.1 + 0.2, "window_count": 1, "last_purchase": AS_OF}
	metrics = metrics_from_row(row, AS_OF)
	rule = R.Rule("X", min_window_spend=0.3)
	assert R.rule_matches(rule, metrics)
	assert money(Decimal("2.675")) == 2.68  # half-up, not banker's rounding


def test_priority_order_and_first_match_wins():
	assert [r.row_id for r in R.ordered(RULES.rules)] == ["1", "2", "3"]
	tier, rule = R.qualify(m(window_spend=200000, invoice_count=9), RULES)
	assert (tier, rule.row_id) == ("VIP", "1")
	tied = (R.Rule("A", priority=1, row_id="a"), R.Rule("B", priority=1, row_id="b"))
	assert [r.row_id for r in R.ordered(tied)] == ["a", "b"]


def test_zero_threshold_means_not_set():
	assert R.rule_matches(
		R.Rule("X", min_window_spend=0, min_invoice_count=0, max_recency_days=0), m(recency_days=None)
	)


def test_condition_uses_evaluator_and_requires_one():
	rule = R.Rule("VIP", condition="window_spend >= 500")
	seen = []

	def ev(expr, values):
		seen.append((expr, values["window_spend"]))
		return eval(expr, {}, values)

	assert R.rule_matches(rule, m(window_spend=600), ev)
	assert not R.rule_matches(rule, m(window_spend=400), ev)
	assert seen == [("window_spend >= 500", 600), ("window_spend >= 500", 400)]
	with pytest.raises(ValueError):
		R.rule_matches(rule, m(window_spend=600), None)


def test_condition_and_thresholds_must_both_hold():
	rule = R.Rule("VIP", min_invoice_count=3, condition="True")
	assert not R.rule_matches(rule, m(invoice_count=2), lambda e, v: True)


@pytest.mark.parametrize(
	"current,qualified,pending,locked,expected",
	[
		(None, "普通客户", None, False, ("普通客户", None, "initial")),
		("普通客户", "VIP", date(2026, 11, 1), False, ("VIP", None, "upgrade")),  # upgrade clears grace
		("VIP", "VIP", date(2026, 11, 1), False, ("VIP", None, "unchanged")),
		("VIP", "普通客户", None, True, ("VIP", None, "locked")),
		("VIP", "普通客户", None, False, ("VIP", AS_OF, "grace")),  # grace starts
		("VIP", "普通客户", date(2026, 11, 1), False, ("VIP", date(2026, 11, 1), "grace")),  # 23 days
		("VIP", "普通客户", date(2026, 10, 25), False, ("普通客户", None, "downgrade")),  # exactly 30 days
		("VIP", "普通客户", date(2026, 12, 31), False, ("VIP", AS_OF, "grace")),  # pending in the future
	],
)
def test_decide(current, qualified, pending, locked, expected):
	assert R.decide(current, qualified, RANKS, pending, AS_OF, 30, locked) == expected


def test_no_grace_downgrades_immediately():
	assert R.decide("VIP", "普通客户", RANKS, None, AS_OF, 0) == ("普通客户", None, "downgrade")


def test_unknown_tier_ranks_lowest():
	assert R.decide("Gone", "普通客户", RANKS, None, AS_OF, 30)[2] == "upgrade"


def test_evaluate_many_customers_quickly():
	metrics = [
		Metrics(
			customer=f"C{i}", window_spend=float(i * 37 % 150000), invoice_count=i % 10, recency_days=i % 200
		)
		for i in range(100000)
	]
	current = {f"C{i}": R.Current(tier="普通客户") for i in range(0, 100000, 2)}
	start = time.perf_counter()
	decisions = R.evaluate(metrics, RULES, current, RANKS, AS_OF)
	assert time.perf_counter() - start < 2.0
	assert len(decisions) == 100000
	counts = R.distribution(d.new_tier for d in decisions)
	assert counts["VIP"] > 0 and counts["普通客户"] > 0
	assert sum(d.changed for d in decisions) > 0
	# odd customers had no tier: they get their qualified tier at once
	assert decisions[1].reason == "initial"


def test_movement_matrix_and_distribution():
	pairs = [("VIP", "VIP"), ("普通客户", "VIP"), (None, "潜在客户"), ("普通客户", "VIP")]
	assert R.movement_matrix(pairs) == {("VIP", "VIP"): 1, ("普通客户", "VIP"): 2, ("", "潜在客户"): 1}
	assert R.distribution(["VIP", None, "VIP"]) == {"VIP": 2, "": 1}


def test_metrics_from_row():
	row = {
		"customer": "C9",
		"window_spend": Decimal("3500.005"),
		"lifetime_spend": Decimal("9000"),
		"window_count": Decimal("2"),
		"lifetime_count": 5,
		"first_purchase": datetime(2025, 1, 1, 10, 0),
		"last_purchase": date(2026, 11, 19),
	}
	x = metrics_from_row(row, AS_OF)
	assert (x.window_spend, x.lifetime_spend, x.invoice_count, x.lifetime_invoice_count) == (
		3500.01,
		9000,
		2,
		5,
	)
	assert x.recency_days == 5
	assert x.first_purchase_date == date(2025, 1, 1)
	assert x.days_since_first_purchase == 692
	assert x.average_order_value == 1750.01
	assert x.as_dict()["last_purchase_date"] == "2026-11-19"
	e = empty_metrics("C0")
	assert (e.window_spend, e.invoice_count, e.recency_days, e.average_order_value) == (0, 0, None, 0)


def test_metrics_with_only_returns():
	x = metrics_from_row(
		{"customer": "R", "window_spend": -200, "lifetime_spend": -200, "window_count": 0}, AS_OF
	)
	assert (x.window_spend, x.invoice_count, x.average_order_value, x.recency_days) == (-200, 0, 0, None)


# --- the Customer Group a tier gives (crm_archive/tiering/groups.py) -----------------------------------


def test_group_follows_the_tier_and_remembers_the_first_group():
	from crm_archive.tiering.groups import decide

	assert decide("Retail", "VIP Customers", None, True) == ("VIP Customers", "Retail")
	# a later move between tier groups keeps the group from before the app took over
	assert decide("VIP Customers", "Key Customers", "Retail", True) == ("Key Customers", "Retail")
	# already in the tier's group: nothing to move, still remembered so a downgrade gives it back
	assert decide("VIP Customers", "VIP Customers", "Retail", True) == ("VIP Customers", "Retail")


def test_group_is_given_back_when_the_tier_names_none_or_the_setting_is_off():
	from crm_archive.tiering.groups import decide

	assert decide("VIP Customers", None, "Retail", True) == ("Retail", None)
	assert decide("VIP Customers", "VIP Customers", "Retail", False) == ("Retail", None)
	# never taken over: left as it is
	assert decide("Retail", None, None, True) == ("Retail", None)
	assert decide("Retail", "VIP Customers", None, False) == ("Retail", None)
	assert decide("Retail", "", "", True) == ("Retail", None)
