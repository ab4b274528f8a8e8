"""The archive's Frappe side: each step of the Customer Archive controller, as a function of the
document (validation, derived fields, review, the Customer link). The controller lists the steps; the
pure rules live in archive/rules.py."""

import frappe
from frappe import _
from frappe.utils import getdate, nowdate

from crm_archive.archive import rules
from crm_archive.utils import phone_region


def validate_full_name(doc):
	doc.full_name = (doc.full_name or "").strip()
	if not doc.full_name:
		frappe.throw(_("Customer Name is required."), title=_("Missing Value"))


def label(doc, fieldname: str) -> str:
	return _(doc.meta.get_label(fieldname))


def validate_date_of_birth(doc):
	if not doc.date_of_birth:
		return
	problem = rules.birth_date_problem(getdate(doc.date_of_birth), getdate(nowdate()))
	if problem:
		message = {
			"future": _("{0}: {1} is in the future."),
			"too_early": _("{0}: {1} is more than 130 years ago."),
		}[problem]
		frappe.throw(
			message.format(label(doc, "date_of_birth"), frappe.format(doc.date_of_birth, "Date")),
			title=_("Invalid Date of Birth"),
		)


def validate_first_contact_date(doc):
	if not doc.first_contact_date:
		return
	problem = rules.contact_date_problem(getdate(doc.first_contact_date), getdate(nowdate()))
	if problem:
		message = {
			"future": _("{0}: {1} is in the future."),
			"too_early": _("{0}: {1} is before 1900."),
		}[problem]
		frappe.throw(
			message.format(label(doc, "first_contact_date"), frappe.format(doc.first_contact_date, "Date")),
			title=_("Invalid Date"),
		)


def validate_id_number(doc):
	"""A mainland resident ID: 18 characters, a GB 11643 check digit, and a birth date that agrees
	with Date of Birth (filled from it when empty). Other kinds of ID are kept as typed."""
	value = (doc.id_number or "").strip()
	if not value or set(value) == {"*"}:  # empty, or the mask of an unchanged Password field
		return
	doc.id_number = "".join(value.split()).upper()
	kind = doc.id_type or rules.RESIDENT_ID
	doc.id_type = kind
	if kind != rules.RESIDENT_ID:
		return
	dob = getdate(doc.date_of_birth) if doc.date_of_birth else None
	problem = rules.resident_id_problem(doc.id_number, dob)
	if problem == "dob":
		frappe.throw(
			_("{0} {1} does not agree with the birth date in the {2} ({3}).").format(
				label(doc, "date_of_birth"),
				frappe.format(doc.date_of_birth, "Date"),
				label(doc, "id_number"),
				frappe.format(rules.resident_id_birth_date(doc.id_number), "Date"),
			),
			title=_("Invalid ID Number"),
		)
	if problem:
		reason = {
			"length": _("a Resident Identity Card number has 18 characters"),
			"format": _("it must be 17 digits followed by a digit or X"),
			"birth_date": _("characters 7 to 14 are not a real birth date"),
			"check_digit": _("the last character is not its GB 11643 check digit"),
		}[problem]
		frappe.throw(
			_("{0} is not valid: {1}.").format(label(doc, "id_number"), reason),
			title=_("Invalid ID Number"),
		)
	if not dob:
		doc.date_of_birth = rules.resident_id_birth_date(doc.id_number)


def validate_headcount(doc):
	if doc.headcount in (None, ""):
		# the column is NOT NULL DEFAULT 0: an emptied field is stored as 0, so say 0 (no "0 to null"
		# change in the timeline); 0 means unknown (no size band)
		doc.headcount = 0
		return
	try:
		doc.headcount = int(doc.headcount)
	except (TypeError, ValueError):
		frappe.throw(
			_("Headcount must be a whole number, not {0}.").format(frappe.bold(doc.headcount)),
			title=_("Invalid Headcount"),
		)
	if doc.headcount < 0:
		frappe.throw(_("Headcount cannot be negative."), title=_("Invalid Headcount"))


def validate_email(doc):
	if not doc.email_id:
		return
	doc.email_id = doc.email_id.strip()
	if not rules.is_valid_email(doc.email_id):
		frappe.throw(
			_("{0} is not a valid email address.").format(frappe.bold(doc.email_id)),
			title=_("Invalid Email"),
		)


