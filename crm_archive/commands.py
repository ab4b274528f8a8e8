"""Bench commands for operators: `bench --site SITE crm-archive adopt-customers | retier-parallel | nightly`.

Demo data, benchmarks and reliability checks are the developers' `crm-archive-dev` group
(crm_archive/devtools/commands.py), listed apart in `bench --help`."""

import click
from frappe.commands import get_site, pass_context

from crm_archive.devtools.commands import crm_archive_dev
from crm_archive.safeguards import connected


@click.group("crm-archive")
def crm_archive():
	"""crm_archive for operators: adopt existing Customers, re-tier across workers, run the night now."""


@crm_archive.command("adopt-customers")
@pass_context
def adopt_customers(context):
	"""Archives for every Customer that has none, set-based, then one re-tier and one lifecycle pass
	(idempotent; after a kill, run it again to finish)."""
	import frappe

	from crm_archive.adoption import adopt_all, customers_without_archive

	with connected(get_site(context)):
		total = len(customers_without_archive())
		with click.progressbar(length=max(total, 1), label="Archiving customers") as bar:
			done = [0]

			def progress(n, _total):
				bar.update(n - done[0])
				done[0] = n

			stats = adopt_all(publish=False, progress=progress)
		final = stats.get("retier") or {}
		click.echo(
			f"{stats['created']} archives created with {stats.get('tier_changes', 0)} tier changes and "
			f"lifecycle moves {stats.get('moves')}; then the full re-tier changed {final.get('changed', 0)} "
			f"archives and the lifecycle pass moved {final.get('lifecycle') or {}}; seconds: "
			f"{stats.get('seconds')}"
		)


@crm_archive.command("retier-parallel")
@click.option(
	"--chunk-size",
	default=10000,
	show_default=True,
	type=click.IntRange(min=1),
	help="Archives per chunk job (each chunk is one job on the long queue)",
)
@click.option("--wait", is_flag=True, help="Show the chunks' progress until every chunk is done")
@pass_context
def retier_parallel(context, chunk_size, wait):
	"""A full re-tier split into chunk jobs on the long queue, for as many RQ workers as listen there
	(every chunk as of today: the same tiers whichever worker runs which chunk)."""
	import time

	import frappe

	from crm_archive.tiering.store.parallel import enqueue_full_retier_chunks, run_status

	with connected(get_site(context)):
		run = enqueue_full_retier_chunks(chunk_size=chunk_size)
		if run.get("already_running"):
			click.echo(f"run {run['run_id']} is still running ({run['done']}/{run['chunks']} chunks done)")
		else:
			click.echo(f"run {run['run_id']}: {run['archives']} archives in {run['chunks']} chunk jobs")
		if not wait:
			return
		started = time.monotonic()
		with click.progressbar(length=max(run["chunks"], 1), label="Re-tier chunks") as bar:
			shown = 0
			while True:
				status = run_status(run["run_id"])
				bar.update(status["done"] - shown)
				shown = status["done"]
				if status["finished"] or not (status["queued"] or status["started"]):
					break
				time.sleep(1)
		stats = status.get("stats") or {}
		click.echo(
			f"{status['done']}/{status['chunks']} chunks done in {time.monotonic() - started:.1f} s "
			f"by {len(status.get('workers') or [])} workers; {stats.get('changed', 0)} archives changed, "
			f"{stats.get('tier_changes', 0)} tier changes"
		)
		if not status["finished"]:
			raise click.ClickException(
				f"{status['failed']} chunks failed (chunks {status.get('failed_chunks')}), "
				f"{status.get('missing', 0)} missing: see RQ's failed jobs, then run again"
			)


@crm_archive.command("nightly")
@click.option("--full", is_flag=True, help="Re-tier every archive, not only those that can have changed")
@pass_context
def nightly(context, full):
	"""Run the nightly chain now (CLV, re-tier, lifecycle, pool, reminders, access check), each step timed."""
	from crm_archive.nightly import run

	with connected(get_site(context)):
		report = run(full=True if full else None)
		for step, entry in report.items():
			result = entry.get("result") if isinstance(entry.get("result"), dict) else {}
			mode = f"  {result['mode']} ({result.get('evaluated', 0)} archives)" if "mode" in result else ""
			click.echo(f"{step:10} {entry['seconds']:8.2f} s  {entry.get('error') or 'ok'}{mode}")


commands = [crm_archive, crm_archive_dev]
