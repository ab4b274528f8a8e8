"""Record-level permissions: one condition feeds list queries and single-document checks.

A CRM Archive User (sales rep) reads and writes an archive when they are its account manager or owner,
or it is assigned to them (open ToDo) or shared with them, or its account manager is in their team
(the Sales Person tree: a group sales person sees the archives of the sales persons below it).
Managers, Reviewers and Auditors see every archive (field levels still hide contact details from
Auditors and confidential data from everyone but managers). Interactions and log rows follow their
archive. The same SQL condition is rendered for `permission_query_conditions` (list, report view,
count, export, frappe.client, search_link, connections, this app's reports) and evaluated for one
document by `has_permission` (form load, get_doc, REST get).
"""

import frappe

UNRESTRICTED_ROLES = {"System Manager", "CRM Archive Manager", "CRM Archive Reviewer", "CRM Archive Auditor"}


def is_unrestricted(user: str | None = None) -> bool:
	user = user or frappe.session.user
	if user == "Administrator":
		return True
	return bool(UNRESTRICTED_ROLES & set(frappe.get_roles(user)))


def team_users(user: str) -> list[str]:
	"""Users of the sales persons below `user`'s own group sales person(s) in ERPNext's Sales Person tree."""
	sp = frappe.qb.DocType("Sales Person")
	emp = frappe.qb.DocType("Employee")
	own = (
		frappe.qb.from_(sp)
		.join(emp)
		.on(sp.employee == emp.name)
		.select(sp.lft, sp.rgt)
		.where((emp.user_id == user) & (sp.is_group == 1))
		.run()
	)
	users: set[str] = set()
	for lft, rgt in own:
		below = (
			frappe.qb.from_(sp)
			.join(emp)
			.on(sp.employee == emp.name)
			.select(emp.user_id)
			.where((sp.lft > lft) & (sp.rgt < rgt) & emp.user_id.isnotnull())
			.run(pluck=True)
		)
		users.update(u for u in below if u)
	users.discard(user)
	return sorted(users)


def archive_condition(user: str | None = None, table: str = "`tabCustomer Archive`") -> str:
	"""SQL condition on the archive table for `user`; '' when the user may see every archive.

	Restricted users see the archives the access table (crm_archive.access.table) lists for them: one indexed
	lookup on (user, archive), whatever the number of archives."""
	return access_condition(f"{table}.`name`", user)


def access_condition(column: str, user: str | None = None) -> str:
	"""SQL: the archive named in `column` is one `user` may read ('' for unrestricted users)."""
	user = user or frappe.session.user
	if is_unrestricted(user):
		return ""
	return (
		f"{column} in (select `archive` from `tabCustomer Archive Access`"
		f" where `user` = {frappe.db.escape(user)})"
	)


def can_read_contacts(user: str | None = None) -> bool:
	"""Permlevel 1 (mobile, email, social accounts, address) of Customer Archive."""
	return 1 in _readable_levels(user or frappe.session.user)


def _readable_levels(user: str) -> set[int]:
	if user == "Administrator":
		return {0, 1, 2, 3}
	roles = set(frappe.get_roles(user))
	return {
		p.permlevel for p in frappe.get_meta("Customer Archive").permissions if p.role in roles and p.read
	}


def readable_fields(doctype: str, user: str | None = None) -> set[str]:
	"""Fieldnames of one of the app's doctypes that `user` may read (their permlevel is readable)."""
	levels = _readable_levels(user or frappe.session.user)
	meta = frappe.get_meta(doctype)
	return {df.fieldname for df in meta.fields if (df.permlevel or 0) in levels}


def child_condition(link_field: str, table: str, user: str | None = None) -> str:
	"""Condition for a doctype that follows its archive through `link_field`."""
	return access_condition(f"{table}.`{link_field}`", user)


# --- permission_query_conditions -------------------------------------------------------------------------


def archive_query(user: str | None = None, doctype: str | None = None) -> str:
	return archive_condition(user)


def interaction_query(user: str | None = None, doctype: str | None = None) -> str:
	return child_condition("customer_archive", "`tabCustomer Interaction`", user)


def log_query(user: str | None = None, doctype: str | None = None) -> str:
	return child_condition("customer_archive", "`tabCustomer Archive Log`", user)


def social_account_query(user: str | None = None, doctype: str | None = None) -> str:
	"""Rows of the social-accounts table: only with permlevel 1 of the archive, and of visible archives."""
	user = user or frappe.session.user
	if not can_read_contacts(user):
		return "1 = 0"
	cond = child_condition("parent", "`tabCustomer Archive Social Account`", user)
	base = "`tabCustomer Archive Social Account`.`parenttype` = 'Customer Archive'"
	return f"({base} and {cond})" if cond else base


def prepared_report_query(user: str | None = None, doctype: str | None = None) -> str:
	"""Prepared results of this app's reports are for the user they were computed for."""
	user = user or frappe.session.user
	if user == "Administrator" or "System Manager" in frappe.get_roles(user):
		return ""
	reports = ", ".join(frappe.db.escape(r) for r in app_reports()) or "''"
	return (
		f"(`tabPrepared Report`.`report_name` not in ({reports})"
		f" or `tabPrepared Report`.`owner` = {frappe.db.escape(user)})"
	)


def app_reports() -> list[str]:
	"""This app's script reports and every saved (Custom Report) version of them."""

	def load():
		own = frappe.get_all("Report", filters={"module": "CRM Archive"}, pluck="name")
		saved = frappe.get_all("Report", filters={"reference_report": ("in", own or [""])}, pluck="name")
		return sorted(set(own) | set(saved))

	return frappe.cache.get_value("crm_archive:app_reports", load)