def validate_mobile(doc):
	if not doc.mobile_no:
		return
	region = phone_region()
	try:
		doc.mobile_no = rules.normalize_phone(doc.mobile_no, region)
	except rules.InvalidPhone as e:
		frappe.throw(
			phone_problem(e.reason).format(label(doc, "mobile_no"), frappe.bold(doc.mobile_no), region),
			title=_("Invalid Phone Number"),
		)


def phone_problem(reason: str) -> str:
	"""Why a phone number is refused, in one sentence: {0} the field, {1} the text, {2} the region."""
	if reason == "characters":
		return _(
			"{0}: {1} has letters or other signs; write only digits, spaces, dashes, brackets and a leading + or 00."
		)
	if reason == "too_short":
		return _("{0}: {1} has too few digits for a phone number of region {2}.")
	if reason == "too_long":
		return _("{0}: {1} has too many digits for a phone number of region {2}.")
	if reason == "country_code":
		return _("{0}: {1} starts with a country code that does not exist.")
	if reason == "ambiguous":
		return _(
			"{0}: {1} reads as two different numbers, with and without the country code; write + or 00 before the country code."
		)
	return _("{0}: {1} is not a valid phone number (region {2}).")


def validate_social_accounts(doc):
	for row in doc.social_accounts:
		row.account = (row.account or "").strip()
		if not row.account:
			frappe.throw(_("Row {0}: Account is required.").format(row.idx), title=_("Social Accounts"))


def validate_customer_link(doc):
	if not doc.customer:
		return
	before = doc.get_doc_before_save()
	if (not before or before.customer != doc.customer) and not may_link_customer(doc.customer):
		frappe.throw(
			_("You may link only a Customer you created or manage: {0}.").format(frappe.bold(doc.customer)),
			frappe.PermissionError,
			title=_("Customer Not Permitted"),
		)
	other = frappe.db.get_value(
		"Customer Archive", {"customer": doc.customer, "name": ("!=", doc.name)}, "name"
	)
	if other:
		frappe.throw(
			_("Customer {0} is already linked to archive {1}.").format(
				frappe.bold(doc.customer), frappe.utils.get_link_to_form("Customer Archive", other)
			),
			title=_("Customer Already Linked"),
		)


def validate_lead_link(doc):
	if not doc.lead:
		return
	other = frappe.db.get_value("Customer Archive", {"lead": doc.lead, "name": ("!=", doc.name)}, "name")
	if other:
		frappe.throw(
			_("Lead {0} already has archive {1}.").format(
				frappe.bold(doc.lead), frappe.utils.get_link_to_form("Customer Archive", other)
			),
			title=_("Lead Already Archived"),
		)


def protect_engine_fields(doc):
	"""Tier and metrics are computed: values sent through a form or REST are ignored."""
	before = doc.get_doc_before_save()
	for field in ENGINE_FIELDS:
		doc.set(field, before.get(field) if before else None)


def validate_tier_lock(doc):
	before = doc.get_doc_before_save()
	lock_fields = ("tier_locked", "locked_tier", "tier_lock_reason")
	changed = any((before.get(f) if before else None) != doc.get(f) for f in lock_fields)
	if changed and (doc.tier_locked or before) and not is_tier_manager():
		frappe.throw(_("Only a CRM Archive Manager can lock or unlock a tier."), frappe.PermissionError)
	if not doc.tier_locked:
		doc.locked_tier = None
		doc.tier_lock_reason = None
		return
	if not doc.locked_tier:
		frappe.throw(_("Choose the Locked Tier."), title=_("Missing Value"))
	if not (doc.tier_lock_reason or "").strip():
		frappe.throw(_("Give a reason for locking the tier."), title=_("Missing Value"))
	if doc.tier != doc.locked_tier:
		doc.flags.tier_override = (doc.tier, doc.locked_tier)
		doc.tier = doc.locked_tier
		doc.tier_reason = _("Locked by {0}: {1}").format(frappe.session.user, doc.tier_lock_reason)


