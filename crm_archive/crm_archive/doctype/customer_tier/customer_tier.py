# Copyright (c) 2026, crm_archive developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class CustomerTier(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def validate(self):
		self.tier_name = (self.tier_name or "").strip()
		for field in ("follow_up_interval_days", "response_sla_hours"):
			if (self.get(field) or 0) < 0:
				frappe.throw(
					_("{0} cannot be negative.").format(_(self.meta.get_label(field))),
					title=_("Invalid Value"),
				)
		same_rank = frappe.db.get_value(
			"Customer Tier", {"rank": self.rank, "name": ("!=", self.name)}, "name"
		)
		if same_rank:
			frappe.throw(
				_(
					"Tier {0} already has rank {1}: ranks decide upgrades and downgrades, so they must differ."
				).format(frappe.bold(same_rank), self.rank),
				title=_("Duplicate Rank"),
			)

	def on_update(self):
		before = self.get_doc_before_save()
		if before and (before.customer_group or None) != (self.customer_group or None):
			# the tier names another group (or none): its Customers follow (or get their own back)
			from crm_archive.tiering.store.benefits import sync_customer_groups

			archives = frappe.get_all("Customer Archive", {"tier": self.name}, pluck="name")
			sync_customer_groups(archives, trigger="Manual")
