"""The covering index on `tabSales Invoice` the metric aggregate reads from (created on install and migrate)."""

from __future__ import annotations

import frappe

INDEX_NAME = "crm_archive_customer_spend"


INDEX_COLUMNS = ("customer", "docstatus", "posting_date", "is_return", "base_net_total", "company")


# the nightly re-tier's window edge: the customers invoiced on given days, read from the index alone
POSTING_INDEX_NAME = "crm_archive_posting_customer"
POSTING_INDEX_COLUMNS = ("posting_date", "docstatus", "customer")


def ensure_index():
	"""Covering index for the spend aggregate (the stock table is ~250 columns wide), and the one the
	nightly re-tier reads the customers of a day's invoices from."""
	for name, columns in ((INDEX_NAME, INDEX_COLUMNS), (POSTING_INDEX_NAME, POSTING_INDEX_COLUMNS)):
		cols = ", ".join(f"`{c}`" for c in columns)
		frappe.db.sql_ddl(f"CREATE INDEX IF NOT EXISTS `{name}` ON `tabSales Invoice` ({cols})")


def drop_index():
	for name in (INDEX_NAME, POSTING_INDEX_NAME):
		frappe.db.sql_ddl(f"DROP INDEX IF EXISTS `{name}` ON `tabSales Invoice`")


def has_index() -> bool:
	return bool(frappe.db.sql("SHOW INDEX FROM `tabSales Invoice` WHERE Key_name = %s", INDEX_NAME))
