frappe.listview_settings["Customer Archive"] = {
	add_fields: ["lifecycle_state", "tier", "account_manager", "last_interaction_date"],
	get_indicator(doc) {
		const colours = {
			Potential: "gray",
			Intentional: "blue",
			Existing: "green",
			Churned: "red",
		};
		const state = doc.lifecycle_state || "Potential";
		return [__(state), colours[state] || "gray", "lifecycle_state,=," + state];
	},
	onload(listview) {
		if (frappe.user.has_role(["CRM Archive Manager", "System Manager"])) {
			listview.page.add_menu_item(__("Create Archives for Existing Customers"), () => {
				frappe
					.call("crm_archive.archive.adoption.adopt_existing_customers")
					.then(({ message }) => {
						if (message.queued) {
							frappe.msgprint(
								__("{0} customers are being archived in the background.", [message.pending])
							);
						} else {
							frappe.msgprint(__("{0} archives created.", [message.created]));
						}
						listview.refresh();
					});
			});
		}
	},
};
