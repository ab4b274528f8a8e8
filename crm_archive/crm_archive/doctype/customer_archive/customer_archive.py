# Copyright (c) 2026, crm_archive developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import getdate, nowdate

from crm_archive.archive import rules
from crm_archive.duplicates.store import check_on_save as check_duplicates_on_save
from crm_archive.lifecycle.store import log_lifecycle_change
from crm_archive.utils import phone_region


class CustomerArchive(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def as_dict(self, *args, **kwargs):
		"""Frappe serialises a document for a response with as_dict(no_nulls=True) (json_handler), also
		where it skips its field-level pass (run_doc_method, REST insert/update): never send levels the
		user may not read."""
		values = super().as_dict(*args, **kwargs)
		if kwargs.get("no_nulls"):
			from crm_archive.permissions import strip_unreadable

			strip_unreadable(values)
		return values

	def onload(self):
		self.age = rules.age_on(
			getdate(self.date_of_birth) if self.date_of_birth else None, getdate(nowdate())
		)

	def validate(self):
		self.validate_full_name()
		self.validate_date_of_birth()
		self.validate_headcount()
		self.validate_email()
		self.validate_mobile()
		self.validate_social_accounts()
		self.validate_customer_link()
		self.validate_lead_link()
		self.protect_engine_fields()
		self.validate_tier_lock()
		self.set_id_number_hash()
		self.set_review_state()
		self.set_derived_fields()
		self.set_last_editor()
		check_duplicates_on_save(self)

	def on_update(self):
		self.hand_over_reminders()
		self.sync_customer_back_link()
		self.log_tier_override()
		log_lifecycle_change(self)
		self.retier_if_needed()
		if not self.flags.in_insert and not self.flags.lifecycle_trigger:
			from crm_archive.reminders.store import close_reminders

			close_reminders(self.name, ("review",))

	def on_trash(self):
		if self.customer:
			clear_back_link(self.customer, self.name)

	# --- validation -------------------------------------------------------------------------------------

	def validate_full_name(self):
		self.full_name = (self.full_name or "").strip()
		if not self.full_name:
			frappe.throw(_("Customer Name is required."), title=_("Missing Value"))

	def validate_date_of_birth(self):
		if self.date_of_birth and getdate(self.date_of_birth) > getdate(nowdate()):
			frappe.throw(
				_("Date of Birth {0} is in the future.").format(frappe.format(self.date_of_birth, "Date")),
				title=_("Invalid Date of Birth"),
			)

	def validate_headcount(self):
		if self.headcount in (None, ""):
			return
		try:
			self.headcount = int(self.headcount)
		except (TypeError, ValueError):
			frappe.throw(
				_("Headcount must be a whole number, not {0}.").format(frappe.bold(self.headcount)),
				title=_("Invalid Headcount"),
			)
		if self.headcount < 0:
			frappe.throw(_("Headcount cannot be negative."), title=_("Invalid Headcount"))

	def validate_email(self):
		if not self.email_id:
			return
		self.email_id = self.email_id.strip()
		if not rules.is_valid_email(self.email_id):
			frappe.throw(
				_("{0} is not a valid email address.").format(frappe.bold(self.email_id)),
				title=_("Invalid Email"),
			)

	def validate_mobile(self):
		if not self.mobile_no:
			return
		region = phone_region()
		try:
			self.mobile_no = rules.normalize_phone(self.mobile_no, region)
		except rules.InvalidPhone:
			frappe.throw(
				_("{0} is not a valid phone number (region {1}).").format(
					frappe.bold(self.mobile_no), region
				),
				title=_("Invalid Phone Number"),
			)

	def validate_social_accounts(self):
		for row in self.social_accounts:
			row.account = (row.account or "").strip()
			if not row.account:
				frappe.throw(_("Row {0}: Account is required.").format(row.idx), title=_("Social Accounts"))

	def validate_customer_link(self):
		if not self.customer:
			return
		before = self.get_doc_before_save()
		if (not before or before.customer != self.customer) and not may_link_customer(self.customer):
			frappe.throw(
				_("You may link only a Customer you created or manage: {0}.").format(
					frappe.bold(self.customer)
				),
				frappe.PermissionError,
				title=_("Customer Not Permitted"),
			)
		other = frappe.db.get_value(
			"Customer Archive", {"customer": self.customer, "name": ("!=", self.name)}, "name"
		)
		if other:
			frappe.throw(
				_("Customer {0} is already linked to archive {1}.").format(
					frappe.bold(self.customer), frappe.utils.get_link_to_form("Customer Archive", other)
				),
				title=_("Customer Already Linked"),
			)

	def validate_lead_link(self):
		if not self.lead:
			return
		other = frappe.db.get_value(
			"Customer Archive", {"lead": self.lead, "name": ("!=", self.name)}, "name"
		)
		if other:
			frappe.throw(
				_("Lead {0} already has archive {1}.").format(
					frappe.bold(self.lead), frappe.utils.get_link_to_form("Customer Archive", other)
				),
				title=_("Lead Already Archived"),
			)

	# --- tier: set by the engine, or pinned by a manager ----------------------------------------------

	def protect_engine_fields(self):
		"""Tier and metrics are computed: values sent through a form or REST are ignored."""
		before = self.get_doc_before_save()
		for field in ENGINE_FIELDS:
			self.set(field, before.get(field) if before else None)

	def validate_tier_lock(self):
		before = self.get_doc_before_save()
		lock_fields = ("tier_locked", "locked_tier", "tier_lock_reason")
		changed = any((before.get(f) if before else None) != self.get(f) for f in lock_fields)
		if changed and (self.tier_locked or before) and not is_tier_manager():
			frappe.throw(_("Only a CRM Archive Manager can lock or unlock a tier."), frappe.PermissionError)
		if not self.tier_locked:
			self.locked_tier = None
			self.tier_lock_reason = None
			return
		if not self.locked_tier:
			frappe.throw(_("Choose the Locked Tier."), title=_("Missing Value"))
		if not (self.tier_lock_reason or "").strip():
			frappe.throw(_("Give a reason for locking the tier."), title=_("Missing Value"))
		if self.tier != self.locked_tier:
			self.flags.tier_override = (self.tier, self.locked_tier)
			self.tier = self.locked_tier
			self.tier_reason = _("Locked by {0}: {1}").format(frappe.session.user, self.tier_lock_reason)

	def log_tier_override(self):
		if not self.flags.tier_override:
			return
		old, new = self.flags.tier_override
		self.flags.tier_override = None
		frappe.get_doc(
			{
				"doctype": "Customer Archive Log",
				"customer_archive": self.name,
				"event_type": "Tier Change",
				"from_value": old or "",
				"to_value": new,
				"trigger": "Override",
				"rule_row": self.tier_lock_reason,
			}
		).insert(ignore_permissions=True)

	def retier_if_needed(self):
		"""New archive, a changed Customer link or an unlocked tier: let the engine (re)compute it now."""
		before = self.get_doc_before_save()
		if before and before.customer == self.customer and before.tier_locked == self.tier_locked:
			return
		if self.tier_locked:
			return
		from crm_archive.tiering.store import retier

		retier(archives=[self.name], trigger="Manual")

	# --- confidential ID number --------------------------------------------------------------------------

	def set_id_number_hash(self):
		"""Keyed fingerprint of the ID number for duplicate detection; the plain value is encrypted by
		Frappe (Password field: __Auth table, the site's encryption key) and masked in this table."""
		value = self.id_number or ""
		if not value:
			self.id_number_hash = None
		elif set(value) != {"*"}:
			self.id_number_hash = id_fingerprint(value)

	@frappe.whitelist()
	def reveal_id_number(self) -> str | None:
		"""Managers only, and every reveal is logged."""
		if not is_tier_manager():
			frappe.throw(_("Only a CRM Archive Manager can reveal the ID number."), frappe.PermissionError)
		self.check_permission("read")
		from frappe.utils.password import get_decrypted_password

		value = get_decrypted_password("Customer Archive", self.name, "id_number", raise_exception=False)
		frappe.get_doc(
			{
				"doctype": "Customer Archive Log",
				"customer_archive": self.name,
				"event_type": "ID Number Revealed",
				"trigger": "Manual",
			}
		).insert(ignore_permissions=True)
		return value

	# --- review of important archives (双人审核) ---------------------------------------------------------

	def set_review_state(self):
		before = self.get_doc_before_save()
		if before and before.flag_for_review != self.flag_for_review and not is_tier_manager():
			frappe.throw(
				_("Only a CRM Archive Manager can flag an archive for review."), frappe.PermissionError
			)
		self.review_required = int(bool(self.flag_for_review) or self.tier in important_tiers())
		if before and before.verified and any(before.get(f) != self.get(f) for f in KEY_FIELDS):
			self.verified, self.verified_by, self.verified_on = 0, None, None
		elif before:
			self.verified, self.verified_by, self.verified_on = (
				before.verified,
				before.verified_by,
				before.verified_on,
			)
		else:
			self.verified, self.verified_by, self.verified_on = 0, None, None

	@frappe.whitelist()
	def verify(self):
		"""A CRM Archive Reviewer who did not make the last edit verifies the archive."""
		roles = set(frappe.get_roles())
		if "CRM Archive Reviewer" not in roles:
			frappe.throw(_("Only a CRM Archive Reviewer can verify an archive."), frappe.PermissionError)
		# the server's record of the last person who edited it, never a value the client sends
		last_editor = frappe.db.get_value("Customer Archive", self.name, "last_editor")
		if last_editor == frappe.session.user:
			frappe.throw(
				_("You made the last change to this archive: a second person must verify it."),
				frappe.PermissionError,
			)
		now = frappe.utils.now_datetime()
		self.db_set(
			{"verified": 1, "verified_by": frappe.session.user, "verified_on": now}, update_modified=False
		)
		frappe.get_doc(
			{
				"doctype": "Customer Archive Log",
				"customer_archive": self.name,
				"event_type": "Verification",
				"from_value": "Unverified",
				"to_value": "Verified",
				"trigger": "Review",
			}
		).insert(ignore_permissions=True)

	def set_last_editor(self):
		"""双人审核 needs to know who last edited the archive: a person's save, not an automatic move."""
		if not (self.flags.lifecycle_trigger or self.flags.crm_system_save):
			self.last_editor = frappe.session.user
		elif not self.is_new():
			self.last_editor = frappe.db.get_value("Customer Archive", self.name, "last_editor")

	def hand_over_reminders(self):
		"""A reassigned archive's open reminders go to the new account manager (closed when none)."""
		before = self.get_doc_before_save()
		if not before or before.account_manager == self.account_manager or not before.account_manager:
			return
		for name in frappe.get_all(
			"ToDo",
			filters={
				"reference_type": "Customer Archive",
				"reference_name": self.name,
				"allocated_to": before.account_manager,
				"status": "Open",
				"crm_reminder": ("is", "set"),
			},
			pluck="name",
		):
			todo = frappe.get_doc("ToDo", name)
			if self.account_manager:
				todo.allocated_to = self.account_manager
			else:
				todo.status = "Closed"
			todo.save(ignore_permissions=True)

	# --- derived fields ---------------------------------------------------------------------------------

	def set_derived_fields(self):
		self.age = rules.age_on(
			getdate(self.date_of_birth) if self.date_of_birth else None, getdate(nowdate())
		)
		self.company_size = rules.size_band(self.headcount) if self.headcount not in (None, "") else ""
		values = self.as_dict()
		values["id_number"] = None  # never part of the score: it is confidential
		self.completeness_score = rules.completeness(values)

	# --- the ERPNext Customer link ----------------------------------------------------------------------

	def sync_customer_back_link(self):
		before = self.get_doc_before_save()
		old = before.customer if before else None
		if old and old != self.customer:
			clear_back_link(old, self.name)
		if self.customer and frappe.db.get_value("Customer", self.customer, "crm_archive") != self.name:
			frappe.db.set_value("Customer", self.customer, "crm_archive", self.name, update_modified=False)

	@frappe.whitelist()
	def create_customer(self) -> str:
		"""Create the ERPNext Customer for this archive and link both ways."""
		self.check_permission("write")
		if self.customer:
			frappe.throw(
				_("This archive is already linked to Customer {0}.").format(frappe.bold(self.customer)),
				title=_("Customer Already Linked"),
			)
		frappe.has_permission("Customer", "create", throw=True)
		customer = frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": self.company_name or self.full_name,
				"customer_type": "Company" if self.company_name else "Individual",
				"customer_group": default_customer_group(),
				"territory": self.territory or default_territory(),
				"industry": self.industry,
				"lead_name": self.lead,
				"account_manager": self.account_manager,
			}
		)
		customer.flags.from_customer_archive = self.name
		customer.insert()
		self.customer = customer.name
		self.save()
		return customer.name


