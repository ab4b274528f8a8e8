"""What an archive takes from its interactions: the last interaction date and the next follow-up (kept on
the archive for lists, reminders and the customer pool; recomputed on every interaction change and merge)."""

import frappe

from crm_archive.archive import rules


def refresh_archive_interaction_dates(archive: str | None, exclude: str | None = None):
	"""Recompute an archive's last interaction and next follow-up from its interactions."""
	if not archive or not frappe.db.exists("Customer Archive", archive):
		return
	filters = {"customer_archive": archive}
	if exclude:
		filters["name"] = ("!=", exclude)
	# Only the latest two rows can matter (the latest one, ties broken by name).
	rows = frappe.get_all(
		"Customer Interaction",
		filters=filters,
		fields=["name", "interaction_datetime", "next_follow_up_date"],
		order_by="interaction_datetime desc, name desc",
		limit=1,
	)
	last, next_follow_up = rules.summarize_interactions(rows)
	frappe.db.set_value(
		"Customer Archive",
		archive,
		{"last_interaction_date": last, "next_follow_up_date": next_follow_up},
		update_modified=False,
	)
