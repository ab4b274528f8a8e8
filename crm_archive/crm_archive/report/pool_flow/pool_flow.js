// Pool Flow (公海流转): weekly inflow and outflow by tier and reason, claim-to-first-interaction and
// claim-to-first-invoice days, and each rep's holdings against their limit.

frappe.query_reports["Pool Flow"] = {
	filters: [
		{ fieldname: "from_date", label: __("From Date"), fieldtype: "Date", default: frappe.datetime.add_days(frappe.datetime.get_today(), -84) },
		{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date", default: frappe.datetime.get_today() },
		{ fieldname: "tier", label: __("Tier"), fieldtype: "Link", options: "Customer Tier" },
	],
};
