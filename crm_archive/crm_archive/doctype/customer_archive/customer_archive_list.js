// A follow-up date that has passed reads red wherever the date is formatted: the list, the report view
// and the cards of the 客户进程 Kanban board (which format fields through the doctype's meta).
const crm_overdue = (value) => {
	if (!value) return "";
	const text = frappe.datetime.str_to_user(value);
	return value < frappe.datetime.get_today()
		? `<span class="text-danger" title="${__("Overdue")}">${text}</span>`
		: text;
};

const crm_user_name = (value) => (value ? frappe.utils.escape_html(frappe.user.full_name(value)) : "");

// Kanban cards (and the report view) format fields through the doctype's meta, not the list settings:
// give the meta's fields the same formatters (the board calls no list-settings hook).
frappe.model.with_doctype("Customer Archive", () => {
	const fields = frappe.meta.docfield_map["Customer Archive"] || {};
	if (fields.next_follow_up_date) fields.next_follow_up_date.formatter = (value) => crm_overdue(value);
	if (fields.account_manager) fields.account_manager.formatter = (value) => crm_user_name(value);
});

frappe.listview_settings["Customer Archive"] = {
	add_fields: [
		"lifecycle_state",
		"tier",
		"account_manager",
		"last_interaction_date",
		"next_follow_up_date",
		"pool_release_date",
		"in_pool",
	],
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
	hide_name_filter: true,
	formatters: {
		next_follow_up_date: (value) => crm_overdue(value),
		// the customer pool (公海): "in N days", red within a week
		pool_release_date: (value) => {
			if (!value) return "";
			const days = Math.max(frappe.datetime.get_day_diff(value, frappe.datetime.get_today()), 0);
			const text = __("Released in {0} days", [days]);
			return days <= 7 ? `<span class="text-danger">${text}</span>` : text;
		},
	},
	onload(listview) {
		// The name filter (Frappe's title-field filter) searches the stored reading too: 张伟 is found by
		// typing 张伟, 張偉, zhangwei, zhang wei or zw (name_search holds all of them, kept true on save).
		const name_filter = listview.page.fields_dict.full_name;
		if (name_filter) {
			name_filter.df.fieldname = "name_search";
			name_filter.df.condition = "like";
			name_filter.$input && name_filter.$input.attr("placeholder", __("Name, Pinyin or Company"));
		}
		// On a phone Frappe shows only the name and the state of each row: add what a rep scans for
		// (tier, next follow-up, last interaction) on a second line, shown below 768 px only.
		const row_html = listview.get_list_row_html.bind(listview);
		listview.get_list_row_html = (doc) => {
			const html = row_html(doc);
			const parts = [];
			if (doc.tier) parts.push(`<b>${frappe.utils.escape_html(__(doc.tier))}</b>`);
			if (doc.next_follow_up_date)
				parts.push(`${__("Next Follow-up")} ${crm_overdue(doc.next_follow_up_date)}`);
			if (doc.last_interaction_date)
				parts.push(`${__("Last Interaction")} ${frappe.datetime.comment_when(doc.last_interaction_date, true)}`);
			if (!parts.length) return html;
			const meta = `<div class="crm-phone-meta visible-xs text-muted small ellipsis">${parts.join(" · ")}</div>`;
			return html.replace(/<div class="list-row-border"><\/div>/, meta + '<div class="list-row-border"></div>');
		};
		if (!document.getElementById("crm-archive-list-style")) {
			$(`<style id="crm-archive-list-style">
				.crm-phone-meta { padding: 0 15px 8px 40px; margin-top: -6px; }
				@media (min-width: 768px) { .crm-phone-meta { display: none !important; } }
			</style>`).appendTo("head");
		}
		if (frappe.user.has_role(["CRM Archive Manager", "System Manager"])) {
			listview.page.add_menu_item(__("Create Archives for Existing Customers"), () => {
				frappe
					.call("crm_archive.adoption.adopt_existing_customers")
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
