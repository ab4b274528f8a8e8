// Desk-wide additions of crm_archive (app_include_js).
frappe.provide("crm_archive");

// 1. Realtime without a reverse proxy: `scripts/run` serves the desk with gunicorn on one port and
// Frappe's socket.io server on its own (socketio_port, 127.0.0.1 only). Frappe's client connects to
// the page's own origin unless it runs under `bench start`; with `realtime_direct_port` in the site
// config it connects to the socket.io port of the same host instead (cookies are per host, not port).
if (frappe.realtime && !frappe.realtime.__crm_direct) {
	const get_host = frappe.realtime.get_host.bind(frappe.realtime);
	frappe.realtime.get_host = function (port) {
		const direct = frappe.boot && frappe.boot.realtime_direct_port;
		if (!direct) return get_host(port);
		return `${window.location.protocol}//${window.location.hostname}:${direct}/${frappe.boot.sitename}`;
	};
	frappe.realtime.__crm_direct = true;
}

// 2. Archives in the awesome bar, found by name, pinyin or initials (zhangwei, zhang wei, zw, 張偉):
// the same permission-checked link search as every Customer Archive field.
$(document).on("app_ready", function () {
	const AwesomeBar = frappe.search && frappe.search.AwesomeBar;
	if (!AwesomeBar || AwesomeBar.prototype.__crm_archives) return;
	AwesomeBar.prototype.__crm_archives = true;
	const add_defaults = AwesomeBar.prototype.add_defaults;
	AwesomeBar.prototype.add_defaults = function (txt) {
		add_defaults.call(this, txt);
		crm_archive.add_archive_results(this, txt);
	};
});

crm_archive.add_archive_results = frappe.utils.debounce(function (bar, txt) {
	if (!txt || txt.length < 2 || txt[0] === "#" || !frappe.model.can_read("Customer Archive")) return;
	frappe
		.xcall("frappe.desk.search.search_link", { doctype: "Customer Archive", txt, page_length: 5 })
		.then((rows) => {
			const input = bar.awesomplete && bar.awesomplete.input;
			if (!rows || !rows.length || !input || input.value.trim().replace(/\s\s+/g, " ") !== txt) return;
			const doctype_label = __("Customer Archive");
			for (const row of rows) {
				const label = frappe.utils.escape_html(row.label || row.description || row.value);
				bar.options.push({
					label: `<span class="text-medium">${label}</span> <span class="text-muted">${doctype_label} · ${frappe.utils.escape_html(row.value)}</span>`,
					value: `${doctype_label} ${row.value}`,
					route: ["Form", "Customer Archive", row.value],
					index: 95,
				});
			}
			bar.awesomplete.list = bar.deduplicate(bar.options);
			bar.awesomplete.evaluate();
		});
}, 150);

// 3. Date pickers in dialogs (quick entry on a phone): Frappe places a form's picker above or below
// its input by the room left, but a dialog's picker always opens below, past the screen's lower edge.
(function () {
	const DateControl = frappe.ui.form.ControlDate && frappe.ui.form.ControlDate.prototype;
	if (!DateControl || DateControl.__crm_position) return;
	DateControl.__crm_position = true;
	const update = DateControl.update_datepicker_position;
	DateControl.update_datepicker_position = function () {
		if (this.frm) return update.call(this);
		const $picker = this.datepicker.$datepicker;
		const below = window.innerHeight - (this.$input[0].getBoundingClientRect().bottom + 12);
		const position = below < $picker.outerHeight() ? "top left" : "bottom left";
		this.datepicker.update("position", position);
	};
})();

// 4. Seconds in Date & Time: the air-datepicker of a bench built from npm (2.2.3) has no seconds and
// prints a literal "ss"; Frappe's own fork has them. Without seconds the picker offers hours:minutes.
(function () {
	const Datetime = frappe.ui.form.ControlDatetime && frappe.ui.form.ControlDatetime.prototype;
	if (!Datetime || Datetime.__crm_seconds) return;
	Datetime.__crm_seconds = true;
	let has_seconds;
	const picker_has_seconds = () => {
		if (has_seconds === undefined) {
			const $probe = $("<input type='text'>").appendTo("body").hide();
			$probe.datepicker({ timepicker: true, timeFormat: "hh:ii:ss" });
			const picker = $probe.data("datepicker");
			has_seconds = !!(picker && picker.timepicker && picker.timepicker.$seconds);
			picker && picker.destroy && picker.destroy();
			$probe.remove();
		}
		return has_seconds;
	};
	const set_date_options = Datetime.set_date_options;
	Datetime.set_date_options = function () {
		set_date_options.call(this);
		if (!picker_has_seconds()) {
			this.datepicker_options.timeFormat = this.datepicker_options.timeFormat.replace(/[:.]?s+/, "");
		}
	};
	const set_datepicker = Datetime.set_datepicker;
	Datetime.set_datepicker = function () {
		if (picker_has_seconds()) return set_datepicker.call(this);
		frappe.ui.form.ControlDate.prototype.set_datepicker.call(this);
	};
})();

// 5. Logging an interaction from an archive ends back on the archive: the quick entry saves, closes
// and reloads the archive's form (timeline and connection counts), instead of opening the new record.
frappe.ui.form.CustomerInteractionQuickEntryForm = class extends frappe.ui.form.QuickEntryForm {
	open_form_if_not_list() {
		const archive = this.dialog.doc && this.dialog.doc.customer_archive;
		const route = frappe.get_route();
		if (!archive) return super.open_form_if_not_list();
		frappe.show_alert({ message: __("Interaction saved"), indicator: "green" }, 3);
		if (route[0] === "Form" && route[1] === "Customer Archive" && route[2] === archive && cur_frm) {
			cur_frm.reload_doc();
		} else {
			frappe.set_route("Form", "Customer Archive", archive);
		}
	}
};

// 6. Values in a form's Version timeline ("changed Lifecycle State from Potential to Intentional")
// in the reader's language: Frappe prints the stored value of a changed field as it is; for a Select
// field the stored value is an option, translated wherever else the desk shows it.
(function () {
	const Form = frappe.ui.form.Form && frappe.ui.form.Form.prototype;
	if (!Form || Form.__crm_versions) return;
	Form.__crm_versions = true;
	const get_docinfo = Form.get_docinfo;
	Form.get_docinfo = function () {
		const info = get_docinfo.apply(this, arguments);
		if (info && info.versions && frappe.boot.lang !== "en") {
			crm_archive.translate_versions(this.doctype, info.versions);
		}
		return info;
	};
})();

crm_archive.translate_versions = function (doctype, versions) {
	const option = (fieldname, value, table) => {
		const df = frappe.meta.get_docfield(table || doctype, fieldname);
		return df && df.fieldtype === "Select" && typeof value === "string" && value ? __(value) : value;
	};
	for (const version of versions) {
		if (version.__crm_translated || !version.data) continue;
		version.__crm_translated = true;
		let data;
		try {
			data = JSON.parse(version.data);
		} catch (e) {
			continue;
		}
		for (const change of data.changed || []) {
			change[1] = option(change[0], change[1]);
			change[2] = option(change[0], change[2]);
		}
		for (const row of data.row_changed || []) {
			const table = frappe.meta.get_docfield(doctype, row[0]);
			for (const change of row[3] || []) {
				change[1] = option(change[0], change[1], table && table.options);
				change[2] = option(change[0], change[2], table && table.options);
			}
		}
		version.data = JSON.stringify(data);
	}
};
