# Copyright (c) 2026, crm_archive developers and contributors
# For license information, please see license.txt

from collections import Counter

import frappe
from frappe import _
from frappe.utils import cint

from crm_archive.analysis.store.reports import permitted_archives
from crm_archive.duplicates.matching import find_pairs
from crm_archive.duplicates.store import FIELDS
from crm_archive.utils import get_settings, phone_region


def execute(filters=None):
	"""Pairs of archives that may be the same customer, among the archives the user may read. Contact
	values are compared but never shown, so the report is safe for every role that may run it."""
	filters = frappe._dict(filters or {})
	# contact values and the ID fingerprint are compared only for users who may read them
	fields = [f for f in FIELDS if f not in ("mobile_no", "email_id", "id_number_hash")]
	if can_read_level(1):
		fields += ["mobile_no", "email_id"]
	if can_read_level(2):
		fields.append("id_number_hash")
	rows = permitted_archives(filters, fields)
	by_name = {r.name: r for r in rows}
	threshold = cint(filters.get("similarity") or get_settings().duplicate_name_similarity or 90)
	pairs = find_pairs(rows, phone_region(), threshold)
	reasons = {
		"mobile": _("same mobile"),
		"email": _("same email"),
		"id_number": _("same ID number"),
		"name": _("similar name"),
	}
	data = []
	for (a, b), reason in sorted(pairs.items()):
		ra, rb = by_name[a], by_name[b]
		data.append(
			{
				"archive": a,
				"name_a": ra.full_name,
				"duplicate": b,
				"name_b": rb.full_name,
				"reason": reasons[reason],
				"company": ra.company_name or rb.company_name,
				"customers": ", ".join(c for c in (ra.customer, rb.customer) if c),
			}
		)
	counts = Counter(r["reason"] for r in data)
	chart = {
		"data": {"labels": list(counts), "datasets": [{"name": _("Pairs"), "values": list(counts.values())}]},
		"type": "bar",
	}
	summary = [
		{
			"label": _("Pairs"),
			"value": len(data),
			"datatype": "Int",
			"indicator": "Orange" if data else "Green",
		}
	]
	return get_columns(), data, None, chart, summary


def can_read_level(level: int) -> bool:
	meta = frappe.get_meta("Customer Archive")
	return any(p.permlevel == level and p.read and p.role in frappe.get_roles() for p in meta.permissions)


def can_read_contacts() -> bool:
	return can_read_level(1)


def get_columns():
	return [
		{
			"label": _("Customer Archive"),
			"fieldname": "archive",
			"fieldtype": "Link",
			"options": "Customer Archive",
			"width": 120,
		},
		{"label": _("Customer Name"), "fieldname": "name_a", "fieldtype": "Data", "width": 160},
		{
			"label": _("Possible Duplicate"),
			"fieldname": "duplicate",
			"fieldtype": "Link",
			"options": "Customer Archive",
			"width": 130,
		},
		{"label": _("Duplicate Name"), "fieldname": "name_b", "fieldtype": "Data", "width": 160},
		{"label": _("Reason"), "fieldname": "reason", "fieldtype": "Data", "width": 120},
		{"label": _("Company Name"), "fieldname": "company", "fieldtype": "Data", "width": 160},
		{"label": _("ERPNext Customer"), "fieldname": "customers", "fieldtype": "Data", "width": 180},
	]
