# Copyright (c) 2026, crm_archive developers and contributors
# For license information, please see license.txt

"""Per tier, what it gives inside ERPNext: its Customer Group, the Pricing Rules and Promotional Schemes
that apply to that group, its Email Group and how many are subscribed, and last month's revenue from the
tier's archives (those the user may read)."""

import frappe
from frappe import _
from frappe.utils import add_months, get_first_day, get_last_day, getdate, nowdate

from crm_archive.analysis.store.reports import permitted_archives_sql


def execute(filters=None):
	filters = frappe._dict(filters or {})
	month_end = get_last_day(add_months(getdate(nowdate()), -1))
	month_start = get_first_day(month_end)
	tiers = frappe.get_all(
		"Customer Tier",
		fields=["name", "rank", "color", "customer_group", "email_group"],
		order_by="rank desc",
	)
	groups = [t.customer_group for t in tiers if t.customer_group]
	rules, schemes = {}, {}
	if groups:
		for r in frappe.get_all(
			"Pricing Rule",
			filters={
				"applicable_for": "Customer Group",
				"customer_group": ("in", groups),
				"disable": 0,
				"selling": 1,
			},
			fields=["name", "title", "customer_group"],
		):
			rules.setdefault(r.customer_group, []).append(r.title or r.name)
		for s in frappe.db.sql(
			"""select ps.`name`, g.`customer_group` from `tabPromotional Scheme` ps
			join `tabCustomer Group Item` g on g.`parent` = ps.`name` and g.`parenttype` = 'Promotional Scheme'
			where ps.`applicable_for` = 'Customer Group' and ps.`disable` = 0 and ps.`selling` = 1
				and g.`customer_group` in %(groups)s""",
			{"groups": tuple(groups)},
			as_dict=True,
		):
			schemes.setdefault(s.customer_group, []).append(s.name)
	readable = permitted_archives_sql({}, ["name", "tier", "customer"])
	counts = dict(frappe.db.sql(f"select r.`tier`, count(*) from ({readable}) r group by r.`tier`"))
	revenue = dict(
		frappe.db.sql(
			f"""select r.`tier`, sum(si.`base_net_total`) from ({readable}) r
			join `tabSales Invoice` si on si.`customer` = r.`customer`
			where si.`docstatus` = 1 and si.`posting_date` between %(start)s and %(end)s
			group by r.`tier`""",
			{"start": month_start, "end": month_end},
		)
	)
	members = dict(
		frappe.db.sql(
			"""select `email_group`, count(*) from `tabEmail Group Member`
			where `unsubscribed` = 0 group by `email_group`"""
		)
	)
	data = [
		{
			"tier": t.name,
			"customer_group": t.customer_group,
			"pricing_rules": ", ".join(rules.get(t.customer_group, [])) if t.customer_group else "",
			"promotional_schemes": ", ".join(schemes.get(t.customer_group, [])) if t.customer_group else "",
			"email_group": t.email_group,
			"subscribers": members.get(t.email_group, 0) if t.email_group else 0,
			"archives": counts.get(t.name, 0),
			"revenue_last_month": revenue.get(t.name) or 0,
		}
		for t in tiers
	]
	columns = [
		{
			"fieldname": "tier",
			"label": _("Tier"),
			"fieldtype": "Link",
			"options": "Customer Tier",
			"width": 120,
		},
		{
			"fieldname": "customer_group",
			"label": _("Customer Group"),
			**link_or_text("Customer Group"),
			"width": 160,
		},
		{"fieldname": "pricing_rules", "label": _("Pricing Rules"), "fieldtype": "Data", "width": 220},
		{
			"fieldname": "promotional_schemes",
			"label": _("Promotional Schemes"),
			"fieldtype": "Data",
			"width": 200,
		},
		{
			"fieldname": "email_group",
			"label": _("Email Group"),
			**link_or_text("Email Group"),
			"width": 170,
		},
		{"fieldname": "subscribers", "label": _("Subscribed"), "fieldtype": "Int", "width": 100},
		{"fieldname": "archives", "label": _("Archives"), "fieldtype": "Int", "width": 90},
		{
			"fieldname": "revenue_last_month",
			"label": _("Revenue {0}").format(month_start.strftime("%Y-%m")),
			"fieldtype": "Currency",
			"width": 140,
		},
	]
	chart = {
		"data": {
			"labels": [_(t.name) for t in tiers],
			"datasets": [
				{"name": _("Revenue last month"), "values": [d["revenue_last_month"] for d in data]}
			],
		},
		"type": "bar",
		"colors": [tiers[0].color] if tiers and tiers[0].color else None,
	}
	return columns, data, None, chart


def link_or_text(doctype: str) -> dict:
	"""A Link column for a user who may read the doctype; plain text for anyone else (the desk loads a Link
	column's doctype and stops the whole report with "No permission to read …": a rep has no Email Group)."""
	if frappe.has_permission(doctype, "read"):
		return {"fieldtype": "Link", "options": doctype}
	return {"fieldtype": "Data"}
