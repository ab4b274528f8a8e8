"""Shared by the script reports: archives the user may read (through frappe.get_list, so the record-level
permission condition applies) and the allow-listed filters that narrow them."""

from datetime import date

import frappe
from frappe import _
from frappe.utils import cint, getdate, nowdate

# report filter key → Customer Archive field; nothing else from the filters reaches a query
ARCHIVE_FILTERS = {
	"tier": "tier",
	"lifecycle_state": "lifecycle_state",
	"account_manager": "account_manager",
	"territory": "territory",
	"industry": "industry",
	"customer_archive": "name",
}
LIFECYCLE_STATES = ("Potential", "Intentional", "Existing", "Churned")


def archive_filters(filters) -> dict:
	filters = frappe._dict(filters or {})
	out = {}
	for key, field in ARCHIVE_FILTERS.items():
		value = filters.get(key)
		if value in (None, "", []):
			continue
		if not isinstance(value, str):
			frappe.throw(_("Filter {0} must be a single value.").format(key), title=_("Invalid Filter"))
		out[field] = value
	return out


def permitted_archives(filters, fields: list[str], extra: dict | None = None) -> list[dict]:
	"""Archive rows the current user may read, narrowed by the allow-listed filters."""
	conditions = archive_filters(filters)
	conditions.update(extra or {})
	return frappe.get_list(
		"Customer Archive", filters=conditions, fields=fields, limit_page_length=0, order_by="name"
	)


def permitted_archives_sql(filters, fields: list[str], extra: dict | None = None) -> str:
	"""The SELECT that permitted_archives would run (Frappe's own list query with the record-level
	permission condition), for use as a derived table; `%` is doubled for a parametrised query."""
	conditions = archive_filters(filters)
	conditions.update(extra or {})
	sql = frappe.get_list(
		"Customer Archive", filters=conditions, fields=fields, limit_page_length=0, order_by=None, run=0
	)
	return sql.replace("%", "%%")


def as_of(filters) -> date:
	value = (filters or {}).get("as_of") or nowdate()
	try:
		return getdate(value)
	except Exception:
		frappe.throw(_("{0} is not a valid date.").format(frappe.bold(value)), title=_("Invalid Filter"))


def positive_int(filters, key: str, default: int) -> int:
	value = cint((filters or {}).get(key) or default)
	if value <= 0:
		frappe.throw(_("{0} must be a positive number.").format(key), title=_("Invalid Filter"))
	return value


def metrics_for(customers: list[str], date, window_days: int, company: str | None = None) -> dict:
	"""Metrics of these customers from one aggregate: for a few, an IN list; for many (a manager's view
	of a large site), the whole aggregate read from the covering index, kept for these customers."""
	from crm_archive.tiering.store.queries import fetch_metrics_packed

	if not customers:
		return {}
	wanted = set(customers)
	metrics = fetch_metrics_packed(date, window_days, customers if len(wanted) <= 2000 else None, company)
	if len(metrics) > len(wanted):
		metrics = {c: m for c, m in metrics.items() if c in wanted}
	refuse_mixed([c for c, m in metrics.items() if m.mixed_currencies], company)
	return metrics


def refuse_mixed(customers: list[str], company: str | None):
	"""A report without a Company never adds up different currencies: it asks for the Company."""
	if customers:
		frappe.throw(
			_(
				"{0} customers were invoiced by companies keeping different currencies (for example {1}): choose a Company to add up their invoices."
			).format(len(customers), ", ".join(sorted(customers)[:5])),
			title=_("Mixed Currencies"),
		)


# --- the columns every archive report shows ---------------------------------------------------------------


def archive_column(width: int = 120) -> dict:
	return {
		"label": _("Customer Archive"),
		"fieldname": "customer_archive",
		"fieldtype": "Link",
		"options": "Customer Archive",
		"width": width,
	}


def add_manager_names(rows: list[dict]):
	"""The account manager's full name under the key Frappe's User link formatter reads
	(`<fieldname>_full_name`); never `full_name`, which that formatter takes for any User link's name."""
	users = {r["account_manager"] for r in rows if r.get("account_manager")}
	names = (
		dict(
			frappe.get_all(
				"User", filters={"name": ("in", list(users))}, fields=["name", "full_name"], as_list=True
			)
		)
		if users
		else {}
	)
	for r in rows:
		r["account_manager_full_name"] = names.get(r.get("account_manager"))


def manager_column(width: int = 140) -> dict:
	return {
		"label": _("Account Manager"),
		"fieldname": "account_manager",
		"fieldtype": "Link",
		"options": "User",
		"width": width,
	}


def tier_column(width: int = 100) -> dict:
	return {
		"label": _("Tier"),
		"fieldname": "tier",
		"fieldtype": "Link",
		"options": "Customer Tier",
		"width": width,
	}
