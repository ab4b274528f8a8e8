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
	"""Users of the sales persons below `user`'s own sales person(s) in ERPNext's Sales Person tree."""
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
	"""SQL condition on the archive table for `user`; '' when the user may see every archive."""
	user = user or frappe.session.user
	if is_unrestricted(user):
		return ""
	u = frappe.db.escape(user)
	parts = [
		f"{table}.`account_manager` = {u}",
		f"{table}.`owner` = {u}",
		f"""{table}.`name` in (select `reference_name` from `tabToDo`
			where `reference_type` = 'Customer Archive' and `allocated_to` = {u} and `status` = 'Open')""",
		f"""{table}.`name` in (select `share_name` from `tabDocShare`
			where `share_doctype` = 'Customer Archive' and `user` = {u} and `read` = 1)""",
	]
	team = team_users(user)
	if team:
		parts.append(f"{table}.`account_manager` in ({', '.join(frappe.db.escape(t) for t in team)})")
	return "(" + " or ".join(parts) + ")"


def child_condition(link_field: str, table: str, user: str | None = None) -> str:
	"""Condition for a doctype that follows its archive through `link_field`."""
	cond = archive_condition(user)
	if not cond:
		return ""
	return f"{table}.`{link_field}` in (select `name` from `tabCustomer Archive` where {cond})"


# --- permission_query_conditions -------------------------------------------------------------------------


def archive_query(user: str | None = None, doctype: str | None = None) -> str:
	return archive_condition(user)


def interaction_query(user: str | None = None, doctype: str | None = None) -> str:
	return child_condition("customer_archive", "`tabCustomer Interaction`", user)


def log_query(user: str | None = None, doctype: str | None = None) -> str:
	return child_condition("customer_archive", "`tabCustomer Archive Log`", user)


# --- has_permission (v15: can only deny) ----------------------------------------------------------------


def _archive_visible(archive: str | None, user: str) -> bool:
	cond = archive_condition(user)
	if not cond or not archive:
		return True
	return bool(
		frappe.db.sql(f"select 1 from `tabCustomer Archive` where `name` = %s and {cond} limit 1", archive)
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
