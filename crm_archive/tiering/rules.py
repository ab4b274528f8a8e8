"""Tier rules: qualify a customer, then decide with downgrade grace and manual locks. Pure: no frappe.

Threshold semantics (one place, unit-tested at the exact boundaries — erpnext#14930 put customers in
the wrong tier exactly at a boundary):
- a threshold of None or 0 is "not set" and ignored;
- min_window_spend, min_invoice_count, min_average_order_value are inclusive (>=);
- max_recency_days is inclusive (<=); a customer who never purchased fails any set max_recency_days;
- money is compared in cents (metrics are rounded half-up to 2 decimals, thresholds too);
- a condition, when set, must also hold; it is evaluated by the caller's eval_condition (frappe.safe_eval).
Rows are tried by ascending priority number (1 before 2; ties keep their order); first match wins;
no match gives the rule set's default tier.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from crm_archive.tiering.metrics import Metrics, money

EvalCondition = Callable[[str, dict], bool]


@dataclass(frozen=True)
class Rule:
	tier: str
	priority: int = 0
	min_window_spend: float | None = None
	min_invoice_count: int | None = None
	max_recency_days: int | None = None
	min_average_order_value: float | None = None
	condition: str | None = None
	row_id: str | None = None


@dataclass(frozen=True)
class RuleSet:
	name: str
	rules: tuple[Rule, ...]
	default_tier: str
	window_days: int = 365
	grace_days: int = 0


@dataclass(slots=True)
class Current:
	tier: str | None = None
	pending_since: date | None = None
	locked: bool = False


@dataclass(slots=True)
class Decision:
	customer: str
	current_tier: str | None
	qualified_tier: str
	new_tier: str | None
	rule: Rule | None
	pending_since: date | None
	reason: str  # initial | upgrade | downgrade | grace | unchanged | locked

	@property
	def changed(self) -> bool:
		return (self.new_tier or None) != (self.current_tier or None)


def ordered(rules: Iterable[Rule]) -> list[Rule]:
	return sorted(rules, key=lambda r: r.priority)  # sorted() is stable: ties keep their order


def rule_matches(rule: Rule, m: Metrics, eval_condition: EvalCondition | None = None) -> bool:
	if rule.min_window_spend and m.window_spend < money(rule.min_window_spend):
		return False
	if rule.min_invoice_count and m.invoice_count < rule.min_invoice_count:
		return False
	if rule.max_recency_days and (m.recency_days is None or m.recency_days > rule.max_recency_days):
		return False
	if rule.min_average_order_value and m.average_order_value < money(rule.min_average_order_value):
		return False
	if rule.condition and rule.condition.strip():
		if eval_condition is None:
			raise ValueError(f"rule for {rule.tier} has a condition but no evaluator was given")
		return bool(eval_condition(rule.condition, m.as_dict()))
	return True


def qualify(m: Metrics, rule_set: RuleSet, eval_condition: EvalCondition | None = None, _ordered=None):
	"""(tier, matching rule) — the first matching rule by priority, else (default tier, None)."""
	for rule in _ordered if _ordered is not None else ordered(rule_set.rules):
		if rule_matches(rule, m, eval_condition):
			return rule.tier, rule
	return rule_set.default_tier, None


def decide(
	current_tier: str | None,
	qualified_tier: str,
	ranks: Mapping[str, int],
	pending_since: date | None,
	as_of: date,
	grace_days: int,
	locked: bool = False,
) -> tuple[str | None, date | None, str]:
	"""(new tier, pending-downgrade-since, reason): upgrades now, downgrades after grace_days."""
	if locked:
		return current_tier, None, "locked"
	if not current_tier:
		return qualified_tier, None, "initial"
	low = float("-inf")
	new_rank, old_rank = ranks.get(qualified_tier, low), ranks.get(current_tier, low)
	if qualified_tier == current_tier or new_rank == old_rank:
		return current_tier, None, "unchanged"
	if new_rank > old_rank:
		return qualified_tier, None, "upgrade"
	if grace_days <= 0:
		return qualified_tier, None, "downgrade"
	if pending_since is None or pending_since > as_of:
		pending_since = as_of
	if (as_of - pending_since).days >= grace_days:
		return qualified_tier, None, "downgrade"
	return current_tier, pending_since, "grace"


def evaluate(
	metrics: Iterable[Metrics],
	rule_set: RuleSet,
	current: Mapping[str, Current],
	ranks: Mapping[str, int],
	as_of: date,
	eval_condition: EvalCondition | None = None,
) -> list[Decision]:
	rules = ordered(rule_set.rules)
	# each rule's thresholds as rule_matches compares them, converted once per call (not once per customer)
	checks = [
		(
			rule,
			money(rule.min_window_spend) if rule.min_window_spend else None,
			rule.min_invoice_count or None,
			rule.max_recency_days or None,
			money(rule.min_average_order_value) if rule.min_average_order_value else None,
			rule.condition if rule.condition and rule.condition.strip() else None,
		)
		for rule in rules
	]
	none = Current()
	out = []
	for m in metrics:
		cur = current.get(m.customer, none)
		# qualify(m, rule_set, eval_condition, rules), inlined with the converted thresholds
		tier, rule = rule_set.default_tier, None
		for r, min_spend, min_count, max_recency, min_aov, condition in checks:
			if min_spend is not None and m.window_spend < min_spend:
				continue
			if min_count is not None and m.invoice_count < min_count:
				continue
			if max_recency is not None and (m.recency_days is None or m.recency_days > max_recency):
				continue
			if min_aov is not None and m.average_order_value < min_aov:
				continue
			if condition is not None:
				if eval_condition is None:
					raise ValueError(f"rule for {r.tier} has a condition but no evaluator was given")
				if not eval_condition(condition, m.as_dict()):
					continue
			tier, rule = r.tier, r
			break
		new_tier, pending, reason = decide(
			cur.tier, tier, ranks, cur.pending_since, as_of, rule_set.grace_days, cur.locked
		)
		out.append(Decision(m.customer, cur.tier, tier, new_tier, rule, pending, reason))
	return out


def conditions_use(rule_set: RuleSet, names: Iterable[str]) -> bool:
	"""Does any rule's condition use one of these names? (The engine reads the predicted metrics only for
	a rule set that needs them.) Parsed as Python parses it — identifiers NFKC-normalised — and, for a
	condition that does not parse (it will match nothing anyway), any whole-word occurrence counts."""
	wanted = set(names)
	for rule in rule_set.rules:
		text = (rule.condition or "").strip()
		if not text:
			continue
		try:
			used = {n.id for n in ast.walk(ast.parse(text, mode="eval")) if isinstance(n, ast.Name)}
		except (SyntaxError, ValueError):
			used = set(re.findall(r"\w+", text))
		if used & wanted:
			return True
	return False


def movement_matrix(pairs: Iterable[tuple[str | None, str | None]]) -> dict[tuple[str, str], int]:
	return dict(Counter((a or "", b or "") for a, b in pairs))


def distribution(tiers: Iterable[str | None]) -> dict[str, int]:
	return dict(Counter(t or "" for t in tiers))
