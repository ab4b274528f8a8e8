// Copyright (c) 2026, crm_archive developers and contributors
// For license information, please see license.txt

frappe.query_reports["Customer Lifetime Value"] = {
	filters: [
		{ fieldname: "as_of", label: __("As Of"), fieldtype: "Date", default: frappe.datetime.get_today(), reqd: 1 },
		{
			fieldname: "calibration_end",
			label: __("Calibration End"),
			fieldtype: "Date",
			default: frappe.datetime.add_days(frappe.datetime.get_today(), -91),
		},
		{ fieldname: "horizon_days", label: __("Horizon (days)"), fieldtype: "Int", default: 365 },
		{ fieldname: "discount_rate", label: __("Discount Rate (per 30 days)"), fieldtype: "Percent", default: 1 },
		{ fieldname: "check_period_days", label: __("Check Period (days)"), fieldtype: "Int", default: 7 },
		{ fieldname: "company", label: __("Company"), fieldtype: "Link", options: "Company" },
		{ fieldname: "tier", label: __("Tier"), fieldtype: "Link", options: "Customer Tier" },
		{ fieldname: "lifecycle_state", label: __("Lifecycle State"), fieldtype: "Select", options: ["", "Potential", "Intentional", "Existing", "Churned"] },
		{ fieldname: "account_manager", label: __("Account Manager"), fieldtype: "Link", options: "User" },
		{ fieldname: "territory", label: __("Territory"), fieldtype: "Link", options: "Territory" },
		{ fieldname: "industry", label: __("Industry"), fieldtype: "Link", options: "Industry Type" },
	],
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (column.fieldname === "p_alive" && data && data.p_alive != null) {
			const colour = data.p_alive >= 0.7 ? "green" : data.p_alive >= 0.3 ? "orange" : "red";
			return `<span class="indicator-pill ${colour}">${value}</span>`;
		}
		return value;
	},
};
