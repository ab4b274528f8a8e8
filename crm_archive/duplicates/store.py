"""Duplicate archives: the check on save and the manager's merge (Frappe's rename with merge)."""

import frappe
from frappe import _
from frappe.model.rename_doc import rename_doc
from frappe.utils import cint, get_link_to_form

from crm_archive.duplicates import matching as D
from crm_archive.utils import get_settings, phone_region

FIELDS = [
	"name",
	"full_name",
	"name_pinyin",
	"mobile_no",
	"email_id",
	"id_number_hash",
	"company_name",
	"city",
	"customer",
]


def candidates(doc) -> list[dict]:
	"""Archives that could be the same customer: every archive sharing the mobile, the email (the
	column's collation ignores case), the ID fingerprint or the duplicate block (all archives, not only
	the user's: duplicates hide across account managers). Each is an equality on an indexed column, so a
	save reads the few matching rows, not the table; a block's names are narrowed by similarity before
	whole rows are read, so a big city costs one index range, not an arbitrary 200 rows. Names compare by
	reading as well (crm_archive/duplicates/matching.py)."""
	t = frappe.qb.DocType("Customer Archive")
	keys = []
	if doc.mobile_no:
		keys.append(t.mobile_no == doc.mobile_no)
	if doc.email_id:
		keys.append(t.email_id == D.normalize_email(doc.email_id))
	if doc.id_number_hash:
		keys.append(t.id_number_hash == doc.id_number_hash)
	names = set()
	for key in keys:
		names.update(frappe.qb.from_(t).select(t.name).where(key).run(pluck=True))
	if doc.duplicate_block:
		threshold = cint(get_settings().duplicate_name_similarity) or 90
		block = frappe.qb.from_(t).select(t.name, t.full_name, t.name_pinyin)
		block = block.where(t.duplicate_block == doc.duplicate_block)
		for name, full_name, pinyin in block.run():
			# by reading too (张伟 ~ 張偉 ~ "Wei Zhang"), from the stored pinyin: no name is read again
			if D.name_similarity(doc.full_name, full_name, doc.name_pinyin, pinyin) >= threshold:
				names.add(name)
	if not doc.is_new():
		names.discard(doc.name)
	if not names:
		return []
	return (
		frappe.qb.from_(t).select(*[t[f] for f in FIELDS]).where(t.name.isin(sorted(names))).run(as_dict=True)
	)


def set_duplicate_block(doc):
	doc.duplicate_block = D.block_key({"company_name": doc.company_name, "city": doc.city})


def backfill_duplicate_blocks():
	"""After migrate: the block of archives saved before the column existed (set-based, 1000 a time)."""
	rows = frappe.db.sql(
		"""select name, company_name, city from `tabCustomer Archive`
		where duplicate_block is null and (ifnull(company_name, '') != '' or ifnull(city, '') != '')""",
		as_dict=True,
	)
	values = [(r.name, D.block_key(r)) for r in rows]
	values = [v for v in values if v[1]]
	for start in range(0, len(values), 1000):
		part = values[start : start + 1000]
		derived = " union all ".join(["select %s as name, %s as block"] * len(part))
		frappe.db.sql(
			f"""update `tabCustomer Archive` a join ({derived}) t on a.name = t.name
			set a.duplicate_block = t.block""",
			[v for pair in part for v in pair],
		)


