"""Site set-up used by the run command, the demo and the integration tests.

Runs ERPNext's own setup wizard non-interactively (country China, currency CNY, fiscal year = the calendar
year) and makes sure the fiscal years and the one service item that demo and tests invoice exist.
"""

import frappe
from frappe.utils import getdate, nowdate

DEMO_COMPANY = "CRM Archive Demo Co"
DEMO_ABBR = "CAD"
SERVICE_ITEM = "CRM-SERVICE"


def complete_setup_wizard(
	company: str = DEMO_COMPANY,
	abbr: str = DEMO_ABBR,
	currency: str = "CNY",
	country: str = "China",
	timezone: str = "Asia/Shanghai",
	email: str = "crm.admin@example.com",
	password: str = "admin",
) -> str:
	"""Finish ERPNext's setup wizard unless a Company already exists; return the default company."""
	from frappe.desk.page.setup_wizard.setup_wizard import setup_complete

	if not frappe.db.a_row_exists("Company"):
		year = getdate(nowdate()).year
		frappe.conf.trigger_site_setup_in_background = 0
		setup_complete(
			{
				"currency": currency,
				"full_name": "CRM Admin",
				"company_name": company,
				"timezone": timezone,
				"company_abbr": abbr,
				"industry": "Services",
				"country": country,
				"fy_start_date": f"{year}-01-01",
				"fy_end_date": f"{year}-12-31",
				"language": "english",
				"company_tagline": "Customer archive demo",
				"email": email,
				"password": password,
				"chart_of_accounts": "Standard",
			}
		)
		frappe.db.commit()
	return default_company()


def default_company() -> str:
	return frappe.defaults.get_global_default("company") or frappe.db.get_value(
		"Company", {}, "name", order_by="creation"
	)


def ensure_fiscal_years(first_year: int, last_year: int, company: str | None = None):
	"""Calendar fiscal years first_year..last_year (ERPNext refuses postings outside a fiscal year)."""
	for year in range(first_year, last_year + 1):
		start, end = f"{year}-01-01", f"{year}-12-31"
		exists = frappe.db.sql(
			"select name from `tabFiscal Year` where year_start_date <= %s and year_end_date >= %s",
			(start, end),
		)
		if exists:
			continue
		fy = frappe.get_doc(
			{"doctype": "Fiscal Year", "year": str(year), "year_start_date": start, "year_end_date": end}
		)
		if company:
			fy.append("companies", {"company": company})
		fy.insert(ignore_permissions=True)


def ensure_service_item(item_code: str = SERVICE_ITEM, rate: float = 1000) -> str:
	if not frappe.db.exists("Item", item_code):
		group = (
			frappe.db.get_value("Item Group", {"is_group": 0}, "name", order_by="lft") or "All Item Groups"
		)
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": item_code,
				"item_name": "CRM Service Package",
				"item_group": "Services" if frappe.db.exists("Item Group", "Services") else group,
				"stock_uom": "Nos",
				"is_stock_item": 0,
				"include_item_in_manufacturing": 0,
				"standard_rate": rate,
			}
		).insert(ignore_permissions=True)
	return item_code
