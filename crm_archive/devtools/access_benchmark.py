"""benchmark-access: a rep's list page, count and link search against a manager's at N archives.

Builds a throwaway ZZBENCH- set of archives spread over `reps` account managers (one of them a real
benchmark user with the CRM Archive User role), fills the access table from scratch, and times each
read path through Frappe's own APIs as the manager and as the rep (median of `repeat` runs after one
warm-up). Also times the first round's condition (an OR over columns and ToDo / DocShare subqueries) on
the same data, and checks that the incrementally kept access rows equal a rebuild from scratch."""

import statistics
import time

import click
import frappe
from frappe.utils import now_datetime

PREFIX = "ZZBENCH-"
REP = "zzbench.rep@example.com"
MANAGER = "zzbench.manager@example.com"


def _user(email: str, role: str):
	if not frappe.db.exists("User", email):
		frappe.get_doc(
			{"doctype": "User", "email": email, "first_name": email.split("@")[0], "send_welcome_email": 0}
		).insert(ignore_permissions=True)
	user = frappe.get_doc("User", email)
	user.new_password = PASSWORD
	user.save(ignore_permissions=True)
	user.add_roles(role)
	frappe.db.commit()


def make_archives(n: int, reps: int, chunk: int = 20000):
	now = now_datetime()
	base = ["name", "creation", "modified", "owner", "modified_by", "docstatus"]
	with click.progressbar(range(0, n, chunk), label="archives") as bar:
		for start in bar:
			rows = []
			for i in range(start, min(start + chunk, n)):
				manager = REP if i % reps == 0 else f"zzbench.rep{i % reps}@example.com"
				rows.append(
					(
						f"{PREFIX}A{i:07d}",
						now,
						now,
						"Administrator",
						"Administrator",
						0,
						f"Bench Archive {i}",
						manager,
						"Potential",
						f"Bench City {i % 300}",
					)
				)
			frappe.db.bulk_insert(
				"Customer Archive", [*base, "full_name", "account_manager", "lifecycle_state", "city"], rows
			)
			frappe.db.commit()


def cleanup():
	frappe.db.sql("delete from `tabCustomer Archive Access` where `archive` like %s", PREFIX + "%")
	frappe.db.sql("delete from `tabCustomer Archive` where `name` like %s", PREFIX + "%")
	frappe.db.commit()


def _median(fn, repeat: int) -> float:
	fn()  # warm-up
	times = []
	for _ in range(repeat):
		start = time.perf_counter()
		fn()
		times.append(time.perf_counter() - start)
	return statistics.median(times)


def _paths():
	from frappe.desk.search import search_link

	from crm_archive.access.whitelisted import get_count

	return {
		"list page (20 rows)": lambda: frappe.get_list(
			"Customer Archive", fields=["name", "full_name", "tier", "modified"], limit_page_length=20
		),
		"count": lambda: get_count("Customer Archive", filters=None),
		"link search": lambda: search_link("Customer Archive", "Bench Archive 1", page_length=10),
		"list filtered by city": lambda: frappe.get_list(
			"Customer Archive", filters={"city": "Bench City 7"}, fields=["name"], limit_page_length=20
		),
	}


PASSWORD = "ZZbench#2026"


class Desk:
	"""A logged-in desk user's requests through Frappe's WSGI app (werkzeug's client, one thread per
	request like a web worker): what the list view, its count and a link field ask for."""

	def __init__(self, user: str):
		from frappe.app import application
		from werkzeug.test import Client

		self.site = frappe.local.site
		self.client = Client(application, use_cookies=True)
		r = self.post("/api/method/login", {"usr": user, "pwd": PASSWORD})
		assert r.status_code == 200, r.get_data(as_text=True)[:200]

	def post(self, path, data):
		from threading import Thread
		from unittest.mock import patch

		out = {}

		def call():
			with patch("frappe.app.get_site_name", return_value=self.site):
				out["r"] = self.client.post(path, data=data)

		t = Thread(target=call)
		t.start()
		t.join()
		assert out["r"].status_code == 200, out["r"].get_data(as_text=True)[:300]
		return out["r"]


