"""Version history of the app's doctypes keeps which contact or confidential field changed and who
changed it, never the values: Frappe hands Version diffs out without field levels (form timeline,
docinfo), so a value that is never stored cannot leak there, nor outlive the archive."""

import json

import frappe

MASK = "•••"
# permlevel 1 (contact) and 2 (confidential) are the levels not everyone reads
SECRET_LEVELS = (1, 2)


def secret_fields(doctype: str) -> set[str]:
	meta = frappe.get_meta(doctype)
	return {df.fieldname for df in meta.fields if (df.permlevel or 0) in SECRET_LEVELS}


def mask(data: dict, secret: set[str]) -> dict:
	def m(value):
		return MASK if value not in (None, "", 0) else value

	data["changed"] = [
		[f, m(old), m(new)] if f in secret else [f, old, new] for f, old, new in data.get("changed") or []
	]
	for key in ("added", "removed"):
		data[key] = [[t, MASK] if t in secret else [t, row] for t, row in data.get(key) or []]
	rows = []
	for entry in data.get("row_changed") or []:
		table = entry[0]
		if table in secret:
			entry = [*entry[:3], [[f, m(old), m(new)] for f, old, new in entry[3]]]
		rows.append(entry)
	data["row_changed"] = rows
	return data


def before_insert(doc, method=None):
	if doc.ref_doctype != "Customer Archive" or not doc.data:
		return
	doc.data = json.dumps(mask(json.loads(doc.data), secret_fields(doc.ref_doctype)), indent=1)


def mask_existing():
	"""Install/migrate: versions written before this rule get the same treatment (idempotent)."""
	secret = secret_fields("Customer Archive")
	for name, data in frappe.db.sql(
		"select `name`, `data` from `tabVersion` where `ref_doctype` = 'Customer Archive'"
	):
		try:
			masked = json.dumps(mask(json.loads(data), secret), indent=1)
		except Exception:
			continue
		if masked != data:
			frappe.db.set_value("Version", name, "data", masked, update_modified=False)
