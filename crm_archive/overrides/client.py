"""frappe.client.get_count counts any doctype with no permission check (Frappe 15): for this app's
doctypes count through frappe.get_list so record-level permissions apply; others keep Frappe's behaviour."""

import frappe
from frappe.client import get_count as frappe_get_count
from frappe.utils import get_safe_filters

PROTECTED = {"Customer Archive", "Customer Interaction", "Customer Archive Log"}


@frappe.whitelist()
def get_count(doctype, filters=None, debug=False, cache=False):
	if doctype not in PROTECTED:
		return frappe_get_count(doctype, filters, debug, cache)
	rows = frappe.get_list(
		doctype,
		filters=get_safe_filters(filters),
		fields=[f"count(`tab{doctype}`.name) as total"],
		limit_page_length=0,
	)
	return rows[0].total if rows else 0


# --- link titles and search ------------------------------------------------------------------------------


@frappe.whitelist()
def get_link_title(doctype, docname):
	"""Frappe reads the title with no permission check: for the app's doctypes only a readable one."""
	from frappe.desk.search import get_link_title as frappe_get_link_title

	if doctype in PROTECTED and not _readable(doctype, docname):
		return docname
	return frappe_get_link_title(doctype, docname)


def _no_ignore(doctype, ignore_user_permissions):
	return (
		False
		if doctype in PROTECTED or doctype == "Customer Archive Social Account"
		else ignore_user_permissions
	)


@frappe.whitelist()
def search_link(
	doctype,
	txt,
	query=None,
	filters=None,
	page_length=10,
	searchfield=None,
	reference_doctype=None,
	ignore_user_permissions=False,
):
	"""`ignore_user_permissions=1` makes Frappe's search skip every permission: never for these doctypes."""
	from frappe.desk.search import search_link as frappe_search_link

	return frappe_search_link(
		doctype,
		txt,
		query=query,
		filters=filters,
		page_length=page_length,
		searchfield=searchfield,
		reference_doctype=reference_doctype,
		ignore_user_permissions=_no_ignore(doctype, ignore_user_permissions),
	)


@frappe.whitelist()
def search_widget(
	doctype,
	txt,
	query=None,
	searchfield=None,
	start=0,
	page_length=10,
	filters=None,
	filter_fields=None,
	as_dict=False,
	reference_doctype=None,
	ignore_user_permissions=False,
):
	from frappe.desk.search import search_widget as frappe_search_widget

	return frappe_search_widget(
		doctype,
		txt,
		query=query,
		searchfield=searchfield,
		start=start,
		page_length=page_length,
		filters=filters,
		filter_fields=filter_fields,
		as_dict=as_dict,
		reference_doctype=reference_doctype,
		ignore_user_permissions=_no_ignore(doctype, ignore_user_permissions),
	)


# --- group-by counts (list sidebar) ------------------------------------------------------------------------


@frappe.whitelist()
def get_group_by_count(doctype: str, current_filters: str, field: str) -> list[dict]:
	"""Frappe counts assignments over an unchecked query: for these doctypes count only the records the
	user may list (Frappe's own list query as a subquery); other fields go through frappe.get_list."""
	from frappe.desk.listview import get_group_by_count as frappe_group_by_count

	if doctype not in PROTECTED or field != "assigned_to":
		return frappe_group_by_count(doctype, current_filters, field)
	permitted = frappe.get_list(
		doctype,
		filters=frappe.parse_json(current_filters),
		fields=[f"`tab{doctype}`.`name`"],
		order_by="",
		limit_page_length=0,
		run=False,
	)
	return frappe.db.sql(
		f"""select t.`allocated_to` as name, count(*) as count
		from `tabToDo` t join `tabUser` u on u.`name` = t.`allocated_to`
		where t.`status` != 'Cancelled' and u.`user_type` = 'System User'
			and t.`reference_type` = {frappe.db.escape(doctype)}
			and t.`reference_name` in ({permitted})
		group by t.`allocated_to` order by count desc limit 50""",
		as_dict=True,
	)


