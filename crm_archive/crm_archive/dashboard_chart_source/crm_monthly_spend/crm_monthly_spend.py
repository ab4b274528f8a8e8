"""Workspace chart: the last twelve months' net sales (Sales Invoices net of returns, company currency) of
the customers whose archive the user may read — a rep sees their customers' months, not the company's.
Short month labels ("01/26") so twelve of them fit under a half-width chart. No cache: per user."""

import frappe
from frappe import _
from frappe.utils import add_months, flt, get_first_day, getdate, nowdate

from crm_archive.access.permissions import archive_query


@frappe.whitelist()
def get(chart_name=None, chart=None, no_cache=None, filters=None, from_date=None, to_date=None, **kwargs):
	frappe.has_permission("Customer Archive", "read", throw=True)
	first = get_first_day(add_months(getdate(nowdate()), -11))
	months = [add_months(first, i) for i in range(12)]
	condition = archive_query(frappe.session.user) or "1 = 1"
	rows = frappe.db.sql(
		f"""select date_format(si.posting_date, '%%Y-%%m') as month, sum(si.base_net_total) as net
		from `tabSales Invoice` si
		join `tabCustomer Archive` on `tabCustomer Archive`.customer = si.customer
		where si.docstatus = 1 and si.posting_date >= %(first)s and ({condition})
		group by month""",
		{"first": first},
	)
	by_month = {month: flt(net, 2) for month, net in rows}
	return {
		"labels": [m.strftime("%m/%y") for m in months],
		"datasets": [
			{"name": _("Net Sales"), "values": [by_month.get(m.strftime("%Y-%m"), 0.0) for m in months]}
		],
	}
