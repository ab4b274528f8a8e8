app_name = "crm_archive"
app_title = "CRM Archive"
app_publisher = "crm_archive developers"
app_description = "Customer archive, tiering and lifecycle for ERPNext (客户档案 · 客户分层 · 客户进程)"
app_email = "dev@crm-archive.invalid"
app_license = "GPL-3.0"
app_icon = "octicon octicon-organization"
app_color = "blue"

# "org/repo" form: frappe resolves a bare "erpnext" by asking GitHub, which fails offline.
# MariaDB only: the app uses GET_LOCK, UPDATE … JOIN and SET STATEMENT (see README).
required_apps = ["frappe/erpnext"]

export_python_type_annotations = True

# Safeguards: the app's wrappers of Frappe internals, installed for every request and job whatever the
# process imported first (crm_archive/safeguards.py), and checked against Frappe's shape before migrate
# ------------------------------------------------------------------------------------------------------
before_request = ["crm_archive.safeguards.before_request"]
before_job = ["crm_archive.safeguards.before_job"]
before_migrate = "crm_archive.safeguards.check_frappe"
before_install = "crm_archive.safeguards.check_frappe"

# Installation
# ------------
after_install = "crm_archive.install.after_install"
after_migrate = "crm_archive.install.after_migrate"
before_uninstall = "crm_archive.install.before_uninstall"
setup_wizard_complete = "crm_archive.language.after_setup_wizard"  # China, no language chosen: zh

# Testing
# -------
before_tests = "crm_archive.tests.utils.before_tests"

# Desk
# ----
app_include_js = "/assets/crm_archive/js/crm_archive_desk.js"
app_include_css = "/assets/crm_archive/css/crm_archive_desk.css"
boot_session = "crm_archive.boot.boot_session"
doctype_js = {
	"Customer": "public/js/customer.js",
	"Lead": "public/js/lead.js",
	"Quotation": "public/js/tier_badge.js",
	"Sales Order": "public/js/tier_badge.js",
	"Sales Invoice": "public/js/tier_badge.js",
}

# Document Events (handlers on other apps' doctypes live in overrides/)
# ---------------------------------------------------------------------
_access = "crm_archive.access.table."
doc_events = {
	"Customer": {
		"after_insert": "crm_archive.overrides.customer.after_insert",
		"before_rename": "crm_archive.overrides.customer.before_rename",
		"after_rename": "crm_archive.overrides.customer.after_rename",
	},
	"Sales Invoice": {
		"before_submit": "crm_archive.overrides.sales_invoice.before_submit",
		"on_submit": "crm_archive.overrides.sales_invoice.on_submit",
		"on_cancel": "crm_archive.overrides.sales_invoice.on_cancel",
	},
	# who may read which archive (crm_archive/access.py keeps the access table current)
	"Customer Archive": {
		"validate": "crm_archive.pool.store.core.on_archive_validate",
		"on_update": [_access + "on_archive_change", "crm_archive.pool.store.core.on_archive_update"],
		"on_trash": _access + "on_archive_trash",
		"after_rename": _access + "on_archive_rename",
	},
	"ToDo": {
		"validate": "crm_archive.access.todo.validate",
		"on_update": _access + "on_todo_change",
		"after_delete": _access + "on_todo_change",
	},
	"DocShare": {
		"on_update": _access + "on_share_change",
		"after_delete": _access + "on_share_change",
	},
	"Sales Person": {
		"on_update": _access + "on_team_change",
		"after_delete": _access + "on_team_change",
	},
	"Employee": {
		"on_update": _access + "on_employee_change",
		"after_delete": _access + "on_employee_change",
	},
	"User": {
		"on_update": _access + "on_user_change",
	},
	"Version": {
		"before_insert": "crm_archive.access.version.before_insert",
	},
}

# The audit log outlives a deleted archive (it is append-only and must not block deletion).
ignore_links_on_delete = ["Customer Archive Log"]

# Scheduled Tasks
# ---------------
scheduler_events = {
	# one job, its steps in order (CLV, re-tier, lifecycle, reminders, access check): crm_archive/nightly.py
	"daily_long": ["crm_archive.nightly.run"],
}

