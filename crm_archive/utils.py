"""Small frappe-side helpers shared by controllers (below them in the import order)."""

import frappe


def get_settings():
	"""CRM Archive Settings as a cached single document."""
	return frappe.get_cached_doc("CRM Archive Settings")


def phone_region() -> str:
	return (get_settings().default_phone_region or "CN").upper()
