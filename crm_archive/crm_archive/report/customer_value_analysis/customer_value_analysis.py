# Copyright (c) 2026, crm_archive developers and contributors
# For license information, please see license.txt

import json
from collections import Counter
from datetime import date as date_type

import frappe
from frappe import _
from frappe.utils import add_days, flt

from crm_archive.analysis.store.reports import (
	add_manager_names,
	archive_column,
	as_of,
	manager_column,
	metrics_for,
	permitted_archives,
	permitted_archives_sql,
	positive_int,
	refuse_mixed,
	tier_column,
)
from crm_archive.analysis.value import SEGMENTS, abc_classes, score_in_place


def execute(filters=None):
	filters = frappe._dict(filters or {})
	if not getattr(frappe.local, "request", None) and frappe.session.user != "Guest":
		# a prepared report is made by a background job, which Frappe runs in the site's boot language
		# ("en"), not the language of the user who asked: its stored labels would stay English
		frappe.set_user_lang(frappe.session.user)
	rows = get_data(filters)
	return get_columns(), rows, None, get_chart(rows), get_summary(rows)


def shares(filters):
	a = flt(filters.get("a_share") or 70) / 100
	b = flt(filters.get("b_share") or 90) / 100
	if not (0 < a < b <= 1):
		frappe.throw(
			_("The A share must be below the B share, both between 0 and 100."), title=_("Invalid Filter")
		)
	return a, b


FIELDS = ["name", "full_name", "customer", "tier", "account_manager"]
FEW = 2000  # up to this many visible archives (a rep's own), the aggregate reads only their customers
TEMP_TABLE_BYTES = 256 * 1024 * 1024  # cap for the join's in-memory temporary tables, this statement only


def get_data(filters):
	date = as_of(filters)
	window = positive_int(filters, "window_days", 365)
	a_share, b_share = shares(filters)
	company = filters.get("company")
	scope = {"customer": ("is", "set")}
	archive_sql = permitted_archives_sql(filters, FIELDS, scope)
	# values given (even none) so the driver turns the doubled %% back into %
	visible = frappe.db.sql(f"select count(*) from ({archive_sql}) a", {})[0][0]
	if not visible:
		return []
	rows = (
		few_rows(filters, scope, date, window, company)
		if visible <= FEW
		else many_rows(archive_sql, date, window, company)
	)
	score_in_place(rows)
	abc = abc_classes({r["customer_archive"]: r["monetary"] for r in rows}, a_share, b_share)
	labels = {name: _(name) for name in SEGMENTS}
	for r in rows:
		r["abc"] = abc[r["customer_archive"]]
		r["segment_label"] = labels[r["segment"]]
	rows.sort(key=lambda r: (-r["monetary"], r["customer_archive"]))
	add_manager_names(rows)
	return rows


def few_rows(filters, scope, date, window, company) -> list[dict]:
	"""A few archives: list them, then one aggregate over just their customers' invoices."""
	archives = permitted_archives(filters, FIELDS, scope)
	metrics = metrics_for([a.customer for a in archives], date, window, company)
	rows = []
	for a in archives:
		m = metrics.get(a.customer)
		rows.append(
			{
				"customer_archive": a.name,
				"customer_name": a.full_name,
				"customer": a.customer,
				"tier": a.tier,
				"account_manager": a.account_manager,
				"recency_days": m.recency_days if m else None,
				"frequency": m.invoice_count if m else 0,
				"monetary": m.window_spend if m else 0.0,
				"last_purchase_date": m.last_purchase_date if m else None,
			}
		)
	return rows