# --- script reports: results are the asking user's ----------------------------------------------------------


@frappe.whitelist()
@frappe.read_only()
def run_report(
	report_name,
	filters=None,
	user=None,
	ignore_prepared_report=False,
	custom_columns=None,
	is_tree=False,
	parent_field=None,
	are_default_filters=True,
):
	"""frappe.desk.query_report.run takes `user` and a prepared report's name from the caller unchecked:
	a report always runs for the session user, and a prepared result is opened only if readable."""
	from frappe.desk.query_report import run

	parsed = frappe.parse_json(filters) if filters else None
	if isinstance(parsed, dict) and parsed.get("prepared_report_name"):
		doc = frappe.get_doc("Prepared Report", parsed["prepared_report_name"])
		if not doc.has_permission("read"):
			frappe.throw(frappe._("You may only open prepared reports made for you."), frappe.PermissionError)
	return run(
		report_name,
		filters=filters,
		user=frappe.session.user,
		ignore_prepared_report=ignore_prepared_report,
		custom_columns=custom_columns,
		is_tree=is_tree,
		parent_field=parent_field,
		are_default_filters=are_default_filters,
	)


# --- documents returned by frappe.client without Frappe's field-level pass ---------------------------------


def _stripped(result):
	from crm_archive.permissions import strip_unreadable

	if isinstance(result, dict) and result.get("doctype") in PROTECTED | {"Customer Archive Social Account"}:
		return strip_unreadable(result, result["doctype"])
	return result


@frappe.whitelist(methods=["POST", "PUT"])
def set_value(doctype, name, fieldname, value=None):
	from frappe.client import set_value as frappe_set_value

	return _stripped(frappe_set_value(doctype, name, fieldname, value))


@frappe.whitelist(methods=["POST", "PUT"])
def insert(doc=None):
	from frappe.client import insert as frappe_insert

	return _stripped(frappe_insert(doc))


@frappe.whitelist(methods=["POST", "PUT"])
def save(doc):
	from frappe.client import save as frappe_save

	return _stripped(frappe_save(doc))


@frappe.whitelist(methods=["POST", "PUT"])
def submit(doc):
	from frappe.client import submit as frappe_submit

	return _stripped(frappe_submit(doc))


# --- other read paths that skip permissions ------------------------------------------------------------------


@frappe.whitelist()
def export_data(
	doctype=None,
	parent_doctype=None,
	all_doctypes=True,
	with_data=False,
	select_columns=None,
	file_type="CSV",
	template=False,
	filters=None,
	export_without_column_meta=False,
):
	"""The old Data Export tool reads child tables without field levels: for the app's doctypes only for
	users who read every level (managers); others export from the list's Report view, which honours them."""
	from frappe.core.doctype.data_export.exporter import export_data as frappe_export_data

	from crm_archive.permissions import _readable_levels

	names = set(doctype if isinstance(doctype, list) else [doctype]) | {parent_doctype}
	if names & (PROTECTED | {"Customer Archive Social Account"}):
		if not _readable_levels(frappe.session.user) >= {0, 1, 2}:
			frappe.throw(
				frappe._(
					"Export Customer Archives from the list's Report view: it leaves out the fields you may not read."
				),
				frappe.PermissionError,
			)
	return frappe_export_data(
		doctype,
		parent_doctype,
		all_doctypes,
		with_data,
		select_columns,
		file_type,
		template,
		filters,
		export_without_column_meta,
	)


@frappe.whitelist()
def get_open_activities(ref_doctype, ref_docname):
	"""ERPNext lists a document's open ToDos and events with no permission check."""
	from erpnext.crm.utils import get_open_activities as erpnext_open_activities

	if ref_doctype in PROTECTED and not _readable(ref_doctype, ref_docname):
		frappe.throw(frappe._("Not permitted"), frappe.PermissionError)
	return erpnext_open_activities(ref_doctype, ref_docname)


def _readable(doctype, name) -> bool:
	return bool(frappe.db.exists(doctype, name)) and frappe.has_permission(doctype, "read", doc=name)
