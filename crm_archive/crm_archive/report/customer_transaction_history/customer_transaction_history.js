// Copyright (c) 2026, crm_archive developers and contributors
// For license information, please see license.txt

frappe.query_reports["Customer Transaction History"] = {
	filters: [
		{ fieldname: "customer_archive", label: __("Customer Archive"), fieldtype: "Link", options: "Customer Archive", reqd: 1 },
		{ fieldname: "customer", label: __("ERPNext Customer"), fieldtype: "Link", options: "Customer" },
		{ fieldname: "from_date", label: __("From Date"), fieldtype: "Date" },
		{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date" },
		{ fieldname: "company", label: __("Company"), fieldtype: "Link", options: "Company" },
	],
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (column.fieldname === "base_net_total" && data && data.is_return) {
			return `<span style="color: var(--orange-600)">${value}</span>`;
		}
		return value;
	},
};
