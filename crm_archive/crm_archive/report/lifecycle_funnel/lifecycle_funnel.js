// Copyright (c) 2026, crm_archive developers and contributors
// For license information, please see license.txt

frappe.query_reports["Lifecycle Funnel"] = {
	filters: [
		{ fieldname: "from_date", label: __("From Date"), fieldtype: "Date", default: frappe.datetime.add_days(frappe.datetime.get_today(), -90) },
		{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date", default: frappe.datetime.get_today() },
		{ fieldname: "tier", label: __("Tier"), fieldtype: "Link", options: "Customer Tier" },
		{ fieldname: "lifecycle_state", label: __("Lifecycle State"), fieldtype: "Select", options: ["", "Potential", "Intentional", "Existing", "Churned"] },
		{ fieldname: "account_manager", label: __("Account Manager"), fieldtype: "Link", options: "User" },
		{ fieldname: "territory", label: __("Territory"), fieldtype: "Link", options: "Territory" },
		{ fieldname: "industry", label: __("Industry"), fieldtype: "Link", options: "Industry Type" },
	],

};
