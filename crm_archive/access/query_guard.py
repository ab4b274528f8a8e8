"""The app's own doctypes defended inside Frappe's list query (`frappe.model.db_query.DatabaseQuery`).

Frappe 15 applies a doctype's record condition only to the queried doctype's own table and checks field
levels only on the selected columns. Two ways around that reach archive data:
- a **link-field expression** (`frappe.get_list("Customer", fields=["crm_archive.mobile_no"])`) joins
  the archive table with no record condition — here the join's ON clause gets the archive's access
  condition, so an archive the user may not read joins as NULL;
- **filters, sort and group keys** on a field the user may not read (`mobile_no like '139%'`) are not
  checked, so the row count is an oracle — here they are refused with a PermissionError.

Every path that lists through `frappe.get_list` / `frappe.db.get_list` (REST, frappe.client, report view,
export, search, group-by counts, the app's reports) passes here. Installed in every process by the
before_request / before_job hooks (crm_archive/safeguards.py); queries with `ignore_permissions` are untouched.
"""

import functools
import re

import frappe
from frappe import _

GUARDED = (
	"Customer Archive",
	"Customer Interaction",
	"Customer Archive Log",
	"Customer Archive Social Account",
)
# which column of a guarded doctype names its archive
ARCHIVE_COLUMN = {
	"Customer Archive": "name",
	"Customer Interaction": "customer_archive",
	"Customer Archive Log": "customer_archive",
	"Customer Archive Social Account": "parent",
}
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def install():
	from frappe.model.db_query import DatabaseQuery

	if getattr(DatabaseQuery, "_crm_archive_guarded", False):
		return
	original_build = DatabaseQuery.build_conditions
	original_prepare = DatabaseQuery.prepare_args

	@functools.wraps(original_build)
	def build_conditions(self):
		original_build(self)
		if not self.flags.ignore_permissions:
			check_filters(self)

	@functools.wraps(original_prepare)
	def prepare_args(self):
		args = original_prepare(self)
		if not self.flags.ignore_permissions:
			restrict_link_joins(self, args)
			check_sort_keys(self, args)
			check_field_expressions(self)
		return args

	DatabaseQuery.build_conditions = build_conditions
	DatabaseQuery.prepare_args = prepare_args
	DatabaseQuery._crm_archive_guarded = True


def _involved(query) -> set[str]:
	doctypes = {t.replace("`", "").removeprefix("tab") for t in query.tables}
	doctypes.update(link.doctype for link in query.link_tables)
	doctypes.add(query.doctype)
	return doctypes & set(GUARDED)


def _forbidden_fields(doctype: str, user: str) -> set[str]:
	from crm_archive.access.permissions import readable_fields

	meta = frappe.get_meta(doctype)
	return {df.fieldname for df in meta.fields} - readable_fields(doctype, user)


def _refuse(doctype: str, fieldname: str, reading: bool = False):
	message = (
		_("You do not have permission to read {1} of {0}.")
		if reading
		else _("You do not have permission to filter or sort {0} by {1}.")
	)
	frappe.throw(
		message.format(_(doctype), frappe.bold(fieldname)), frappe.PermissionError, title=_("Not Permitted")
	)


def check_field_expressions(query):
	"""Frappe checks the first column of each selected expression only (`sum(name) + sum(mobile_no)`
	passes as `name`): every column of every expression of a guarded doctype must be readable."""
	from frappe.desk.reportview import extract_fieldnames

	doctypes = _involved(query)
	if not doctypes:
		return
	forbidden = {dt: _forbidden_fields(dt, query.user) for dt in doctypes}
	words = set().union(*forbidden.values())
	if not words:
		return
	for field in query.fields or []:
		if not isinstance(field, str) or not any(w in field for w in words):
			continue  # no forbidden name in the text: nothing to parse
		try:
			columns = extract_fieldnames(field)
		except Exception:
			_refuse(query.doctype, field[:60], reading=True)
		for column in columns or []:
			column = str(column)
			if "." in column:
				table, name = column.rsplit(".", 1)
				table = table.strip("`")
				doctype = query.linked_table_aliases.get(table) or query.linked_table_aliases.get(
					f"`{table}`"
				)
				doctype = (doctype or table).replace("`", "").removeprefix("tab")
			else:
				doctype, name = query.doctype, column
			name = name.strip("`")
			if name in forbidden.get(doctype, ()):
				_refuse(doctype, name, reading=True)


def check_filters(query):
	from frappe.utils.data import get_filter

	if not _involved(query):
		return
	for filters in (query.filters, query.or_filters):
		for f in filters or []:
			try:
				f = get_filter(query.doctype, f)
			except Exception:
				continue  # Frappe itself refuses it when it builds the condition
			doctype = f.doctype or query.doctype
			if doctype in GUARDED and f.fieldname in _forbidden_fields(doctype, query.user):
				_refuse(doctype, f.fieldname)


def check_sort_keys(query, args):
	doctypes = _involved(query)
	if not doctypes:
		return
	forbidden = set()
	for doctype in doctypes:
		forbidden |= _forbidden_fields(doctype, query.user)
	if not forbidden:
		return
	for clause in (args.get("order_by"), args.get("group_by"), query.group_by):
		for word in _IDENT.findall(re.sub(r"'[^']*'", "", clause or "")):
			if word in forbidden:
				_refuse(query.doctype, word)


def restrict_link_joins(query, args):
	from crm_archive.access.permissions import access_condition

	for link in query.link_tables:
		if link.doctype not in GUARDED:
			continue
		on = f"on ({link.table_alias}.`name` = {query.tables[0]}.`{link.fieldname}`)"
		cond = access_condition(f"{link.table_alias}.`{ARCHIVE_COLUMN[link.doctype]}`", query.user)
		if cond and on in args.tables:
			args.tables = args.tables.replace(
				on, f"on ({link.table_alias}.`name` = {query.tables[0]}.`{link.fieldname}` and {cond})"
			)
		elif cond:
			frappe.throw(_("Not permitted"), frappe.PermissionError)
