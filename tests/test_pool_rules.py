"""The pool's pure rules (crm_archive/pool/rules.py): release dates, holds, warnings, escalations, claims."""

from datetime import date

from crm_archive.pool import rules as R

TODAY = date(2026, 12, 7)


def policy(**kw):
	return R.TierPolicy(**kw)


def test_release_by_silence_counts_from_the_later_of_interaction_and_taking_it():
	p = policy(silent_days=30)
	assert R.release_date(p, date(2026, 11, 1), None, date(2026, 1, 1)) == (
		date(2026, 12, 1),
		R.NO_INTERACTION,
	)
	# claimed after the last interaction: the previous owner's silence does not count
	assert R.release_date(p, date(2026, 1, 1), None, date(2026, 11, 20)) == (
		date(2026, 12, 20),
		R.NO_INTERACTION,
	)
	# never interacted: from the day it was taken
	assert R.release_date(p, None, None, "2026-11-01") == (date(2026, 12, 1), R.NO_INTERACTION)


def test_release_by_no_purchase_and_the_earlier_rule_wins():
	p = policy(silent_days=60, no_purchase_days=90)
	when, why = R.release_date(p, date(2026, 11, 1), date(2026, 8, 1), date(2026, 1, 1))
	assert (when, why) == (date(2026, 10, 30), R.NO_PURCHASE)
	when, why = R.release_date(p, date(2026, 9, 1), date(2026, 11, 1), date(2026, 1, 1))
	assert (when, why) == (date(2026, 10, 31), R.NO_INTERACTION)
	# a tie goes to silence
	assert (
		R.release_date(policy(silent_days=10, no_purchase_days=10), TODAY, TODAY, None)[1] == R.NO_INTERACTION
	)


def test_exempt_or_ruleless_tiers_never_release():
	assert R.release_date(policy(silent_days=30, exempt=True), None, None, TODAY) == (None, None)
	assert R.release_date(policy(), None, None, TODAY) == (None, None)
	assert not policy(silent_days=5, exempt=True).releases


def test_holds_name_every_reason():
	p = policy(silent_days=1)
	assert R.holds(p, "Existing", [], False, None, TODAY, False, False) == []
	got = R.holds(policy(exempt=True), "Existing", ["Existing"], True, TODAY, TODAY, True, True)
	assert got == list(R.HOLDS)
	# protection ends after its day
	assert R.holds(p, None, [], False, date(2026, 12, 6), TODAY, False, False) == []
	assert R.holds(p, None, [], False, date(2026, 12, 7), TODAY, False, False) == [R.HELD_PROTECTED]


def test_due_and_warning_windows():
	assert R.is_due(TODAY, TODAY, [])
	assert not R.is_due(TODAY, TODAY, [R.HELD_LOCK])
	assert not R.is_due(date(2026, 12, 8), TODAY, [])
	assert R.warn(date(2026, 12, 10), TODAY, 3, [])
	assert not R.warn(date(2026, 12, 11), TODAY, 3, [])
	assert not R.warn(TODAY, TODAY, 3, [])  # release day: released, not warned
	assert not R.warn(date(2026, 12, 10), TODAY, 0, [])
	assert not R.warn(date(2026, 12, 10), TODAY, 3, [R.HELD_PROTECTED])
	assert R.days_until(date(2026, 12, 10), TODAY) == 3


def test_escalation_after_the_overdue_days():
	assert R.escalate(date(2026, 12, 2), TODAY, 5)
	assert not R.escalate(date(2026, 12, 3), TODAY, 5)
	assert not R.escalate(date(2026, 12, 1), TODAY, 0)
	assert not R.escalate(None, TODAY, 5)


def test_holding_limit_user_beats_role_beats_default():
	rows = [R.LimitRow(limit=5, role="CRM Archive User"), R.LimitRow(limit=8, role="Sales User")]
	assert R.holding_limit("a@x", ["CRM Archive User"], rows, 3) == 5
	assert R.holding_limit("a@x", ["CRM Archive User", "Sales User"], rows, 3) == 8
	assert R.holding_limit("a@x", ["Guest"], rows, 3) == 3
	rows.append(R.LimitRow(limit=2, user="a@x"))
	assert R.holding_limit("a@x", ["Sales User"], rows, 3) == 2
	assert R.holding_limit("b@x", ["Sales User"], rows, 3) == 8
	# a role row of 0 means no limit for that role
	assert R.holding_limit("c@x", ["Boss"], [R.LimitRow(limit=0, role="Boss")], 3) == 0
	# per tier: only that tier's rows, no default
	tiered = [R.LimitRow(limit=1, role="CRM Archive User", tier="VIP")]
	assert R.holding_limit("a@x", ["CRM Archive User"], tiered, 3, tier="VIP") == 1
	assert R.holding_limit("a@x", ["CRM Archive User"], tiered, 3, tier="普通客户") == 0


def test_claims_respect_holding_daily_and_cooldown_in_order():
	state = R.ClaimState(holding=3, limit=5, claimed_today=0, per_day=10)
	got = R.decide_claims(state, [("A", None, None), ("B", None, None), ("C", None, None)], TODAY, 7)
	assert got == [("A", None), ("B", None), ("C", R.LIMIT_HOLDING)]
	state = R.ClaimState(holding=0, limit=0, claimed_today=1, per_day=2)
	got = R.decide_claims(state, [("A", None, None), ("B", None, None)], TODAY, 7)
	assert got == [("A", None), ("B", R.LIMIT_DAILY)]
	state = R.ClaimState(holding=0, limit=0, claimed_today=0, per_day=0)
	got = R.decide_claims(state, [("A", None, date(2026, 12, 1)), ("B", None, date(2026, 11, 30))], TODAY, 7)
	assert got == [("A", R.LIMIT_COOLDOWN), ("B", None)]
	assert R.cooldown_ends(date(2026, 12, 1), 7) == date(2026, 12, 8)


def test_tier_limits_when_tiers_count_separately():
	state = R.ClaimState(
		holding=1, limit=10, claimed_today=0, per_day=0, holding_by_tier={"VIP": 1}, limit_by_tier={"VIP": 2}
	)
	got = R.decide_claims(state, [("A", "VIP", None), ("B", "VIP", None), ("C", "普通客户", None)], TODAY, 0)
	assert got == [("A", None), ("B", R.LIMIT_HOLDING), ("C", None)]
