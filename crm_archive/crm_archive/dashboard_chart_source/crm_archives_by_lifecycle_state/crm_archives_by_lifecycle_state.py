"""Workspace chart: the user's archives per lifecycle state, every state in workflow order, labels in the
user's language (Frappe's Group By chart shows stored values untranslated and drops empty states). No
cache: what a rep may read differs per user (Frappe's cache_source would share one result)."""

import frappe
from frappe import _

from crm_archive.lifecycle import states as L


@frappe.whitelist()
def get(chart_name=None, chart=None, no_cache=None, filters=None, from_date=None, to_date=None, **kwargs):
	counts = dict(
		frappe.get_list(
			"Customer Archive",
			fields=["lifecycle_state", "count(*) as archives"],
			group_by="lifecycle_state",
			as_list=True,
		)
	)
	return {
		"labels": [_(state) for state in L.STATES],
		"datasets": [{"name": _("Archives"), "values": [int(counts.get(state) or 0) for state in L.STATES]}],
	}
