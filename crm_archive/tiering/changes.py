"""What can change a customer's tier from one night to the next. Pure: no frappe.

The nightly re-tier reads only the archives these sources name (tiering/store/incremental.py); a night
it cannot bound this way is a full run. Between the night of `prev` and the night of `cur` (cur - prev
at most one day) an archive's stored figures or tier can change only through:

- invoices: a Sales Invoice of its customer submitted, cancelled or returned (ERPNext sets `modified`
  on each) since the last night started;
- the window: an invoice of its customer left the rolling window (posted on a day that was the first
  of the window last night and is no longer) or came into reach (posted after `prev`, on or before `cur`);
- recency: `recency_days` or `days_since_first_purchase` grew across a number a rule compares it with
  (max_recency_days, or `recency_days <= 30` in a condition) — only the archives whose last / first
  purchase date sits at that distance from today;
- grace: a downgrade's grace period ended today;
- edits: the archive itself changed since the last night started (its Customer link, a lock lifted).

Everything else the engine reads (window spend, invoice counts, first / last purchase) is a sum over
the customer's invoices and changes only with them or the window. What sends the night to a full run
(`full_run_reason`): no recorded night, a missed night (or a date earlier than the last), other rules,
tier ranks or rounding (the fingerprint), predicted metrics in a condition (the CLV refresh moves every
customer's p_alive each day), and a condition that computes with recency (no distance can be named).
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from crm_archive.tiering.metrics import PREDICTION_NAMES
from crm_archive.tiering.rules import RuleSet, conditions_use

# metric that grows by one every day → the stored date it is counted from
DAY_COUNTERS = {"recency_days": "last_purchase_date", "days_since_first_purchase": "first_purchase_date"}

SOURCES = ("invoices", "window", "recency", "grace", "edits")

FULL_REASONS = {
	"first": "no earlier night is recorded",
	"missed": "the last recorded night is not yesterday's (a missed or failed night)",
	"back": "the date is earlier than the last recorded night",
	"rules": "the rule set, the tiers' ranks or the rounding changed since the last night",
	"predictions": "a rule condition reads predicted metrics, which the CLV refresh moves every day",
	"unbounded": "a rule condition computes with recency_days or days_since_first_purchase",
	"asked": "a full run was asked for",
}


@dataclass(frozen=True)
class LastNight:
	as_of: date | None = None
	started: datetime | None = None  # when that night began reading (the site's time, as `modified` is)
	fingerprint: str | None = None


def full_run_reason(last: LastNight, as_of: date, fingerprint: str, rule_set: RuleSet) -> str | None:
	"""Why tonight must be a full re-tier (a key of FULL_REASONS), or None: the incremental night holds."""
	if last.as_of is None or last.started is None or not last.fingerprint:
		return "first"
	if as_of < last.as_of:
		return "back"
	if (as_of - last.as_of).days > 1:
		return "missed"
	if fingerprint != last.fingerprint:
		return "rules"
	if conditions_use(rule_set, PREDICTION_NAMES):
		return "predictions"
	if day_boundaries(rule_set) is None:
		return "unbounded"
	return None


def day_boundaries(rule_set: RuleSet) -> dict[str, frozenset[int]] | None:
	"""For each day counter, the numbers k at which a rule's answer can differ between a value of k and
	of k + 1; None when a condition uses a counter other than in a comparison with a number literal."""
	found: dict[str, set[int]] = {name: set() for name in DAY_COUNTERS}
	for rule in rule_set.rules:
		if rule.max_recency_days:
			found["recency_days"].add(int(rule.max_recency_days))
		text = (rule.condition or "").strip()
		if not text:
			continue
		try:
			tree = ast.parse(text, mode="eval")
		except (SyntaxError, ValueError):
			if any(name in text for name in DAY_COUNTERS):
				return None
			continue  # matches nothing, whatever the day
		if not _comparisons(tree, found):
			return None
	return {name: frozenset(k for k in ks if k >= 0) for name, ks in found.items()}


def _comparisons(tree: ast.AST, found: dict[str, set[int]]) -> bool:
	"""Add the boundaries of every `counter OP number` in tree; False if a counter is used otherwise."""
	allowed: set[int] = set()  # id() of the Name nodes seen inside a bounded comparison
	for node in ast.walk(tree):
		if not isinstance(node, ast.Compare):
			continue
		operands = [node.left, *node.comparators]
		for i, operand in enumerate(operands):
			if not (isinstance(operand, ast.Name) and operand.id in DAY_COUNTERS):
				continue
			neighbours = [operands[j] for j in (i - 1, i + 1) if 0 <= j < len(operands)]
			numbers = [_number(n) for n in neighbours]
			if any(n is None for n in numbers):
				return False  # compared with something other than a number: no distance to name
			for c in numbers:
				# for integer x, `x OP c` can flip only between floor(c) and floor(c) + 1 or between
				# ceil(c) - 1 and ceil(c), whatever OP (<, <=, >, >=, ==, !=)
				found[operand.id].update({math.floor(c), math.ceil(c) - 1})
			allowed.add(id(operand))
	return all(
		id(node) in allowed
		for node in ast.walk(tree)
		if isinstance(node, ast.Name) and node.id in DAY_COUNTERS
	)


def _number(node: ast.AST) -> float | None:
	sign = 1
	if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
		sign = -1 if isinstance(node.op, ast.USub) else 1
		node = node.operand
	if (
		isinstance(node, ast.Constant)
		and isinstance(node.value, int | float)
		and not isinstance(node.value, bool)
	):
		return sign * node.value
	return None


def crossing_dates(boundaries: frozenset[int], prev: date, cur: date) -> list[tuple[date, date]]:
	"""Inclusive ranges of the stored date d (a last or first purchase) whose day count went from at most
	k last night (prev - d <= k) to more than k tonight (cur - d > k), for each boundary k."""
	if cur <= prev:
		return []
	return [(prev - timedelta(days=k), cur - timedelta(days=k + 1)) for k in sorted(boundaries)]


def window_ranges(prev: date, cur: date, window_days: int) -> list[tuple[date, date]]:
	"""Inclusive ranges of posting dates whose invoices count differently tonight than last night: those
	that left the window (its first day moved from prev - (W - 1) to cur - (W - 1)) and those that came
	into reach (posted after prev, on or before cur)."""
	if cur <= prev:
		return []
	first_prev = prev - timedelta(days=window_days - 1)
	first_cur = cur - timedelta(days=window_days - 1)
	return [(first_prev, first_cur - timedelta(days=1)), (prev + timedelta(days=1), cur)]


def grace_cutoff(cur: date, grace_days: int) -> date:
	"""Archives whose downgrade has been pending since this day or earlier are due tonight."""
	return cur - timedelta(days=max(grace_days, 0))
