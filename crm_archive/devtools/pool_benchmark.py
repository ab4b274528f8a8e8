"""benchmark-pool: the customer pool's night and pool list at N archives.

Builds a throwaway ZZBENCH- set of archives on a benchmark tier (release after 60 days without an
interaction, warning 7 days before, escalation after 3 days overdue) spread over 200 reps: ~10 % silent
for longer than 60 days (due), ~5 % inside the warning window, ~5 % with a follow-up overdue; fills the
access table from scratch; then times, in one run:
- the pool's nightly step (crm_archive.pool.store.core.run: planned release days for every archive, the
  release of the due ones with their ToDos, shares, access rows and log rows, warnings, escalations)
  against a full re-tier of the same data (crm_archive.tiering.store.jobs.retier_all) — a ratio;
- a rep's pool list (the Customer Pool report, as it runs for the desk) against a manager's archive list
  page (20 rows through frappe.get_list), medians of `repeat` runs after a warm-up.
"""

import statistics
import time

import click
import frappe
from frappe.utils import add_days, getdate, now_datetime, nowdate

PREFIX = "ZZBENCH-"
TIER = "ZZBENCH Pool Tier"
REP = "zzbench.pool.rep@example.com"
MANAGER = "zzbench.pool.manager@example.com"


def _user(email: str, role: str):
	if not frappe.db.exists("User", email):
		frappe.get_doc(
			{"doctype": "User", "email": email, "first_name": email.split("@")[0], "send_welcome_email": 0}
		).insert(ignore_permissions=True)
	frappe.get_doc("User", email).add_roles(role)


def make_archives(n: int, reps: int = 200, chunk: int = 20000) -> dict:
	now = now_datetime()
	today = getdate(nowdate())
	long_ago = add_days(today, -400)
	counts = {"due": 0, "warned": 0, "overdue_follow_up": 0}
	base = ["name", "creation", "modified", "owner", "modified_by", "docstatus"]
	fields = [
		*base,
		"full_name",
		"account_manager",
		"lifecycle_state",
		"city",
		"tier",
		"pool_claimed_on",
		"last_interaction_date",
		"next_follow_up_date",
	]
	with click.progressbar(range(0, n, chunk), label="archives") as bar:
		for start in bar:
			rows = []
			for i in range(start, min(start + chunk, n)):
				manager = REP if i % reps == 0 else f"zzbench.pool.rep{i % reps}@example.com"
				bucket = i % 20
				if bucket in (0, 1):  # 10 %: silent for 61-90 days
					last = add_days(today, -(61 + i % 30))
					counts["due"] += 1
				elif bucket == 2:  # 5 %: released in 1-6 days
					last = add_days(today, -(54 + i % 6))
					counts["warned"] += 1
				else:
					last = add_days(today, -(i % 50))
				follow = add_days(today, -(4 + i % 10)) if bucket == 3 else None
				counts["overdue_follow_up"] += bucket == 3
				rows.append(
					(
						f"{PREFIX}P{i:07d}",
						now,
						now,
						"Administrator",
						"Administrator",
						0,
						f"Bench Pool {i}",
						manager,
						"Intentional",
						f"Bench City {i % 300}",
						TIER,
						long_ago,
						last,
						follow,
					)
				)
			frappe.db.bulk_insert("Customer Archive", fields, rows)
			frappe.db.commit()
	return counts


def cleanup():
	names = "select `name` from `tabCustomer Archive` where `name` like %(p)s"
	values = {"p": PREFIX + "P%"}
	frappe.db.sql(
		f"delete from `tabToDo` where `reference_type` = 'Customer Archive' and `reference_name` in ({names})",
		values,
	)
	frappe.db.sql(f"delete from `tabCustomer Archive Log` where `customer_archive` in ({names})", values)
	frappe.db.sql("delete from `tabCustomer Archive Access` where `archive` like %(p)s", values)
	frappe.db.sql("delete from `tabCustomer Archive` where `name` like %(p)s", values)
	frappe.db.commit()


