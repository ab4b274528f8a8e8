// Copyright (c) 2026, crm_archive developers and contributors
// For license information, please see license.txt

frappe.ui.form.on("Customer Interaction", {
	setup(frm) {
		frm.set_query("customer_archive", () => ({}));
	},
});
