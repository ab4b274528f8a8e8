"""Why This Tier: the sentence an archive shows, built from the matched rule row and the metrics, in the
reader's language."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import cint, flt

from crm_archive.tiering import rules as R
from crm_archive.tiering.metrics import Metrics
from crm_archive.tiering.store.rule_sets import load_rule_set


def metric_labels() -> dict[str, str]:
	"""The words the archive's form uses for each metric, in the site's language."""
	meta = frappe.get_meta("Customer Archive")
	labels = {
		f: _(meta.get_label(f))
		for f in ("window_spend", "invoice_count", "recency_days", "average_order_value")
	}
	# and the explanation's phrases (_explain), translated once per run rather than once per archive
	labels.update(
		{
			"_condition": _("condition {0}"),
			"_rule": _("{0} #{1} → {2}: {3}"),
			"_always": _("always"),
			"_default": _("{0}: no rule matched → default {1}"),
			"_grace": _("downgrade grace since {0}, keeps {1}"),
			"_locked": _("tier locked at {0}"),
		}
	)
	return labels


def _explain(decision: R.Decision, rule_set: R.RuleSet, m: Metrics, labels: dict[str, str]) -> str:
	"""The tier banner's sentence: rule set and row, each threshold with the form's label for it."""
	if decision.rule:
		parts = []
		rule = decision.rule
		if rule.min_window_spend:
			parts.append(f"{labels['window_spend']} {m.window_spend:,.2f} ≥ {rule.min_window_spend:,.2f}")
		if rule.min_invoice_count:
			parts.append(f"{labels['invoice_count']} {m.invoice_count} ≥ {rule.min_invoice_count}")
		if rule.max_recency_days:
			parts.append(f"{labels['recency_days']} {m.recency_days} ≤ {rule.max_recency_days}")
		if rule.min_average_order_value:
			parts.append(
				f"{labels['average_order_value']} {m.average_order_value:,.2f} ≥ {rule.min_average_order_value:,.2f}"
			)
		if rule.condition:
			parts.append(labels["_condition"].format(rule.condition))
		why = labels["_rule"].format(
			rule_set.name, rule.row_id, decision.qualified_tier, "; ".join(parts) or labels["_always"]
		)
	else:
		why = labels["_default"].format(rule_set.name, decision.qualified_tier)
	if decision.reason == "grace":
		why += " | " + labels["_grace"].format(decision.pending_since, decision.new_tier)
	elif decision.reason == "locked":
		why += " | " + labels["_locked"].format(decision.new_tier)
	return why


def explain_archive(doc) -> str | None:
	"""The tier banner in the reader's language: the stored sentence is in the language of whoever ran
	the re-tier (the nightly job's, say), so the form rebuilds it from what the archive stores — the
	matched row of its rule set, its metrics, its grace — and falls back to the stored text."""
	from types import SimpleNamespace

	if doc.tier_locked or not doc.tier_rule:
		return doc.tier_reason
	set_name, _sep, row = doc.tier_rule.rpartition(" #")
	if not set_name:
		set_name, row = doc.tier_rule.removesuffix(" (default)"), None
	if not frappe.db.exists("Tier Rule Set", set_name):
		return doc.tier_reason
	rule_set, _company = load_rule_set(set_name)
	rule = next((r for r in rule_set.rules if r.row_id == row), None) if row else None
	if row and not rule:
		return doc.tier_reason  # the row was edited away since: the stored words are all there is
	grace = bool(doc.tier_pending_since) and doc.tier != doc.qualified_tier
	decision = SimpleNamespace(
		rule=rule,
		qualified_tier=doc.qualified_tier,
		new_tier=doc.tier,
		pending_since=doc.tier_pending_since,
		reason="grace" if grace else None,
	)
	metrics = SimpleNamespace(
		window_spend=flt(doc.window_spend),
		invoice_count=cint(doc.invoice_count),
		recency_days=doc.recency_days,
		average_order_value=flt(doc.average_order_value),
	)
	return _explain(decision, rule_set, metrics, metric_labels())
