"""`bench crm-archive-dev benchmark-parallel`: a full re-tier at 100k archives by one process, and split into
chunk jobs (crm_archive/tiering/store/parallel.py) for one and for two RQ workers of the long queue.

Builds the tiering benchmark's throwaway ZZBENCH- dataset, runs one first full re-tier (every archive gets
its tier), then times steady-state runs: in-process `engine.retier` (what the nightly job does), and the
chunked run with one, then two workers of its own listening on a queue no other worker listens on (a
custom queue in common_site_config's `workers` for the run, removed afterwards). Prints seconds and
ratios; the tiers after each run are compared with the in-process run's.
"""

import os
import subprocess
import sys
import time

import click
import frappe
from frappe.utils import get_bench_path, getdate, nowdate

from crm_archive.devtools import benchmark
from crm_archive.tiering.store import engine, index, parallel

QUEUE = "crm_archive_bench"


def tiers() -> dict:
	return dict(
		frappe.db.sql(
			"select `name`, concat_ws('|', `tier`, `tier_pending_since`) from `tabCustomer Archive`"
			" where `name` like %s",
			f"{benchmark.PREFIX}%",
		)
	)


def start_workers(n: int) -> list[subprocess.Popen]:
	sites = os.path.join(get_bench_path(), "sites")
	return [
		subprocess.Popen(
			[sys.executable, "-m", "frappe.utils.bench_helper", "frappe", "worker", "--queue", QUEUE],
			cwd=sites,
			stdout=subprocess.DEVNULL,
			stderr=subprocess.DEVNULL,
		)
		for _ in range(n)
	]


def stop(workers):
	for w in workers:
		w.terminate()
	for w in workers:
		try:
			w.wait(timeout=30)
		except subprocess.TimeoutExpired:
			w.kill()


def timed_run(as_of, chunk_size: int) -> tuple[float, dict]:
	start = time.perf_counter()
	run = parallel.enqueue_full_retier_chunks(
		trigger="Manual", as_of=as_of, chunk_size=chunk_size, queue=QUEUE
	)
	while True:
		status = parallel.run_status(run["run_id"])
		if status["finished"] or status["failed"]:
			break
		time.sleep(0.2)
	return time.perf_counter() - start, status


def custom_queue(on: bool):
	"""The benchmark's own queue in common_site_config's `workers` (Frappe accepts only known queues)."""
	import json

	path = os.path.join(get_bench_path(), "sites", "common_site_config.json")
	with open(path) as f:
		conf = json.load(f)
	workers = dict(conf.get("workers") or {})
	if on:
		workers[QUEUE] = {"timeout": parallel.CHUNK_TIMEOUT}
	else:
		workers.pop(QUEUE, None)
	if workers:
		conf["workers"] = workers
	else:
		conf.pop("workers", None)
	with open(path, "w") as f:
		json.dump(conf, f, indent=1)
	frappe.local.conf = frappe._dict(frappe.get_site_config())


def run(
	customers: int = 100000, invoices: int = 1000000, chunk_size: int = 10000, keep: bool = False
) -> dict:
	try:
		custom_queue(True)
		return _run(customers, invoices, chunk_size, keep)
	finally:
		custom_queue(False)


def _run(customers: int, invoices: int, chunk_size: int, keep: bool) -> dict:
	from crm_archive.devtools.setup_site import default_company

	index.ensure_index()
	benchmark.cleanup()
	benchmark.make_dataset(customers, invoices, default_company())
	frappe.db.sql("analyze table `tabSales Invoice`")
	as_of = getdate(nowdate())
	engine.retier(trigger="Manual", as_of=as_of, commit=True)  # first run: every archive gets its tier
	start = time.perf_counter()
	engine.retier(trigger="Manual", as_of=as_of, commit=True)
	in_process = time.perf_counter() - start
	reference = tiers()
	out = {
		"archives": customers,
		"invoices": invoices,
		"chunk_size": chunk_size,
		"in_process_s": round(in_process, 2),
	}
	for n in (1, 2):
		workers = start_workers(n)
		try:
			time.sleep(8)  # the workers register with RQ
			seconds, status = timed_run(as_of, chunk_size)
		finally:
			stop(workers)
		out[f"workers_{n}_s"] = round(seconds, 2)
		out[f"workers_{n}_chunks_done"] = f"{status['done']}/{status['chunks']}"
		out[f"workers_{n}_distinct_workers"] = len(status.get("workers") or [])
		out[f"workers_{n}_same_tiers_as_in_process"] = tiers() == reference
	out["two_workers_vs_one"] = round(out["workers_1_s"] / out["workers_2_s"], 2)
	out["two_workers_vs_in_process"] = round(in_process / out["workers_2_s"], 2)
	if not keep:
		benchmark.cleanup()
	return out
