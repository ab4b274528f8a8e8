"""`bench --site SITE crm-archive-dev benchmark-growth [--sizes 10000:100000,30000:300000,100000:1000000]
[--chart docs/growth.svg] [--keep]`

How each nightly step's cost grows with the site (issue #28, "cost growth"): the same nights at each size
(customers:invoices), then per step the time and peak memory at each size and the fitted growth exponent
(least-squares slope of log time against log customers; target ≤ 1.1, linear or better).

Dataset, per size: the ZZBENCH- dataset of benchmark-tiering (benchmark.make_dataset: customers, one
archive each, submitted Sales Invoice rows over two years, 3 % returns), REBUILT from nothing at every
size (the previous size's rows removed first) — make_dataset draws each invoice's customer from all
customers, so a grown dataset would not be the same shape as a fresh one. The generated rows are
backdated (customers and archives three days, each invoice to noon of its posting day), so a night sees
as changed only what the nights and the new invoices changed. Every archive gets one of 20 benchmark reps as account manager and a last interaction 0–119
days before D-2, so the pool, reminders and access steps have work; the access table is rebuilt; the
customer pool is switched on and every tier releases after 90 days without an interaction (settings and
tiers restored afterwards).

Nights, with D = today, every step of crm_archive.nightly.STEPS in order:
- night D-2 ("first night"): the re-tier forced full (incremental.nightly_retier(full=True), which
  records the night) — the dataset's first night, where every archive changes, reminders are created
  for all that are due, and so on; printed, not the growth figures;
- night D-1: the nightly default (nightly_retier(full=None)), which settles what the first night's moves
  (lifecycle, pool releases) left for the next;
- after each of these two nights a day passes (a_day_passes): what the night wrote and its recorded start
  move one day back, as the nights here run a minute apart;
- one new submitted invoice per 100 customers dated D, inserted as make_dataset inserts (docstatus 1,
  modified now);
- the covering-index aggregate alone (queries.fetch_metric_rows at D, the floor benchmark-tiering
  measures): median of three after a warm-up;
- night D ("steady state"), the growth figures: clv, the INCREMENTAL re-tier (nightly_retier(as_of=D),
  asserted to run incremental), lifecycle, pool, reminders, access;
- the FULL re-tier of the same night right after it (nightly_retier(as_of=D, full=True)): a full run's
  nightly steady state, and the replay test's check at this size — it must change nothing the
  incremental night left (asserted; printed as "incremental night == full run").

Memory: every step runs in its own fresh Python process (benchmark.run_child), connected like a
worker (safeguards installed, the step's modules and metadata loaded before the clock starts); its peak
RSS is that process's VmHWM (/proc/self/status) after the step — the resident peak of the process,
Frappe itself included (the peak before the step is reported too, as base_rss_mb). Not ru_maxrss: Linux
keeps it across execve, so a child's ru_maxrss is at least the RSS its parent had when it was spawned
(this command's, after building the dataset, is larger than most steps').
"""

from __future__ import annotations

import os
import random
import statistics
import time
from datetime import timedelta

import click
import frappe
from frappe.utils import add_days, getdate, now_datetime, nowdate

from crm_archive.devtools import benchmark as B
from crm_archive.devtools import growth

REPS = 20
REP = "zzbench.growth.rep{}@example.com"
NEW = f"{B.PREFIX}N"  # the night's new invoices
POOL_DAYS = 90
STEPS = ("clv", "retier", "lifecycle", "pool", "reminders", "access")
# loaded in each step's process before the clock starts, as a long-running worker has them
PRELOAD = (
	"crm_archive.nightly",
	"crm_archive.analysis.store.lifetime_value",
	"crm_archive.tiering.store.jobs",
	"crm_archive.lifecycle.store",
	"crm_archive.pool.store.core",
	"crm_archive.reminders.store",
	"crm_archive.access.table",
)
INCREMENTAL = "crm_archive.tiering.store.incremental"


def has_incremental() -> bool:
	try:
		__import__(INCREMENTAL)
	except ImportError:
		return False
	from crm_archive.tiering.store import incremental

	return hasattr(incremental, "nightly_retier")


