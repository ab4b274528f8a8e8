frappe.provide("frappe.dashboards.chart_sources");

frappe.dashboards.chart_sources["CRM Archives by Lifecycle State"] = {
	method: "crm_archive.crm_archive.dashboard_chart_source.crm_archives_by_lifecycle_state.crm_archives_by_lifecycle_state.get",
	filters: [],
};
