"""`bench --site SITE crm-archive-dev benchmark-tiering --customers N --invoices M`

Bulk-creates a throwaway dataset (names start with ZZBENCH-, removable with --cleanup) of customers,
archives and submitted Sales Invoice rows (3% returns), then measures in one run and prints ratios:
- floor: the spend aggregate alone (one GROUP BY) on the covering index, and on ERPNext's stock schema
  (the same SQL told to IGNORE the covering index);
- full re-tier of every archive (in a child process, for its own peak RSS);
- a per-customer ORM loop (get_all invoices + get_doc + db_set) on a sample, scaled per customer;
- ERPNext's loyalty-style per-customer SUM query on the same sample;
- incremental re-tier cost on real ERPNext Sales Invoice submits (hooks on vs off).
"""

import json
import os
import random
import subprocess
import sys
import time
from datetime import timedelta

import click
import frappe
from frappe.utils import add_days, getdate, now_datetime, nowdate

PREFIX = "ZZBENCH-"
MARK = "crm_archive benchmark"


def timed(fn, *args, **kwargs):
	start = time.perf_counter()
	out = fn(*args, **kwargs)
	return time.perf_counter() - start, out


def cleanup():
	"""Remove every benchmark row (invoices, archives, logs, customers)."""
	like = PREFIX + "%"
	# the real invoices of the submit timing are cancelled (their ledger stays, as ERPNext wants)
	for name in frappe.get_all(
		"Sales Invoice", {"customer": f"{PREFIX}SUBMIT", "docstatus": 1}, pluck="name"
	):
		frappe.get_doc("Sales Invoice", name).cancel()
	archives = frappe.get_all("Customer Archive", {"customer": ("like", like)}, pluck="name")
	for start in range(0, len(archives), 5000):
		part = archives[start : start + 5000]
		frappe.db.delete("Customer Archive Log", {"customer_archive": ("in", part)})
		frappe.db.delete("Customer Archive", {"name": ("in", part)})
	frappe.db.sql("delete from `tabCustomer Archive Log` where customer_archive like %s", like)
	frappe.db.sql("delete from `tabCustomer Archive` where name like %s", like)
	frappe.db.sql(
		"delete from `tabSales Invoice` where name like %s and docstatus = 1 and remarks = %s", (like, MARK)
	)
	frappe.db.sql("delete from `tabCustomer` where name like %s and name != %s", (like, f"{PREFIX}SUBMIT"))
	frappe.db.commit()


# What a real ERPNext invoice carries besides the figures the aggregates read: address blocks, contact,
# amounts in words, the tax breakdown table ERPNext renders into other_charges_calculation, and terms.
# About 2.3 KB a row, like an invoice with three items, one tax row and standard terms.
TAX_TABLE = (
	'<div class="tax-break-up" style="overflow-x: auto;"><table class="table table-bordered table-hover">'
	'<thead><tr><th class="text-left">Item</th><th class="text-right">Taxable Amount</th>'
	'<th class="text-right">VAT 13%</th></tr></thead><tbody>'
	+ "".join(
		f"<tr><td>ITEM-{k:04d} Standard Service Package</td><td class='text-right'>¥ {{amount}}</td>"
		f"<td class='text-right'>(13.0%) ¥ {{tax}}</td></tr>"
		for k in range(1, 4)
	)
	+ "</tbody></table></div>"
)
TERMS = (
	"<div class='ql-editor read-mode'><p>1. Payment is due within 30 days of the invoice date. Late payments "
	"bear interest of 0.05% per day.</p><p>2. Goods remain the property of the seller until paid in full."
	"</p><p>3. Claims about quantity or quality must be made in writing within 7 days of delivery, with the "
	"invoice number.</p><p>4. Prices include VAT at the rate shown. Bank: Industrial and Commercial Bank of "
	"China, Hangzhou Branch, account 1202 0210 0900 1234 567.</p><p>5. Disputes are settled by the court "
	"where the seller is registered.</p></div>"
)
WIDE_FIELDS = [
	"title",
	"customer_name",
	"address_display",
	"shipping_address",
	"company_address_display",
	"contact_display",
	"contact_mobile",
	"contact_email",
	"in_words",
	"base_in_words",
	"other_charges_calculation",
	"terms",
	"against_income_account",
	"status",
	"naming_series",
	"language",
]