ENGINE_FIELDS = (
	"tier",
	"qualified_tier",
	"tier_rule",
	"tier_reason",
	"tier_pending_since",
	"tier_updated_on",
	"window_spend",
	"lifetime_spend",
	"invoice_count",
	"average_order_value",
	"first_purchase_date",
	"last_purchase_date",
	"recency_days",
	"metrics_as_of",
)


KEY_FIELDS = ("full_name", "mobile_no", "email_id", "id_number", "company_name", "customer")


def important_tiers() -> set[str]:
	"""Tiers whose service policy gives a dedicated account manager (VIP and 重要客户 by default)."""
	return set(frappe.get_all("Customer Tier", filters={"dedicated_account_manager": 1}, pluck="name"))


def id_fingerprint(value: str) -> str:
	import hashlib
	import hmac

	from frappe.utils.password import get_encryption_key

	normalized = "".join(value.split()).upper()
	return hmac.new(get_encryption_key().encode(), normalized.encode(), hashlib.sha256).hexdigest()


def may_link_customer(customer: str) -> bool:
	"""A rep links only a Customer they created or are the account manager of; managers any."""
	user = frappe.session.user
	if user == "Administrator" or {"System Manager", "CRM Archive Manager"} & set(frappe.get_roles(user)):
		return True
	values = frappe.db.get_value("Customer", customer, ["owner", "account_manager"], as_dict=True)
	return bool(values) and user in (values.owner, values.account_manager)


def is_tier_manager() -> bool:
	return bool({"CRM Archive Manager", "System Manager"} & set(frappe.get_roles()))


def clear_back_link(customer: str, archive: str):
	if frappe.db.get_value("Customer", customer, "crm_archive") == archive:
		frappe.db.set_value("Customer", customer, "crm_archive", None, update_modified=False)


def default_customer_group() -> str:
	return (
		frappe.db.get_single_value("Selling Settings", "customer_group")
		or frappe.db.get_value("Customer Group", {"is_group": 0}, "name", order_by="lft")
		or "All Customer Groups"
	)


def default_territory() -> str:
	return (
		frappe.db.get_single_value("Selling Settings", "territory")
		or frappe.db.get_value("Territory", {"is_group": 0}, "name", order_by="lft")
		or "All Territories"
	)
