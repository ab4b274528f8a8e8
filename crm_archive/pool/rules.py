"""The customer pool (公海) as plain decisions: which archive is due for release and when, which is held
and why, when its rep is warned, when a follow-up escalates, and whether a claim may go through.
Pure: plain values in, decisions out; the Frappe side (pool/store.py) reads rows and applies them —
its nightly pass renders the same release rule in one SQL statement (a test compares the two).

Release rules come from the archive's tier (0 days = that rule is off):
- *no interaction*: `silent_days` days since the last logged interaction;
- *no purchase*: `no_purchase_days` days since the last submitted non-return Sales Invoice;
each counted from the later of that date and the day the rep took the archive (claimed, assigned or
created), so a claimed archive is never released for its previous owner's silence. The earlier of the
two dates is the release date; the reason is the rule that gives it (no interaction first on a tie).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

NO_INTERACTION = "No Interaction"
NO_PURCHASE = "No Purchase"
GIVEN_BACK = "Given Back"
RELEASE_REASONS = (NO_INTERACTION, NO_PURCHASE, GIVEN_BACK)

# why an archive that is due stays with its rep (the first that applies is reported)
HELD_TIER = "Tier Exempt"
HELD_STATE = "Lifecycle State Exempt"
HELD_LOCK = "Tier Locked"
HELD_PROTECTED = "Protected"
HELD_QUOTATION = "Open Quotation"
HELD_SALES_ORDER = "Open Sales Order"
HOLDS = (HELD_TIER, HELD_STATE, HELD_LOCK, HELD_PROTECTED, HELD_QUOTATION, HELD_SALES_ORDER)

# why a claim is refused
LIMIT_HOLDING = "holding_limit"
LIMIT_DAILY = "daily_limit"
LIMIT_COOLDOWN = "cooldown"


@dataclass(frozen=True)
class TierPolicy:
	silent_days: int = 0
	no_purchase_days: int = 0
	exempt: bool = False
	warning_days: int = 0
	escalation_days: int = 0

	@property
	def releases(self) -> bool:
		return not self.exempt and (self.silent_days > 0 or self.no_purchase_days > 0)


def _d(value) -> date | None:
	if value is None or value == "":
		return None
	if isinstance(value, datetime):
		return value.date()
	if isinstance(value, str):
		return date.fromisoformat(value[:10])
	return value


def _later(*values) -> date | None:
	found = [d for d in (_d(v) for v in values) if d]
	return max(found) if found else None


def release_date(
	policy: TierPolicy, last_interaction, last_purchase, held_since
) -> tuple[date | None, str | None]:
	"""(the day the archive goes to the pool, the rule's reason), or (None, None) when its tier never
	releases. `held_since`: the day its rep took it (claimed, assigned or created)."""
	if not policy.releases:
		return None, None
	options = []
	if policy.silent_days > 0:
		start = _later(last_interaction, held_since)
		if start:
			options.append((start + timedelta(days=policy.silent_days), 0, NO_INTERACTION))
	if policy.no_purchase_days > 0:
		start = _later(last_purchase, held_since)
		if start:
			options.append((start + timedelta(days=policy.no_purchase_days), 1, NO_PURCHASE))
	if not options:
		return None, None
	when, _order, reason = min(options)
	return when, reason


def holds(
	policy: TierPolicy,
	lifecycle_state: str | None,
	exempt_states,
	tier_locked: bool,
	protected_until,
	today: date,
	open_quotation: bool,
	open_sales_order: bool,
) -> list[str]:
	"""Every reason the archive stays with its rep whatever its dates (empty: it may be released)."""
	out = []
	if policy.exempt:
		out.append(HELD_TIER)
	if lifecycle_state and lifecycle_state in set(exempt_states or ()):
		out.append(HELD_STATE)
	if tier_locked:
		out.append(HELD_LOCK)
	protected = _d(protected_until)
	if protected and protected >= today:
		out.append(HELD_PROTECTED)
	if open_quotation:
		out.append(HELD_QUOTATION)
	if open_sales_order:
		out.append(HELD_SALES_ORDER)
	return out


def is_due(release_on, today: date, held: list[str]) -> bool:
	release_on = _d(release_on)
	return bool(release_on) and release_on <= today and not held


def warn(release_on, today: date, warning_days: int, held: list[str]) -> bool:
	"""The rep is warned from `warning_days` before the release day until the day before it."""
	release_on = _d(release_on)
	if not release_on or held or warning_days <= 0:
		return False
	return release_on - timedelta(days=warning_days) <= today < release_on


def escalate(next_follow_up, today: date, escalation_days: int) -> bool:
	"""A follow-up overdue by `escalation_days` or more goes to the rep's manager."""
	follow = _d(next_follow_up)
	return bool(follow) and escalation_days > 0 and (today - follow).days >= escalation_days


def days_until(release_on, today: date) -> int | None:
	release_on = _d(release_on)
	return None if release_on is None else (release_on - today).days


# --- claiming ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LimitRow:
	"""One row of the settings' limits: for a user or a role, optionally for one tier."""

	limit: int
	user: str | None = None
	role: str | None = None
	tier: str | None = None


def holding_limit(user: str, roles, rows: list[LimitRow], default: int, tier: str | None = None) -> int:
	"""The user's holding limit (0 = none): a row for the user beats rows for their roles (of those the
	most generous wins), and both beat the default. With `tier`, only that tier's rows count and there
	is no default (a tier without rows is limited by the overall limit only)."""
	roles = set(roles or ())
	mine = [r for r in rows if (r.tier or None) == (tier or None)]
	personal = [r.limit for r in mine if r.user and r.user == user]
	if personal:
		return max(personal)
	by_role = [r.limit for r in mine if r.role and r.role in roles and not r.user]
	if by_role:
		return 0 if 0 in by_role else max(by_role)
	return 0 if tier else max(default or 0, 0)


@dataclass(frozen=True)
class ClaimState:
	holding: int  # archives the user holds now
	limit: int  # 0 = none
	claimed_today: int
	per_day: int  # 0 = none
	holding_by_tier: dict | None = None  # {tier: count}, when tiers count separately
	limit_by_tier: dict | None = None  # {tier: limit}


def decide_claim(state: ClaimState, tier: str | None, released_by_me_on, today: date, cooldown_days: int):
	"""None when the user may take one more archive of `tier`, else the refusal's kind.
	`released_by_me_on`: the day the user let this archive go to the pool (None if they did not)."""
	gone = _d(released_by_me_on)
	if gone and cooldown_days > 0 and (today - gone).days < cooldown_days:
		return LIMIT_COOLDOWN
	if state.limit and state.holding >= state.limit:
		return LIMIT_HOLDING
	tier_limit = (state.limit_by_tier or {}).get(tier) if tier else None
	if tier_limit and (state.holding_by_tier or {}).get(tier, 0) >= tier_limit:
		return LIMIT_HOLDING
	if state.per_day and state.claimed_today >= state.per_day:
		return LIMIT_DAILY
	return None


def took(state: ClaimState, tier: str | None) -> ClaimState:
	"""The state after the user took one archive of `tier` (count only archives really won)."""
	by_tier = dict(state.holding_by_tier or {})
	if tier:
		by_tier[tier] = by_tier.get(tier, 0) + 1
	return replace(
		state, holding=state.holding + 1, claimed_today=state.claimed_today + 1, holding_by_tier=by_tier
	)


def decide_claims(
	state: ClaimState,
	candidates: list[tuple[str, str | None, date | None]],
	today: date,
	cooldown_days: int,
) -> list[tuple[str, str | None]]:
	"""(archive, None) for each candidate the user may take, (archive, refusal) for the others, in order,
	when every allowed one is won. `candidates`: (archive, tier, the day the user let it go or None)."""
	out = []
	for archive, tier, released_by_me_on in candidates:
		refusal = decide_claim(state, tier, released_by_me_on, today, cooldown_days)
		if refusal is None:
			state = took(state, tier)
		out.append((archive, refusal))
	return out


def cooldown_ends(released_on, cooldown_days: int) -> date | None:
	gone = _d(released_on)
	return gone + timedelta(days=cooldown_days) if gone and cooldown_days > 0 else None