def wide_values(c: int, amount: float) -> tuple:
	name = f"Bench Customer {c}"
	address = f"No. {c % 400 + 1} Wensan Road, Xihu District<br>Hangzhou<br>Zhejiang<br>310012<br>China<br>"
	words = f"CNY {abs(amount):,.2f} only (Renminbi amount in words as printed on the invoice)"
	fmt = f"{abs(amount):,.2f}"
	return (
		name,
		name,
		address,
		address,
		"No. 1 Binjiang Avenue, Binjiang District<br>Hangzhou<br>Zhejiang<br>310051<br>China<br>",
		f"Contact Person {c}",
		f"+86 138 {c % 10000:04d} {c % 7919:04d}",
		f"contact{c}@example.com",
		words,
		words,
		TAX_TABLE.replace("{amount}", fmt).replace("{tax}", f"{abs(amount) * 0.13:,.2f}"),
		TERMS,
		"Sales - BENCH",
		"Paid" if amount >= 0 else "Return",
		"ACC-SINV-.YYYY.-",
		"zh",
	)


def make_dataset(
	customers: int,
	invoices: int,
	company: str,
	seed: int = 1,
	chunk: int = 20000,
	wide: bool = False,
	schedule=None,
):
	"""`wide`: fill the invoice columns a real invoice fills (about 2.3 KB a row), so a query that reads
	whole invoice rows pays what it pays on a real site; otherwise only the columns the aggregates read.
	`schedule`: (customer index, days ago) of each invoice; without it each invoice picks a customer and
	a day of the last two years at random."""
	rng = random.Random(seed)
	now = now_datetime()
	today = getdate(nowdate())
	group = frappe.db.get_value("Customer Group", {"is_group": 0}, "name") or "All Customer Groups"
	territory = frappe.db.get_value("Territory", {"is_group": 0}, "name") or "All Territories"
	currency = frappe.get_cached_value("Company", company, "default_currency")
	receivable = frappe.get_cached_value("Company", company, "default_receivable_account")
	base = ["name", "creation", "modified", "owner", "modified_by", "docstatus"]
	with click.progressbar(range(0, customers, chunk), label="customers + archives") as bar:
		for start in bar:
			ids = range(start, min(start + chunk, customers))
			frappe.db.bulk_insert(
				"Customer",
				[*base, "customer_name", "customer_type", "customer_group", "territory", "crm_archive"],
				[
					(
						f"{PREFIX}C{i:07d}",
						now,
						now,
						"Administrator",
						"Administrator",
						0,
						f"Bench Customer {i}",
						"Company",
						group,
						territory,
						f"{PREFIX}A{i:07d}",
					)
					for i in ids
				],
			)
			frappe.db.bulk_insert(
				"Customer Archive",
				[*base, "full_name", "customer", "lifecycle_state", "remarks"],
				[
					(
						f"{PREFIX}A{i:07d}",
						now,
						now,
						"Administrator",
						"Administrator",
						0,
						f"Bench Customer {i}",
						f"{PREFIX}C{i:07d}",
						"Existing",
						MARK,
					)
					for i in ids
				],
			)
			frappe.db.commit()
	fields = [
		*base,
		"customer",
		"company",
		"posting_date",
		"due_date",
		"is_return",
		"currency",
		"conversion_rate",
		"base_net_total",
		"net_total",
		"base_grand_total",
		"grand_total",
		"outstanding_amount",
		"debit_to",
		"remarks",
		*(WIDE_FIELDS if wide else []),
	]
	# a statement must stay under MariaDB's max_allowed_packet (16 MB by default)
	per_statement = 4000 if wide else 10000
	with click.progressbar(range(0, invoices, chunk), label="sales invoices") as bar:
		for start in bar:
			rows = []
			for i in range(start, min(start + chunk, invoices)):
				if schedule is None:
					c = rng.randrange(customers)
					day = today - timedelta(days=rng.randrange(730))
				else:
					c, ago = schedule[i]
					day = today - timedelta(days=int(ago))
				is_return = 1 if rng.random() < 0.03 else 0
				amount = round(rng.lognormvariate(7.5, 1.0), 2) * (-1 if is_return else 1)
				rows.append(
					(
						f"{PREFIX}S{i:08d}",
						now,
						now,
						"Administrator",
						"Administrator",
						1,
						f"{PREFIX}C{c:07d}",
						company,
						day,
						day,
						is_return,
						currency,
						1,
						amount,
						amount,
						amount,
						amount,
						0,
						receivable,
						MARK,
						*(wide_values(c, amount) if wide else ()),
					)
				)
			frappe.db.bulk_insert("Sales Invoice", fields, rows, chunk_size=per_statement)
			frappe.db.commit()


