"""The Frappe internals this app wraps, installed from hooks Frappe runs for every request and job.

Three Frappe 15 functions are wrapped (each module says why):
- `frappe.model.db_query.DatabaseQuery.build_conditions` / `.prepare_args` — the name search reading the
  pinyin index (archive/store/search.py) and the query guard (access/query_guard.py): link-field expressions
  join archives only where the user may read them, filters and sort keys on unreadable fields are refused;
- `frappe.workflow.doctype.workflow_action.workflow_action.process_workflow_actions` — no Workflow Actions
  for archives (overrides/workflow_action.py);
- the Data Import `importer` — Chinese headers whatever the importer's language (overrides/data_import.py).

**When.** Never as a side effect of importing the package: a stock production worker (gunicorn
`frappe.app:application`, an RQ worker) with hooks cached in Redis imports this app only when a request
touches it, so a guard installed on import is missing exactly on a fresh worker's first requests. Instead
`install()` runs from the `before_request` hook (every HTTP request, before Frappe dispatches it) and the
`before_job` hook (every background job, before its method runs), and from the app's own entry points that
are neither (its bench commands, migrate and install hooks, the test runner's `before_tests`). It is
idempotent: after the first call of a process it is three attribute reads.

**Shape check.** `check_frappe()` runs before every `bench migrate` (and on install): the Frappe and
ERPNext versions must be in the tested range and every wrapped function must still take the arguments the
wrappers pass on; otherwise the migrate stops with one sentence naming what changed.
"""

import contextlib
import inspect
import sys

# Frappe / ERPNext versions the app is tested with (pyproject.toml pins the same range).
SUPPORTED = {"frappe": ((15, 74), (16, 0)), "erpnext": ((15, 70), (16, 0))}

# Every Frappe internal wrapped or called with Frappe's own arguments, and the signature it must keep.
WRAPPED = {
	"frappe.model.db_query.DatabaseQuery.build_conditions": "(self)",
	"frappe.model.db_query.DatabaseQuery.prepare_args": "(self)",
	"frappe.workflow.doctype.workflow_action.workflow_action.process_workflow_actions": "(doc, state)",
	"frappe.core.doctype.data_import.importer.build_fields_dict_for_column_matching": "(parent_doctype)",
	"frappe.core.doctype.data_import.importer.Column.validate_values": "(self)",
	"frappe.core.doctype.data_import.importer.Row.validate_value": "(self, value, col)",
	"frappe.core.doctype.data_import.importer.Importer.import_data": "(self)",
	"frappe.core.doctype.data_import.importer.get_select_options": "(df)",
}
# Frappe's whitelisted methods the app overrides (hooks.py override_whitelisted_methods) and calls back with
# the caller's arguments: the parameters each must still take
OVERRIDDEN = {
	"frappe.desk.form.load.getdoc": ("doctype", "name"),
	"frappe.desk.form.load.get_docinfo": ("doc", "doctype", "name"),
	"frappe.desk.form.load.get_communications": ("doctype", "name", "start", "limit"),
	"frappe.desk.doctype.dashboard_chart.dashboard_chart.get": (
		"chart_name",
		"chart",
		"no_cache",
		"filters",
		"from_date",
		"to_date",
		"timespan",
		"time_interval",
		"heatmap_year",
		"refresh",
	),
	"frappe.desk.doctype.number_card.number_card.get_result": ("doc", "filters", "to_date"),
	"frappe.desk.doctype.number_card.number_card.get_percentage_difference": ("doc", "filters", "result"),
	"frappe.utils.global_search.search": ("text", "start", "limit", "doctype"),
	"frappe.client.get_count": ("doctype", "filters", "debug", "cache"),
	"frappe.desk.search.search_link": (
		"doctype",
		"txt",
		"query",
		"filters",
		"page_length",
		"searchfield",
		"reference_doctype",
		"ignore_user_permissions",
	),
	"frappe.desk.search.get_link_title": ("doctype", "docname"),
	"frappe.desk.listview.get_group_by_count": ("doctype", "current_filters", "field"),
	"frappe.client.set_value": ("doctype", "name", "fieldname", "value"),
	"frappe.client.insert": ("doc",),
	"frappe.client.save": ("doc",),
	"frappe.client.submit": ("doc",),
	"erpnext.crm.utils.get_open_activities": ("ref_doctype", "ref_docname"),
}
# attributes of a DatabaseQuery the query guard reads (set by its constructor), and arguments of execute()
# that become the attributes it reads after build_conditions (filters, or_filters, group_by)
QUERY_ATTRIBUTES = ("tables", "link_tables", "linked_table_aliases", "flags", "user", "doctype")
EXECUTE_ARGUMENTS = ("fields", "filters", "or_filters", "group_by", "order_by", "ignore_permissions")


