// Copyright (c) 2026, crm_archive developers and contributors
// For license information, please see license.txt

frappe.ui.form.on("Customer Archive", {
	setup(frm) {
		frm.set_query("customer", () => ({ filters: { crm_archive: ["is", "not set"] } }));
	},

	refresh(frm) {
		if (frm.is_new()) return;
		if (!frm.doc.customer && frappe.model.can_create("Customer")) {
			frm.add_custom_button(__("Create Customer"), () => {
				frm.call("create_customer").then((r) => {
					if (r.message) {
						frappe.show_alert({
							message: __("Customer {0} created and linked", [r.message]),
							indicator: "green",
						});
						frm.reload_doc();
					}
				});
			});
		}
		if (frappe.user.has_role(["CRM Archive Manager", "System Manager"])) {
			frm.add_custom_button(__("Re-tier Now"), () =>
				frappe
					.call("crm_archive.tiering.api.retier_now", { archive: frm.doc.name })
					.then(() => frm.reload_doc())
			);
		}
		if (frappe.user.has_role(["CRM Archive Manager", "System Manager"])) {
			frm.add_custom_button(
				__("Merge Into Another Archive"),
				() => {
					frappe.prompt(
						{ fieldname: "survivor", label: __("Into"), fieldtype: "Link", options: "Customer Archive", reqd: 1 },
						({ survivor }) =>
							frappe
								.call("crm_archive.duplicates.store.merge_archives", { duplicate: frm.doc.name, survivor })
								.then(({ message }) => frappe.set_route("Form", "Customer Archive", message)),
						__("Merge Archives"),
						__("Merge")
					);
				},
				__("Manage")
			);
		}
		if (frm.doc.tier_reason) {
			// rebuilt in the reader's language on load (the stored text is the re-tier's language)
			const reason = (frm.doc.__onload && frm.doc.__onload.tier_reason) || frm.doc.tier_reason;
			frm.dashboard.add_comment(
				`${__("Tier")}: <b>${frappe.utils.escape_html(__(frm.doc.tier || ""))}</b> — ${frappe.utils.escape_html(
					reason
				)}`,
				frm.doc.tier_pending_since ? "yellow" : "blue",
				true
			);
		}
		frm.set_df_property(
			"tier_locked",
			"read_only",
			!frappe.user.has_role(["CRM Archive Manager", "System Manager"])
		);
		// the most frequent task gets its own button (one tap, on a phone too): the quick entry asks
		// for the summary and the next follow-up, saves, and comes back here (crm_archive_desk.js)
		if (frappe.model.can_create("Customer Interaction")) {
			const log = () => frappe.new_doc("Customer Interaction", { customer_archive: frm.doc.name });
			frm.add_custom_button(__("Log Interaction"), log).addClass("btn-primary crm-log-interaction");
			// on a phone Frappe moves toolbar buttons into the ⋯ menu (two taps): give it one there
			frm.page.wrapper.find(".crm-log-interaction-xs").remove();
			$(`<button class="btn btn-primary btn-sm crm-log-interaction crm-log-interaction-xs">
				${__("Log Interaction")}</button>`)
				.on("click", log)
				.prependTo(frm.page.wrapper.find(".page-head .page-actions").first());
		}
	},

	date_of_birth(frm) {
		if (!frm.doc.date_of_birth) return frm.set_value("age", null);
		const dob = frappe.datetime.str_to_obj(frm.doc.date_of_birth);
		const today = new Date();
		let age = today.getFullYear() - dob.getFullYear();
		const m = today.getMonth() - dob.getMonth();
		if (m < 0 || (m === 0 && today.getDate() < dob.getDate())) age--;
		frm.set_value("age", Math.max(age, 0));
	},

	headcount(frm) {
		const h = frm.doc.headcount;
		let band = "";
		if (h !== null && h !== undefined && h !== "" && h >= 0) {
			band = h < 50 ? "Small" : h <= 500 ? "Medium" : "Large";
		}
		frm.set_value("company_size", band);
	},
});