def stock_aggregate_sql(as_of, window_days: int) -> str:
	from crm_archive.tiering.store import index, queries, rule_sets

	query = queries.metric_query(as_of, window_days)
	sql = query.get_sql()
	return sql.replace(
		"FROM `tabSales Invoice`",
		f"FROM `tabSales Invoice` IGNORE INDEX (`{index.INDEX_NAME}`, `{index.POSTING_INDEX_NAME}`)",
		1,
	)


def child_retier(site: str, sites_path: str) -> dict:
	"""Full re-tier in a fresh process (modules warmed as in a running worker): its wall time and its own
	peak RSS."""
	code = (
		"import json, resource, time, frappe\n"
		f"frappe.init(site={site!r}, sites_path={sites_path!r}); frappe.connect()\n"
		"from crm_archive.tiering.store.engine import retier\n"
		# what a running worker has loaded already: the condition evaluator's safe_exec (with its HTML
		# and RestrictedPython imports, 0.3-0.6 s in a fresh process) is not the re-tier's own time
		"import frappe.utils.safe_exec\n"
		# and the documents a worker has read before (the rule set, ranks, rounding, labels, metadata)
		"from crm_archive.tiering.store import explain, queries, rule_sets\n"
		"rule_sets.load_rule_set(); rule_sets.tier_ranks(); queries.money_rounding(); explain.metric_labels()\n"
		"frappe.get_meta('Customer Archive'); frappe.db.rollback()\n"
		"t = time.perf_counter(); stats = retier(trigger='Manual', commit=True); t = time.perf_counter() - t\n"
		"frappe.db.commit()\n"
		# peak RSS of this process (VmHWM): ru_maxrss would start at the parent's RSS (Linux keeps it
		# across exec), which after building the dataset is larger than the re-tier's own
		"rss = int(next(x for x in open('/proc/self/status') if x.startswith('VmHWM:')).split()[1]) / 1024\n"
		"print('RESULT ' + json.dumps({'seconds': t, 'max_rss_mb': rss, **stats}))\n"
	)
	return run_child(code, sites_path)


def run_child(code: str, sites_path: str) -> dict:
	"""Run `code` in a fresh Python (its own peak RSS) and return the JSON it printed after 'RESULT '."""
	# with its modules' bytecode cached, as a production bench has it (pip and bench write __pycache__):
	# under PYTHONDONTWRITEBYTECODE every fresh child would compile Frappe from source again (0.1-0.2 s
	# of each step's "first calls" on a machine that sets it)
	env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
	out = subprocess.run(
		[sys.executable, "-c", code], cwd=sites_path, capture_output=True, text=True, check=False, env=env
	)
	for line in out.stdout.splitlines():
		if line.startswith("RESULT "):
			return json.loads(line[7:])
	raise RuntimeError(out.stderr[-3000:])


def orm_loop(sample: list[tuple[str, str]], as_of, window_days: int) -> float:
	"""What a naive implementation does per customer: read its invoices, compute, save the archive."""
	start = time.perf_counter()
	window_start = add_days(as_of, -(window_days - 1))
	for archive, customer in sample:
		rows = frappe.get_all(
			"Sales Invoice",
			filters={"customer": customer, "docstatus": 1, "posting_date": ("<=", as_of)},
			fields=["posting_date", "is_return", "base_net_total"],
		)
		spend = sum(r.base_net_total for r in rows if getdate(r.posting_date) >= getdate(window_start))
		count = sum(1 for r in rows if not r.is_return and getdate(r.posting_date) >= getdate(window_start))
		doc = frappe.get_doc("Customer Archive", archive)
		doc.db_set({"window_spend": spend, "invoice_count": count}, update_modified=False)
	return (time.perf_counter() - start) / len(sample)


