"""Handlers on Frappe's Workflow Action: none for Customer Archive.

Frappe's `*` on_update hook makes one Workflow Action per document and state for the roles that could
act next. On archives nobody acts through them (the form's Actions menu is the way), and every rep's
Workflow Action list would fill with every archive of the site (100k rows, one per save). There is no
per-workflow switch in Frappe 15, so the row goes as soon as it is made."""

import frappe


def after_insert(doc, method=None):
	if doc.reference_doctype == "Customer Archive":
		drop(doc.name)


def drop(name: str):
	frappe.db.delete("Workflow Action Permitted Role", {"parent": name})
	frappe.db.delete("Workflow Action", {"name": name})


def drop_existing():
	"""After migrate: rows made before this handler existed."""
	for name in frappe.get_all(
		"Workflow Action", filters={"reference_doctype": "Customer Archive"}, pluck="name"
	):
		drop(name)
