"""Handlers on ERPNext's Customer doctype."""

import frappe
from frappe import _
from frappe.utils import cint, sbool

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
	from crm_archive.adoption import archive_from_customer

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


def before_rename(doc, method=None, old=None, new=None, merge=False):
	"""ERPNext's "Merge with existing" of two Customers that each have an archive: the archives merge
	first, by the app's own merge and its rules (a CRM Archive Manager only), so that the Customer merge
	then finds one archive (the survivor's) — instead of the unique back-link failing half-way with a
	server error. Anyone else is refused with one sentence, before anything is written."""
	if not sbool(merge) or not new or old == new:
		return
	duplicate = frappe.db.get_value("Customer Archive", {"customer": old}, "name")
	survivor = frappe.db.get_value("Customer Archive", {"customer": new}, "name")
	if not (duplicate and survivor):
		return  # at most one archive: the link update moves it to the surviving Customer
	from crm_archive.duplicates.store import may_merge_archives, merge_archives

	if not may_merge_archives():
		frappe.throw(
			_(
				"{0} and {1} both have a customer archive, and merging the Customers merges their archives: only a CRM Archive Manager may do that. Ask a CRM Archive Manager to merge them."
			).format(frappe.bold(old), frappe.bold(new)),
			title=_("Cannot Merge"),
		)
	if validating_only():
		return
	# the duplicate lets go of its Customer (the Customer merge moves everything else of it), then the
	# app's merge moves the duplicate archive's interactions, logs and empty fields to the survivor
	frappe.db.set_value("Customer Archive", duplicate, "customer", None, update_modified=False)
	merge_archives(duplicate, survivor)


def after_rename(doc, method=None, old=None, new=None, merge=False):
	"""The surviving Customer links back to its archive (a merge of an archived Customer into one without
	moves the archive's link, not the back-link), and the archive's figures count the merged invoices."""
	archive = frappe.db.get_value("Customer Archive", {"customer": new}, "name")
	if not archive:
		return
	if frappe.db.get_value("Customer", new, "crm_archive") != archive:
		frappe.db.set_value("Customer", new, "crm_archive", archive, update_modified=False)
	if sbool(merge):
		from crm_archive.tiering.store.engine import retier

		retier(archives=[archive], trigger="Manual")


def validating_only() -> bool:
	"""The desk's Rename dialog calls update_document_title with enqueue: in the request before_rename
	only validates (the rename itself, with before_rename again, runs in a background job); there nothing
	may be written yet. Frappe's own test: enqueue asked and the scheduler active."""
	from frappe.utils.scheduler import is_scheduler_inactive

	form = frappe.local.form_dict or {}
	return (
		getattr(frappe.local, "request", None) is not None
		and form.get("cmd") == "frappe.model.rename_doc.update_document_title"
		and sbool(form.get("enqueue"))
		and not is_scheduler_inactive(verbose=False)
	)
