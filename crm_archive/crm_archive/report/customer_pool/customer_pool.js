// Customer Pool (公海): claim from a phone in two taps (the row's Claim button, then Yes), or tick several
// rows and press Claim Selected; a manager assigns ticked rows to a rep.

const crm_pool_selected = (report) => {
	const dt = report.datatable;
	if (!dt) return [];
	return dt.rowmanager
		.getCheckedRows()
		.map((i) => report.data[i] && report.data[i].name)
		.filter(Boolean);
};

const crm_pool_done = (report, r) => {
	const out = (r && r.message) || { claimed: [], refused: {} };
	const refused = Object.entries(out.refused || {});
	if (out.claimed.length) {
		frappe.show_alert({ message: __("{0} customers are now yours.", [out.claimed.length]), indicator: "green" });
	}
	if (refused.length) {
		const names = Object.fromEntries((report.data || []).map((d) => [d.name, d.full_name]));
		frappe.msgprint({
			title: __("Not Claimed"),
			indicator: "orange",
			message: refused
				.map(([a, why]) => `<p><b>${frappe.utils.escape_html(names[a] || a)}</b>: ${frappe.utils.escape_html(why)}</p>`)
				.join(""),
		});
	}
	report.refresh();
};

const crm_pool_claim = (report, archives) => {
	if (!archives.length) {
		frappe.msgprint(__("Tick the customers to claim first."));
		return;
	}
	frappe
		.call({ method: "crm_archive.pool.store.api.claim", args: { archives }, freeze: true })
		.then((r) => crm_pool_done(report, r));
};

frappe.query_reports["Customer Pool"] = {
	filters: [
		{ fieldname: "search", label: __("Name, Pinyin or Company"), fieldtype: "Data" },
		{ fieldname: "tier", label: __("Tier"), fieldtype: "Link", options: "Customer Tier" },
		{
			fieldname: "lifecycle_state",
			label: __("Lifecycle State"),
			fieldtype: "Select",
			options: [
				"",
				{ value: "Potential", label: __("Potential") },
				{ value: "Intentional", label: __("Intentional") },
				{ value: "Existing", label: __("Existing") },
				{ value: "Churned", label: __("Churned") },
			],
		},
		{ fieldname: "city", label: __("City"), fieldtype: "Data" },
		{
			fieldname: "pool_release_reason",
			label: __("Release Reason"),
			fieldtype: "Select",
			options: [
				"",
				{ value: "No Interaction", label: __("No Interaction") },
				{ value: "No Purchase", label: __("No Purchase") },
				{ value: "Given Back", label: __("Given Back") },
			],
		},
	],
	get_datatable_options(options) {
		return Object.assign(options, { checkboxColumn: true });
	},
	formatter(value, row, column, data, default_formatter) {
		if (column.fieldname === "claim" && data && data.name) {
			const name = frappe.utils.escape_html(data.name);
			return `<button class="btn btn-xs btn-primary crm-pool-claim" data-archive="${name}">${__("Claim")}</button>`;
		}
		return default_formatter(value, row, column, data);
	},
	onload(report) {
		report.page.add_inner_button(__("Claim Selected"), () => crm_pool_claim(report, crm_pool_selected(report)));
		if (frappe.user.has_role("CRM Archive Manager") || frappe.user.has_role("System Manager")) {
			report.page.add_inner_button(__("Assign Selected"), () => {
				const archives = crm_pool_selected(report);
				if (!archives.length) {
					frappe.msgprint(__("Tick the customers to assign first."));
					return;
				}
				frappe.prompt(
					{ fieldname: "user", label: __("Sales Rep"), fieldtype: "Link", options: "User", reqd: 1 },
					(v) =>
						frappe
							.call({ method: "crm_archive.pool.store.api.assign", args: { archives, user: v.user }, freeze: true })
							.then((r) => crm_pool_done(report, r)),
					__("Assign to a Sales Rep"),
					__("Assign")
				);
			});
			report.page.add_inner_button(__("Release Due Customers Now"), () =>
				frappe.confirm(__("Release every customer due by its tier's rules to the pool now?"), () =>
					frappe.call({ method: "crm_archive.pool.store.api.release_now", freeze: true }).then((r) => {
						const out = r.message || {};
						frappe.show_alert({ message: __("{0} customers released to the pool.", [out.released || 0]), indicator: "blue" });
						report.refresh();
					})
				)
			);
		}
		$(report.page.wrapper).on("click", ".crm-pool-claim", (e) => {
			e.preventDefault();
			e.stopPropagation();
			const archive = $(e.currentTarget).attr("data-archive");
			const row = (report.data || []).find((d) => d.name === archive);
			frappe.confirm(__("Claim {0}?", [frappe.utils.escape_html((row && row.full_name) || archive)]), () =>
				crm_pool_claim(report, [archive])
			);
		});
	},
};