def install():
	"""Install every wrapper in this process (idempotent). Hooked as before_request and before_job."""
	from crm_archive.access import query_guard
	from crm_archive.archive.store import search
	from crm_archive.overrides import data_import, workflow_action

	search.install()  # first: the guard wraps the narrowed query
	query_guard.install()
	workflow_action.install()
	data_import.install()


def before_request():
	install()


def before_job(method=None, kwargs=None, transaction_type=None):
	install()


def installed() -> dict[str, bool]:
	"""Which wrappers this process has (for tests and `bench doctor`-style checks)."""
	from frappe.core.doctype.data_import import importer
	from frappe.model.db_query import DatabaseQuery
	from frappe.workflow.doctype.workflow_action import workflow_action

	return {
		"name_search": bool(getattr(DatabaseQuery, "_crm_archive_name_search", False)),
		"query_guard": bool(getattr(DatabaseQuery, "_crm_archive_guarded", False)),
		"workflow_action": bool(
			getattr(workflow_action.process_workflow_actions, "crm_archive_wrapped", False)
		),
		"data_import": bool(getattr(importer, "_crm_archive_zh_headers", False)),
	}


def _resolve(path: str):
	import importlib

	parts = path.split(".")
	for cut in range(len(parts) - 1, 0, -1):
		try:
			obj = importlib.import_module(".".join(parts[:cut]))
		except ImportError:
			continue
		for attr in parts[cut:]:
			obj = getattr(obj, attr)
		return obj
	raise ImportError(path)


def _unwrapped(fn):
	while hasattr(fn, "__wrapped__"):
		fn = fn.__wrapped__
	return getattr(fn, "_crm_original", fn)


def _version(text: str) -> tuple[int, int]:
	parts = [int("".join(ch for ch in p if ch.isdigit()) or 0) for p in text.split(".")[:2]]
	return tuple(parts + [0] * (2 - len(parts)))


def problems() -> list[str]:
	"""What differs from the Frappe the wrappers were written for (empty when all is as expected)."""
	import erpnext
	import frappe

	out = []
	for app, module in (("frappe", frappe), ("erpnext", erpnext)):
		low, high = SUPPORTED[app]
		found = _version(module.__version__)
		if not (low <= found < high):
			out.append(
				f"{app} {module.__version__} is outside the supported range "
				f">={low[0]}.{low[1]}, <{high[0]}.{high[1]}"
			)
	for path, expected in WRAPPED.items():
		try:
			fn = _resolve(path)
		except (ImportError, AttributeError):
			out.append(f"{path} no longer exists")
			continue
		shape = str(inspect.signature(_unwrapped(fn)))
		if shape != expected:
			out.append(f"{path} now takes {shape}, not {expected}")
	for path, expected in OVERRIDDEN.items():
		try:
			fn = _resolve(path)
		except (ImportError, AttributeError):
			out.append(f"{path} no longer exists")
			continue
		params = tuple(inspect.signature(_unwrapped(fn)).parameters)
		if params != expected:
			out.append(f"{path} now takes ({', '.join(params)}), not ({', '.join(expected)})")
	from frappe.model.db_query import DatabaseQuery

	query = DatabaseQuery("ToDo")
	missing = [a for a in QUERY_ATTRIBUTES if not hasattr(query, a)]
	params = inspect.signature(DatabaseQuery.execute).parameters
	missing += [a for a in EXECUTE_ARGUMENTS if a not in params]
	if missing:
		out.append(f"frappe.model.db_query.DatabaseQuery lost {', '.join(missing)}")
	return out


def check_frappe():
	"""before_migrate / before_install: stop with one sentence when Frappe is not what the app wraps."""
	found = problems()
	if found:
		print(
			"crm_archive cannot run on this bench: "
			+ "; ".join(found)
			+ " — install a Frappe/ERPNext version in the supported range (see pyproject.toml).",
			file=sys.stderr,
		)
		raise SystemExit(1)
	install()


@contextlib.contextmanager
def connected(site: str):
	"""A bench command's connection to its site, with the safeguards a request or job would have."""
	import frappe

	frappe.init(site=site)
	frappe.connect()
	install()
	try:
		yield
	finally:
		frappe.destroy()
