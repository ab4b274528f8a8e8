"""Frappe 15's whitelisted methods that skip permissions, overridden (hooks.py override_whitelisted_methods)
for the app's doctypes: counts, link titles and search, group-by counts, reports and export go through the
permission-checked paths; caller-built chart and number-card configs name plain fields only; global search
drops what the user may not open. Other doctypes keep Frappe's behaviour."""

import re

import frappe
from frappe import _
from frappe.client import get_count as frappe_get_count
from frappe.model import default_fields
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
	from crm_archive.access.permissions import strip_unreadable

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

	from crm_archive.access.permissions import _readable_levels

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


# --- caller-supplied chart and number-card configs -------------------------------------------------------

_PLAIN_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _check_config_fields(config, keys: tuple[str, ...]):
	"""A chart or card names fields of its doctype, nothing else: Frappe pastes these names into its SQL
	(`SUM({value_based_on})`, `unix_timestamp({based_on})`), so an expression or a link path would read
	what the query's permission checks never see."""
	doctype = config.get("document_type")
	if not doctype or not frappe.db.exists("DocType", doctype):
		frappe.throw(_("Choose a DocType for the chart or card."), frappe.ValidationError)
	meta = frappe.get_meta(doctype)
	for key in keys:
		value = config.get(key)
		if value in (None, ""):
			continue
		if (
			not isinstance(value, str)
			or not _PLAIN_FIELD.match(value)
			or not (meta.has_field(value) or value in default_fields)
		):
			frappe.throw(
				_("{0} is not a field of {1}.").format(frappe.bold(str(value)[:80]), _(doctype)),
				frappe.ValidationError,
				title=_("Invalid Chart"),
			)


CHART_FIELDS = ("based_on", "value_based_on", "group_by_based_on", "aggregate_function_based_on")


@frappe.whitelist()
def dashboard_chart(
	chart_name=None,
	chart=None,
	no_cache=None,
	filters=None,
	from_date=None,
	to_date=None,
	timespan=None,
	time_interval=None,
	heatmap_year=None,
	refresh=None,
):
	"""Frappe's chart data with the chart's fields checked, and the heatmap read through the permission-
	checked `frappe.get_list` (Frappe 15 reads it with `frappe.get_all`: every row of any doctype)."""
	from frappe.desk.doctype.dashboard_chart import dashboard_chart as frappe_chart

	config = (
		frappe.get_doc("Dashboard Chart", chart_name).as_dict()
		if chart_name
		else frappe._dict(frappe.parse_json(chart) or {})
	)
	if config.get("chart_type") != "Report":
		_check_config_fields(config, CHART_FIELDS)
	if config.get("type") == "Heatmap" and config.get("chart_type") not in ("Group By", "Report"):
		return _heatmap(config, filters, heatmap_year)
	return frappe_chart.get(
		chart_name=chart_name,
		chart=chart,
		no_cache=no_cache,
		filters=filters,
		from_date=from_date,
		to_date=to_date,
		timespan=timespan,
		time_interval=time_interval,
		heatmap_year=heatmap_year,
		refresh=refresh,
	)


def _heatmap(chart, filters, heatmap_year):
	"""frappe.desk.doctype.dashboard_chart.dashboard_chart.get_heatmap_chart_config through get_list."""
	import datetime

	from frappe.desk.doctype.dashboard_chart.dashboard_chart import get_aggregate_function
	from frappe.utils import cint, getdate, nowdate

	filters = frappe.parse_json(filters) or frappe.parse_json(chart.get("filters_json")) or []
	doctype, datefield = chart.document_type, chart.based_on
	filters.append([doctype, "docstatus", "<", 2, False])
	year = cint(heatmap_year or chart.get("heatmap_year")) or getdate(nowdate()).year
	filters.append([doctype, datefield, ">", datetime.date(year, 1, 1).strftime("%Y-%m-%d"), False])
	filters.append([doctype, datefield, "<", datetime.date(year + 1, 1, 1).strftime("%Y-%m-%d"), False])
	value = f"`tab{doctype}`.`{chart.value_based_on}`" if chart.value_based_on else "1"
	rows = frappe.get_list(
		doctype,
		fields=[
			f"unix_timestamp(`tab{doctype}`.`{datefield}`) as ts",
			f"{get_aggregate_function(chart.chart_type)}({value}) as value",
		],
		filters=filters,
		group_by=f"date(`tab{doctype}`.`{datefield}`)",
		order_by=f"`tab{doctype}`.`{datefield}` asc",
		as_list=True,
		parent_doctype=chart.get("parent_document_type"),
	)
	return {"labels": [], "dataPoints": dict(rows)}


CARD_FIELDS = ("aggregate_function_based_on",)


def _checked_card(doc):
	card = frappe._dict(frappe.parse_json(doc) or {})
	if card.get("type") in (None, "", "Document Type"):
		_check_config_fields(card, CARD_FIELDS)
	return card


@frappe.whitelist()
def number_card_result(doc, filters, to_date=None):
	from frappe.desk.doctype.number_card.number_card import get_result

	_checked_card(doc)
	return get_result(doc, filters, to_date)


@frappe.whitelist()
def number_card_difference(doc, filters, result):
	from frappe.desk.doctype.number_card.number_card import get_percentage_difference

	_checked_card(doc)
	return get_percentage_difference(doc, filters, result)


# --- global search ---------------------------------------------------------------------------------------


@frappe.whitelist()
def global_search(text, start=0, limit=20, doctype=""):
	"""Frappe's global search checks the doctype, not the record: a reminder ToDo naming a customer, an
	archive's attachment or communication reached every user who may read that doctype. Results the user
	may not open are dropped."""
	from frappe.utils.global_search import search

	out = []
	for row in search(text, start, limit, doctype):
		try:
			if frappe.has_permission(row.doctype, "read", doc=row.name):
				out.append(row)
		except frappe.DoesNotExistError:
			frappe.clear_last_message()
	return out


# --- communications in an archive's form ---------------------------------------------------------------


def _communications_hidden(doctype: str) -> bool:
	"""Communications about an archive carry contact data (the customer's words, phone, address): Frappe
	sends them with the form's docinfo to whoever may read the archive; they are for users who may read
	contact details (the Auditor reads archives, not them)."""
	from crm_archive.access.permissions import POINTED, can_read_contacts

	return doctype in POINTED and not can_read_contacts()


def _strip_communications():
	docinfo = frappe.response.get("docinfo")
	if docinfo:
		docinfo["communications"] = []
		docinfo["automated_messages"] = []


@frappe.whitelist()
def getdoc(doctype, name):
	from frappe.desk.form.load import getdoc as frappe_getdoc

	out = frappe_getdoc(doctype, name)
	if _communications_hidden(doctype):
		_strip_communications()
	return out


@frappe.whitelist()
def get_docinfo(doc=None, doctype=None, name=None):
	from frappe.desk.form.load import get_docinfo as frappe_get_docinfo

	out = frappe_get_docinfo(doc=doc, doctype=doctype, name=name)
	if _communications_hidden(doctype or (doc and getattr(doc, "doctype", None))):
		_strip_communications()
	return out


@frappe.whitelist()
def get_communications(doctype, name, start=0, limit=20):
	from frappe.desk.form.load import get_communications as frappe_get_communications

	if _communications_hidden(doctype):
		frappe.get_doc(doctype, name).check_permission("read")
		return []
	return frappe_get_communications(doctype, name, start, limit)
