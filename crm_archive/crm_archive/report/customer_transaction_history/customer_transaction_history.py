# Copyright (c) 2026, crm_archive developers and contributors
# For license information, please see license.txt

from collections import defaultdict

import frappe
from frappe import _
from frappe.utils import flt, getdate


def execute(filters=None):
	filters = frappe._dict(filters or {})
	archive = get_archive(filters)
	rows = get_invoices(archive.customer, filters) if archive.customer else []
	return get_columns(), rows, get_message(archive), get_chart(rows), get_summary(rows)


def get_archive(filters):
	name = filters.get("customer_archive")
	if not name and filters.get("customer"):
		name = frappe.db.get_value("Customer Archive", {"customer": filters.customer}, "name")
	if not name:
		frappe.throw(_("Choose a Customer Archive."), title=_("Missing Filter"))
	if not frappe.db.exists("Customer Archive", name) or not frappe.has_permission(
		"Customer Archive", "read", doc=name
	):
		frappe.throw(_("You cannot see the transactions of this archive."), frappe.PermissionError)
	return frappe.db.get_value("Customer Archive", name, ["name", "full_name", "customer"], as_dict=True)


def get_columns():
	return [
		{"label": _("Date"), "fieldname": "posting_date", "fieldtype": "Date", "width": 100},
		{
			"label": _("Invoice"),
			"fieldname": "invoice",
			"fieldtype": "Link",
			"options": "Sales Invoice",
			"width": 160,
		},
		{"label": _("Return"), "fieldname": "is_return", "fieldtype": "Check", "width": 70},
		{"label": _("Items"), "fieldname": "items", "fieldtype": "Data", "width": 260},
		{"label": _("Qty"), "fieldname": "qty", "fieldtype": "Float", "width": 70},
		{
			"label": _("Amount (Company Currency)"),
			"fieldname": "amount",
			"fieldtype": "Currency",
			"width": 150,
		},
		{"label": _("Outstanding"), "fieldname": "outstanding_amount", "fieldtype": "Currency", "width": 120},
		{
			"label": _("Tier at Invoice Time"),
			"fieldname": "crm_tier",
			"fieldtype": "Link",
			"options": "Customer Tier",
			"width": 120,
		},
	]


def get_invoices(customer, filters):
	si = frappe.qb.DocType("Sales Invoice")
	query = (
		frappe.qb.from_(si)
		.select(
			si.name.as_("invoice"),
			si.posting_date,
			si.is_return,
			si.base_net_total.as_("amount"),
			si.outstanding_amount,
			si.crm_tier,
		)
		.where((si.customer == customer) & (si.docstatus == 1))
		.orderby(si.posting_date)
		.orderby(si.name)
	)
	if filters.get("from_date"):
		query = query.where(si.posting_date >= getdate(filters.from_date))
	if filters.get("to_date"):
		query = query.where(si.posting_date <= getdate(filters.to_date))
	if filters.get("company"):
		query = query.where(si.company == filters.company)
	rows = query.run(as_dict=True)
	if not rows:
		return rows
	item = frappe.qb.DocType("Sales Invoice Item")
	items = defaultdict(list)
	qty = defaultdict(float)
	for r in (
		frappe.qb.from_(item)
		.select(item.parent, item.item_name, item.qty)
		.where(item.parent.isin([r.invoice for r in rows]) & (item.parenttype == "Sales Invoice"))
		.orderby(item.idx)
		.run(as_dict=True)
	):
		items[r.parent].append(r.item_name)
		qty[r.parent] += flt(r.qty)
	for r in rows:
		r["items"] = ", ".join(items[r.invoice])
		r["qty"] = qty[r.invoice]
	return rows


def get_message(archive):
	if not archive.customer:
		return _("{0} has no ERPNext Customer yet, so no invoices.").format(frappe.bold(archive.full_name))
	return None


def get_chart(rows):
	months = defaultdict(float)
	for r in rows:
		months[getdate(r.posting_date).strftime("%Y-%m")] += flt(r.amount)
	labels = sorted(months)
	return {
		"data": {
			"labels": labels,
			"datasets": [{"name": _("Net Spend"), "values": [months[m] for m in labels]}],
		},
		"type": "bar",
		"fieldtype": "Currency",
	}


def get_summary(rows):
	net = sum(flt(r.amount) for r in rows)
	return [
		{"label": _("Invoices"), "value": sum(1 for r in rows if not r.is_return), "datatype": "Int"},
		{
			"label": _("Returns"),
			"value": sum(1 for r in rows if r.is_return),
			"datatype": "Int",
			"indicator": "Orange",
		},
		{
			"label": _("Net Spend"),
			"value": net,
			"datatype": "Currency",
			"indicator": "Green" if net >= 0 else "Red",
		},
	]
