"""`bench crm-archive-dev benchmark-email-groups`: the tiers' Email Groups kept by a full re-tier at 100k archives.

Builds the tiering benchmark's throwaway ZZBENCH- dataset (crm_archive/devtools/benchmark.py), gives every
archive an email (one in twenty marked No Marketing), runs a first full re-tier (every archive gets a tier
and joins its tier's Email Group), then times the nightly steady state: full re-tiers with the Email Group
sync and without it, best of three each. Checks that each tier group's subscribed members are exactly the
emails of that tier's archives without No Marketing, and prints the sync's share of a full re-tier against
the 20 % target.
"""

import time

import click
import frappe
from frappe.utils import getdate, nowdate

from crm_archive.devtools import benchmark
from crm_archive.tiering.store import benefits, engine, index

DOMAIN = "@bench.example"
TARGET = 0.20


def cleanup():
	frappe.db.sql("delete from `tabEmail Group Member` where `email` like %s", f"%{DOMAIN}")
	benchmark.cleanup()
	benefits.sync_email_groups([])  # nothing; counts are refreshed by the next real sync
	frappe.db.commit()


def membership_matches() -> dict:
	wanted = {}
	for tier, email in frappe.db.sql(
		"""select `tier`, lower(`email_id`) from `tabCustomer Archive`
		where `name` like %s and `no_marketing` = 0 and ifnull(`tier`, '') != ''""",
		f"{benchmark.PREFIX}%",
	):
		wanted.setdefault(benefits.email_group_title(tier), set()).add(email)
	have = {}
	for group, email in frappe.db.sql(
		"""select `email_group`, `email` from `tabEmail Group Member`
		where `email` like %s and `unsubscribed` = 0""",
		f"%{DOMAIN}",
	):
		have.setdefault(group, set()).add(email)
	return {
		"groups": len(wanted),
		"members": sum(len(v) for v in have.values()),
		"equal": wanted == have,
	}


def best_of(n: int, fn) -> float:
	best = None
	for _ in range(n):
		start = time.perf_counter()
		fn()
		elapsed = time.perf_counter() - start
		best = elapsed if best is None else min(best, elapsed)
	return best


def run(customers: int = 100000, invoices: int = 1000000, keep: bool = False) -> dict:
	from crm_archive.devtools.setup_site import default_company

	index.ensure_index()
	benefits.ensure_member_index()
	cleanup()
	make = benchmark.make_dataset
	make(customers, invoices, default_company())
	frappe.db.sql(
		"""update `tabCustomer Archive` set `email_id` = concat(lower(`name`), %s),
			`no_marketing` = (cast(substring(`name`, -7) as unsigned) %% 20 = 0)
		where `name` like %s""",
		(DOMAIN, f"{benchmark.PREFIX}%"),
	)
	frappe.db.commit()
	frappe.db.sql("analyze table `tabSales Invoice`")
	as_of = getdate(nowdate())
	start = time.perf_counter()
	engine.retier(trigger="Manual", as_of=as_of, commit=True)
	first = time.perf_counter() - start
	check = membership_matches()
	click.echo(f"first full re-tier with the Email Groups: {first:.1f} s; {check}")
	start = time.perf_counter()
	benefits.sync_email_groups()
	frappe.db.commit()
	sync_first = time.perf_counter() - start

	def sync():
		benefits.sync_email_groups()
		frappe.db.commit()

	sync_alone = best_of(3, sync)

	def full():
		engine.retier(trigger="Manual", as_of=as_of, commit=True)

	with_sync = best_of(3, full)
	real_sync = benefits.sync_email_groups
	benefits.sync_email_groups = lambda archives=None: {"added": 0, "removed": 0}
	try:
		without_sync = best_of(3, full)
	finally:
		benefits.sync_email_groups = real_sync
	out = {
		"archives": customers,
		"invoices": invoices,
		"email_groups": check["groups"],
		"members": check["members"],
		"membership_equals_tier_archives_with_email": check["equal"],
		"first_full_retier_s": round(first, 1),
		"sync_alone_first_after_run_s": round(sync_first, 2),
		"sync_alone_steady_s": round(sync_alone, 2),
		"full_retier_without_sync_s": round(without_sync, 2),
		"full_retier_with_sync_s": round(with_sync, 2),
		"sync_share_of_full_retier": round(with_sync / without_sync - 1, 3),
		"sync_share_vs_20pct_target": round((with_sync / without_sync - 1) / TARGET, 2),
	}
	if not keep:
		cleanup()
	return out
