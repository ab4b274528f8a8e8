"""Entry points that run the engine as jobs: the full re-tier (two never overlap: job id and a database
lock), its enqueueing, and the incremental job after an invoice."""

from __future__ import annotations

import frappe

from crm_archive.tiering.store.engine import retier

FULL_LOCK_NAME = "crm_archive:retier_all"  # only full runs exclude each other


INCREMENTAL_WAIT_S = 30  # an incremental job waits this long for a chunk's row locks (queue timeout 300 s)


FULL_JOB_ID = "crm_archive:retier_all"


def retier_all(
	trigger: str = "Scheduled",
	as_of=None,
	publish_progress: bool = True,
	metrics_read: tuple | None = None,
) -> dict:
	"""Full re-tier; two full runs never overlap (the job id dedups the queue, a database lock the rest).
	Incremental jobs take no such lock: the row locks of each chunk keep them and a full run consistent.
	`metrics_read`: see retier."""
	if not _get_lock(FULL_LOCK_NAME, timeout=0):
		frappe.logger("crm_archive").info("full re-tier skipped: another full re-tier is running")
		return {"skipped": "another full re-tier is running"}
	try:
		# Commit chunk by chunk in real runs; inside tests the test case's rollback must keep working.
		stats = retier(
			trigger=trigger,
			as_of=as_of,
			publish_progress=publish_progress,
			commit=not frappe.flags.in_test,
			metrics_read=metrics_read,
		)
		return stats
	finally:
		_release_lock(FULL_LOCK_NAME)


def enqueue_retier_all(trigger: str = "Scheduled") -> None:
	frappe.enqueue(
		"crm_archive.tiering.store.jobs.retier_all",
		queue="long",
		timeout=3600,
		job_id=FULL_JOB_ID,
		deduplicate=True,
		trigger=trigger,
		enqueue_after_commit=True,
	)


def retier_customer_job(customers: list[str], trigger: str, reference: tuple[str, str] | None = None):
	"""Incremental re-tier of a few customers (after an invoice). It waits for a running full re-tier's
	chunk (row locks, at most INCREMENTAL_WAIT_S), never for the whole run."""
	from crm_archive.lifecycle.store import after_invoice

	frappe.db.sql(f"SET SESSION innodb_lock_wait_timeout = {int(INCREMENTAL_WAIT_S)}")
	stats = retier(customers=customers, trigger=trigger, reference=reference)
	if trigger == "Invoice Submit":
		stats["lifecycle_moves"] = after_invoice(customers, trigger)
	return stats


def _get_lock(name: str, timeout: int) -> bool:
	return bool(frappe.db.sql("SELECT GET_LOCK(%s, %s)", (name, timeout))[0][0])


def _release_lock(name: str):
	frappe.db.sql("SELECT RELEASE_LOCK(%s)", name)


def archive_tier(customer: str) -> str | None:
	return frappe.db.get_value("Customer Archive", {"customer": customer}, "tier")
