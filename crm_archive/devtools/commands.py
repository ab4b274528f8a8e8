"""Bench commands for developers: `bench --site SITE crm-archive-dev make-demo | benchmark-… | load-test |
concurrency-check | fault-check` — demo data, the benchmarks behind docs/benchmarks.md and the reliability
checks behind docs/reliability.md. Operators' commands are the `crm-archive` group (crm_archive/commands.py)."""

import click
from frappe.commands import get_site, pass_context

from crm_archive.safeguards import connected


@click.group("crm-archive-dev")
def crm_archive_dev():
	"""crm_archive for developers: demo data, benchmarks, reliability checks."""


@crm_archive_dev.command("make-demo")
@click.option("--archives", default=60, show_default=True, help="How many archives to make")
@click.option("--seed", default=7, show_default=True, help="Random seed (same seed, same data)")
@pass_context
def make_demo(context, archives, seed):
	"""Deterministic demo data through ERPNext's own APIs."""
	import frappe

	from crm_archive.devtools.demo import make_demo as _make_demo

	with connected(get_site(context)):
		with click.progressbar(length=archives, label="Demo archives") as bar:
			last = [0]

			def progress(done, total):
				bar.update(done - last[0])
				last[0] = done

			stats = _make_demo(archives=archives, seed=seed, progress=progress)
		frappe.db.commit()
		click.echo(", ".join(f"{k}: {v}" for k, v in stats.items()))


@crm_archive_dev.command("benchmark-email-groups")
@click.option("--customers", default=100000, show_default=True)
@click.option("--invoices", default=1000000, show_default=True)
@click.option("--keep", is_flag=True, help="Keep the ZZBENCH- dataset afterwards")
@pass_context
def benchmark_email_groups(context, customers, invoices, keep):
	"""The tiers' Email Groups kept by a full re-tier: membership checked, the sync's share of the run."""
	import json

	import frappe

	from crm_archive.devtools import email_group_benchmark

	with connected(get_site(context)):
		click.echo(json.dumps(email_group_benchmark.run(customers, invoices, keep), indent=1))


@crm_archive_dev.command("benchmark-parallel")
@click.option("--customers", default=100000, show_default=True)
@click.option("--invoices", default=1000000, show_default=True)
@click.option("--chunk-size", default=10000, show_default=True)
@click.option("--keep", is_flag=True, help="Keep the ZZBENCH- dataset afterwards")
@pass_context
def benchmark_parallel(context, customers, invoices, chunk_size, keep):
	"""A full re-tier in one process and split into chunk jobs for one and two RQ workers."""
	import json

	import frappe

	from crm_archive.devtools import parallel_benchmark

	with connected(get_site(context)):
		click.echo(json.dumps(parallel_benchmark.run(customers, invoices, chunk_size, keep), indent=1))


@crm_archive_dev.command("benchmark-adoption")
@click.option("--customers", default=100000, show_default=True)
@click.option("--invoices", default=1000000, show_default=True)
@click.option("--sample", default=300, show_default=True, help="Customers adopted one by one for the ratio")
@click.option("--keep", is_flag=True, help="Keep the ZZBENCH- dataset (and the adopted archives) afterwards")
@click.option(
	"--reuse", is_flag=True, help="Reuse a dataset a --keep run left when it has these numbers (else build)"
)
@pass_context
def benchmark_adoption(context, customers, invoices, sample, keep, reuse):
	"""Set-based adoption of this many Customers against the one-by-one path, with reps saving meanwhile."""
	import json

	import frappe

	from crm_archive.devtools import adoption_benchmark

	with connected(get_site(context)):
		result = adoption_benchmark.run(customers, invoices, sample, keep, reuse)
		click.echo(json.dumps(result, indent=1, ensure_ascii=False, default=str))


