frappe.provide("frappe.dashboards.chart_sources");

frappe.dashboards.chart_sources["CRM Tier Mix"] = {
	method: "crm_archive.crm_archive.dashboard_chart_source.crm_tier_mix.crm_tier_mix.get",
	filters: [],
};