def _median(fn, repeat: int) -> float:
	fn()
	times = []
	for _ in range(repeat):
		start = time.perf_counter()
		fn()
		times.append(time.perf_counter() - start)
	return statistics.median(times)


def run(archives: int = 100000, repeat: int = 5, keep: bool = False) -> dict:
	from frappe.desk.query_report import run as run_report

	from crm_archive.access import table as access
	from crm_archive.pool.store import core as store
	from crm_archive.tiering.store.jobs import retier_all

	frappe.set_user("Administrator")
	_user(REP, "CRM Archive User")
	_user(MANAGER, "CRM Archive Manager")
	if not frappe.db.exists("Customer Tier", TIER):
		frappe.get_doc({"doctype": "Customer Tier", "tier_name": TIER, "rank": 1}).insert(
			ignore_permissions=True
		)
	frappe.db.set_value(
		"Customer Tier",
		TIER,
		{"pool_release_no_interaction_days": 60, "pool_warning_days": 7, "pool_escalation_days": 3},
	)
	settings = frappe.get_doc("CRM Archive Settings")
	kept = {k: settings.get(k) for k in ("pool_enabled", "pool_holding_limit", "pool_claims_per_day")}
	frappe.db.set_single_value("CRM Archive Settings", "pool_enabled", 1)
	frappe.clear_document_cache("CRM Archive Settings", "CRM Archive Settings")
	cleanup()
	total_before = frappe.db.count("Customer Archive")
	counts = make_archives(archives)
	access.rebuild_all()
	frappe.db.commit()
	click.echo(f"{archives} ZZBENCH archives ({total_before} others on the site): {counts}")

	figures = {}
	try:
		start = time.perf_counter()
		night = store.run(getdate(nowdate()), "Scheduled")
		frappe.db.commit()
		figures["pool night"] = time.perf_counter() - start
		click.echo(f"pool night: {figures['pool night']:.2f} s — {night}")
		released = frappe.db.count("Customer Archive", {"name": ("like", PREFIX + "P%"), "in_pool": 1})
		rep_rows = frappe.db.sql(
			"""select count(*) from `tabCustomer Archive Access` x join `tabCustomer Archive` a
			on a.`name` = x.`archive` where a.`in_pool` = 1 and a.`name` like %s""",
			PREFIX + "P%",
		)[0][0]
		assert rep_rows == 0, f"{rep_rows} access rows left on released archives"

		start = time.perf_counter()
		retier = retier_all("Manual", publish_progress=False)
		frappe.db.commit()
		figures["full re-tier"] = time.perf_counter() - start
		click.echo(f"full re-tier: {figures['full re-tier']:.2f} s — evaluated {retier.get('evaluated')}")

		frappe.set_user(REP)
		figures["rep: pool list (report, up to 500 rows)"] = _median(
			lambda: run_report("Customer Pool", filters={}), repeat
		)
		figures["rep: pool list page (20 rows)"] = _median(lambda: store.pool_rows({}, limit=20), repeat)
		frappe.set_user(MANAGER)
		figures["manager: archive list page (20 rows)"] = _median(
			lambda: frappe.get_list(
				"Customer Archive", fields=["name", "full_name", "tier", "modified"], limit_page_length=20
			),
			repeat,
		)
		frappe.set_user("Administrator")
	finally:
		frappe.set_user("Administrator")
		if not keep:
			cleanup()
		for key, value in kept.items():
			frappe.db.set_single_value("CRM Archive Settings", key, value)
		frappe.clear_document_cache("CRM Archive Settings", "CRM Archive Settings")
		frappe.db.commit()

	click.echo(
		f"\nbenchmark-pool at {archives} archives ({released} released, {total_before} others on the site)"
	)
	for label, seconds in figures.items():
		click.echo(f"  {label:<45} {seconds * 1000:10.1f} ms")
	click.echo(f"  ratio pool night / full re-tier: {figures['pool night'] / figures['full re-tier']:.3f}")
	click.echo(
		"  ratio rep pool list page / manager list page: "
		f"{figures['rep: pool list page (20 rows)'] / figures['manager: archive list page (20 rows)']:.2f}"
	)
	return {"figures": figures, "released": released, "counts": counts}