def check_on_save(doc):
	mode = get_settings().duplicate_check or "Warn"
	if mode == "Off" or doc.flags.ignore_duplicates:
		return
	if doc.flags.crm_system_save or doc.flags.lifecycle_trigger:
		# Block is for people typing: the app's own saves (automatic moves, adoption, the archive of a
		# new Customer) never raise, or one suspect would roll back a whole nightly run or a Customer
		mode = "Warn"
	record = {f: doc.get(f) for f in FIELDS}
	suspects = D.suspects_for(
		record, candidates(doc), phone_region(), cint(get_settings().duplicate_name_similarity) or 90
	)
	if not suspects:
		return
	reasons = {
		"mobile": _("same mobile"),
		"email": _("same email"),
		"id_number": _("same ID number"),
		"name": _("similar name"),
	}
	lines = []
	for name, reason in suspects[:10]:
		if frappe.has_permission("Customer Archive", "read", doc=name):
			lines.append(f"{get_link_to_form('Customer Archive', name)} ({reasons[reason]})")
		else:
			lines.append(
				_("an archive of another account manager ({0}); ask a CRM Archive Manager").format(
					reasons[reason]
				)
			)
	message = _("This archive may duplicate:") + "<br>" + "<br>".join(lines)
	if mode == "Block":
		frappe.throw(message, title=_("Possible Duplicate"))
	frappe.msgprint(message, title=_("Possible Duplicate"), indicator="orange")


# who may merge archives (here, and when ERPNext's Customer merge merges two archived Customers)
MERGE_ROLES = ("CRM Archive Manager", "System Manager")


def may_merge_archives(user: str | None = None) -> bool:
	return bool(set(MERGE_ROLES) & set(frappe.get_roles(user)))


@frappe.whitelist()
def merge_archives(duplicate: str, survivor: str) -> str:
	"""Merge `duplicate` into `survivor`: interactions, logs, reminders and the Customer link move over
	(Frappe's rename_doc with merge updates every link); refused when both have different Customers."""
	frappe.only_for(MERGE_ROLES)
	if duplicate == survivor:
		frappe.throw(_("Choose two different archives to merge."), title=_("Cannot Merge"))
	dup = frappe.get_doc("Customer Archive", duplicate)
	keep = frappe.get_doc("Customer Archive", survivor)
	dup.check_permission("write")
	keep.check_permission("write")
	if dup.customer and keep.customer and dup.customer != keep.customer:
		frappe.throw(
			_(
				"Both archives are linked to different ERPNext Customers ({0} and {1}). Merge the Customers in ERPNext first (rename one into the other with merge), then merge the archives."
			).format(frappe.bold(dup.customer), frappe.bold(keep.customer)),
			title=_("Cannot Merge"),
		)
	moved_customer = None
	if dup.customer and not keep.customer:
		moved_customer = dup.customer
		frappe.db.set_value("Customer Archive", duplicate, "customer", None, update_modified=False)
	# fill the survivor's empty fields from the duplicate, so nothing the duplicate knew is lost
	for df in keep.meta.fields:
		if (
			df.fieldtype in ("Section Break", "Column Break", "Tab Break", "Table", "Password")
			or df.read_only
		):
			continue
		if df.fieldname in ("customer", "lead") or not dup.get(df.fieldname) or keep.get(df.fieldname):
			continue
		keep.set(df.fieldname, dup.get(df.fieldname))
	for row in dup.social_accounts:
		if not any(r.platform == row.platform and r.account == row.account for r in keep.social_accounts):
			keep.append(
				"social_accounts", {"platform": row.platform, "account": row.account, "note": row.note}
			)
	if dup.id_number_hash and not keep.id_number_hash:
		# a Password field is stored encrypted apart (__Auth): copy the plain value, Frappe re-encrypts it
		from frappe.utils.password import get_decrypted_password

		keep.id_number = get_decrypted_password(
			"Customer Archive", duplicate, "id_number", raise_exception=False
		)
		keep.id_type = dup.id_type
	if moved_customer:
		keep.customer = moved_customer
	if dup.lead and not keep.lead:
		lead = dup.lead
		frappe.db.set_value("Customer Archive", duplicate, "lead", None, update_modified=False)
		keep.lead = lead
	keep.flags.ignore_duplicates = True
	keep.save()
	rename_doc("Customer Archive", duplicate, survivor, merge=True, ignore_permissions=True, show_alert=False)
	from crm_archive.archive.store.interactions import refresh_archive_interaction_dates
	from crm_archive.tiering.store.engine import retier

	refresh_archive_interaction_dates(survivor)
	retier(archives=[survivor], trigger="Manual")
	return survivor