@crm_archive_dev.command("benchmark-tiering")
@click.option("--customers", default=10000, show_default=True)
@click.option("--invoices", default=100000, show_default=True)
@click.option("--sample", default=200, show_default=True, help="Customers timed in the per-customer loops")
@click.option("--keep", is_flag=True, help="Keep the ZZBENCH- dataset afterwards")
@click.option("--skip-submit", is_flag=True, help="Skip the real Sales Invoice submit timing")
@click.option("--cleanup", "only_cleanup", is_flag=True, help="Only remove a kept ZZBENCH- dataset")
@click.option("--reuse", is_flag=True, help="Reuse a kept dataset of the same size (reset to untiered)")
@click.option("--repeat", default=1, show_default=True, help="Steady-state re-tiers, each with its aggregate")
@click.option("--skip-stock", is_flag=True, help="Skip the stock-schema aggregate (about 100 s at 1M)")
@pass_context
def benchmark_tiering(
	context, customers, invoices, sample, keep, skip_submit, only_cleanup, reuse, repeat, skip_stock
):
	"""Throwaway synthetic dataset; prints the re-tier figures as ratios."""
	import json

	import frappe

	from crm_archive.devtools import benchmark

	with connected(get_site(context)):
		if only_cleanup:
			benchmark.cleanup()
			click.echo("benchmark dataset removed")
			return
		result = benchmark.run(
			customers,
			invoices,
			sample=sample,
			keep=keep,
			skip_submit=skip_submit,
			reuse=reuse,
			repeat=repeat,
			skip_stock=skip_stock,
		)
		click.echo(json.dumps(result, indent=1, ensure_ascii=False))


@crm_archive_dev.command("benchmark-growth")
@click.option(
	"--sizes",
	default="10000:100000,30000:300000,100000:1000000",
	show_default=True,
	help="customers:invoices, comma-separated",
)
@click.option(
	"--chart",
	help="Write the log-log SVG chart here (a relative path is under the checkout, e.g. docs/growth.svg)",
)
@click.option("--keep", is_flag=True, help="Keep the last size's ZZBENCH- dataset afterwards")
@pass_context
def benchmark_growth(context, sizes, chart, keep):
	"""Each nightly step (CLV, full and incremental re-tier, lifecycle, pool, reminders, access) at each size:
	time, peak RSS of its own process, and the growth exponent of the time in customers (target ≤ 1.1)."""
	import json

	import frappe

	from crm_archive.devtools import growth, growth_benchmark

	try:
		parsed = growth.parse_sizes(sizes)
	except ValueError as e:
		raise click.BadParameter(str(e), param_hint="--sizes") from None
	with connected(get_site(context)):
		result = growth_benchmark.run(parsed, chart=chart, keep=keep)
		summary = {k: result[k] for k in ("machine", "sizes", "seconds", "peak_rss_mb", "exponents")}
		click.echo(json.dumps(summary, indent=1, ensure_ascii=False, default=str))


@crm_archive_dev.command("benchmark-clv")
@click.option("--customers", default=100000, show_default=True)
@click.option("--invoices", default=1000000, show_default=True)
@click.option("--keep", is_flag=True, help="Keep the ZZCLV- dataset afterwards")
@click.option("--no-write", is_flag=True, help="Skip the set-based write of p_alive etc. on the archives")
@click.option("--cleanup", "only_cleanup", is_flag=True, help="Only remove a kept ZZCLV- dataset")
@pass_context
def benchmark_clv(context, customers, invoices, keep, no_write, only_cleanup):
	"""The CLV pipeline (read, summarize, fit, score) against the covering-index aggregate, and its peak RSS."""
	import json

	import frappe

	from crm_archive.devtools import clv_benchmark

	with connected(get_site(context)):
		if only_cleanup:
			clv_benchmark.cleanup()
			click.echo("benchmark dataset removed")
			return
		result = clv_benchmark.run(customers, invoices, keep=keep, write=not no_write)
		click.echo(json.dumps(result, indent=1, ensure_ascii=False, default=str))


