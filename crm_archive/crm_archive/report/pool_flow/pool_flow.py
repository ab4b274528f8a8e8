"""Pool Flow (公海流转): archives into the pool and out of it per week, by tier and reason (from the Customer
Archive Log's Pool Release / Pool Claim / Pool Assignment rows); how long after a claim the new owner first
logs an interaction and first invoices (summary); each rep's holdings against their limit (message)."""

import frappe
from frappe import _
from frappe.utils import add_days, cint, escape_html, getdate, nowdate

from crm_archive.pool import rules
from crm_archive.pool.store import core as store


def execute(filters=None):
	filters = frappe._dict(filters or {})
	if not store.is_manager():
		frappe.throw(_("Only a CRM Archive Manager can see the pool's flow."), frappe.PermissionError)
	to_date = getdate(filters.to_date or nowdate())
	from_date = getdate(filters.from_date or add_days(to_date, -84))
	if from_date > to_date:
		frappe.throw(_("From Date must not be after To Date."))
	rows = get_rows(from_date, to_date, filters.tier)
	return get_columns(), rows, holdings_html(), get_chart(rows), get_summary(from_date, to_date)


def get_columns():
	return [
		{"fieldname": "week", "label": _("Week Of"), "fieldtype": "Date", "width": 110},
		{"fieldname": "direction", "label": _("Direction"), "fieldtype": "Data", "width": 100},
		{
			"fieldname": "tier",
			"label": _("Tier"),
			"fieldtype": "Link",
			"options": "Customer Tier",
			"width": 110,
		},
		{"fieldname": "reason", "label": _("Reason"), "fieldtype": "Data", "width": 130},
		{"fieldname": "archives", "label": _("Archives"), "fieldtype": "Int", "width": 90},
	]


def get_rows(from_date, to_date, tier=None):
	"""Per week (Monday), direction, tier and reason: how many archives. Inflow's tier is the tier whose
	rule released it (kept on the log row); outflow's the archive's tier."""
	values = {"from": from_date, "to": add_days(to_date, 1), "tier": tier}
	week = "date_sub(date(l.`timestamp`), interval weekday(l.`timestamp`) day)"
	tier_in = "and l.`reference_name` = %(tier)s" if tier else ""
	tier_out = "and a.`tier` = %(tier)s" if tier else ""
	data = frappe.db.sql(
		f"""select {week} as week, 'in' as direction, l.`reference_name` as tier, l.`rule_row` as reason,
			count(*) as archives
		from `tabCustomer Archive Log` l
		where l.`event_type` = 'Pool Release' and l.`timestamp` >= %(from)s and l.`timestamp` < %(to)s {tier_in}
		group by 1, 3, 4
		union all
		select {week}, 'out', a.`tier`, l.`event_type`, count(*)
		from `tabCustomer Archive Log` l left join `tabCustomer Archive` a on a.`name` = l.`customer_archive`
		where l.`event_type` in ('Pool Claim', 'Pool Assignment') and l.`timestamp` >= %(from)s
			and l.`timestamp` < %(to)s {tier_out}
		group by 1, 3, 4
		order by 1, 2, 3, 4""",
		values,
		as_dict=True,
	)
	labels = {"in": _("Into the Pool"), "out": _("Out of the Pool")}
	for row in data:
		row["direction"] = labels[row["direction"]]
		row["reason"] = _(row["reason"] or "")
	return data


def get_chart(rows):
	weeks = sorted({r["week"] for r in rows})
	into, out = _("Into the Pool"), _("Out of the Pool")

	def series(direction):
		totals = {}
		for r in rows:
			if r["direction"] == direction:
				totals[r["week"]] = totals.get(r["week"], 0) + r["archives"]
		return [totals.get(w, 0) for w in weeks]

	return {
		"data": {
			"labels": [frappe.utils.formatdate(w) for w in weeks],
			"datasets": [{"name": into, "values": series(into)}, {"name": out, "values": series(out)}],
		},
		"type": "bar",
		"colors": ["#f59e0b", "#10b981"],
	}


def get_summary(from_date, to_date):
	"""Average days from a claim (or assignment) to the new owner's first interaction and first invoice."""
	values = {"from": from_date, "to": add_days(to_date, 1)}
	firsts = frappe.db.sql(
		"""select
			avg(datediff((select min(i.`interaction_datetime`) from `tabCustomer Interaction` i
				where i.`customer_archive` = l.`customer_archive` and i.`interaction_datetime` >= l.`timestamp`),
				l.`timestamp`)) as to_interaction,
			avg(datediff((select min(si.`posting_date`) from `tabSales Invoice` si
				where si.`customer` = a.`customer` and si.`docstatus` = 1 and si.`is_return` = 0
					and si.`posting_date` >= date(l.`timestamp`)), l.`timestamp`)) as to_invoice,
			count(*) as taken
		from `tabCustomer Archive Log` l join `tabCustomer Archive` a on a.`name` = l.`customer_archive`
		where l.`event_type` in ('Pool Claim', 'Pool Assignment') and l.`timestamp` >= %(from)s
			and l.`timestamp` < %(to)s""",
		values,
		as_dict=True,
	)[0]
	return [
		{"value": cint(firsts.taken), "label": _("Taken From the Pool"), "datatype": "Int"},
		{
			"value": round(firsts.to_interaction, 1) if firsts.to_interaction is not None else "—",
			"label": _("Days From Claim to First Interaction"),
			"datatype": "Data",
		},
		{
			"value": round(firsts.to_invoice, 1) if firsts.to_invoice is not None else "—",
			"label": _("Days From Claim to First Invoice"),
			"datatype": "Data",
		},
	]


def holdings():
	"""Each rep (CRM Archive User) with what they hold and their limit."""
	settings = frappe.get_cached_doc("CRM Archive Settings")
	rows = store.limit_rows(settings)
	reps = frappe.db.sql_list(
		"""select distinct u.`name` from `tabUser` u join `tabHas Role` r on r.`parent` = u.`name`
		and r.`parenttype` = 'User' and r.`role` = 'CRM Archive User' where u.`enabled` = 1 order by u.`name`"""
	)
	held = dict(
		frappe.db.sql(
			"""select `account_manager`, count(*) from `tabCustomer Archive`
			where `in_pool` = 0 and ifnull(`account_manager`, '') != '' group by `account_manager`"""
		)
	)
	out = []
	for rep in reps:
		limit = rules.holding_limit(rep, frappe.get_roles(rep), rows, cint(settings.pool_holding_limit))
		out.append({"user": rep, "holding": held.get(rep, 0), "limit": limit})
	return out


def holdings_html():
	lines = "".join(
		f"<tr><td>{escape_html(frappe.utils.get_fullname(h['user']))}</td><td>{h['holding']}</td>"
		f"<td>{h['limit'] or escape_html(_('No Limit'))}</td></tr>"
		for h in holdings()
	)
	return (
		f"<h6>{escape_html(_('Holdings Against Limits'))}</h6><table class='table table-bordered table-sm'>"
		f"<tr><th>{escape_html(_('Sales Rep'))}</th><th>{escape_html(_('Holding'))}</th>"
		f"<th>{escape_html(_('Holding Limit'))}</th></tr>{lines}</table>"
	)