def _requests(desk: "Desk"):
	import json

	fields = json.dumps([f"`tabCustomer Archive`.`{f}`" for f in ("name", "full_name", "tier", "modified")])
	return {
		"list page (20 rows)": lambda: desk.post(
			"/api/method/frappe.desk.reportview.get",
			{
				"doctype": "Customer Archive",
				"fields": fields,
				"order_by": "`tabCustomer Archive`.`modified` desc",
				"start": 0,
				"page_length": 20,
				"view": "List",
				"with_comment_count": 1,
			},
		),
		"count": lambda: desk.post(
			"/api/method/frappe.desk.reportview.get_count",
			{"doctype": "Customer Archive", "filters": "[]", "fields": "[]", "distinct": "false"},
		),
		"link search": lambda: desk.post(
			"/api/method/frappe.desk.search.search_link",
			{"doctype": "Customer Archive", "txt": "Bench Archive 1", "page_length": 10},
		),
		"list filtered by city": lambda: desk.post(
			"/api/method/frappe.desk.reportview.get",
			{
				"doctype": "Customer Archive",
				"fields": fields,
				"filters": json.dumps([["Customer Archive", "city", "=", "Bench City 7"]]),
				"start": 0,
				"page_length": 20,
			},
		),
	}


def old_condition(user: str) -> str:
	"""The first round's rule, for comparison only."""
	u = frappe.db.escape(user)
	t = "`tabCustomer Archive`"
	return f"""({t}.`account_manager` = {u} or {t}.`owner` = {u}
		or {t}.`name` in (select `reference_name` from `tabToDo` where `reference_type` = 'Customer Archive'
			and `allocated_to` = {u} and `status` = 'Open')
		or {t}.`name` in (select `share_name` from `tabDocShare` where `share_doctype` = 'Customer Archive'
			and `user` = {u} and `read` = 1))"""


def run(archives: int = 100000, reps: int = 200, repeat: int = 5, keep: bool = False) -> dict:
	from crm_archive.access import permissions
	from crm_archive.access import table as access

	frappe.set_user("Administrator")
	_user(REP, "CRM Archive User")
	_user(MANAGER, "CRM Archive Manager")
	cleanup()
	existing = frappe.db.count("Customer Archive")
	make_archives(archives, reps)
	start = time.perf_counter()
	rows = access.rebuild_all()
	frappe.db.commit()
	rebuild_s = time.perf_counter() - start
	click.echo(f"access rows rebuilt from scratch: {rows} in {rebuild_s:.2f} s")

	figures = {}
	try:
		for who in (MANAGER, REP):
			frappe.set_user(who)
			for label, fn in _paths().items():
				figures[(label, who)] = _median(fn, repeat)
		# the first round's OR condition on the same data, as the rep
		original = permissions.archive_condition
		permissions.archive_condition = lambda user=None, table=None: old_condition(user or REP)
		try:
			frappe.set_user(REP)
			for label, fn in _paths().items():
				figures[(label, "old")] = _median(fn, repeat)
		finally:
			permissions.archive_condition = original
		frappe.set_user(REP)
		visible = frappe.get_list("Customer Archive", pluck="name", limit_page_length=0)
		frappe.set_user("Administrator")
		for who in (MANAGER, REP):
			for label, fn in _requests(Desk(who)).items():
				figures[(label, who, "http")] = _median(fn, repeat)
	finally:
		frappe.set_user("Administrator")

	total = existing + archives
	click.echo(f"\nbenchmark-access: {total} archives, {reps} account managers, median of {repeat}")
	click.echo(f"the rep sees {len(visible)} archives")
	click.echo(
		f"{'path':<26}{'manager':>10}{'rep':>10}{'rep ÷ manager':>15}{'old rep rule':>14}{'old ÷ new':>11}"
	)
	worst = 0.0
	for label in _paths():
		m, r, o = figures[(label, MANAGER)], figures[(label, REP)], figures[(label, "old")]
		worst = max(worst, r / m)
		click.echo(
			f"{label:<26}{m * 1000:>8.1f}ms{r * 1000:>8.1f}ms{r / m:>14.2f}×{o * 1000:>12.1f}ms{o / r:>10.1f}×"
		)
	click.echo(f"worst rep ÷ manager, in-process API calls (SQL + Frappe's query building): {worst:.2f}×")
	click.echo(
		"\nthe same paths as the desk requests them (logged-in HTTP requests through Frappe's WSGI app):"
	)
	click.echo(f"{'request':<26}{'manager':>10}{'rep':>10}{'rep ÷ manager':>15}")
	worst_http = 0.0
	for label in _paths():
		m, r = figures[(label, MANAGER, "http")], figures[(label, REP, "http")]
		worst_http = max(worst_http, r / m)
		click.echo(f"{label:<26}{m * 1000:>8.1f}ms{r * 1000:>8.1f}ms{r / m:>14.2f}×")
	click.echo(f"worst rep ÷ manager per desk request: {worst_http:.2f}× [target ≤ 2×]")
	agree = access.snapshot() == access.expected()
	click.echo(f"incremental access rows = rebuild from scratch: {agree}")
	if not keep:
		cleanup()
	return {"worst_ratio": worst, "worst_http": worst_http, "agree": agree, "rebuild_s": rebuild_s}
