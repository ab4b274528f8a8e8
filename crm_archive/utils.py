"""Small frappe-side helpers shared by controllers (below them in the import order)."""

import frappe


def get_settings():
	"""CRM Archive Settings as a cached single document."""
	return frappe.get_cached_doc("CRM Archive Settings")


def phone_region() -> str:
	return (get_settings().default_phone_region or "CN").upper()


def insert_logs(logs: list[dict], now, user: str):
	"""Customer Archive Log rows in multi-row INSERTs (the set-based writers: re-tier, lifecycle moves)."""
	fields = [
		"name",
		"creation",
		"modified",
		"owner",
		"modified_by",
		"timestamp",
		"user",
		"customer_archive",
		"event_type",
		"from_value",
		"to_value",
		"trigger",
		"rule_set",
		"rule_row",
		"metrics_snapshot",
		"reference_doctype",
		"reference_name",
	]
	values = [
		(
			frappe.generate_hash(length=12),
			now,
			now,
			user,
			user,
			now,
			user,
			*(log.get(f) for f in fields[7:]),
		)
		for log in logs
	]
	# Plain multi-row INSERTs: frappe.db.bulk_insert builds its SQL through pypika, slower than the insert.
	columns = ", ".join(f"`{f}`" for f in fields)
	row = "(" + ", ".join(["%s"] * len(fields)) + ")"
	for start in range(0, len(values), 1000):
		part = values[start : start + 1000]
		frappe.db.sql(
			f"INSERT INTO `tabCustomer Archive Log` ({columns}) VALUES " + ", ".join([row] * len(part)),
			[v for r in part for v in r],
		)
