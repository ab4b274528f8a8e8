// crm_archive: the customer's tier where sellers work (Quotation, Sales Order, Sales Invoice): a colour
// pill and the tier's service policy beside the customer, for users who may read the customer's archive
// (the server answers nothing to anyone else). A Sales Invoice also shows the tier it was made at.
crm_archive_tier_badge = {
	customer(frm) {
		if (frm.doctype === "Quotation") {
			return frm.doc.quotation_to === "Customer" ? frm.doc.party_name : null;
		}
		return frm.doc.customer;
	},
	show(frm) {
		const customer = crm_archive_tier_badge.customer(frm);
		frm.dashboard.clear_headline();
		if (!customer) return;
		frappe
			.xcall("crm_archive.tiering.store.api.tier_badge", { customer })
			.then((badge) => {
				if (!badge || !badge.tier || crm_archive_tier_badge.customer(frm) !== customer) return;
				const esc = frappe.utils.escape_html;
				const color = /^#[0-9a-fA-F]{3,8}$/.test(badge.color || "") ? badge.color : "#6b7280";
				const parts = [
					`<span class="crm-tier-pill" style="background:${color};color:#fff;border-radius:999px;padding:2px 10px;font-weight:600">${esc(badge.tier_label)}</span>`,
				];
				if (badge.pricing_rules && badge.pricing_rules.length) {
					parts.push(esc(__("Tier price: {0}", [badge.pricing_rules.join(", ")])));
				}
				if (badge.sla_hours) parts.push(esc(__("Response within {0} h", [badge.sla_hours])));
				if (badge.dedicated_account_manager) {
					parts.push(esc(__("Dedicated account manager: {0}", [badge.account_manager || __("not set")])));
				}
				if (frm.doctype === "Sales Invoice" && frm.doc.crm_tier && frm.doc.crm_tier !== badge.tier) {
					parts.push(esc(__("Tier at invoice time: {0}", [__(frm.doc.crm_tier)])));
				}
				frm.dashboard.set_headline(`<span class="crm-tier-badge">${parts.join(" · ")}</span>`);
			})
			.catch(() => {});
	},
};

for (const doctype of ["Quotation", "Sales Order", "Sales Invoice"]) {
	frappe.ui.form.on(doctype, {
		refresh: crm_archive_tier_badge.show,
		customer: crm_archive_tier_badge.show,
		party_name: crm_archive_tier_badge.show,
	});
}