def child(call: str, as_of) -> dict:
	"""`call` (an expression over `nightly`, `incremental` and `as_of`) in a fresh process: seconds, peak RSS
	(ru_maxrss) after it and before it, and what it returned."""
	site, sites_path = frappe.local.site, os.path.abspath(frappe.local.sites_path)
	preload = (*PRELOAD, INCREMENTAL) if has_incremental() else PRELOAD
	code = (
		"import importlib, json, time, frappe\n"
		"from frappe.utils import getdate\n"
		f"frappe.init(site={site!r}, sites_path={sites_path!r}); frappe.connect()\n"
		"frappe.set_user('Administrator')\n"
		"from crm_archive.safeguards import install; install()\n"
		# what a running worker has loaded already (as benchmark.child_retier): the condition evaluator's
		# safe_exec with its RestrictedPython imports
		"import frappe.utils.safe_exec\n"
		f"mods = [importlib.import_module(m) for m in {preload!r}]\n"
		"nightly, incremental = mods[0], mods[-1]\n"
		"for d in ('Customer Archive', 'Customer', 'Sales Invoice', 'ToDo', 'Customer Tier'):\n"
		"    frappe.get_meta(d)\n"
		f"as_of = getdate({str(as_of)!r})\n"
		"def rss():\n"
		"    with open('/proc/self/status') as f:\n"
		"        return int(next(x for x in f if x.startswith('VmHWM:')).split()[1]) / 1024\n"
		"base = rss()\n"
		f"t = time.perf_counter(); out = {call}; frappe.db.commit(); t = time.perf_counter() - t\n"
		"print('RESULT ' + json.dumps({'seconds': t, 'max_rss_mb': rss(), 'base_rss_mb': base, "
		"'result': out}, default=str))\n"
	)
	return B.run_child(code, sites_path)


def step_call(step: str, full: bool | None) -> str:
	if step == "retier" and has_incremental():
		return f"incremental.nightly_retier(as_of=as_of, full={full!r})"
	return f"nightly.{step}(as_of)"


def night(as_of, full: bool | None, label: str) -> dict:
	out = {}
	for step in STEPS:
		if step != "retier":
			name = step
		else:
			name = "retier (full)" if full or not has_incremental() else "retier (incremental)"
		try:
			run_step = retier_child if step == "retier" else child
			out[name] = run_step(step_call(step, full), as_of)
		except RuntimeError as e:
			if step == "retier":
				raise
			# as the nightly chain does: a failed step is reported and the next steps still run
			error = (str(e).strip().splitlines() or ["?"])[-1]
			out[name] = {"seconds": None, "max_rss_mb": None, "error": error}
			click.echo(f"  {label} {name:<22} FAILED: {error}")
			continue
		click.echo(f"  {label} {name:<22} {describe(out[name])}")
	return out


def describe(figures: dict) -> str:
	line = f"{figures['seconds']:9.3f} s  peak RSS {figures['max_rss_mb']:6.0f} MB"
	result = figures.get("result")
	if isinstance(result, dict) and "evaluated" in result:
		mode, changed = result.get("mode", "full"), result.get("changed", 0)
		line += f"  ({mode}: {result['evaluated']} evaluated, {changed} changed"
		if result.get("sources"):
			line += "; " + ", ".join(f"{k} {v}" for k, v in result["sources"].items() if v)
		line += ")"
	return line


def retier_child(call: str, as_of) -> dict:
	"""A re-tier in its own process; one skipped (another full re-tier held the lock) is an error here."""
	figures = child(call, as_of)
	if not isinstance(figures["result"], dict) or "evaluated" not in figures["result"]:
		raise RuntimeError(f"{call} at {as_of} did not run: {figures['result']}")
	return figures


