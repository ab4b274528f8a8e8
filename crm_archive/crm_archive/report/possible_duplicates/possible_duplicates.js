// Copyright (c) 2026, crm_archive developers and contributors
// For license information, please see license.txt

frappe.query_reports["Possible Duplicates"] = {
	filters: [
		{ fieldname: "similarity", label: __("Name Similarity for Duplicates (%)"), fieldtype: "Int" },
		{ fieldname: "account_manager", label: __("Account Manager"), fieldtype: "Link", options: "User" },
		{ fieldname: "territory", label: __("Territory"), fieldtype: "Link", options: "Territory" },
	],
	onload(report) {
		if (!frappe.user.has_role(["CRM Archive Manager", "System Manager"])) return;
		report.page.add_inner_button(__("Merge Selected Pair"), () => {
			const d = new frappe.ui.Dialog({
				title: __("Merge Archives"),
				fields: [
					{ fieldname: "duplicate", label: __("Merge This Archive"), fieldtype: "Link", options: "Customer Archive", reqd: 1 },
					{ fieldname: "survivor", label: __("Into"), fieldtype: "Link", options: "Customer Archive", reqd: 1 },
				],
				primary_action_label: __("Merge"),
				primary_action(values) {
					frappe.call("crm_archive.duplicates.store.merge_archives", values).then(() => {
						d.hide();
						report.refresh();
					});
				},
			});
			d.show();
		});
	},
};
