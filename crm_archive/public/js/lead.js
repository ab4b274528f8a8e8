// crm_archive: turn an ERPNext Lead into a Customer Archive (the archive keeps the link to its Lead).
frappe.ui.form.on("Lead", {
	refresh(frm) {
		if (frm.is_new() || !frappe.model.can_create("Customer Archive")) return;
		frm.add_custom_button(
			__("Customer Archive"),
			() =>
				frappe
					.call("crm_archive.adoption.make_archive_from_lead", { lead: frm.doc.name })
					.then(({ message }) => frappe.set_route("Form", "Customer Archive", message)),
			__("Create")
		);
	},
});
