"""A full re-tier split over several RQ workers: every archive, in contiguous chunks, one job a chunk.

    enqueue_full_retier_chunks()   archive_names() in primary-key order → chunks → one job each on "long"
    retier_chunk()                 (in a worker) engine.retier(archives=chunk, …): its own row locks, commits
    run_status()                   how many chunks are done / failed / still queued, from Redis and RQ

Every chunk of a run re-tiers as of the same date (fixed when the run is enqueued), and engine.retier is
idempotent and locks the rows it writes chunk by chunk, so the chunks are independent: whichever worker
runs whichever chunk, in whatever order or at the same time, the run ends with the tiers one worker's
full re-tier gives. The run's record lives in Redis (the site's cache): chunk count, archives, and per
finished chunk its stats and which worker ran it.
"""

from __future__ import annotations

import json
import os
import time

import frappe
import redis
from frappe import _
from frappe.utils import cint, getdate, now_datetime, nowdate
from frappe.utils.background_jobs import get_job

from crm_archive.tiering.store import engine, queries

DEFAULT_CHUNK_SIZE = 10000
CHUNK_TIMEOUT = 1500  # seconds per chunk job (RQ's default for the long queue)
RUN_TTL = 7 * 24 * 60 * 60  # a run's record stays in Redis as long as RQ keeps failed jobs
JOB_PREFIX = "crm_retier_chunk"
SUMMED = ("evaluated", "changed", "tier_changes", "mixed_currencies")


def chunk_job_id(run_id: str, index: int) -> str:
	"""The job id of a run's chunk (frappe.enqueue prefixes it with the site)."""
	return f"{JOB_PREFIX}::{run_id}::{index}"


def _key(run_id: str) -> bytes:
	return frappe.cache.make_key(f"crm_archive:retier_run:{run_id}")


def _latest_key() -> bytes:
	return frappe.cache.make_key("crm_archive:retier_run:latest")


def _read(run_id: str) -> dict[str, str]:
	# the plain redis call: frappe's wrapper unpickles hash values and keeps them in a per-request cache
	raw = redis.Redis.hgetall(frappe.cache, _key(run_id))
	return {k.decode(): v.decode() for k, v in raw.items()}


def enqueue_full_retier_chunks(
	trigger: str = "Manual", as_of=None, chunk_size: int = DEFAULT_CHUNK_SIZE, queue: str = "long"
) -> dict:
	"""Enqueue a full re-tier as one job per `chunk_size` archives; returns {run_id, chunks, archives, as_of}.

	While the latest run still has chunks queued or running, nothing new is enqueued: that run is
	returned with already_running (a second run at once would only do the same work twice)."""
	chunk_size = cint(chunk_size)
	if chunk_size < 1:
		frappe.throw(_("The chunk size must be a positive number."))
	latest = frappe.cache.get(_latest_key())
	if latest:
		status = run_status(latest.decode())
		if status.get("queued") or status.get("started"):
			return {**status, "already_running": True}
	as_of = getdate(as_of or nowdate())
	names = queries.archive_names()
	chunks = [names[start : start + chunk_size] for start in range(0, len(names), chunk_size)]
	run_id = frappe.generate_hash(length=12)
	key = _key(run_id)
	redis.Redis.hset(
		frappe.cache,
		key,
		mapping={
			"chunks": len(chunks),
			"archives": len(names),
			"as_of": str(as_of),
			"trigger": trigger,
			"queue": queue,
			"chunk_size": chunk_size,
			"enqueued_on": str(now_datetime()),
			"done": 0,
		},
	)
	frappe.cache.expire(key, RUN_TTL)
	frappe.cache.set(_latest_key(), run_id, ex=RUN_TTL)
	for index, chunk in enumerate(chunks):
		frappe.enqueue(
			"crm_archive.tiering.store.parallel.retier_chunk",
			queue=queue,
			timeout=CHUNK_TIMEOUT,
			archives=chunk,
			trigger=trigger,
			as_of=str(as_of),
			run_id=run_id,
			chunk=index,
			job_id=chunk_job_id(run_id, index),
			enqueue_after_commit=False,
		)
	return {"run_id": run_id, "chunks": len(chunks), "archives": len(names), "as_of": str(as_of)}


def retier_chunk(
	archives: list[str], trigger: str, as_of: str, run_id: str, chunk: int | None = None
) -> dict:
	"""One chunk of a run (in a worker): re-tier these archives as of the run's date, then count it done."""
	from rq import get_current_job

	started = time.monotonic()
	stats = engine.retier(archives=archives, trigger=trigger, as_of=as_of, commit=True)
	job = get_current_job()
	if chunk is None and job:
		chunk = cint(job.id.rsplit("::", 1)[-1])
	result = {
		"chunk": chunk,
		"stats": stats,
		"worker": job.worker_name if job else None,
		"pid": os.getpid(),
		"worker_pid": os.getppid(),  # RQ runs each job in a work horse forked from the worker
		"seconds": round(time.monotonic() - started, 3),
	}
	key = _key(run_id)
	# counted once per chunk, even when RQ or a person runs a chunk again
	if frappe.cache.hsetnx(key, f"chunk:{chunk}", json.dumps(result, default=str)):
		with frappe.cache.pipeline() as pipe:
			pipe.hincrby(key, "done", 1)
			for field in SUMMED:
				if isinstance(stats.get(field), int):
					pipe.hincrby(key, field, stats[field])
			pipe.expire(key, RUN_TTL)
			pipe.execute()
	return result


def run_status(run_id: str) -> dict:
	"""{run_id, chunks, done, failed, queued, started, missing, finished, stats, workers, …} of a run.

	done counts the chunks that finished (their record in Redis); of the others, RQ's job status tells
	failed (or stopped / canceled), queued (or deferred / scheduled) and started; missing are chunks
	with neither a record nor a job (not enqueued yet, or their job expired without finishing)."""
	record = _read(run_id)
	if not record:
		return {"run_id": run_id, "found": False, "chunks": 0, "done": 0, "failed": 0, "finished": False}
	total = cint(record.get("chunks"))
	results = {}
	for field, value in record.items():
		if field.startswith("chunk:"):
			results[cint(field.split(":", 1)[1])] = json.loads(value)
	counts = {"failed": [], "queued": [], "started": [], "missing": []}
	for index in range(total):
		if index in results:
			continue
		job = get_job(chunk_job_id(run_id, index))
		status = job.get_status(refresh=False) if job else None
		if status in ("failed", "stopped", "canceled"):
			counts["failed"].append(index)
		elif status in ("queued", "deferred", "scheduled"):
			counts["queued"].append(index)
		elif status == "started":
			counts["started"].append(index)
		else:  # finished without a record cannot happen; no job: not enqueued yet or expired
			counts["missing"].append(index)
	return {
		"run_id": run_id,
		"found": True,
		"chunks": total,
		"archives": cint(record.get("archives")),
		"as_of": record.get("as_of"),
		"trigger": record.get("trigger"),
		"enqueued_on": record.get("enqueued_on"),
		"done": len(results),
		"failed": len(counts["failed"]),
		"failed_chunks": counts["failed"],
		"queued": len(counts["queued"]),
		"started": len(counts["started"]),
		"missing": len(counts["missing"]),
		"finished": len(results) == total,
		"stats": {field: cint(record.get(field)) for field in SUMMED},
		"workers": sorted({r.get("worker") or str(r.get("worker_pid")) for r in results.values()}),
		"results": [results[i] for i in sorted(results)],
	}