def cleanup():
	"""The ZZBENCH- dataset (benchmark.cleanup) and what the nights made for its archives."""
	like = B.PREFIX + "A%"
	frappe.db.sql(
		"delete from `tabToDo` where `reference_type` = 'Customer Archive' and `reference_name` like %s", like
	)
	frappe.db.sql(
		"delete from `tabDocShare` where `share_doctype` = 'Customer Archive' and `share_name` like %s", like
	)
	frappe.db.sql("delete from `tabCustomer Archive Access` where `archive` like %s", like)
	frappe.db.commit()
	B.cleanup()
	# InnoDB keeps the pages a deleted dataset filled: a 10k dataset built after a 100k one was aggregated
	# over a 1M-row index of empty pages (0.7 s where 0.15 s is right). The tables are rebuilt, so each
	# size is measured as on a site that never held a bigger one.
	for table in REBUILT:
		frappe.db.sql_ddl(f"optimize table `{table}`")


REBUILT = (
	"tabSales Invoice",
	"tabCustomer",
	"tabCustomer Archive",
	"tabCustomer Archive Log",
	"tabCustomer Archive Access",
	"tabToDo",
	"tabDocShare",
)


def prepare_site() -> dict:
	"""The benchmark reps, the pool on, every tier releasing after POOL_DAYS; returns what to restore."""
	from crm_archive.devtools.pool_benchmark import _user

	frappe.set_user("Administrator")
	for n in range(REPS):
		_user(REP.format(n), "CRM Archive User")
	settings = frappe.get_doc("CRM Archive Settings")
	kept = {
		"settings": {"pool_enabled": settings.pool_enabled},
		"tiers": {
			t.name: t.pool_release_no_interaction_days
			for t in frappe.get_all("Customer Tier", fields=["name", "pool_release_no_interaction_days"])
		},
	}
	frappe.db.set_single_value("CRM Archive Settings", "pool_enabled", 1)
	for tier in kept["tiers"]:
		frappe.db.set_value("Customer Tier", tier, "pool_release_no_interaction_days", POOL_DAYS)
	frappe.clear_document_cache("CRM Archive Settings", "CRM Archive Settings")
	frappe.db.commit()
	return kept


def restore_site(kept: dict):
	for key, value in kept["settings"].items():
		frappe.db.set_single_value("CRM Archive Settings", key, value)
	for tier, days in kept["tiers"].items():
		frappe.db.set_value("Customer Tier", tier, "pool_release_no_interaction_days", days)
	frappe.clear_document_cache("CRM Archive Settings", "CRM Archive Settings")
	frappe.db.commit()


def assign_reps(day):
	"""Every ZZBENCH archive: one of the REPS as account manager, a last interaction 0–119 days before `day`;
	then the access table from scratch."""
	from crm_archive.access import table as access

	frappe.db.sql(
		"""update `tabCustomer Archive`
		set `account_manager` = concat('zzbench.growth.rep', cast(substr(`name`, 10) as unsigned) %% %(reps)s,
				'@example.com'),
			`last_interaction_date` = date_sub(%(day)s,
				interval (cast(substr(`name`, 10) as unsigned) * 7) %% 120 day)
		where `name` like %(like)s""",
		{"reps": REPS, "day": day, "like": B.PREFIX + "A%"},
	)
	access.rebuild_all()
	frappe.db.commit()


def backdate(old):
	"""The generated rows as if made before the nights: customers and archives at `old`, each invoice at
	noon of its posting day (at `old` when later), so what the nights read as changed since the previous
	night is what the nights and the new invoices changed, not the dataset's build."""
	like = B.PREFIX + "%"
	frappe.db.sql(
		"""update `tabSales Invoice` set `creation` = least(timestamp(`posting_date`, '12:00:00'), %(old)s),
			`modified` = least(timestamp(`posting_date`, '12:00:00'), %(old)s)
		where `name` like %(like)s and `remarks` = %(mark)s""",
		{"old": old, "like": like, "mark": B.MARK},
	)
	for doctype in ("Customer", "Customer Archive"):
		frappe.db.sql(
			f"update `tab{doctype}` set `creation` = %(old)s, `modified` = %(old)s where `name` like %(like)s",
			{"old": old, "like": like},
		)
	frappe.db.commit()


