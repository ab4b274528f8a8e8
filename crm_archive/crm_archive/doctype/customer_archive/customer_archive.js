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
					.call("crm_archive.tiering.store.api.retier_now", { archive: frm.doc.name })
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
		// the customer pool (公海): when this archive goes back, why it is there, and giving it back by hand
		const pool_manager = frappe.user.has_role(["CRM Archive Manager", "System Manager"]);
		if (frm.doc.in_pool) {
			frm.dashboard.add_comment(
				__("In the customer pool since {0} ({1}).", [
					frappe.datetime.str_to_user(frm.doc.pool_released_on),
					__(frm.doc.pool_release_reason || ""),
				]),
				"orange",
				true
			);
		} else if (frm.doc.pool_release_date) {
			const days = frappe.datetime.get_day_diff(frm.doc.pool_release_date, frappe.datetime.get_today());
			frm.dashboard.add_comment(
				__("Goes back to the customer pool in {0} days ({1}) unless followed up or sold.", [
					Math.max(days, 0),
					frappe.datetime.str_to_user(frm.doc.pool_release_date),
				]),
				days <= 7 ? "red" : "blue",
				true
			);
		}
		if (!frm.doc.in_pool && frm.doc.account_manager && (frm.doc.account_manager === frappe.session.user || pool_manager)) {
			frm.add_custom_button(
				__("Give Back to the Pool"),
				() =>
					frappe.prompt(
						{ fieldname: "reason", label: __("Why"), fieldtype: "Small Text", reqd: 1 },
						({ reason }) =>
							frappe
								.call("crm_archive.pool.store.api.give_back", { archive: frm.doc.name, reason })
								.then(() => (pool_manager ? frm.reload_doc() : frappe.set_route("List", "Customer Archive"))),
						__("Give Back to the Pool"),
						__("Give Back")
					),
				__("Manage")
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
		crm_archive_form.summary(frm);
		crm_archive_form.fold_sections_on_phone(frm);
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

// On a phone the archive's first screen answers who, how valuable, where we are and what next, and offers
// the next action (call, log an interaction): a summary card above the form (phones only: the CSS hides
// it from 768 px up, where the desktop layout stays as it was). The rest folds into sections a rep opens.
const crm_archive_form = {
	tier_colors: {},
	lifecycle_colors: { Potential: "gray", Intentional: "blue", Existing: "green", Churned: "red" },

	summary(frm) {
		const $layout = $(frm.layout.wrapper);
		$layout.find(".crm-archive-summary").remove();
		const doc = frm.doc;
		const esc = frappe.utils.escape_html;
		const today = frappe.datetime.get_today();
		const overdue = doc.next_follow_up_date && doc.next_follow_up_date < today;
		const next = doc.next_follow_up_date
			? `<span class="${overdue ? "text-danger" : ""}">${esc(
					frappe.datetime.str_to_user(doc.next_follow_up_date)
			  )}${overdue ? ` · ${esc(__("Overdue"))}` : ""}</span>`
			: `<span class="text-muted">${esc(__("Not scheduled"))}</span>`;
		const last = doc.last_interaction_date
			? `${esc(frappe.datetime.str_to_user(doc.last_interaction_date.slice(0, 10)))} · ${esc(
					frappe.datetime.prettyDate(doc.last_interaction_date)
			  )}`
			: `<span class="text-muted">${esc(__("No interaction yet"))}</span>`;
		const who = [doc.company_name, doc.city].filter(Boolean).map(esc).join(" · ");
		const color = /^#[0-9a-fA-F]{3,8}$/.test(crm_archive_form.tier_colors[doc.tier] || "")
			? crm_archive_form.tier_colors[doc.tier]
			: "#6b7280";
		const state = doc.lifecycle_state;
		const spend =
			doc.lifetime_spend !== undefined && doc.lifetime_spend !== null
				? `<div class="crm-summary-row"><span class="crm-summary-label">${esc(__("Lifetime Spend"))}</span>
					<span>${frappe.format(doc.lifetime_spend, { fieldtype: "Currency" }, { inline: true }, doc)}</span></div>`
				: "";
		const call = doc.mobile_no
			? `<a class="btn btn-default btn-sm crm-summary-call" href="tel:${esc(
					String(doc.mobile_no).replace(/[^\d+]/g, "")
			  )}">${frappe.utils.icon("call", "sm")} ${esc(__("Call {0}", [doc.mobile_no]))}</a>`
			: "";
		const can_log = frappe.model.can_create("Customer Interaction");
		const $card = $(`<div class="crm-archive-summary" data-archive="${esc(doc.name)}">
			<div class="crm-summary-who">
				<div class="crm-summary-name">${esc(doc.full_name || doc.name)}</div>
				${who ? `<div class="crm-summary-company text-muted">${who}</div>` : ""}
			</div>
			<div class="crm-summary-pills">
				${
					doc.tier
						? `<span class="crm-summary-tier" data-summary="tier" style="background:${color}">${esc(
								__(doc.tier)
						  )}</span>`
						: ""
				}
				${
					state
						? `<span class="indicator-pill ${
								crm_archive_form.lifecycle_colors[state] || "gray"
						  }" data-summary="lifecycle">${esc(__(state))}</span>`
						: ""
				}
			</div>
			<div class="crm-summary-row" data-summary="next-follow-up">
				<span class="crm-summary-label">${esc(__("Next Follow-up"))}</span>${next}</div>
			<div class="crm-summary-row" data-summary="last-interaction">
				<span class="crm-summary-label">${esc(__("Last Interaction"))}</span><span>${last}</span></div>
			${spend}
			<div class="crm-summary-actions">
				${call}
				${
					can_log
						? `<button class="btn btn-primary btn-sm crm-log-interaction crm-summary-log">${esc(
								__("Log Interaction")
						  )}</button>`
						: ""
				}
			</div>
		</div>`);
		$card
			.find(".crm-summary-log")
			.on("click", () => frappe.new_doc("Customer Interaction", { customer_archive: doc.name }));
		$card.prependTo($layout);
		if (doc.tier && !(doc.tier in crm_archive_form.tier_colors)) {
			frappe.db.get_value("Customer Tier", doc.tier, "color").then(({ message }) => {
				crm_archive_form.tier_colors[doc.tier] = (message && message.color) || "";
				if (frm.doc.name === doc.name) {
					$card.find(".crm-summary-tier").css("background", message && message.color ? message.color : "#6b7280");
				}
			});
		}
	},

	// phones: every section of the form folds (closed at first, its heading opens it); desktop unchanged
	fold_sections_on_phone(frm) {
		if (window.innerWidth >= 768 || frm.__crm_folded === frm.doc.name) return;
		frm.__crm_folded = frm.doc.name;
		for (const section of frm.layout.sections || []) {
			if (!section.head || !section.body || section.df.is_dashboard_section) continue;
			if (!section.df.collapsible) {
				section.df.collapsible = 1;
				section.head.addClass("collapsible");
				section.head.on("click", () => section.collapse());
				section.indicator && section.indicator.show();
			}
			section.collapse(true);
		}
	},
};
