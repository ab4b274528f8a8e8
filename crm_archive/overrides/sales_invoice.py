"""Handlers on ERPNext's Sales Invoice: remember the tier at invoice time, re-tier after submit/cancel."""

import frappe

from crm_archive.tiering.store.jobs import archive_tier


def before_submit(doc, method=None):
	"""Keep the customer's tier at invoice time on the invoice, so history stays true later."""
	if frappe.flags.crm_archive_hooks_off:  # the benchmark's baseline
		return
	doc.crm_tier = archive_tier(doc.customer)


def on_submit(doc, method=None):
	_enqueue(doc, "Invoice Submit")


def on_cancel(doc, method=None):
	_enqueue(doc, "Invoice Cancel")


def _enqueue(doc, trigger: str):
	if frappe.flags.crm_archive_hooks_off:
		return
	if not frappe.db.exists("Customer Archive", {"customer": doc.customer}):
		return
	# After commit, in the background: ERPNext's submit is not slowed by the re-tier.
	frappe.enqueue(
		"crm_archive.tiering.store.jobs.retier_customer_job",
		queue="short",
		customers=[doc.customer],
		trigger=trigger,
		reference=("Sales Invoice", doc.name),
		enqueue_after_commit=True,
		now=bool(frappe.flags.in_test),
	)
