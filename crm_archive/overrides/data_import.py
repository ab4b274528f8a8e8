"""Chinese column headers in Data Import whatever the importing user's language.

Frappe matches a file's headers to fields by label, fieldname and the label translated into the
*importing user's* language — and caches that map per doctype for everyone (`data_import_column_header_map`),
so the shipped Chinese template (客户名称, 手机号码, …) mapped for a 中文 user and not for an English one, or
for nobody once an English user had filled the cache. For the app's doctypes the map also holds every
field's Chinese label (the app's translations/zh.csv and Frappe's own), whoever builds it; and an unknown
Select value refuses its row, not the file. Installed in every process by the before_request / before_job hooks (crm_archive/safeguards.py).
"""

import functools

import frappe

DOCTYPES = ("Customer Archive", "Customer Interaction")
LANGUAGE = "zh"


def install():
	from frappe.core.doctype.data_import import importer

	if getattr(importer, "_crm_archive_zh_headers", False):
		return
	original = importer.build_fields_dict_for_column_matching

	@functools.wraps(original)
	def build_fields_dict_for_column_matching(parent_doctype):
		out = original(parent_doctype)
		if parent_doctype in DOCTYPES:
			add_chinese_headers(out, parent_doctype)
		return out

	importer.build_fields_dict_for_column_matching = build_fields_dict_for_column_matching

	# An unknown Select value in one row makes Frappe refuse the whole file (a blocking template
	# warning); for the app's doctypes it is a notice, and the row alone is refused, with its reason, by
	# the archive's own validation (archive/store/document.py validate_select_values).
	original_validate = importer.Column.validate_values

	@functools.wraps(original_validate)
	def validate_values(self):
		original_validate(self)
		if self.doctype == "Customer Archive" and self.df and self.df.fieldtype == "Select":
			for warning in self.warnings:
				if warning.get("col") == self.column_number and not warning.get("type"):
					warning["type"] = "info"

	importer.Column.validate_values = validate_values
	original_row_value = importer.Row.validate_value

	@functools.wraps(original_row_value)
	def validate_value(self, value, col):
		df = col.df
		if df and df.fieldtype == "Select" and df.parent == "Customer Archive" and value not in (None, ""):
			options = importer.get_select_options(df)
			if options and frappe.utils.cstr(value) not in options:
				return value  # kept, so the row is refused with its reason instead of stored without it
		return original_row_value(self, value, col)

	importer.Row.validate_value = validate_value

	# Imported archives are re-tiered together when the file is done (archive/store/document.py
	# retier_if_needed collects them), in chunks like any re-tier.
	original_import = importer.Importer.import_data

	@functools.wraps(original_import)
	def import_data(self):
		if self.doctype != "Customer Archive" or frappe.flags.crm_import_retier is not None:
			return original_import(self)
		frappe.flags.crm_import_retier = []
		frappe.flags.crm_import_access = []
		try:
			return original_import(self)
		finally:
			names = frappe.flags.crm_import_retier
			new = frappe.flags.crm_import_access
			frappe.flags.crm_import_retier = frappe.flags.crm_import_access = None
			if new:
				refresh_access(new)
			if names:
				retier_imported(names)

	importer.Importer.import_data = import_data
	# the previous per-row path (each row re-tiers itself and writes its created-Version), kept callable
	# for the import benchmark's baseline
	importer.Importer._crm_original_import_data = original_import
	importer._crm_archive_zh_headers = True


def refresh_access(names: list[str]):
	"""The access rows of every archive the import created (access.on_archive_change wrote them in
	batches as it went; a batch rolled back with a failed row is written here)."""
	from crm_archive.access import table as access

	frappe.db.commit()
	for start in range(0, len(names), 2000):
		access.refresh(names[start : start + 2000])
	frappe.db.commit()


def retier_imported(names: list[str]):
	"""One re-tier of the archives the import stored (a row rolled back after its save is not there)."""
	from crm_archive.tiering.store.engine import retier

	frappe.db.commit()
	kept = frappe.get_all("Customer Archive", filters={"name": ("in", names)}, pluck="name")
	if kept:
		retier(archives=kept, trigger="Import", commit=True)


def add_chinese_headers(out: dict, doctype: str):
	from frappe.translate import get_all_translations

	zh = get_all_translations(LANGUAGE)
	for df in frappe.get_meta(doctype).fields:
		label = (df.label or "").strip()
		header = zh.get(label)
		if header and header not in out:
			out[header] = df
			out[f"{header} ({df.fieldname})"] = df