def loyalty_style(sample: list[tuple[str, str]], as_of) -> float:
	"""ERPNext's loyalty pattern (get_loyalty_details): one SUM … WHERE customer=%s per customer."""
	start = time.perf_counter()
	for _archive, customer in sample:
		frappe.db.sql(
			"""select sum(base_net_total) as total_spent from `tabSales Invoice`
			where customer=%s and docstatus=1 and posting_date <= %s group by customer""",
			(customer, as_of),
			as_dict=1,
		)
	return (time.perf_counter() - start) / len(sample)


def submit_cost(company: str, n: int = 12) -> dict:
	"""Real Sales Invoice submits with crm_archive's hooks on and off (alternating), plus the background
	incremental re-tier job's own time."""
	from crm_archive.devtools.setup_site import ensure_service_item
	from crm_archive.tiering.store.jobs import retier_customer_job

	item = ensure_service_item()
	customer = f"{PREFIX}SUBMIT"
	if not frappe.db.exists("Customer", customer):
		frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": customer,
				"customer_group": frappe.db.get_value("Customer Group", {"is_group": 0}, "name"),
				"territory": frappe.db.get_value("Territory", {"is_group": 0}, "name"),
			}
		).insert(ignore_permissions=True, set_name=customer)
	if not frappe.db.exists("Customer Archive", {"customer": customer}):
		frappe.get_doc({"doctype": "Customer Archive", "full_name": customer, "customer": customer}).insert(
			ignore_permissions=True
		)
	times = {True: [], False: []}
	job = []
	for i in range(n * 2):
		on = i % 2 == 0
		si = frappe.get_doc(
			{
				"doctype": "Sales Invoice",
				"company": company,
				"customer": customer,
				"remarks": MARK,
				"items": [{"item_code": item, "qty": 1, "rate": 100}],
			}
		)
		si.insert(ignore_permissions=True)
		frappe.flags.crm_archive_hooks_off = not on
		t, _ = timed(si.submit)
		frappe.flags.crm_archive_hooks_off = False
		frappe.db.commit()
		times[on].append(t)
		if on:
			jt, _ = timed(retier_customer_job, [customer], "Invoice Submit", ("Sales Invoice", si.name))
			job.append(jt)
			frappe.db.commit()
	med = lambda xs: sorted(xs)[len(xs) // 2]  # noqa: E731
	return {"submit_hooks_on": med(times[True]), "submit_hooks_off": med(times[False]), "job": med(job)}


def kept_dataset_matches(customers: int, invoices: int) -> bool:
	"""A kept ZZBENCH- dataset of exactly this size (archives and generated invoices)."""
	archives = frappe.db.sql(
		"select count(*) from `tabCustomer Archive` where name like %s and remarks = %s",
		(PREFIX + "A%", MARK),
	)[0][0]
	sales = frappe.db.sql(
		"select count(*) from `tabSales Invoice` where name like %s and remarks = %s", (PREFIX + "S%", MARK)
	)[0][0]
	return archives == customers and sales == invoices


def reset_kept_dataset():
	"""Back to untiered, as make_dataset leaves the archives: the engine's fields cleared and their logs
	removed, so the first full re-tier changes (and logs) every archive again."""
	like = PREFIX + "A%"
	frappe.db.sql("delete from `tabCustomer Archive Log` where customer_archive like %s", like)
	frappe.db.sql(
		"""update `tabCustomer Archive` set `tier` = null, `qualified_tier` = null,
			`tier_pending_since` = null, `tier_rule` = null, `tier_reason` = null, `window_spend` = 0,
			`lifetime_spend` = 0, `invoice_count` = 0, `average_order_value` = 0,
			`first_purchase_date` = null, `last_purchase_date` = null, `tier_updated_on` = null,
			`review_required` = 0
		where name like %s and remarks = %s""",
		(like, MARK),
	)
	frappe.db.commit()


def run(
	customers: int,
	invoices: int,
	sample: int = 200,
	keep: bool = False,
	skip_submit: bool = False,
	reuse: bool = False,
	repeat: int = 1,
	skip_stock: bool = False,
) -> dict:
	"""`reuse`: keep a kept dataset of the same size (reset to untiered) instead of building it again;
	`repeat`: the steady-state full re-tier that many times, each after its own covering-aggregate timing
	(the ratio is reported per pair, so a noisy machine compares like with like); `skip_stock`: no timing
	of the stock-schema aggregate (about 100 s at 1M invoices)."""
	from crm_archive.devtools.setup_site import default_company
	from crm_archive.tiering.store import index, queries, rule_sets

	company = default_company()
	as_of = getdate(nowdate())
	loaded = rule_sets.load_rule_set()
	window = loaded[0].window_days if loaded else 365
	index.ensure_index()
	if reuse and kept_dataset_matches(customers, invoices):
		click.echo(
			f"dataset: reusing the kept {customers} customers, {invoices} invoices (reset to untiered)"
		)
		reset_kept_dataset()
	else:
		cleanup()
		click.echo(f"dataset: {customers} customers, {invoices} invoices (company {company})")
		make_dataset(customers, invoices, company)
		frappe.db.sql("analyze table `tabSales Invoice`")

	queries.fetch_metric_rows(as_of, window)  # warm the buffer pool once for both variants
	t_idx, rows = timed(queries.fetch_metric_rows, as_of, window)
	t_stock = None if skip_stock else timed(frappe.db.sql, stock_aggregate_sql(as_of, window))[0]
	click.echo(
		f"aggregate: covering index {t_idx:.2f}s, stock schema "
		f"{'skipped' if t_stock is None else f'{t_stock:.2f}s'} ({len(rows)} customers)"
	)

	site, sites_path = frappe.local.site, os.path.abspath(frappe.local.sites_path)
	first = child_retier(site, sites_path)
	click.echo(f"first full re-tier (every archive changes): {first['seconds']:.2f}s")
	pairs_timed = []
	for i in range(max(repeat, 1)):
		t_pair = t_idx if i == 0 else timed(queries.fetch_metric_rows, as_of, window)[0]
		full = child_retier(site, sites_path)
		pairs_timed.append((t_pair, full))
		click.echo(
			f"full re-tier (nightly, steady state) #{i + 1}: {full['seconds']:.2f}s for {full['evaluated']} "
			f"archives ({full['changed']} changed), covering aggregate {t_pair:.2f}s, "
			f"ratio {full['seconds'] / t_pair:.2f}, peak RSS {full['max_rss_mb']:.0f} MB"
		)
	t_idx, full = sorted(pairs_timed, key=lambda p: p[1]["seconds"] / p[0])[len(pairs_timed) // 2]
	n_archives = full["evaluated"]
	per_customer = full["seconds"] / max(n_archives, 1)
	click.echo(
		f"full re-tier (nightly, steady state): {full['seconds']:.2f}s for {n_archives} archives, peak RSS {full['max_rss_mb']:.0f} MB"
	)

	rng = random.Random(2)
	picks = [f"{PREFIX}A{rng.randrange(customers):07d}" for _ in range(sample)]
	pairs = [(a, a.replace(f"{PREFIX}A", f"{PREFIX}C")) for a in picks]
	orm = orm_loop(pairs, as_of, window)
	frappe.db.rollback()
	loyalty = loyalty_style(pairs, as_of)
	result = {
		"customers": customers,
		"invoices": invoices,
		"aggregate_covering_s": round(t_idx, 3),
		"aggregate_stock_s": round(t_stock, 3) if t_stock else None,
		"full_retier_first_s": round(first["seconds"], 3),
		"full_retier_first_vs_covering_aggregate": round(first["seconds"] / t_idx, 2),
		"full_retier_s": round(full["seconds"], 3),
		"peak_rss_mb": round(max(*(f["max_rss_mb"] for _t, f in pairs_timed), first["max_rss_mb"]), 1),
		"full_retier_vs_covering_aggregate": round(full["seconds"] / t_idx, 2),
		"full_retier_vs_covering_aggregate_each": [round(f["seconds"] / t, 2) for t, f in pairs_timed],
		"stock_aggregate_vs_full_retier": round(t_stock / full["seconds"], 2) if t_stock else None,
		"orm_loop_per_customer_ms": round(orm * 1000, 3),
		"retier_per_customer_ms": round(per_customer * 1000, 4),
		"orm_loop_vs_retier_per_customer": round(orm / per_customer, 1),
		"loyalty_query_per_customer_ms": round(loyalty * 1000, 3),
		"loyalty_query_vs_retier_per_customer": round(loyalty / per_customer, 1),
	}
	if not skip_submit:
		sub = submit_cost(company)
		result.update(
			{
				"submit_hooks_off_ms": round(sub["submit_hooks_off"] * 1000, 1),
				"submit_hooks_on_ms": round(sub["submit_hooks_on"] * 1000, 1),
				"submit_overhead_pct": round(100 * (sub["submit_hooks_on"] / sub["submit_hooks_off"] - 1), 1),
				"incremental_job_ms": round(sub["job"] * 1000, 1),
			}
		)
	if not keep:
		cleanup()
	return result


def time_in_child(site: str, sites_path: str, call: str, timeout: int, warmup: str = "pass") -> float | None:
	"""Seconds one report call takes in a fresh process, after `warmup` has loaded modules and metadata
	(as a running web worker would have); None when it runs past `timeout`."""
	code = (
		"import json, time, frappe\n"
		f"frappe.init(site={site!r}, sites_path={sites_path!r}); frappe.connect(); frappe.set_user('Administrator')\n"
		"frappe.get_meta('Sales Invoice'); frappe.get_meta('Customer'); frappe.get_meta('Customer Archive')\n"
		f"{warmup}\n"
		f"t = time.perf_counter(); {call}; print('RESULT', time.perf_counter() - t)\n"
	)
	try:
		out = subprocess.run(
			[sys.executable, "-c", code],
			cwd=sites_path,
			capture_output=True,
			text=True,
			timeout=timeout,
			check=False,
		)
	except subprocess.TimeoutExpired:
		return None
	for line in out.stdout.splitlines():
		if line.startswith("RESULT "):
			return float(line.split()[1])
	raise RuntimeError(out.stderr[-2000:])


def dataset_is_wide() -> bool:
	return bool(
		frappe.db.sql(
			"select 1 from `tabSales Invoice` where name like %s and ifnull(terms, '') != '' limit 1",
			PREFIX + "S%",
		)
	)


def run_reports(
	customers: int, invoices: int, timeout: int = 600, keep: bool = False, wide: bool = True
) -> dict:
	"""Customer Value Analysis vs the covering-index aggregate and ERPNext's own customer reports."""
	from crm_archive.devtools.setup_site import default_company
	from crm_archive.tiering.store import index, queries, rule_sets

	company = default_company()
	site, sites_path = frappe.local.site, os.path.abspath(frappe.local.sites_path)
	today = nowdate()
	index.ensure_index()
	have = frappe.db.count("Sales Invoice", {"name": ("like", PREFIX + "S%")})
	if have != invoices or (have and dataset_is_wide() != wide):
		cleanup()
		click.echo(
			f"dataset: {customers} customers, {invoices} {'full-width' if wide else 'narrow'} invoices "
			f"(company {company})"
		)
		make_dataset(customers, invoices, company, wide=wide)
		frappe.db.sql("analyze table `tabSales Invoice`")
	table = frappe.db.sql(
		"""select avg_row_length, round((data_length + index_length) / 1048576)
		from information_schema.tables where table_schema = database() and table_name = 'tabSales Invoice'"""
	)[0]
	buffer_pool_mb = round(frappe.db.sql("select @@innodb_buffer_pool_size")[0][0] / 1048576)
	click.echo(
		f"tabSales Invoice: {table[0]} bytes a row, {table[1]} MB with indexes; "
		f"InnoDB buffer pool {buffer_pool_mb} MB"
	)
	# median of three, each after the same warm-up
	queries.fetch_metric_rows(getdate(today), 365)
	t_idx = sorted(timed(queries.fetch_metric_rows, getdate(today), 365)[0] for _ in range(3))[1]
	cva_runs = [
		time_in_child(
			site,
			sites_path,
			"from crm_archive.crm_archive.report.customer_value_analysis.customer_value_analysis import execute; "
			f"execute({{'as_of': '{today}', 'window_days': 365}})",
			timeout,
			warmup="from crm_archive.crm_archive.report.customer_value_analysis.customer_value_analysis import execute; "
			"execute({'account_manager': 'nobody@example.invalid'})",
		)
		for _ in range(3)
	]
	cva = sorted(cva_runs)[1]
	click.echo(
		f"Customer Value Analysis: {cva:.2f}s (runs {', '.join(f'{x:.2f}' for x in cva_runs)}); "
		f"covering aggregate {t_idx:.2f}s"
	)

	def erpnext_report(label: str, call: str, module: str) -> float | None:
		seconds = time_in_child(site, sites_path, call, timeout, warmup=f"import {module}")
		click.echo(f"{label}: {f'{seconds:.1f}' if seconds is not None else f'> {timeout}'} s")
		return seconds

	inactive_call = (
		"from erpnext.selling.report.inactive_customers.inactive_customers import execute; "
		"execute({'days_since_last_order': 60, 'doctype': 'Sales Invoice'})"
	)
	inactive_module = "erpnext.selling.report.inactive_customers.inactive_customers"
	loyalty_module = (
		"erpnext.selling.report.customer_acquisition_and_loyalty.customer_acquisition_and_loyalty"
	)
	start = add_days(today, -730)
	# ERPNext's reports as ERPNext ships them: this app's covering index made invisible to the optimizer
	# (MariaDB's IGNORED index, a metadata change undone below), as on a site without crm_archive.
	for name in (index.INDEX_NAME, index.POSTING_INDEX_NAME):
		frappe.db.sql_ddl(f"alter table `tabSales Invoice` alter index `{name}` ignored")
	try:
		inactive = erpnext_report("ERPNext Inactive Customers (stock schema)", inactive_call, inactive_module)
		loyalty = erpnext_report(
			"ERPNext Customer Acquisition and Loyalty (stock schema)",
			f"from {loyalty_module} import execute; "
			f"execute(frappe._dict({{'company': '{company}', 'from_date': '{start}', 'to_date': '{today}', "
			"'view_type': 'Monthly'}))",
			loyalty_module,
		)
	finally:
		for name in (index.INDEX_NAME, index.POSTING_INDEX_NAME):
			frappe.db.sql_ddl(f"alter table `tabSales Invoice` alter index `{name}` not ignored")
	# and with crm_archive installed: its covering index also serves Inactive Customers' per-customer query
	inactive_idx = erpnext_report(
		"ERPNext Inactive Customers (with crm_archive's index)", inactive_call, inactive_module
	)

	def secs(x):
		return round(x, 2) if x is not None else f"> {timeout}"

	result = {
		"customers": customers,
		"invoices": invoices,
		"invoice_rows": "full-width" if wide else "narrow",
		"invoice_avg_row_bytes": table[0],
		"invoice_table_mb": table[1],
		"innodb_buffer_pool_mb": buffer_pool_mb,
		"customer_value_analysis_s": round(cva, 3),
		"aggregate_covering_s": round(t_idx, 3),
		"value_analysis_vs_covering_aggregate": round(cva / t_idx, 2),
		"inactive_customers_s": secs(inactive),
		"inactive_customers_vs_value_analysis": round((inactive or timeout) / cva, 1),
		"acquisition_loyalty_s": secs(loyalty),
		"acquisition_loyalty_vs_value_analysis": round((loyalty or timeout) / cva, 1),
		"inactive_customers_with_crm_index_s": secs(inactive_idx),
		"inactive_customers_with_crm_index_vs_value_analysis": round((inactive_idx or timeout) / cva, 1),
	}
	if not keep:
		cleanup()
	return result
