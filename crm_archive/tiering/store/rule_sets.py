"""The active Tier Rule Set loaded for the pure engine, its tier ranks, its bounded conditions, and the
currency check: money is summed in one company's currency, a rule set without a Company refuses mixed ones."""

from __future__ import annotations

from collections.abc import Iterable

import frappe
from frappe import _
from frappe.utils import cint, flt

from crm_archive.tiering import rules as R
from crm_archive.tiering.store.conditions import evaluate_condition


def load_rule_set(name: str | None = None, doc=None) -> tuple[R.RuleSet, str | None] | None:
	"""(pure RuleSet, company filter) of the active rule set, or of the named / given one."""
	if doc is None:
		name = name or frappe.db.get_value("Tier Rule Set", {"is_active": 1}, "name")
		if not name:
			return None
		doc = frappe.get_doc("Tier Rule Set", name)
	return R.RuleSet(
		name=doc.name,
		rules=tuple(
			R.Rule(
				tier=row.tier,
				priority=cint(row.priority),
				min_window_spend=flt(row.min_window_spend) or None,
				min_invoice_count=cint(row.min_invoice_count) or None,
				max_recency_days=cint(row.max_recency_days) or None,
				min_average_order_value=flt(row.min_average_order_value) or None,
				condition=(row.condition or "").strip() or None,
				row_id=str(row.idx),
			)
			for row in doc.rules
		),
		default_tier=doc.default_tier,
		window_days=cint(doc.window_days) or 365,
		grace_days=cint(doc.downgrade_grace_days),
	), doc.company


def mixed_currencies(company: str | None, customers: Iterable[str] | None = None) -> list[str]:
	"""The base currencies a sum over every company would add up: those of the companies with submitted
	Sales Invoices (of these customers, when given). More than one means the figure is meaningless
	(100 USD + 100 CNY), so the caller must name a company. Empty when `company` is named."""
	if company:
		return []
	si = frappe.qb.DocType("Sales Invoice")
	co = frappe.qb.DocType("Company")
	used = frappe.qb.from_(si).select(si.company).distinct().where(si.docstatus == 1)
	if customers is not None:
		customers = list(customers)
		if not customers:
			return []
		used = used.where(si.customer.isin(customers))
	companies = [r[0] for r in used.run()]
	if len(companies) < 2:
		return []
	currencies = sorted(
		set(frappe.qb.from_(co).select(co.default_currency).where(co.name.isin(companies)).run(pluck=True))
		- {None, ""}
	)
	return currencies if len(currencies) > 1 else []


def refuse_mixed_currencies(company: str | None, what: str, customers: Iterable[str] | None = None):
	currencies = mixed_currencies(company, customers)
	if currencies:
		frappe.throw(
			_(
				"{0} sums invoices in the company currency, and this site's companies keep different currencies ({1}): choose a Company."
			).format(what, ", ".join(currencies)),
			title=_("Mixed Currencies"),
		)


def tier_ranks() -> dict[str, int]:
	return {t.name: cint(t.rank) for t in frappe.get_all("Customer Tier", fields=["name", "rank"])}


def safe_condition(expression: str, values: dict) -> bool:
	"""Conditions were validated on save; a value they cannot handle (e.g. None recency) means no match."""
	try:
		return evaluate_condition(expression, values)
	except Exception:
		return False
