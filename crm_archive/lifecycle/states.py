"""Lifecycle rules (潜在 Potential → 意向 Intentional → 现有 Existing → 流失 Churned, and back). Pure.

Manual moves are Workflow actions gated by role (crm_archive/lifecycle/store.py installs the Workflow);
automatic moves go through the same transitions:
- a submitted purchase while Potential or Intentional → Existing (first invoice);
- a new purchase while Churned → Existing (win-back);
- no purchase for churn_after_days while Existing → Churned (daily job).
"""

from __future__ import annotations

from datetime import date

POTENTIAL, INTENTIONAL, EXISTING, CHURNED = "Potential", "Intentional", "Existing", "Churned"
STATES = (POTENTIAL, INTENTIONAL, EXISTING, CHURNED)

# (from, to, action, roles, needs a linked Customer)
TRANSITIONS = (
	(POTENTIAL, INTENTIONAL, "Mark Intentional", ("CRM Archive User", "CRM Archive Manager"), False),
	(INTENTIONAL, POTENTIAL, "Back to Potential", ("CRM Archive User", "CRM Archive Manager"), False),
	(POTENTIAL, EXISTING, "Convert to Existing", ("CRM Archive Manager",), True),
	(INTENTIONAL, EXISTING, "Convert to Existing", ("CRM Archive Manager",), True),
	(EXISTING, CHURNED, "Mark Churned", ("CRM Archive Manager",), False),
	(CHURNED, INTENTIONAL, "Win Back", ("CRM Archive Manager",), False),
	(CHURNED, EXISTING, "Win Back as Existing", ("CRM Archive Manager",), True),
)


def allowed(from_state: str, to_state: str) -> bool:
	return any(t[0] == from_state and t[1] == to_state for t in TRANSITIONS)


def after_purchase(state: str | None, has_customer: bool) -> str | None:
	"""The automatic move after a submitted purchase, or None."""
	if not has_customer:
		return None
	if state in (POTENTIAL, INTENTIONAL, CHURNED, None, ""):
		return EXISTING
	return None


def after_inactivity(
	state: str | None, last_purchase: date | None, as_of: date, churn_after_days: int
) -> str | None:
	"""Churned when an Existing customer has not bought for churn_after_days (0 disables it)."""
	if state != EXISTING or churn_after_days <= 0 or last_purchase is None:
		return None
	return CHURNED if (as_of - last_purchase).days >= churn_after_days else None
