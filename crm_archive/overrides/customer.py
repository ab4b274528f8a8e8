"""Handlers on ERPNext's Customer doctype."""

import frappe
from frappe.utils import cint

from crm_archive.utils import get_settings


def after_insert(doc, method=None):
	"""A Customer converted from a Lead that has an archive: that archive gets the Customer (never a second
	archive). Otherwise, with the setting on, every new Customer gets its archive (unless an archive
	created it)."""
	if doc.flags.from_customer_archive or doc.get("crm_archive"):
		return
	if doc.lead_name and link_lead_archive(doc):
		return
	if not cint(get_settings().auto_create_archive):
		return
	from crm_archive.archive.adoption import archive_from_customer

	archive = archive_from_customer(doc.as_dict()).insert(ignore_permissions=True)
	doc.crm_archive = archive.name  # else a second save of this document writes the link back to empty


def link_lead_archive(doc) -> bool:
	"""Link the lead's archive (when it has no Customer yet) to the Customer made from that lead."""
	name = frappe.db.get_value(
		"Customer Archive", {"lead": doc.lead_name}, ["name", "customer"], as_dict=True
	)
	if not name or name.customer:
		return False
	archive = frappe.get_doc("Customer Archive", name.name)
	archive.customer = doc.name
	if not archive.account_manager and doc.account_manager:
		archive.account_manager = doc.account_manager
	archive.flags.crm_system_save = True
	archive.save(ignore_permissions=True)
	doc.crm_archive = archive.name  # the form that made the Customer saves it again with this value
	return True