# Permissions (crm_archive/access/permissions.py: one condition for lists and single documents)
# -------------------------------------------------------------------------------------
additional_timeline_content = {
	"Customer Archive": [
		"crm_archive.crm_archive.doctype.customer_interaction.customer_interaction.archive_timeline"
	]
}
# every Customer Archive link field and the awesome bar find archives by name, pinyin or initials
standard_queries = {"Customer Archive": "crm_archive.archive.store.search.search_archives"}
permission_query_conditions = {
	"Customer Archive": "crm_archive.access.permissions.archive_query",
	"Customer Interaction": "crm_archive.access.permissions.interaction_query",
	"Customer Archive Log": "crm_archive.access.permissions.log_query",
	"Customer Archive Social Account": "crm_archive.access.permissions.social_account_query",
	"Prepared Report": "crm_archive.access.permissions.prepared_report_query",
	# rows of other doctypes that point at archives follow their archive
	"File": "crm_archive.access.permissions.file_query",
	"Communication": "crm_archive.access.permissions.communication_query",
}

has_permission = {
	"Customer Archive": "crm_archive.access.permissions.has_archive_permission",
	"Customer Interaction": "crm_archive.access.permissions.has_interaction_permission",
	"Customer Archive Log": "crm_archive.access.permissions.has_log_permission",
	"Prepared Report": "crm_archive.access.permissions.has_prepared_report_permission",
	"Customer Archive Social Account": "crm_archive.access.permissions.has_social_account_permission",
	"File": "crm_archive.access.permissions.has_file_permission",
	"Communication": "crm_archive.access.permissions.has_communication_permission",
}

# Overriding Methods (Frappe 15 paths that skip permissions for this app's doctypes; see access/whitelisted.py)
# ------------------------------------------------------------------------------------------------------
override_whitelisted_methods = {
	"frappe.client.get_count": "crm_archive.access.whitelisted.get_count",
	"frappe.desk.search.get_link_title": "crm_archive.access.whitelisted.get_link_title",
	"frappe.desk.search.search_link": "crm_archive.access.whitelisted.search_link",
	"frappe.desk.search.search_widget": "crm_archive.access.whitelisted.search_widget",
	"frappe.desk.listview.get_group_by_count": "crm_archive.access.whitelisted.get_group_by_count",
	"frappe.desk.query_report.run": "crm_archive.access.whitelisted.run_report",
	"frappe.client.set_value": "crm_archive.access.whitelisted.set_value",
	"frappe.client.insert": "crm_archive.access.whitelisted.insert",
	"frappe.client.save": "crm_archive.access.whitelisted.save",
	"frappe.client.submit": "crm_archive.access.whitelisted.submit",
	"frappe.core.doctype.data_export.exporter.export_data": "crm_archive.access.whitelisted.export_data",
	"erpnext.crm.utils.get_open_activities": "crm_archive.access.whitelisted.get_open_activities",
	# caller-supplied chart and card configs: plain fields only, every query permission-checked
	"frappe.desk.doctype.dashboard_chart.dashboard_chart.get": "crm_archive.access.whitelisted.dashboard_chart",
	"frappe.desk.doctype.number_card.number_card.get_result": "crm_archive.access.whitelisted.number_card_result",
	"frappe.desk.doctype.number_card.number_card.get_percentage_difference": (
		"crm_archive.access.whitelisted.number_card_difference"
	),
	# global search indexes text without record permissions: results the user may not open are dropped
	"frappe.utils.global_search.search": "crm_archive.access.whitelisted.global_search",
	# an archive's communications (contact data) only for users who may read contact details
	"frappe.desk.form.load.getdoc": "crm_archive.access.whitelisted.getdoc",
	"frappe.desk.form.load.get_docinfo": "crm_archive.access.whitelisted.get_docinfo",
	"frappe.desk.form.load.get_communications": "crm_archive.access.whitelisted.get_communications",
}

# Bench commands live in crm_archive/commands.py (picked up by bench as `commands`).
