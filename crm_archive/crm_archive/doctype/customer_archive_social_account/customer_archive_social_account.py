# Copyright (c) 2026, crm_archive developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class CustomerArchiveSocialAccount(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def load_from_db(self):
		"""Loaded on its own (REST, getdoc, frappe.client.get, print by the row's name), not as part of
		its archive: Frappe 15 checks a standalone child row only at doctype level, so check it here."""
		super().load_from_db()
		from crm_archive.access.permissions import has_social_account_permission

		if not has_social_account_permission(self):
			frappe.throw(frappe._("Not permitted"), frappe.PermissionError)

	def as_dict(self, *args, **kwargs):
		values = super().as_dict(*args, **kwargs)
		if kwargs.get("no_nulls"):  # leaving the server in a response
			from crm_archive.access.permissions import strip_unreadable

			strip_unreadable(values, self.doctype)
		return values