# --- has_permission (v15: can only deny) ----------------------------------------------------------------


def _archive_visible(archive: str | None, user: str) -> bool:
	if not archive or is_unrestricted(user):
		return True
	return bool(
		frappe.db.sql(
			"select 1 from `tabCustomer Archive Access` where `archive` = %s and `user` = %s limit 1",
			(archive, user),
		)
	)


def has_archive_permission(doc, ptype: str = "read", user: str | None = None) -> bool:
	user = user or frappe.session.user
	if doc.is_new():
		return True
	return _archive_visible(doc.name, user)


def has_interaction_permission(doc, ptype: str = "read", user: str | None = None) -> bool:
	user = user or frappe.session.user
	archives = {doc.get("customer_archive")}
	if not doc.is_new():
		archives.add(frappe.db.get_value("Customer Interaction", doc.name, "customer_archive"))
	return all(_archive_visible(a, user) for a in archives if a)


def has_log_permission(doc, ptype: str = "read", user: str | None = None) -> bool:
	return _archive_visible(doc.get("customer_archive"), user or frappe.session.user)


def has_social_account_permission(doc, ptype: str = "read", user: str | None = None) -> bool:
	"""A social-account row read by its own name: only with permlevel 1, and of a readable archive."""
	user = user or frappe.session.user
	return can_read_contacts(user) and _archive_visible(doc.get("parent"), user)


def strip_unreadable(values: dict, doctype: str = "Customer Archive", user: str | None = None) -> dict:
	"""Drop the fields of levels `user` may not read from a dict about to leave the server (child rows
	of a readable table are dicts too). Frappe sends documents from several whitelisted methods without
	its field-level pass; every Customer Archive sent goes through here (see the controller's as_dict)."""
	user = user or frappe.session.user
	levels = _readable_levels(user)
	if levels >= {0, 1, 2, 3}:
		return values
	for df in frappe.get_meta(doctype).fields:
		if (df.permlevel or 0) not in levels:
			values.pop(df.fieldname, None)
		elif df.fieldtype == "Table" and isinstance(values.get(df.fieldname), list):
			for row in values[df.fieldname]:
				if isinstance(row, dict):
					strip_unreadable(row, df.options, user)
	return values


def has_prepared_report_permission(doc, ptype: str = "read", user: str | None = None) -> bool:
	user = user or frappe.session.user
	if user == "Administrator" or "System Manager" in frappe.get_roles(user):
		return True
	return doc.report_name not in app_reports() or doc.owner == user


# --- other doctypes' rows that point at archives (File attachments, Communications) ---------------------

# doctype an attachment or communication may point at -> the column of that doctype naming its archive
POINTED = {
	"Customer Archive": "name",
	"Customer Interaction": "customer_archive",
	"Customer Archive Log": "customer_archive",
}


def pointing_condition(table: str, doctype_col: str, name_col: str, user: str, contacts: bool = False) -> str:
	"""SQL on `table`: rows that point at one of the app's doctypes only where the pointed-at archive is
	readable (and, with `contacts`, only for users who may read contact details); other rows untouched."""
	restricted = not is_unrestricted(user)
	hide_all = contacts and not can_read_contacts(user)
	if not restricted and not hide_all:
		return ""
	pointed = ", ".join(frappe.db.escape(dt) for dt in POINTED)
	other = f"coalesce({table}.`{doctype_col}`, '') not in ({pointed})"
	if hide_all:
		return f"({other})"
	readable = f"(select `archive` from `tabCustomer Archive Access` where `user` = {frappe.db.escape(user)})"
	parts = [other]
	for dt, col in POINTED.items():
		if col == "name":
			target = f"{table}.`{name_col}` in {readable}"
		else:
			target = f"{table}.`{name_col}` in (select `name` from `tab{dt}` where `{col}` in {readable})"
		parts.append(f"({table}.`{doctype_col}` = {frappe.db.escape(dt)} and {target})")
	return "(" + " or ".join(parts) + ")"


def _pointed_visible(doctype: str | None, name: str | None, user: str) -> bool | None:
	"""None when the row points at none of the app's doctypes (Frappe decides), else whether its archive is
	readable."""
	if doctype not in POINTED or not name:
		return None
	column = POINTED[doctype]
	archive = name if column == "name" else frappe.db.get_value(doctype, name, column)
	return _archive_visible(archive, user) if archive else False


def file_query(user: str | None = None, doctype: str | None = None) -> str:
	"""Attachments of archives, interactions and log rows: only of readable archives (Frappe lists every
	private attachment of a doctype the user may read)."""
	return pointing_condition(
		"`tabFile`", "attached_to_doctype", "attached_to_name", user or frappe.session.user
	)


def communication_query(user: str | None = None, doctype: str | None = None) -> str:
	"""Communications about an archive (their sender, phone and text are contact details): only of readable
	archives, and only for users who may read contact details."""
	return pointing_condition(
		"`tabCommunication`",
		"reference_doctype",
		"reference_name",
		user or frappe.session.user,
		contacts=True,
	)


def has_file_permission(doc, ptype: str = "read", user: str | None = None, debug: bool = False):
	user = user or frappe.session.user
	if user == "Administrator":
		return None
	visible = _pointed_visible(doc.get("attached_to_doctype"), doc.get("attached_to_name"), user)
	return None if visible is None or visible else False


def has_communication_permission(doc, ptype: str = "read", user: str | None = None, debug: bool = False):
	user = user or frappe.session.user
	if user == "Administrator":
		return None
	visible = _pointed_visible(doc.get("reference_doctype"), doc.get("reference_name"), user)
	if visible is None:
		return None
	return None if visible and can_read_contacts(user) else False
