"""ToDo on a Customer Archive: an assignment grants access only when someone allowed to grant made it,
so nobody may point an existing one at another archive or person, or tie one to an archive they cannot
read (crm_archive.access.table)."""

import frappe
from frappe import _


def validate(doc, method=None):
	before = doc.get_doc_before_save()
	touches_archive = doc.reference_type == "Customer Archive" or (
		before and before.reference_type == "Customer Archive"
	)
	if not touches_archive:
		return
	from crm_archive.access.permissions import _archive_visible
	from crm_archive.access.table import GRANTER_ROLES

	user = frappe.session.user
	if user == "Administrator" or set(GRANTER_ROLES) & set(frappe.get_roles(user)):
		return
	if before and before.owner != user:
		for field in ("reference_type", "reference_name", "allocated_to", "crm_reminder"):
			if (before.get(field) or "") != (doc.get(field) or ""):
				frappe.throw(
					_(
						"Only whoever made this assignment or a CRM Archive Manager can change its {0}."
					).format(_(doc.meta.get_label(field))),
					frappe.PermissionError,
				)
	if doc.reference_type == "Customer Archive" and doc.reference_name:
		if not _archive_visible(doc.reference_name, user):
			frappe.throw(
				_("You cannot link a ToDo to a Customer Archive you may not read."), frappe.PermissionError
			)
