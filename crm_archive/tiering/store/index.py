"""The covering index on `tabSales Invoice` the metric aggregate reads from (created on install and migrate)."""

from __future__ import annotations

import frappe

INDEX_NAME = "crm_archive_customer_spend"


INDEX_COLUMNS = ("customer", "docstatus", "posting_date", "is_return", "base_net_total", "company")


def ensure_index():
	"""Covering index for the spend aggregate (the stock table is ~250 columns wide)."""
	cols = ", ".join(f"`{c}`" for c in INDEX_COLUMNS)
	frappe.db.sql_ddl(f"CREATE INDEX IF NOT EXISTS `{INDEX_NAME}` ON `tabSales Invoice` ({cols})")


def drop_index():
	frappe.db.sql_ddl(f"DROP INDEX IF EXISTS `{INDEX_NAME}` ON `tabSales Invoice`")


def has_index() -> bool:
	return bool(frappe.db.sql("SHOW INDEX FROM `tabSales Invoice` WHERE Key_name = %s", INDEX_NAME))
