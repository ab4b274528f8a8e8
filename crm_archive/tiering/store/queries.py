"""The metric SQL: one GROUP BY over submitted Sales Invoices (covering index, replica when configured) per
customer, and the archives' current tier state read in chunks under row locks."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import frappe
from frappe.query_builder import Case
from frappe.query_builder.functions import Max, Min, Sum
from frappe.utils import add_days, flt

from crm_archive.tiering.metrics import Metrics, metrics_from_packed, metrics_from_row, nearest_cents

METRIC_FIELDS = (
	"window_spend",
	"lifetime_spend",
	"invoice_count",
	"average_order_value",
	"first_purchase_date",
	"last_purchase_date",
)


def metric_query(
	as_of: date, window_days: int, customers: Iterable[str] | None = None, company: str | None = None
):
	"""One aggregate over submitted Sales Invoices, grouped by customer, net of returns.

	Returns count against spend (their base_net_total is negative) but not as purchases; cancelled
	(docstatus 2) and draft (0) invoices never count. Reads only the covering index's columns.
	"""
	window_start = add_days(as_of, -(window_days - 1))
	si = frappe.qb.DocType("Sales Invoice")
	in_window = si.posting_date >= window_start
	purchase = si.is_return == 0
	query = (
		frappe.qb.from_(si)
		.select(
			si.customer,
			Sum(si.base_net_total).as_("lifetime_spend"),
			Sum(Case().when(in_window, si.base_net_total).else_(0)).as_("window_spend"),
			Sum(Case().when(in_window & purchase, 1).else_(0)).as_("window_count"),
			Sum(Case().when(purchase, 1).else_(0)).as_("lifetime_count"),
			Min(Case().when(purchase, si.posting_date)).as_("first_purchase"),
			Max(Case().when(purchase, si.posting_date)).as_("last_purchase"),
		)
		.where((si.docstatus == 1) & (si.posting_date <= as_of))
		.groupby(si.customer)
	)
	if company:
		query = query.where(si.company == company)
	if customers is not None:
		query = query.where(si.customer.isin(list(customers)))
	return query


def fetch_metric_rows(
	as_of: date, window_days: int, customers: Iterable[str] | None = None, company: str | None = None
) -> list[dict]:
	if customers is not None:
		customers = list(customers)
		if not customers:
			return []
	return metric_query(as_of, window_days, customers, company).run(as_dict=True)


STREAM_BATCH = 2000  # customers handed to on_batch at a time while the aggregate streams


def fetch_metrics_packed(
	as_of: date,
	window_days: int,
	customers: Iterable[str] | None = None,
	company: str | None = None,
	on_batch=None,
) -> dict[str, Metrics]:
	"""The engine's read: the same aggregate, each row packed into one string by the database (the pure
	Python driver's per-column decoding is most of the cost at 100k customers). `on_batch`: for every
	customer, called with lists of Metrics while the rows still stream in (customers invoiced by more
	than one company are left out: whether their currencies mix is known only at the end)."""
	if customers is not None:
		customers = list(customers)
		if not customers:
			return {}
	window_start = add_days(as_of, -(window_days - 1))
	conditions = ["`docstatus` = 1", "`posting_date` <= %(as_of)s"]
	values = {"as_of": as_of, "window_start": window_start}
	if company:
		conditions.append("`company` = %(company)s")
		values["company"] = company
	if customers is not None:
		conditions.append("`customer` in %(customers)s")
		values["customers"] = tuple(customers)
	# Without a company, how many companies each customer's sum spans rides along (read from the same
	# index), so a sum over different currencies is found per customer at no extra pass.
	spans = ", count(distinct `company`)" if not company else ""
	# One string per row: the numbers and dates first, the customer's name last, so splitting at most
	# that many times leaves the name whole whatever characters it holds.
	sql = f"""select concat_ws(char(31),
			round(sum(`base_net_total`), 2),
			round(sum(case when `posting_date` >= %(window_start)s then `base_net_total` else 0 end), 2),
			sum(case when `posting_date` >= %(window_start)s and `is_return` = 0 then 1 else 0 end),
			sum(case when `is_return` = 0 then 1 else 0 end),
			ifnull(min(case when `is_return` = 0 then `posting_date` end), ''),
			ifnull(max(case when `is_return` = 0 then `posting_date` end), ''){spans},
			`customer`)
		from `tabSales Invoice` where {" and ".join(conditions)} group by `customer`"""
	rounding = money_rounding()
	sep = chr(31)
	splits = 7 if spans else 6
	out = {}
	spanning = []
	days = {}  # ISO date → (date, days before as_of), shared by the rows

	def unpack(rows):
		batch = []
		for (packed,) in rows:
			parts = packed.split(sep, splits)
			customer = parts[-1]
			lifetime, window, wcount, lcount, first, last = parts[:6]
			m = out[customer] = metrics_from_packed(
				(customer, lifetime, window, wcount, lcount, first or None, last or None),
				as_of,
				rounding,
				days,
			)
			if spans and parts[6] != "1":
				spanning.append(customer)
			elif on_batch is not None:
				batch.append(m)
				if len(batch) >= STREAM_BATCH:
					on_batch(batch)
					batch = []
		if batch:
			on_batch(batch)

	if customers is None:
		# every customer: the rows are unpacked as the database sends them (an unbuffered cursor), so
		# the Python side runs while the database is still aggregating (the group by walks the
		# covering index in customer order and sends each group when it is complete)
		with frappe.db.unbuffered_cursor():
			unpack(frappe.db.sql(sql, values, as_iterator=True, as_list=True))
	else:
		unpack(frappe.db.sql(sql, values))
	if spanning:
		for customer in customers_mixing_currencies(spanning):
			out[customer].mixed_currencies = True
	return out


def customers_mixing_currencies(customers: list[str]) -> list[str]:
	"""Of these customers (each invoiced by more than one company), those whose companies keep
	different currencies (one query for all of them)."""
	currency = dict(frappe.get_all("Company", fields=["name", "default_currency"], as_list=True))
	seen: dict[str, set] = {}
	for start in range(0, len(customers), 1000):
		for customer, company in frappe.db.sql(
			"""select distinct `customer`, `company` from `tabSales Invoice`
			where `docstatus` = 1 and `customer` in %s""",
			(tuple(customers[start : start + 1000]),),
		):
			seen.setdefault(customer, set()).add(currency.get(company))
	return [c for c, currencies in seen.items() if len(currencies) > 1]


def money_rounding():
	"""ERPNext's currency rounding: flt(value, 2) under the System Settings' rounding method."""
	method = frappe.get_system_settings("rounding_method") or "Banker's Rounding (legacy)"
	return nearest_cents(lambda value: flt(value, 2, method))


def fetch_metrics(
	as_of: date, window_days: int, customers: Iterable[str] | None = None, company: str | None = None
) -> dict[str, Metrics]:
	rounding = money_rounding()
	return {
		row["customer"]: metrics_from_row(row, as_of, rounding)
		for row in fetch_metric_rows(as_of, window_days, customers, company)
	}


ARCHIVE_FIELDS = (
	"name",
	"customer",
	"tier",
	"qualified_tier",
	"tier_pending_since",
	"tier_locked",
	"locked_tier",
	"tier_rule",
	*METRIC_FIELDS,
)


def fetch_archives(
	customers: Iterable[str] | None = None, archives: Iterable[str] | None = None
) -> list[dict]:
	filters = {}
	if customers is not None:
		filters["customer"] = ("in", list(customers) or [""])
	if archives is not None:
		filters["name"] = ("in", list(archives) or [""])
	return frappe.get_all("Customer Archive", filters=filters, fields=list(ARCHIVE_FIELDS), order_by="name")


def fetch_archives_packed(
	customers=None,
	archives=None,
	for_update: bool = False,
	after: str | None = None,
	limit: int | None = None,
	db=None,
) -> list[tuple]:
	"""(name, customer, tier, tier_pending_since, tier_locked, signature) per archive; the signature packs
	every value the engine writes, so unchanged archives are skipped by one string comparison.

	`after` / `limit`: the next `limit` archives in primary-key order whose name sorts after `after` (from
	the first when None) — a full run walks the table by primary key range, each chunk one range scan
	(its rows locked with FOR UPDATE) instead of an IN list of names looked up one by one."""
	conditions, values = [], {}
	if customers is not None:
		conditions.append("`customer` in %(customers)s")
		values["customers"] = tuple(customers) or ("",)
	if archives is not None:
		conditions.append("`name` in %(archives)s")
		values["archives"] = tuple(archives) or ("",)
	if after is not None:
		conditions.append("`name` > %(after)s")
		values["after"] = after
	where = ("where " + " and ".join(conditions)) if conditions else ""
	if limit is not None:
		where += " order by `name` limit %(limit)s"
		values["limit"] = int(limit)
	# One string per row, in a form no name can break: the fixed-format fields first, then the lengths
	# of the free-text ones, then those texts (sliced by length, never split); the values the engine
	# writes travel as their packing, compared with the packing of what it would write (engine._digest).
	written = """concat_ws('|', ifnull(`tier`, ''), ifnull(`qualified_tier`, ''),
				ifnull(`tier_pending_since`, ''), ifnull(`tier_rule`, ''), round(`window_spend`, 2),
				round(`lifetime_spend`, 2), `invoice_count`, round(`average_order_value`, 2),
				ifnull(`first_purchase_date`, ''), ifnull(`last_purchase_date`, ''))"""
	packed = f"""concat_ws(char(31), `tier_locked`, ifnull(`tier_pending_since`, ''),
			char_length({written}), char_length(`name`), char_length(ifnull(`customer`, '')),
			{written}, `name`, ifnull(`customer`, ''), ifnull(`tier`, ''))"""
	lock = " for update" if for_update else ""
	sep = chr(31)
	# The whole chunk as one row (rows joined by char(30)) with its row count: the pure Python driver's
	# per-row decoding was most of the read. A text holding char(30) would split into more rows than
	# counted: then (and on any doubt) the chunk is read again one row per archive.
	db = db or frappe.db  # (a full run's first pass reads on a second connection: engine.AlongsideRead)
	count, joined = db.sql(
		f"""set statement group_concat_max_len = {GROUP_CONCAT_MAX} for
		select count(*), group_concat(`p` order by `name` separator '\x1e')
		from (select {packed} as `p`, `name` from `tabCustomer Archive` {where}{lock}) t""",
		values,
	)[0]
	rows = joined.split(chr(30)) if joined else []
	if len(rows) != count:
		order = "" if limit is not None else " order by `name`"
		rows = db.sql_list(f"select {packed} from `tabCustomer Archive` {where}{order}{lock}", values)
	out = []
	for packed_row in rows:
		locked, pending, lw, ln, lc, rest = packed_row.split(sep, 5)
		lw, ln, lc = int(lw), int(ln), int(lc)
		stored = rest[:lw]
		rest = rest[lw + 1 :]
		name, customer, tier = rest[:ln], rest[ln + 1 : ln + 1 + lc], rest[ln + lc + 2 :]
		out.append((name, customer or None, tier or None, pending or None, locked == "1", stored))
	return out


GROUP_CONCAT_MAX = 64 * 1024 * 1024  # a chunk's rows as one string (2,000 rows: about 170 KB)


def invoiced_since(started, customers: list[str]) -> list[str]:
	"""Of these customers, those with a Sales Invoice submitted, cancelled or changed since `started`
	(ERPNext sets `modified` on each; the column is indexed)."""
	if not customers:
		return []
	# through the `modified` index: the few invoices of the last minutes, whoever their customer
	changed = set(
		frappe.db.sql_list(
			"select distinct `customer` from `tabSales Invoice` force index (`modified`) where `modified` >= %s",
			started,
		)
	)
	return [c for c in customers if c in changed]


def archive_names(customers=None, archives=None) -> list[str]:
	"""The archives to re-tier, in primary-key order (the order their chunks lock them in)."""
	if customers is None and archives is not None:
		# names only (the nightly re-tier's thousands, read from the archive table a moment ago): sorted,
		# not looked up again — the chunks read them under row locks and skip any deleted meanwhile
		return sorted(set(archives))
	filters = {}
	if customers is not None:
		filters["customer"] = ("in", list(customers) or [""])
	if archives is not None:
		filters["name"] = ("in", list(archives) or [""])
	return frappe.get_all("Customer Archive", filters=filters, pluck="name", order_by="name")
