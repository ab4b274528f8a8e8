"""The nightly re-tier: only the archives whose figures or tier can have changed since the last night
(the sources are named in crm_archive/tiering/changes.py), or every archive when the night cannot be
bounded (a missed or failed night, other rules, predictions in a condition: changes.full_run_reason).

Both go through the one engine path (engine.retier), so an archive is written exactly as a full run
writes it; tests/test_incremental_night.py replays simulated days and compares the two every day.

The last successful night (its date, when it began reading, and a fingerprint of what decides tiers)
is kept on CRM Archive Settings; it is written only when the night succeeded, so a failed night is
followed by a full one."""

from __future__ import annotations

from datetime import date, timedelta
from hashlib import md5

import frappe
from frappe.utils import get_datetime, getdate, now_datetime, nowdate

from crm_archive.tiering import changes as C
from crm_archive.tiering.store import jobs
from crm_archive.tiering.store.engine import retier
from crm_archive.tiering.store.rule_sets import load_rule_set

SETTINGS = "CRM Archive Settings"
# `modified` is set when a save begins and seen when it commits: an invoice saved just before a night
# began reading but committed after it is looked at again by the next night
OVERLAP = timedelta(minutes=15)


def last_night() -> C.LastNight:
	values = frappe.db.get_singles_dict(SETTINGS, cast=True)
	started = values.get("last_night_started")
	return C.LastNight(
		as_of=getdate(values["last_night_on"]) if values.get("last_night_on") else None,
		started=get_datetime(started) if started else None,
		fingerprint=values.get("last_night_fingerprint") or None,
	)


def fingerprint(rule_set, company) -> str:
	"""What decides tiers besides the invoices and the archives: the rule set (every row, window, grace,
	default tier), its Company, the tiers' ranks and review flags, the sums' rounding."""
	tiers = frappe.db.sql(
		"select `name`, `rank`, `dedicated_account_manager` from `tabCustomer Tier` order by `name`"
	)
	rounding = frappe.get_system_settings("rounding_method") or ""
	return md5(repr((rule_set, company, tiers, rounding)).encode()).hexdigest()


def nightly_retier(as_of=None, full: bool | None = None, trigger: str = "Scheduled") -> dict:
	"""The nightly re-tier. full=None: incremental when the last successful night was yesterday's (or
	tonight's) with the same rules, else full; full=True: a full run. Never overlaps a full re-tier (the
	same database lock). Records the night when it succeeded."""
	as_of = getdate(as_of or nowdate())
	loaded = load_rule_set()
	if not loaded:
		return {"evaluated": 0, "changed": 0, "skipped": "no active rule set"}
	rule_set, company = loaded
	if not jobs._get_lock(jobs.FULL_LOCK_NAME, timeout=0):
		frappe.logger("crm_archive").info("nightly re-tier skipped: a full re-tier is running")
		return {"skipped": "another full re-tier is running"}
	try:
		started = now_datetime()  # before anything is read: what changes from now on is tomorrow's
		print_ = fingerprint(rule_set, company)
		last = last_night()
		reason = "asked" if full else C.full_run_reason(last, as_of, print_, rule_set)
		commit = not frappe.flags.in_test
		if reason is None:
			sources = changed_archives(last, as_of, rule_set)
			names = sorted(set().union(*sources.values()))
			stats = (
				retier(
					archives=names,
					trigger=trigger,
					as_of=as_of,
					commit=commit,
					email_groups_of=sources["edits"],
				)
				if names
				else {}
			)
			stats = {"evaluated": 0, "changed": 0, "tier_changes": 0, **stats}
			stats["mode"] = "incremental"
			stats["sources"] = {s: len(v) for s, v in sources.items()}
		else:
			stats = retier(trigger=trigger, as_of=as_of, commit=commit, publish_progress=False)
			stats["mode"] = "full"
			stats["full_reason"] = reason
		record(as_of, started, print_, stats)
		if commit:
			frappe.db.commit()
		return stats
	finally:
		jobs._release_lock(jobs.FULL_LOCK_NAME)


def record(as_of: date, started, print_: str, stats: dict):
	for field, value in (
		("last_night_on", as_of),
		("last_night_started", started),
		("last_night_fingerprint", print_),
		("last_night_mode", "All Archives" if stats["mode"] == "full" else "Changed Archives"),
		("last_night_archives", stats.get("evaluated") or 0),
	):
		frappe.db.set_single_value(SETTINGS, field, value)


def changed_archives(last: C.LastNight, as_of: date, rule_set) -> dict[str, set[str]]:
	"""{source: archive names} for the sources of changes.SOURCES, each read through an index."""
	prev = last.as_of
	since = last.started - OVERLAP
	out: dict[str, set[str]] = {}
	# invoices submitted, cancelled or returned since the last night began (ERPNext sets `modified`),
	# their customers' archives found in the same statement
	out["invoices"] = set(
		frappe.db.sql_list(
			"""select a.`name` from `tabCustomer Archive` a join (
				select distinct `customer` from `tabSales Invoice` force index (`modified`)
				where `modified` >= %s) s on s.`customer` = a.`customer`""",
			since,
		)
	)
	window = set()
	for lo, hi in C.window_ranges(prev, as_of, rule_set.window_days):
		# the customers of a day's invoices from the (posting_date, docstatus, customer) index alone
		window.update(
			frappe.db.sql_list(
				"""select a.`name` from `tabCustomer Archive` a join (
					select distinct `customer` from `tabSales Invoice`
					where `posting_date` between %s and %s and `docstatus` = 1) s
					on s.`customer` = a.`customer`""",
				(lo, hi),
			)
		)
	out["window"] = window
	recency = set()
	for name, ks in (C.day_boundaries(rule_set) or {}).items():
		field = C.DAY_COUNTERS[name]
		for lo, hi in C.crossing_dates(ks, prev, as_of):
			recency.update(
				frappe.db.sql_list(
					f"""select `name` from `tabCustomer Archive` where `{field}` between %s and %s""",
					(lo, hi),
				)
			)
	out["recency"] = recency
	out["grace"] = set(
		frappe.db.sql_list(
			"""select `name` from `tabCustomer Archive`
			where `tier_pending_since` is not null and `tier_pending_since` <= %s""",
			C.grace_cutoff(as_of, rule_set.grace_days),
		)
	)
	out["edits"] = set(
		frappe.db.sql_list(
			"select `name` from `tabCustomer Archive` where `modified` >= %s",
			since,
		)
	)
	return out
