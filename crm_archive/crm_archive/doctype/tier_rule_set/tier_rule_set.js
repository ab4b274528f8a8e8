// Copyright (c) 2026, crm_archive developers and contributors
// For license information, please see license.txt

frappe.ui.form.on("Tier Rule Set", {
	refresh(frm) {
		if (frm.is_new()) return;
		frm.add_custom_button(__("Preview"), () => {
			frm.call("preview").then(({ message: p }) => {
				const tiers = [...new Set([...Object.keys(p.current), ...Object.keys(p.preview)])];
				const rows = tiers
					.map(
						(t) =>
							`<tr><td>${frappe.utils.escape_html(t || __("(none)"))}</td><td class="text-right">${
								p.current[t] || 0
							}</td><td class="text-right">${p.preview[t] || 0}</td></tr>`
					)
					.join("");
				const moves = p.matrix
					.filter((m) => m.from !== m.to)
					.map(
						(m) =>
							`<tr><td>${frappe.utils.escape_html(m.from || __("(none)"))}</td><td>${frappe.utils.escape_html(
								m.to
							)}</td><td class="text-right">${m.count}</td></tr>`
					)
					.join("");
				const d = new frappe.ui.Dialog({
					title: __("Preview of {0} (nothing is saved)", [frm.doc.name]),
					size: "large",
					fields: [{ fieldtype: "HTML", fieldname: "body" }],
				});
				d.fields_dict.body.$wrapper.html(`
					<p>${__("{0} archives; {1} would change tier.", [p.archives, p.moving])}</p>
					<div id="tier-preview-chart"></div>
					<table class="table table-bordered"><thead><tr><th>${__("Tier")}</th><th>${__(
						"Today"
					)}</th><th>${__("Under this rule set")}</th></tr></thead><tbody>${rows}</tbody></table>
					<h6>${__("Movements")}</h6>
					<table class="table table-bordered"><thead><tr><th>${__("From")}</th><th>${__(
						"To"
					)}</th><th>${__("Archives")}</th></tr></thead><tbody>${moves || `<tr><td colspan=3>${__("None")}</td></tr>`}</tbody></table>`);
				d.show();
				new frappe.Chart(d.$wrapper.find("#tier-preview-chart")[0], {
					type: "bar",
					height: 220,
					data: {
						labels: tiers.map((t) => t || __("(none)")),
						datasets: [
							{ name: __("Today"), values: tiers.map((t) => p.current[t] || 0) },
							{ name: __("Under this rule set"), values: tiers.map((t) => p.preview[t] || 0) },
						],
					},
				});
			});
		});
	},
});
