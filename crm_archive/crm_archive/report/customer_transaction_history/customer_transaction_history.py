# Copyright (c) 2026, crm_archive developers and contributors
# For license information, please see license.txt

from collections import defaultdict

import frappe
from frappe import _
from frappe.utils import flt, getdate


def execute(filters=None):
	filters = frappe._dict(filters or {})
	archive = get_archive(filters)
	# both filters given: they must agree (the customer filter narrows, it never widens)
	agree = not filters.get("customer") or filters.customer == archive.customer
	rows = get_invoices(archive.customer, filters) if archive.customer and agree else []
	return get_columns(), rows, get_message(archive), get_chart(rows), get_summary(rows)


def get_archive(filters):
	"""The one archive whose invoices are shown, chosen by customer_archive and/or customer; the user must
	be allowed to read it (its document permission AND the list condition that reports select through)."""
	name = filters.get("customer_archive")
	customer = filters.get("customer")
	for key, value in (("customer_archive", name), ("customer", customer)):
		if value and not isinstance(value, str):
			frappe.throw(_("Filter {0} must be a single value.").format(key), title=_("Invalid Filter"))
	if not name and customer:
		name = frappe.db.get_value("Customer Archive", {"customer": customer}, "name")
	if not name:
		frappe.throw(_("Choose a Customer Archive."), title=_("Missing Filter"))
	if not frappe.db.exists("Customer Archive", name) or not frappe.has_permission(
		"Customer Archive", "read", doc=name
	):
		frappe.throw(_("You cannot see the transactions of this archive."), frappe.PermissionError)
	visible = frappe.get_list(
		"Customer Archive",
		filters={"name": name},
		fields=["name", "full_name", "customer"],
		limit_page_length=0,
	)
	if not visible:
		frappe.throw(_("You cannot see the transactions of this archive."), frappe.PermissionError)
	return visible[0]


def get_columns():
	return [
		{"label": _("Date"), "fieldname": "posting_date", "fieldtype": "Date", "width": 100},
		invoice_column(),
		{"label": _("Return"), "fieldname": "is_return", "fieldtype": "Check", "width": 70},
		{"label": _("Items"), "fieldname": "items", "fieldtype": "Data", "width": 260},
		{"label": _("Qty"), "fieldname": "qty", "fieldtype": "Float", "width": 70},
		{
			"label": _("Amount (Company Currency)"),
			"fieldname": "base_net_total",
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


def invoice_column():
	"""A Link for users who may read Sales Invoices. Others (a sales rep) see the number as text: the desk's
	report runner refuses a Link column to a doctype the user cannot read, and the form would refuse too."""
	column = {"label": _("Invoice"), "fieldname": "invoice", "fieldtype": "Data", "width": 160}
	if frappe.has_permission("Sales Invoice", "read"):
		column.update(fieldtype="Link", options="Sales Invoice")
	return column


def get_invoices(customer, filters):
	si = frappe.qb.DocType("Sales Invoice")
	query = (
		frappe.qb.from_(si)
		.select(
			si.name.as_("invoice"),
			si.posting_date,
			si.is_return,
			si.base_net_total,
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
		r["amount"] = r.base_net_total  # older key, still read by crm_archive/tests/test_reports.py
	return rows


def get_message(archive):
	if not archive.customer:
		return _("{0} has no ERPNext Customer yet, so no invoices.").format(frappe.bold(archive.full_name))
	return None


def get_chart(rows):
	months = defaultdict(float)
	for r in rows:
		months[getdate(r.posting_date).strftime("%Y-%m")] += flt(r.base_net_total)
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
	net = sum(flt(r.base_net_total) for r in rows)
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
