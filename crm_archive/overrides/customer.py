"""Handlers on ERPNext's Customer doctype."""

import frappe
from frappe.utils import cint

from crm_archive.utils import get_settings


def after_insert(doc, method=None):
	"""With the setting on, every new Customer gets its archive (unless an archive created it)."""
	if doc.flags.from_customer_archive or doc.get("crm_archive"):
		return
	if not cint(get_settings().auto_create_archive):
		return
	from crm_archive.archive.adoption import archive_from_customer

	archive_from_customer(doc.as_dict()).insert(ignore_permissions=True)
