__version__ = "0.1.0"


def _guard_queries():
	"""Defend the app's doctypes inside Frappe's list query (see overrides/query_guard.py). The pure
	modules are also imported without Frappe (unit tests): then there is nothing to guard."""
	try:
		import frappe.model.db_query
	except ImportError:
		return
	from crm_archive.overrides import data_import, query_guard, workflow_action

	query_guard.install()
	workflow_action.install()  # no Workflow Actions for archives (see overrides/workflow_action.py)
	data_import.install()  # Chinese headers map whatever the importing user's language


_guard_queries()
