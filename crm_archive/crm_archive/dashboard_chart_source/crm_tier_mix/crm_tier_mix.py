"""Workspace chart: the user's archives per tier. Every tier is named in the legend (which prints its count) (a zero
tier too, last and with "(0)" in its name, and archives without a tier), in the tiers' order, in the user's language. No cache: counts
differ per user."""

import frappe
from frappe import _


@frappe.whitelist()
def get(chart_name=None, chart=None, no_cache=None, filters=None, from_date=None, to_date=None, **kwargs):
	counts = dict(
		frappe.get_list(
			"Customer Archive",
			fields=["tier", "count(*) as archives"],
			group_by="tier",
			as_list=True,
		)
	)
	tiers = frappe.get_all("Customer Tier", order_by="`rank` desc, name asc", pluck="name")
	rows = [(_(tier), int(counts.pop(tier, 0) or 0)) for tier in tiers]
	unset = sum(int(n or 0) for tier, n in counts.items() if not tier or tier not in tiers)
	if unset:
		rows.append((_("No Tier"), unset))
	# frappe-charts' percentage legend leaves a zero out of its values but not of its labels, which shifts
	# every later count one tier along: tiers without archives go last, their "(0)" in the label
	rows = [r for r in rows if r[1]] + [(f"{label} (0)", 0) for label, n in rows if not n]
	return {
		"labels": [label for label, _n in rows],  # the legend prints each count under its name
		"datasets": [{"name": _("Archives"), "values": [n for _label, n in rows]}],
	}
