# Copyright (c) 2026, crm_archive developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class CustomerArchiveAccess(Document):
	"""Rows are written only by crm_archive.access.table (set-based SQL); nobody edits them."""


def on_doctype_update():
	# a rep's list, count and link search join their rows on (user, archive)
	frappe.db.add_index("Customer Archive Access", ["user", "archive"], "user_archive")