@crm_archive_dev.command("backtest-clv")
@click.option(
	"--calibration-end",
	help="Fit on the invoices up to this date (YYYY-MM-DD; default: today minus the holdout)",
)
@click.option(
	"--holdout-weeks", default=39, show_default=True, help="Weeks after the calibration end checked"
)
@click.option(
	"--company", help="Only this Company's invoices (default: the active tier rule set's, as at night)"
)
@click.option(
	"--cdnow",
	is_flag=True,
	help="The CDNOW sample of Fader, Hardie & Lee (2005) instead of the site's invoices "
	"(pip install --no-deps lifetimes)",
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON")
@pass_context
def backtest_clv(context, calibration_end, holdout_weeks, company, cdnow, as_json):
	"""The purchase model fitted on a calibration period against the holdout: per-customer MAE and RMSE
	against the naive baseline, aggregate expected vs actual repeat purchases, fit time."""
	import json

	import crm_archive.analysis.backtest as B
	import crm_archive.analysis.clv as clv

	if cdnow:
		if calibration_end or company or holdout_weeks != B.CDNOW_HOLDOUT_WEEKS:
			raise click.UsageError(
				"--cdnow is the literature's fixed check: no --calibration-end, --holdout-weeks or --company"
			)
		try:
			result, source = B.run_cdnow(), "CDNOW sample (Fader, Hardie & Lee 2005)"
		except (B.CdnowMissing, clv.ModelError) as e:
			raise click.ClickException(str(e)) from None
	else:
		import frappe

		from crm_archive.devtools import clv_backtest

		with connected(get_site(context)):
			try:
				result, used = clv_backtest.on_site(calibration_end, holdout_weeks, company)
				source = f"{frappe.local.site} submitted Sales Invoices ({used or 'all companies'})"
			except clv.ModelError as e:
				raise click.ClickException(f"no backtest on this site's invoices: {e}") from None
	if as_json:
		click.echo(json.dumps({"source": source, **result.as_dict()}, indent=1))
	else:
		from crm_archive.devtools.clv_backtest import describe

		click.echo("\n".join(describe(result, source)))


@crm_archive_dev.command("benchmark-duplicates")
@click.option("--archives", default=100000, show_default=True)
@click.option("--sample", default=200, show_default=True, help="Saves timed")
@click.option("--keep", is_flag=True, help="Keep the ZZDUP- archives afterwards")
@pass_context
def benchmark_duplicates(context, archives, sample, keep):
	"""The duplicate check on save at this many archives, against the first round's search, as ratios."""
	import json

	import frappe

	from crm_archive.devtools import duplicates_benchmark

	with connected(get_site(context)):
		click.echo(json.dumps(duplicates_benchmark.run(archives, sample, keep), indent=1, ensure_ascii=False))


@crm_archive_dev.command("benchmark-search")
@click.option("--archives", default=100000, show_default=True)
@click.option("--sample", default=50, show_default=True, help="Names searched, each typed five ways")
@click.option("--keep", is_flag=True, help="Keep the ZZSRCH- archives afterwards")
@pass_context
def benchmark_search(context, archives, sample, keep):
	"""Finding archives by name, pinyin or initials at this many archives, as ratios to 100 ms."""
	import json

	import frappe

	from crm_archive.devtools import search_benchmark

	with connected(get_site(context)):
		click.echo(json.dumps(search_benchmark.run(archives, sample, keep), indent=1, ensure_ascii=False))


@crm_archive_dev.command("benchmark-import")
@click.option("--rows", default=10000, show_default=True)
@click.option(
	"--baseline-rows",
	default=1000,
	show_default=True,
	help="Rows of a sample imported through the previous per-row path, for the ratio (0: none)",
)
@pass_context
def benchmark_import(context, rows, baseline_rows):
	"""Frappe's Data Import of a Chinese spreadsheet with 5 % bad rows: time, and what was refused why."""
	import json

	import frappe

	from crm_archive.devtools import import_benchmark

	with connected(get_site(context)):
		click.echo(
			json.dumps(import_benchmark.run(rows, baseline_rows), indent=1, ensure_ascii=False, default=str)
		)


@crm_archive_dev.command("benchmark-access")
@click.option("--archives", default=100000, show_default=True)
@click.option("--reps", default=200, show_default=True, help="Account managers the archives are spread over")
@click.option("--repeat", default=5, show_default=True)
@click.option("--keep", is_flag=True, help="Keep the ZZBENCH- archives afterwards")
@pass_context
def benchmark_access(context, archives, reps, repeat, keep):
	"""A rep's list page, count and link search against a manager's (access table), as ratios."""
	import frappe

	from crm_archive.devtools import access_benchmark

	with connected(get_site(context)):
		access_benchmark.run(archives, reps, repeat, keep)


@crm_archive_dev.command("benchmark-pool")
@click.option("--archives", default=100000, show_default=True)
@click.option("--repeat", default=5, show_default=True)
@click.option("--keep", is_flag=True, help="Keep the ZZBENCH- archives afterwards")
@pass_context
def benchmark_pool(context, archives, repeat, keep):
	"""The customer pool's nightly release against a full re-tier, and a rep's pool list against a
	manager's archive list, at N archives with ~10 % due for release."""
	import frappe

	from crm_archive.devtools import pool_benchmark

	with connected(get_site(context)):
		pool_benchmark.run(archives, repeat, keep)


@crm_archive_dev.command("benchmark-reports")
@click.option("--customers", default=10000, show_default=True)
@click.option("--invoices", default=100000, show_default=True)
@click.option(
	"--timeout", default=600, show_default=True, help="Seconds before an ERPNext report is given up"
)
@click.option("--keep", is_flag=True, help="Keep the ZZBENCH- dataset afterwards")
@click.option(
	"--narrow",
	is_flag=True,
	help="Fill only the invoice columns the aggregates read (default: full-width rows like real invoices)",
)
@pass_context
def benchmark_reports(context, customers, invoices, timeout, keep, narrow):
	"""Customer Value Analysis vs ERPNext's Inactive Customers and Customer Acquisition and Loyalty."""
	import json

	import frappe

	from crm_archive.devtools import benchmark

	with connected(get_site(context)):
		result = benchmark.run_reports(customers, invoices, timeout=timeout, keep=keep, wide=not narrow)
		click.echo(json.dumps(result, indent=1, ensure_ascii=False))


@crm_archive_dev.command("load-test")
@click.option(
	"--url", default="http://127.0.0.1:8000", show_default=True, help="The served desk (loopback only)"
)
@click.option("--users", default=50, show_default=True)
@click.option("--seconds", default=60, show_default=True)
@click.option("--managers", default=10, show_default=True)
@click.option(
	"--restart",
	type=click.Choice(["redis", "mariadb"]),
	help="Restart this local service a third into the run",
)
@click.option(
	"--retier",
	is_flag=True,
	help="Run full re-tiers back to back in another process for the whole run (edit p99 is the figure)",
)
@pass_context
def load_test(context, url, users, seconds, managers, restart, retier):
	"""Concurrent logged-in reps and managers creating interactions, editing archives, listing, reporting."""
	import json

	import frappe

	from crm_archive.devtools import reliability

	with connected(get_site(context)):
		click.echo(
			json.dumps(
				reliability.run(url, users, seconds, managers, restart=restart, retier=retier), indent=1
			)
		)


@crm_archive_dev.command("concurrency-check")
@click.option("--operations", default=500, show_default=True, help="Sales Invoice submits and cancels")
@pass_context
def concurrency_check(context, operations):
	"""Two full re-tiers together with real invoice submits/cancels; then check that everything converged."""
	import json

	import frappe

	from crm_archive.devtools import reliability

	with connected(get_site(context)):
		click.echo(json.dumps(reliability.concurrency_check(operations), indent=1, default=str))


@crm_archive_dev.command("fault-check")
@click.option("--customers", default=20000, show_default=True)
@click.option("--invoices", default=100000, show_default=True)
@click.option(
	"--merge-trials", default=8, show_default=True, help="Merges killed at moments spread over a run"
)
@click.option("--merge-interactions", default=20000, show_default=True, help="Interactions moved per merge")
@click.option("--only", type=click.Choice(["retier", "merge"]), help="Run one of the two checks")
@pass_context
def fault_check(context, customers, invoices, merge_trials, merge_interactions, only):
	"""Kill a full re-tier and a merge mid-run; show nothing is half-applied and the next run converges."""
	import json

	import frappe

	from crm_archive.devtools import reliability

	with connected(get_site(context)):
		result = {}
		if only in (None, "retier"):
			click.echo("killing a full re-tier mid-run …")
			result["retier"] = reliability.fault_check(customers, invoices)
		if only in (None, "merge"):
			click.echo(f"killing {merge_trials} merges mid-run …")
			result["merge"] = reliability.merge_fault_check(merge_trials, merge_interactions)
		click.echo(json.dumps(result, indent=1, default=str))
