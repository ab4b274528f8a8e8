# Copyright (c) 2026, crm_archive developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class CRMArchiveSettings(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def validate(self):
		import phonenumbers

		self.default_phone_region = (self.default_phone_region or "CN").strip().upper()
		if self.default_phone_region not in phonenumbers.SUPPORTED_REGIONS:
			frappe.throw(
				_("{0} is not a known phone region (use a two-letter country code such as CN).").format(
					frappe.bold(self.default_phone_region)
				),
				title=_("Invalid Phone Region"),
			)
		for field in ("churn_after_days", "stale_after_days", "max_future_interaction_days"):
			if (self.get(field) or 0) < 0:
				frappe.throw(
					_("{0} cannot be negative.").format(_(self.meta.get_label(field))),
					title=_("Invalid Value"),
				)

	def on_update(self):
		before = self.get_doc_before_save()
		if before and bool(before.sync_customer_group) != bool(self.sync_customer_group):
			# switched on: every tiered Customer moves to its tier's group; off: each gets its group back
			from crm_archive.tiering.store.benefits import sync_customer_groups

			frappe.clear_document_cache("CRM Archive Settings", "CRM Archive Settings")
			sync_customer_groups(None, trigger="Manual", enabled=bool(self.sync_customer_group))
