"""The predicted metrics a tier condition may use — p_alive, expected_purchases_90d, clv_12m — as the nightly
CLV refresh (crm_archive/analysis/store/lifetime_value.py) stored them on the archive, read into the engine's Metrics.

The invoice aggregate does not give them (they come from models fitted on every customer), so the engine
reads the archive rows' stored values, and only for a rule set whose conditions use them."""

from __future__ import annotations

from collections.abc import Iterable

import frappe

from crm_archive.tiering.metrics import PREDICTION_NAMES, Metrics
from crm_archive.tiering.rules import RuleSet, conditions_use

FEW = 2000  # up to this many customers an IN list; more: one pass over the archives


def used_by(rule_set: RuleSet) -> bool:
	return conditions_use(rule_set, PREDICTION_NAMES)


def fetch(customers: Iterable[str] | None = None) -> dict[str, tuple[float | None, ...]]:
	"""customer → (p_alive, expected_purchases_90d, clv_12m) as stored (None where not predicted)."""
	conditions, values = ["`customer` is not null", "`clv_as_of` is not null"], {}
	if customers is not None:
		customers = tuple(customers)
		if not customers:
			return {}
		conditions.append("`customer` in %(customers)s")
		values["customers"] = customers
	cols = ", ".join(f"ifnull(`{c}`, '')" for c in PREDICTION_NAMES)
	rows = frappe.db.sql(
		f"""select concat_ws(char(31), {cols}, `customer`) from `tabCustomer Archive`
		where {" and ".join(conditions)}""",
		values,
	)
	out = {}
	n = len(PREDICTION_NAMES)
	for (packed,) in rows:
		parts = packed.split(chr(31), n)  # the customer's name last: split at most n times
		out[parts[n]] = tuple(float(v) if v != "" else None for v in parts[:n])
	return out


def attach(m_list: list[Metrics]) -> None:
	"""Set the stored predictions on these customers' Metrics (in place; one query)."""
	customers = {m.customer for m in m_list if m.customer}
	if not customers:
		return
	stored = fetch(customers if len(customers) <= FEW else None)
	for m in m_list:
		values = stored.get(m.customer)
		if values:
			for name, value in zip(PREDICTION_NAMES, values, strict=True):
				setattr(m, name, value)
