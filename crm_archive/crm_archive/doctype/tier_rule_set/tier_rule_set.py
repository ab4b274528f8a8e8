# Copyright (c) 2026, crm_archive developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint, getdate, nowdate

from crm_archive.tiering import rules as R
from crm_archive.tiering.store.conditions import validate_condition


class TierRuleSet(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def validate(self):
		if cint(self.window_days) < 1:
			frappe.throw(_("Rolling Window must be at least 1 day."), title=_("Invalid Window"))
		if cint(self.downgrade_grace_days) < 0:
			frappe.throw(_("Downgrade Grace cannot be negative."), title=_("Invalid Grace Period"))
		if not self.rules:
			frappe.throw(_("Add at least one rule."), title=_("No Rules"))
		for row in self.rules:
			for field in (
				"min_window_spend",
				"min_invoice_count",
				"max_recency_days",
				"min_average_order_value",
			):
				if (row.get(field) or 0) < 0:
					frappe.throw(
						_("Row {0}: {1} cannot be negative.").format(row.idx, _(row.meta.get_label(field))),
						title=_("Invalid Threshold"),
					)
			validate_condition(row.condition, _("Row {0}").format(row.idx))
		from crm_archive.tiering.store.rule_sets import refuse_mixed_currencies

		refuse_mixed_currencies(self.company, _("A rule set without a Company"))

	def on_update(self):
		if self.is_active:
			others = frappe.get_all(
				"Tier Rule Set", filters={"is_active": 1, "name": ("!=", self.name)}, pluck="name"
			)
			for other in others:
				frappe.db.set_value("Tier Rule Set", other, "is_active", 0)
			before = self.get_doc_before_save()
			if not before or not before.is_active or self.has_rules_changed(before):
				from crm_archive.tiering.store.jobs import enqueue_retier_all, retier_all

				if frappe.flags.in_test:
					retier_all("Rule Set Activated", publish_progress=False)
				else:
					enqueue_retier_all("Rule Set Activated")
				frappe.msgprint(_("Every archive is being re-tiered with {0}.").format(self.name), alert=True)

	def has_rules_changed(self, before) -> bool:
		keys = ("window_days", "default_tier", "downgrade_grace_days", "company")
		if any(self.get(k) != before.get(k) for k in keys):
			return True
		row = lambda r: (  # noqa: E731
			r.tier,
			r.priority,
			r.min_window_spend,
			r.min_invoice_count,
			r.max_recency_days,
			r.min_average_order_value,
			r.condition,
		)
		return [row(r) for r in self.rules] != [row(r) for r in before.rules]

	def on_trash(self):
		if self.is_active:
			frappe.throw(
				_("Activate another rule set before deleting the active one."), title=_("Active Rule Set")
			)

	@frappe.whitelist()
	def preview(self, as_of: str | None = None) -> dict:
		"""What-if: tier distribution today vs under this (draft) rule set and the movement matrix. Writes nothing."""
		# managers only: a draft condition over every archive's metrics is an oracle for who bought what
		if not frappe.has_permission("Tier Rule Set", "write"):
			frappe.throw(_("Only a CRM Archive Manager can preview tier rules."), frappe.PermissionError)
		from crm_archive.tiering.metrics import empty_metrics
		from crm_archive.tiering.store.queries import fetch_archives, fetch_metrics
		from crm_archive.tiering.store.rule_sets import load_rule_set, safe_condition, tier_ranks

		self.validate()
		rule_set, company = load_rule_set(doc=self)
		as_of = getdate(as_of or nowdate())
		rows = fetch_archives()
		metrics = fetch_metrics(as_of, rule_set.window_days, None, company)
		m_list = [metrics.get(r["customer"]) or empty_metrics(r["customer"] or r["name"]) for r in rows]
		from crm_archive.tiering.store import predictions

		if predictions.used_by(rule_set):  # p_alive etc. as the nightly CLV refresh stored them
			predictions.attach(m_list)
		# Locks hold under any rule set; grace is not simulated (the preview shows what each archive qualifies for).
		current = {
			m.customer: R.Current(tier=r["tier"], locked=bool(r["tier_locked"]))
			for m, r in zip(m_list, rows, strict=True)
		}
		decisions = R.evaluate(m_list, rule_set, current, tier_ranks(), as_of, safe_condition)
		pairs = [
			(r["tier"] or "", d.new_tier if d.reason == "locked" else d.qualified_tier)
			for r, d in zip(rows, decisions, strict=True)
		]
		matrix = R.movement_matrix(pairs)
		return {
			"as_of": str(as_of),
			"archives": len(rows),
			"current": R.distribution(p[0] for p in pairs),
			"preview": R.distribution(p[1] for p in pairs),
			"matrix": [{"from": k[0], "to": k[1], "count": v} for k, v in sorted(matrix.items())],
			"moving": sum(v for k, v in matrix.items() if k[0] != k[1]),
		}
