"""Figures compared by scripts/backup-check: per table a row count and a content checksum, and how
many encrypted ID numbers decrypt with this site's key."""

import hashlib
import json

import frappe
from frappe.utils.password import get_decrypted_password

TABLES = {
	"Customer Archive": [
		"name",
		"full_name",
		"tier",
		"lifecycle_state",
		"customer",
		"id_number_hash",
		"window_spend",
	],
	"Customer Interaction": ["name", "customer_archive", "interaction_datetime", "summary"],
	"Customer Archive Log": ["name", "customer_archive", "event_type", "from_value", "to_value"],
	"Customer Tier": ["name", "rank", "follow_up_interval_days"],
	"Tier Rule Set": ["name", "is_active", "window_days"],
}


def figures() -> str:
	out = {}
	for doctype, fields in TABLES.items():
		rows = frappe.get_all(doctype, fields=fields, order_by="name", as_list=True)
		digest = hashlib.sha256(json.dumps(rows, default=str, ensure_ascii=False).encode()).hexdigest()[:16]
		out[doctype] = [len(rows), digest]
	with_id = frappe.get_all("Customer Archive", {"id_number_hash": ("is", "set")}, pluck="name")
	decrypted = sum(
		1
		for name in with_id
		if get_decrypted_password("Customer Archive", name, "id_number", raise_exception=False)
	)
	out["id_numbers_decrypting"] = [decrypted, len(with_id)]
	return json.dumps(out, sort_keys=True, ensure_ascii=False)