def many_rows(archive_sql: str, date, window: int, company: str | None) -> list[dict]:
	"""Many archives (a manager on a large site): the permitted archives joined in the database to the
	aggregate over the covering index, each row packed into one string (the pure-Python driver's
	per-column decoding would cost more than the query). Same figures as the tiering engine's metrics."""
	values = {"as_of": date, "window_start": add_days(date, -(window - 1)), "company": company}
	company_condition = "and `company` = %(company)s" if company else ""
	# One pass over the covering index into an in-memory temporary table. MariaDB would otherwise either
	# group per archive through the plain customer index ("lateral derived": one lookup of whole invoice
	# rows per customer) or spill the 100k-row temporary table to disk (16 MB default): both ~5x slower.
	packed = frappe.db.sql(
		f"""set statement optimizer_switch = 'split_materialized=off',
			max_heap_table_size = {TEMP_TABLE_BYTES}, tmp_table_size = {TEMP_TABLE_BYTES} for
		select json_array(a.name, a.full_name, a.customer, a.tier, a.account_manager, m.last_purchase,
			coalesce(m.frequency, 0), coalesce(m.monetary, 0), m.first_company, m.last_company, m.companies)
		from ({archive_sql}) a
		left join (
			select `customer`,
				max(case when `is_return` = 0 then `posting_date` end) as last_purchase,
				sum(case when `posting_date` >= %(window_start)s and `is_return` = 0 then 1 else 0 end)
					as frequency,
				round(sum(case when `posting_date` >= %(window_start)s then `base_net_total` else 0 end), 2)
					as monetary,
				min(`company`) as first_company, max(`company`) as last_company,
				count(distinct `company`) as companies
			from `tabSales Invoice`
			where `docstatus` = 1 and `posting_date` <= %(as_of)s {company_condition}
			group by `customer`
		) m on m.customer = a.customer""",
		values,
	)
	rows, spanning = [], []
	for (line,) in packed:
		name, full_name, customer, tier, manager, last, frequency, monetary, c1, c2, n = json.loads(line)
		if not company and (n or 0) > 1:
			spanning.append(customer)
		last_date = date_type.fromisoformat(last) if last else None
		rows.append(
			{
				"customer_archive": name,
				"customer_name": full_name,
				"customer": customer,
				"tier": tier or None,
				"account_manager": manager or None,
				"recency_days": (date - last_date).days if last_date else None,
				"frequency": int(frequency or 0),
				"monetary": float(monetary or 0) + 0.0,
				"last_purchase_date": last_date,
			}
		)
	if spanning:
		from crm_archive.tiering.store.queries import customers_mixing_currencies

		refuse_mixed(customers_mixing_currencies(spanning), company)
	return rows


def get_columns():
	return [
		archive_column(),
		{"label": _("Customer Name"), "fieldname": "customer_name", "fieldtype": "Data", "width": 160},
		tier_column(),
		manager_column(),
		{"label": _("Recency (days)"), "fieldname": "recency_days", "fieldtype": "Int", "width": 100},
		{"label": _("Frequency"), "fieldname": "frequency", "fieldtype": "Int", "width": 90},
		{"label": _("Monetary"), "fieldname": "monetary", "fieldtype": "Currency", "width": 130},
		{"label": _("R"), "fieldname": "r", "fieldtype": "Int", "width": 45},
		{"label": _("F"), "fieldname": "f", "fieldtype": "Int", "width": 45},
		{"label": _("M"), "fieldname": "m", "fieldtype": "Int", "width": 45},
		{"label": _("RFM"), "fieldname": "code", "fieldtype": "Data", "width": 70},
		{"label": _("Segment"), "fieldname": "segment_label", "fieldtype": "Data", "width": 130},
		{"label": _("ABC"), "fieldname": "abc", "fieldtype": "Data", "width": 55},
	]


def get_chart(rows):
	counts = Counter(r["segment"] for r in rows)
	labels = [s for s in SEGMENTS if counts.get(s)]
	return {
		"data": {
			"labels": [_(s) for s in labels],
			"datasets": [{"name": _("Customers"), "values": [counts[s] for s in labels]}],
		},
		"type": "bar",
	}


def get_summary(rows):
	abc = Counter(r["abc"] for r in rows)
	return [
		{"label": _("Customers"), "value": len(rows), "datatype": "Int"},
		{"label": _("Class A"), "value": abc.get("A", 0), "datatype": "Int", "indicator": "Green"},
		{"label": _("Class B"), "value": abc.get("B", 0), "datatype": "Int", "indicator": "Blue"},
		{"label": _("Class C"), "value": abc.get("C", 0), "datatype": "Int", "indicator": "Gray"},
		{"label": _("Monetary"), "value": sum(r["monetary"] for r in rows), "datatype": "Currency"},
	]
