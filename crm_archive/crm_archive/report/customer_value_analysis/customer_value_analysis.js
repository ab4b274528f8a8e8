// Copyright (c) 2026, crm_archive developers and contributors
// For license information, please see license.txt

frappe.query_reports["Customer Value Analysis"] = {
	filters: [
		{ fieldname: "as_of", label: __("As Of"), fieldtype: "Date", default: frappe.datetime.get_today(), reqd: 1 },
		{ fieldname: "window_days", label: __("Window (days)"), fieldtype: "Int", default: 365 },
		{ fieldname: "company", label: __("Company"), fieldtype: "Link", options: "Company" },
		{ fieldname: "tier", label: __("Tier"), fieldtype: "Link", options: "Customer Tier" },
		{ fieldname: "lifecycle_state", label: __("Lifecycle State"), fieldtype: "Select", options: ["", "Potential", "Intentional", "Existing", "Churned"] },
		{ fieldname: "account_manager", label: __("Account Manager"), fieldtype: "Link", options: "User" },
		{ fieldname: "territory", label: __("Territory"), fieldtype: "Link", options: "Territory" },
		{ fieldname: "industry", label: __("Industry"), fieldtype: "Link", options: "Industry Type" },
		{ fieldname: "a_share", label: __("A Share (%)"), fieldtype: "Percent", default: 70 },
		{ fieldname: "b_share", label: __("A + B Share (%)"), fieldtype: "Percent", default: 90 },
	],
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (column.fieldname === "abc" && data) {
			const colour = { A: "green", B: "blue", C: "gray" }[data.abc];
			return `<span class="indicator-pill ${colour}">${value}</span>`;
		}
		return value;
	},
};
