frappe.provide("frappe.dashboards.chart_sources");

frappe.dashboards.chart_sources["CRM Monthly Spend"] = {
	method: "crm_archive.crm_archive.dashboard_chart_source.crm_monthly_spend.crm_monthly_spend.get",
	filters: [],
};