def log_tier_override(doc):
	if not doc.flags.tier_override:
		return
	old, new = doc.flags.tier_override
	doc.flags.tier_override = None
	frappe.get_doc(
		{
			"doctype": "Customer Archive Log",
			"customer_archive": doc.name,
			"event_type": "Tier Change",
			"from_value": old or "",
			"to_value": new,
			"trigger": "Override",
			"rule_row": doc.tier_lock_reason,
		}
	).insert(ignore_permissions=True)


def retier_if_needed(doc):
	"""New archive, a changed Customer link or an unlocked tier: let the engine (re)compute it now."""
	before = doc.get_doc_before_save()
	if before and before.customer == doc.customer and before.tier_locked == doc.tier_locked:
		return
	if doc.tier_locked:
		return
	if frappe.flags.crm_import_retier is not None:
		# a Data Import of archives: one set-based re-tier of the imported rows when the file is done
		# (overrides/data_import.py), not a re-tier (its rule set, its metrics read) per row
		frappe.flags.crm_import_retier.append(doc.name)
		return
	from crm_archive.tiering.store.engine import retier

	retier(archives=[doc.name], trigger="Manual")


def set_id_number_hash(doc):
	"""Keyed fingerprint of the ID number for duplicate detection; the plain value is encrypted by
	Frappe (Password field: __Auth table, the site's encryption key) and masked in this table."""
	value = doc.id_number or ""
	if not value:
		doc.id_number_hash = None
	elif set(value) != {"*"}:
		doc.id_number_hash = id_fingerprint(value)


def reveal_id_number(doc) -> str | None:
	"""Managers only, and every reveal is logged."""
	if not is_tier_manager():
		frappe.throw(_("Only a CRM Archive Manager can reveal the ID number."), frappe.PermissionError)
	doc.check_permission("read")
	from frappe.utils.password import get_decrypted_password

	value = get_decrypted_password("Customer Archive", doc.name, "id_number", raise_exception=False)
	frappe.get_doc(
		{
			"doctype": "Customer Archive Log",
			"customer_archive": doc.name,
			"event_type": "ID Number Revealed",
			"trigger": "Manual",
		}
	).insert(ignore_permissions=True)
	return value


def set_review_state(doc):
	before = doc.get_doc_before_save()
	if before and before.flag_for_review != doc.flag_for_review and not is_tier_manager():
		frappe.throw(_("Only a CRM Archive Manager can flag an archive for review."), frappe.PermissionError)
	doc.review_required = int(bool(doc.flag_for_review) or bool(doc.tier and doc.tier in important_tiers()))
	if before and before.verified and any(before.get(f) != doc.get(f) for f in KEY_FIELDS):
		doc.verified, doc.verified_by, doc.verified_on = 0, None, None
	elif before:
		doc.verified, doc.verified_by, doc.verified_on = (
			before.verified,
			before.verified_by,
			before.verified_on,
		)
	else:
		doc.verified, doc.verified_by, doc.verified_on = 0, None, None


def verify(doc):
	"""A CRM Archive Reviewer who did not make the last edit verifies the archive."""
	roles = set(frappe.get_roles())
	if "CRM Archive Reviewer" not in roles:
		frappe.throw(_("Only a CRM Archive Reviewer can verify an archive."), frappe.PermissionError)
	# the server's record of the last person who edited it, never a value the client sends
	last_editor = frappe.db.get_value("Customer Archive", doc.name, "last_editor")
	if last_editor == frappe.session.user:
		frappe.throw(
			_("You made the last change to this archive: a second person must verify it."),
			frappe.PermissionError,
		)
	now = frappe.utils.now_datetime()
	doc.db_set({"verified": 1, "verified_by": frappe.session.user, "verified_on": now}, update_modified=False)
	frappe.get_doc(
		{
			"doctype": "Customer Archive Log",
			"customer_archive": doc.name,
			"event_type": "Verification",
			"from_value": "Unverified",
			"to_value": "Verified",
			"trigger": "Review",
		}
	).insert(ignore_permissions=True)


def set_last_editor(doc):
	"""双人审核 needs to know who last edited the archive: a person's save, not an automatic move."""
	if not (doc.flags.lifecycle_trigger or doc.flags.crm_system_save):
		doc.last_editor = frappe.session.user
	elif not doc.is_new():
		doc.last_editor = frappe.db.get_value("Customer Archive", doc.name, "last_editor")


