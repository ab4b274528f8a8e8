// crm_archive: open or create the Customer Archive of an ERPNext Customer.
frappe.ui.form.on("Customer", {
	refresh(frm) {
		if (frm.is_new()) return;
		if (frm.doc.crm_archive) {
			frm.add_custom_button(
				__("Customer Archive"),
				() => frappe.set_route("Form", "Customer Archive", frm.doc.crm_archive),
				__("View")
			);
		} else if (frappe.model.can_create("Customer Archive")) {
			frm.add_custom_button(
				__("Customer Archive"),
				() =>
					frappe.new_doc("Customer Archive", {
						customer: frm.doc.name,
						full_name: frm.doc.customer_name,
						territory: frm.doc.territory,
						industry: frm.doc.industry,
					}),
				__("Create")
			);
		}
	},
});