def a_day_passes(old):
	"""The nights here run a minute apart, not a day: what they wrote (the archives' and invoices' `modified`
	after the dataset's `old`) and the recorded start of the last night move one day back, so the next night
	sees the previous night's changes as a day old, as it would at night — without it, the incremental
	re-tier's overlap (minutes) would make it re-read what every earlier night of the run touched."""
	like = B.PREFIX + "%"
	for doctype in ("Customer Archive", "Sales Invoice"):
		frappe.db.sql(
			f"""update `tab{doctype}` set `modified` = `modified` - interval 1 day
			where `name` like %(like)s and `modified` > %(old)s""",
			{"like": like, "old": old},
		)
	if has_incremental():
		from frappe.utils import get_datetime

		started = frappe.db.get_single_value("CRM Archive Settings", "last_night_started")
		if started:
			frappe.db.set_single_value(
				"CRM Archive Settings", "last_night_started", get_datetime(started) - timedelta(days=1)
			)
	frappe.db.commit()


def add_invoices(customers: int, company: str, day, seed: int = 3) -> int:
	"""One submitted invoice per 100 customers dated `day`, inserted as make_dataset inserts them."""
	rng = random.Random(seed)
	now = now_datetime()
	currency = frappe.get_cached_value("Company", company, "default_currency")
	receivable = frappe.get_cached_value("Company", company, "default_receivable_account")
	n = max(customers // 100, 1)
	fields = [
		*("name", "creation", "modified", "owner", "modified_by", "docstatus"),
		*("customer", "company", "posting_date", "due_date", "is_return", "currency", "conversion_rate"),
		*("base_net_total", "net_total", "base_grand_total", "grand_total", "outstanding_amount"),
		*("debit_to", "remarks"),
	]
	rows = []
	for i in range(n):
		c = i * 100 + rng.randrange(100) if customers >= 100 else rng.randrange(customers)
		amount = round(rng.lognormvariate(7.5, 1.0), 2)
		rows.append(
			(
				f"{NEW}{i:07d}",
				*(now, now, "Administrator", "Administrator", 1),
				f"{B.PREFIX}C{c:07d}",
				*(company, day, day, 0, currency, 1),
				*(amount, amount, amount, amount, 0),
				receivable,
				B.MARK,
			)
		)
	frappe.db.bulk_insert("Sales Invoice", fields, rows, chunk_size=10000)
	frappe.db.commit()
	return n


def aggregate_floor(as_of, window: int) -> float:
	from crm_archive.tiering.store import queries

	queries.fetch_metric_rows(as_of, window)  # warm-up
	return statistics.median(B.timed(queries.fetch_metric_rows, as_of, window)[0] for _ in range(3))


def one_size(customers: int, invoices: int, company: str, window: int) -> dict:
	today = getdate(nowdate())
	yesterday = add_days(today, -1)
	incremental = has_incremental()
	started = time.perf_counter()
	cleanup()
	click.echo(f"\n== {customers:,} customers, {invoices:,} invoices (company {company})")
	B.make_dataset(customers, invoices, company)
	before = add_days(today, -2)
	old = now_datetime() - timedelta(days=3)
	backdate(old)
	assign_reps(before)
	frappe.db.sql("analyze table `tabSales Invoice`")
	frappe.db.sql("analyze table `tabCustomer Archive`")
	frappe.db.commit()
	click.echo(f"  dataset built in {time.perf_counter() - started:.0f} s")

	first = night(before, True, "D-2")  # the dataset's first night: every archive changes
	a_day_passes(old)
	night(yesterday, None, "D-1")  # what the first night's moves left for the next
	a_day_passes(old)
	new = add_invoices(customers, company, today)
	floor = aggregate_floor(today, window)
	click.echo(f"  {new} new invoices dated D; covering-index aggregate alone {floor:.3f} s")
	named = names_for_tonight(today) if incremental else []
	steady = night(today, None, "D  ")
	if incremental:
		mode = steady["retier (incremental)"]["result"].get("mode")
		assert mode == "incremental", f"the night after a recorded night ran {mode!r}, not incremental"
		# the full re-tier of the same night, right after it: the nightly steady state of a full run, and
		# the replay test's check at this size — it must find nothing the incremental night left to change
		steady["retier (full)"] = retier_child("incremental.nightly_retier(as_of=as_of, full=True)", today)
		full = steady["retier (full)"]
		click.echo(f"  D   {'retier (full)':<22} {describe(full)}")
		left = full["result"].get("changed", 0) + full["result"].get("tier_changes", 0)
		click.echo(f"  incremental night == full run: {'yes' if not left else 'NO'} ({left} changes left)")
		assert not left, f"the full run after the incremental night changed {left} archives"
		least = night_floor(named, today, window)
		click.echo(
			f"  the night's own floor, {len(named):,} archives: their invoices read {least['read_s']:.3f} s, "
			f"written once {least['write_s']:.3f} s = {(least['read_s'] + least['write_s']) / floor:.3f}× "
			"the aggregate"
		)
	# (before the incremental re-tier exists, night D's re-tier is the nightly step: a full run)
	full = steady["retier (full)"]
	out = {
		"customers": customers,
		"invoices": invoices,
		"new_invoices": new,
		"aggregate_s": floor,
		"first_night": first,
		"night": steady,
		"full_vs_aggregate": full["seconds"] / floor,
		"wall_s": time.perf_counter() - started,
	}
	if incremental:
		out["incremental_vs_aggregate"] = steady["retier (incremental)"]["seconds"] / floor
		out["night_floor"] = least
		out["night_floor_vs_aggregate"] = (least["read_s"] + least["write_s"]) / floor
	return out


def names_for_tonight(as_of) -> list[str]:
	"""The archives tonight's incremental re-tier will read (its sources, read-only, before it runs)."""
	from crm_archive.tiering.store import incremental, rule_sets

	rule_set, _company = rule_sets.load_rule_set()
	sources = incremental.changed_archives(incremental.last_night(), as_of, rule_set)
	return sorted(set().union(*sources.values()))


def night_floor(names: list[str], as_of, window: int) -> dict:
	"""What any night that must bring these archives up to date cannot avoid, each timed alone here: their
	customers' invoices read (the covering-index aggregate of just those customers, 2,000 a statement, as
	the night reads them) and each archive written once (a bare UPDATE of one column by primary key, 1,000
	a statement), rolled back."""
	from crm_archive.tiering.store import queries

	customers = []
	for start in range(0, len(names), 1000):
		customers += frappe.db.sql_list(
			"select `customer` from `tabCustomer Archive` where `name` in %s and ifnull(`customer`, '') != ''",
			(tuple(names[start : start + 1000]),),
		)
	started = time.perf_counter()
	for start in range(0, len(customers), 2000):
		queries.fetch_metric_rows(as_of, window, customers[start : start + 2000])
	read = time.perf_counter() - started
	started = time.perf_counter()
	for start in range(0, len(names), 1000):
		frappe.db.sql(
			"update `tabCustomer Archive` set `window_spend` = `window_spend` + 0.01 where `name` in %s",
			(tuple(names[start : start + 1000]),),
		)
	write = time.perf_counter() - started
	frappe.db.rollback()
	return {"archives": len(names), "read_s": read, "write_s": write}


def machine() -> dict:
	return {
		"cores": os.cpu_count(),
		"load_average": [round(x, 2) for x in os.getloadavg()],
		"innodb_buffer_pool_mb": round(frappe.db.sql("select @@innodb_buffer_pool_size")[0][0] / 1048576),
		"mariadb": frappe.db.sql("select version()")[0][0],
	}


ROW_ORDER = (
	"aggregate (floor)",
	"clv",
	"retier (full)",
	"retier (incremental)",
	"lifecycle",
	"pool",
	"reminders",
	"access",
)


def run(sizes: list[tuple[int, int]], chart: str | None = None, keep: bool = False) -> dict:
	from crm_archive.devtools.setup_site import default_company
	from crm_archive.tiering.store import index, rule_sets

	company = default_company()
	loaded = rule_sets.load_rule_set()
	window = loaded[0].window_days if loaded else 365
	index.ensure_index()
	before = machine()
	click.echo(
		f"benchmark-growth on {frappe.local.site}: {before['cores']} cores, load average "
		f"{before['load_average']}, MariaDB {before['mariadb']}, "
		f"buffer pool {before['innodb_buffer_pool_mb']} MB"
	)
	if not has_incremental():
		click.echo(f"note: {INCREMENTAL}.nightly_retier is not in this checkout: no incremental figure")
	kept = prepare_site()
	results = []
	try:
		for customers, invoices in sizes:
			results.append(one_size(customers, invoices, company, window))
	finally:
		if not keep:
			cleanup()
		restore_site(kept)

	seconds: dict[str, list[float | None]] = {}
	rss: dict[str, list[float | None]] = {}
	for row in ROW_ORDER:
		if row == "aggregate (floor)":
			seconds[row] = [r["aggregate_s"] for r in results]
			rss[row] = [None] * len(results)
		elif all(row in r["night"] for r in results):
			seconds[row] = [r["night"][row]["seconds"] for r in results]
			rss[row] = [r["night"][row]["max_rss_mb"] for r in results]
	first_seconds = {
		step: [r["first_night"][step]["seconds"] for r in results] for step in results[0]["first_night"]
	}
	first_rss = {
		step: [r["first_night"][step]["max_rss_mb"] for r in results] for step in results[0]["first_night"]
	}
	after = machine()
	done = [(r["customers"], r["invoices"]) for r in results]
	click.echo(
		f"\nfirst night (D-2: the dataset's first, every archive changes) — time / peak RSS:\n"
		f"{growth.table(done, first_seconds, first_rss)}"
	)
	click.echo(
		"\nsteady-state night (D: one new invoice per 100 customers) — time / peak "
		"RSS of the step's own process, and the growth exponent of the time in customers (target ≤ 1.1):\n"
		f"{growth.table(done, seconds, rss)}"
	)
	for r in results:
		ratio = f"full ÷ aggregate {r['full_vs_aggregate']:.2f}"
		if "incremental_vs_aggregate" in r:
			ratio = (
				f"incremental ÷ aggregate {r['incremental_vs_aggregate']:.3f} (target ≤ 0.1; the night's "
				f"own floor {r['night_floor_vs_aggregate']:.3f}), " + ratio
			)
		click.echo(f"  {r['customers']:,}/{r['invoices']:,}: {ratio}")
	click.echo(
		f"machine: {after['cores']} cores; load average before {before['load_average']}, after "
		f"{after['load_average']}"
	)
	for r in results:
		for label, steps in (("D-1", r["first_night"]), ("D", r["night"])):
			for step, figures in steps.items():
				if figures.get("error"):
					click.echo(
						f"FAILED at {r['customers']:,}/{r['invoices']:,}, night {label}, {step}: "
						f"{figures['error']}"
					)
	exponents = {step: growth.exponent([c for c, _i in done], ts) for step, ts in seconds.items()}
	if chart:
		path = chart if os.path.isabs(chart) else os.path.join(repo_root(), chart)
		os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
		with open(path, "w", encoding="utf-8") as f:
			f.write(
				growth.svg_chart(
					[c for c, _i in done],
					seconds,
					x_label="customers (invoices: " + ", ".join(f"{i:,}" for _c, i in done) + ")",
					note=f"crm_archive benchmark-growth, steady-state night; {after['cores']} cores, "
					f"MariaDB buffer pool {after['innodb_buffer_pool_mb']} MB",
				)
			)
		click.echo(f"chart: {path}")
	return {
		"machine": {"before": before, "after": after},
		"sizes": done,
		"seconds": seconds,
		"peak_rss_mb": rss,
		"exponents": exponents,
		"first_night_seconds": first_seconds,
		"results": results,
	}


def repo_root() -> str:
	"""The checkout crm_archive runs from (a relative --chart is written there, e.g. docs/growth.svg)."""
	return os.path.dirname(frappe.get_app_path("crm_archive"))