def hand_over_reminders(doc):
	"""A reassigned archive's open reminders go to the new account manager (closed when none)."""
	before = doc.get_doc_before_save()
	if not before or before.account_manager == doc.account_manager or not before.account_manager:
		return
	for name in frappe.get_all(
		"ToDo",
		filters={
			"reference_type": "Customer Archive",
			"reference_name": doc.name,
			"allocated_to": before.account_manager,
			"status": "Open",
			"crm_reminder": ("is", "set"),
		},
		pluck="name",
	):
		todo = frappe.get_doc("ToDo", name)
		if doc.account_manager:
			todo.allocated_to = doc.account_manager
		else:
			todo.status = "Closed"
		todo.save(ignore_permissions=True)


def set_derived_fields(doc):
	doc.age = rules.age_on(getdate(doc.date_of_birth) if doc.date_of_birth else None, getdate(nowdate()))
	doc.company_size = rules.size_band(doc.headcount) if doc.headcount else ""
	values = doc.as_dict()
	values["id_number"] = None  # never part of the score: it is confidential
	doc.completeness_score = rules.completeness(values)


def sync_customer_back_link(doc):
	before = doc.get_doc_before_save()
	old = before.customer if before else None
	if old and old != doc.customer:
		clear_back_link(old, doc.name)
	if doc.customer and frappe.db.get_value("Customer", doc.customer, "crm_archive") != doc.name:
		frappe.db.set_value("Customer", doc.customer, "crm_archive", doc.name, update_modified=False)


def create_customer(doc) -> str:
	"""Create the ERPNext Customer for this archive and link both ways."""
	doc.check_permission("write")
	if doc.customer:
		frappe.throw(
			_("This archive is already linked to Customer {0}.").format(frappe.bold(doc.customer)),
			title=_("Customer Already Linked"),
		)
	frappe.has_permission("Customer", "create", throw=True)
	customer = frappe.get_doc(
		{
			"doctype": "Customer",
			"customer_name": doc.company_name or doc.full_name,
			"customer_type": "Company" if doc.company_name else "Individual",
			"customer_group": default_customer_group(),
			"territory": doc.territory or default_territory(),
			"industry": doc.industry,
			"lead_name": doc.lead,
			"account_manager": doc.account_manager,
		}
	)
	customer.flags.from_customer_archive = doc.name
	customer.insert()
	doc.customer = customer.name
	doc.save()
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
	# the nightly CLV refresh's predictions (tier conditions read them)
	"p_alive",
	"expected_purchases_90d",
	"clv_12m",
	"clv_as_of",
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


def set_age(doc):
	doc.age = rules.age_on(getdate(doc.date_of_birth) if doc.date_of_birth else None, getdate(nowdate()))


def set_recency(doc):
	"""Days since the last purchase, as of today (the engine does not store it: it changes daily for
	every buyer); the same figure the value report shows. None when the customer never bought."""
	last = getdate(doc.last_purchase_date) if doc.last_purchase_date else None
	doc.recency_days = (getdate(nowdate()) - last).days if last else None


def set_name_reading(doc):
	"""The name as users type it (characters in either script, pinyin, initials) and the company, for
	search, and the pinyin for the duplicate check; recomputed whenever either changes."""
	from crm_archive.archive import reading

	if (
		doc.is_new()
		or doc.has_value_changed("full_name")
		or doc.has_value_changed("company_name")
		or not doc.name_search
	):
		doc.name_search = reading.archive_search_text(doc.full_name, doc.company_name)
		doc.name_pinyin = " ".join(reading.syllables(doc.full_name))[:255]


def validate_select_values(doc):
	"""Frappe skips its own check of Select values during Data Import (it refuses the whole file at
	the template instead); the app lets the importer go on (overrides/data_import.py) and refuses here
	the one row with an unknown value, naming the field and the values it takes."""
	if not frappe.flags.in_import:
		return
	for df in doc.meta.get_select_fields():
		value = doc.get(df.fieldname)
		options = [o for o in (df.options or "").split("\n") if o]
		if value and options and value not in options:
			frappe.throw(
				_("{0} cannot be {1}: it is one of {2}.").format(
					label(doc, df.fieldname), frappe.bold(value), ", ".join(_(o) for o in options)
				),
				title=_("Invalid Value"),
			)
