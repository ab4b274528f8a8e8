# Copyright (c) 2026, crm_archive developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import now_datetime


class CustomerArchiveLog(Document):
	"""Append-only audit of tier and lifecycle moves: rows are inserted, never edited or deleted."""

	# begin: auto-generated types
	# end: auto-generated types

	def before_insert(self):
		self.timestamp = self.timestamp or now_datetime()
		self.user = self.user or frappe.session.user

	def validate(self):
		if not self.is_new():
			frappe.throw(
				_("Customer Archive Log is append-only: rows cannot be edited."), frappe.PermissionError
			)

	def on_trash(self):
		frappe.throw(
			_("Customer Archive Log is append-only: rows cannot be deleted."), frappe.PermissionError
		)


def on_doctype_update():
	# the nightly lifecycle pass reads each archive's last move of a kind (its churn date) from the
	# index alone: the events of that kind, not every archive's whole history
	frappe.db.add_index(
		"Customer Archive Log", ["event_type", "to_value", "customer_archive", "timestamp"], "event_archive"
	)
