# Copyright (c) 2026, crm_archive developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document

from crm_archive.archive.store import document as archive
from crm_archive.duplicates.store import check_on_save as check_duplicates_on_save
from crm_archive.duplicates.store import set_duplicate_block
from crm_archive.lifecycle.store import log_lifecycle_change


class CustomerArchive(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def as_dict(self, *args, **kwargs):
		"""Frappe serialises a document for a response with as_dict(no_nulls=True) (json_handler), also
		where it skips its field-level pass (run_doc_method, REST insert/update): never send levels the
		user may not read."""
		values = super().as_dict(*args, **kwargs)
		if kwargs.get("no_nulls"):
			from crm_archive.access.permissions import strip_unreadable

			strip_unreadable(values)
		return values

	def onload(self):
		archive.set_age(self)
		archive.set_recency(self)
		if self.tier_reason:
			from crm_archive.tiering.store.explain import explain_archive

			self.set_onload("tier_reason", explain_archive(self))

	def before_insert(self):
		if frappe.flags.crm_import_retier is not None:
			# a row of a Data Import: its Data Import Log says where it came from; no "created" Version
			# per row (as Frappe does not write one for a document a patch creates)
			self.flags.ignore_version = True

	def validate(self):
		archive.validate_full_name(self)
		archive.validate_select_values(self)
		archive.validate_id_number(self)
		archive.validate_date_of_birth(self)
		archive.validate_first_contact_date(self)
		archive.validate_headcount(self)
		archive.validate_email(self)
		archive.validate_mobile(self)
		archive.validate_social_accounts(self)
		archive.validate_customer_link(self)
		archive.validate_lead_link(self)
		archive.protect_engine_fields(self)
		archive.validate_tier_lock(self)
		archive.set_id_number_hash(self)
		archive.set_review_state(self)
		archive.set_derived_fields(self)
		archive.set_last_editor(self)
		archive.set_name_reading(self)
		set_duplicate_block(self)
		check_duplicates_on_save(self)
		if self.is_new() and not self.id_number:
			# nothing to encrypt, and a new name has no __Auth row to remove (Frappe's _save_passwords
			# would DELETE from __Auth for every new archive without an ID number)
			self.flags.ignore_save_passwords = ["id_number"]

	def on_update(self):
		archive.hand_over_reminders(self)
		archive.sync_customer_back_link(self)
		archive.log_tier_override(self)
		log_lifecycle_change(self)
		archive.retier_if_needed(self)
		if not self.flags.in_insert and (
			self.has_value_changed("email_id") or self.has_value_changed("no_marketing")
		):
			# (a new archive joins its tier's group with its first re-tier)
			from crm_archive.tiering.store.benefits import forget_email, sync_email_groups

			before = self.get_doc_before_save()
			if before and self.has_value_changed("email_id"):
				forget_email(before.email_id)  # the old address, unless another archive keeps it there
			sync_email_groups([self.name])
		if not self.flags.in_insert and not self.flags.lifecycle_trigger:
			from crm_archive.reminders.store import close_reminders

			close_reminders(self.name, ("review",))

	def on_trash(self):
		if self.customer:
			archive.clear_back_link(self.customer, self.name)
		from crm_archive.tiering.store.benefits import forget_email_of

		forget_email_of(self)

	@frappe.whitelist()
	def reveal_id_number(self) -> str | None:
		"""Managers only, and every reveal is logged."""
		return archive.reveal_id_number(self)

	@frappe.whitelist()
	def verify(self):
		"""A CRM Archive Reviewer who did not make the last edit verifies the archive."""
		return archive.verify(self)

	@frappe.whitelist()
	def create_customer(self) -> str:
		"""Create the ERPNext Customer for this archive and link both ways."""
		return archive.create_customer(self)
