"""Desk actions for tiering."""

import frappe

from crm_archive.tiering.store import enqueue_retier_all, retier


@frappe.whitelist()
def retier_now(archive: str | None = None) -> dict:
	"""Managers: re-tier one archive now, or every archive in a background job."""
	frappe.only_for(("CRM Archive Manager", "System Manager"))
	if archive:
		frappe.get_doc("Customer Archive", archive).check_permission("read")
		return retier(archives=[archive], trigger="Manual")
	enqueue_retier_all("Manual")
	return {"queued": True}
