"""Desk actions for tiering."""

import frappe
from frappe import _

from crm_archive.tiering.store.engine import retier
from crm_archive.tiering.store.jobs import enqueue_retier_all


@frappe.whitelist()
def retier_now(archive: str | None = None) -> dict:
	"""Managers: re-tier one archive now, or every archive in a background job."""
	frappe.only_for(("CRM Archive Manager", "System Manager"))
	if archive:
		frappe.get_doc("Customer Archive", archive).check_permission("read")
		return retier(archives=[archive], trigger="Manual")
	enqueue_retier_all("Manual")
	return {"queued": True}


@frappe.whitelist()
def tier_badge(customer: str | None = None) -> dict | None:
	"""The customer's tier and service policy beside the customer on a Quotation, Sales Order or Sales
	Invoice — for a user who may read the customer's archive; nothing for anyone else."""
	from crm_archive.tiering.store.benefits import tier_badge as badge

	if customer is not None and not isinstance(customer, str):
		frappe.throw(_("Customer must be a name."), title=_("Invalid Value"))
	return badge(customer)
