"""`bench --site SITE crm-archive-dev load-test`: concurrent logged-in users against the served desk.

Sends traffic only to a loopback address (the site as served by scripts/run), bounded in time and in
request count, then prints requests, errors, p50/p95 latency per endpoint and interactions created vs
stored. Its users and archives are marked LOAD- and removed afterwards.
"""

import ipaddress
import json
import os
import threading
import time
from collections import defaultdict
from urllib.parse import urlparse

import click
import frappe

MARK = "LOAD-"
PASSWORD = "Load#Test#2026"


def _loopback(url: str) -> bool:
	host = urlparse(url).hostname or ""
	try:
		return ipaddress.ip_address(host).is_loopback
	except ValueError:
		return host == "localhost"


def setup(users: int, managers: int) -> list[dict]:
	people = []
	for i in range(users):
		is_manager = i < managers
		email = f"{MARK.lower()}{'manager' if is_manager else 'rep'}{i}@example.com"
		from frappe.utils.password import update_password

		for attempt in range(5):  # background jobs of the served site may touch a new user meanwhile
			try:
				if not frappe.db.exists("User", email):
					frappe.get_doc(
						{
							"doctype": "User",
							"email": email,
							"first_name": f"Load {i}",
							"send_welcome_email": 0,
						}
					).insert(ignore_permissions=True)
				update_password(email, PASSWORD)
				frappe.get_doc("User", email).add_roles(
					"CRM Archive Manager" if is_manager else "CRM Archive User"
				)
				frappe.db.commit()
				break
			except frappe.TimestampMismatchError:
				frappe.db.rollback()
				time.sleep(0.5 * (attempt + 1))
		else:
			raise RuntimeError(f"could not set up {email}: the user kept changing under the setup")
		role = "CRM Archive Manager" if is_manager else "CRM Archive User"
		if role not in frappe.get_roles(email):
			raise RuntimeError(f"{email} lacks the role {role} after setup")
		archives = []
		for k in range(2):
			doc = frappe.get_doc(
				{
					"doctype": "Customer Archive",
					"full_name": f"{MARK}{i}-{k}",
					"account_manager": email,
					"remarks": MARK,
				}
			)
			doc.flags.ignore_duplicates = True
			doc.insert(ignore_permissions=True)
			archives.append(doc.name)
		people.append({"email": email, "archives": archives, "manager": is_manager})
	frappe.db.commit()
	return people


def cleanup():
	archives = frappe.get_all("Customer Archive", {"full_name": ("like", MARK + "%")}, pluck="name")
	if archives:
		frappe.db.delete("Customer Interaction", {"customer_archive": ("in", archives)})
		frappe.db.delete("Customer Archive Log", {"customer_archive": ("in", archives)})
		frappe.db.delete("ToDo", {"reference_name": ("in", archives)})
		frappe.db.delete("Customer Archive", {"name": ("in", archives)})
	for user in frappe.get_all("User", {"name": ("like", MARK.lower() + "%")}, pluck="name"):
		frappe.delete_doc("User", user, force=True, ignore_permissions=True)
	frappe.db.commit()


def worker(base, person, deadline, max_requests, stats, lock, created):
	import requests

	s = requests.Session()
	r = s.post(f"{base}/api/method/login", json={"usr": person["email"], "pwd": PASSWORD}, timeout=60)
	if r.status_code != 200:
		with lock:
			stats["login"]["errors"] += 1
		return
	n = 0
	while time.monotonic() < deadline and n < max_requests:
		n += 1
		archive = person["archives"][n % len(person["archives"])]
		kind = ("interaction", "edit", "list", "report")[n % 4]
		start = time.perf_counter()
		r = None
		try:
			if kind == "interaction":
				r = s.post(
					f"{base}/api/resource/Customer Interaction",
					json={"customer_archive": archive, "summary": f"{MARK}call {n}", "channel": "Phone"},
					timeout=120,
				)
			elif kind == "edit":
				r = s.put(
					f"{base}/api/resource/Customer Archive/{archive}",
					json={"remarks": f"{MARK}edit {n}"},
					timeout=120,
				)
			elif kind == "list":
				r = s.get(
					f"{base}/api/resource/Customer Archive",
					params={"fields": json.dumps(["name", "full_name", "tier"]), "limit_page_length": 20},
					timeout=120,
				)
			else:
				r = s.post(
					f"{base}/api/method/frappe.desk.query_report.run",
					json={
						"report_name": "Follow-ups Due",
						"filters": json.dumps({"account_manager": person["email"]}),
					},
					timeout=120,
				)
			ok = r.status_code == 200
		except Exception:
			ok = False
		elapsed = time.perf_counter() - start
		with lock:
			stats[kind]["latencies"].append(elapsed)
			if not ok:
				stats[kind]["errors"] += 1
				stats["_error_times"]["latencies"].append(time.monotonic())
				if len(stats["_samples"]["latencies"]) < 400:
					body = (getattr(r, "text", "") or "")[:900] if r is not None else "no response"
					stats["_samples"]["latencies"].append(
						(time.monotonic(), kind, getattr(r, "status_code", None), body)
					)
				if getattr(r, "status_code", None) == 403 and len(stats["_denied"]["latencies"]) < 20:
					stats["_denied"]["latencies"].append((person["email"], archive, kind))
				if r is not None and "Traceback" in (getattr(r, "text", "") or ""):
					stats["_tracebacks"]["errors"] += 1
			elif kind == "interaction":
				created[0] += 1


def background_job_seconds(timeout: int = 120) -> float | None:
	"""Seconds until a job enqueued now has run in the site's background worker (None: not within
	`timeout`): after a service restart the worker must be back without manual repair."""
	job = frappe.enqueue("frappe.ping", queue="short", enqueue_after_commit=False)
	start = time.monotonic()
	while time.monotonic() - start < timeout:
		if job.get_status(refresh=True) == "finished":
			return round(time.monotonic() - start, 1)
		time.sleep(0.5)
	return None


def explain_denial(user: str, archive: str, kind: str) -> dict:
	"""For a 403 seen under load: what the archive and the user look like now, and whether the same
	permission check passes now (a 'yes' points at a transient state during the run)."""
	row = frappe.db.get_value(
		"Customer Archive", archive, ["account_manager", "owner", "modified", "lifecycle_state"], as_dict=True
	)
	return {
		"user": user,
		"archive": archive,
		"request": kind,
		"archive_now": row,
		"roles_now": sorted(set(frappe.get_roles(user)) - {"All", "Guest"}),
		"user_enabled": frappe.db.get_value("User", user, "enabled"),
		"write_permitted_now": bool(
			row and frappe.has_permission("Customer Archive", "write", doc=archive, user=user)
		),
	}


RESTART = {
	"redis": (
		["redis-cli", "-h", "127.0.0.1", "-p", "6379", "shutdown", "nosave"],
		[
			"redis-server",
			"--daemonize",
			"yes",
			"--bind",
			"127.0.0.1",
			"-::1",
			"--port",
			"6379",
			"--save",
			"",
			"--appendonly",
			"no",
			"--dir",
			"/var/lib/redis",
			"--logfile",
			"/var/log/redis/ci.log",
		],
	),
	"mariadb": (
		["mariadb-admin", "-uroot", "shutdown"],
		["start-stop-daemon", "--start", "--oknodo", "--background", "--exec", "/usr/sbin/mariadbd"],
	),
}


def restart_service(name: str, down_seconds: float, log: dict):
	import subprocess

	stop, start = RESTART[name]
	log["stopped_at"] = time.monotonic()
	subprocess.run(stop, capture_output=True, check=False)
	time.sleep(down_seconds)
	subprocess.run(start, capture_output=True, check=False)
	for _ in range(60):
		probe = (
			["redis-cli", "-h", "127.0.0.1", "ping"]
			if name == "redis"
			else ["mariadb-admin", "-uroot", "ping"]
		)
		if subprocess.run(probe, capture_output=True, check=False).returncode == 0:
			break
		time.sleep(0.5)
	log["back_at"] = time.monotonic()


def run(
	base: str,
	users: int = 50,
	seconds: int = 60,
	managers: int = 10,
	max_requests: int = 2000,
	restart: str | None = None,
	retier: bool = False,
) -> dict:
	if not _loopback(base):
		raise click.UsageError("the load test only targets a loopback address (127.0.0.1, localhost, ::1)")
	cleanup()
	people = setup(users, managers)
	stats = defaultdict(lambda: {"latencies": [], "errors": 0})
	lock, created = threading.Lock(), [0]
	deadline = time.monotonic() + seconds
	threads = [
		threading.Thread(target=worker, args=(base, p, deadline, max_requests, stats, lock, created))
		for p in people
	]
	for t in threads:
		t.start()
	outage = {}
	retiers = {"runs": 0, "seconds": [], "archives": None}
	if retier:
		# full re-tiers back to back in another process while the people work (the nightly job, or a
		# manager's Re-tier now, on a large site): their saves must never wait for the run
		while time.monotonic() < deadline:
			started = time.monotonic()
			proc = _retier_process(frappe.local.site, os.path.abspath(frappe.local.sites_path))
			out, _err = proc.communicate()
			line = next((x for x in out.splitlines() if x.startswith("RESULT ")), None)
			if line:
				retiers["runs"] += 1
				retiers["seconds"].append(round(time.monotonic() - started, 1))
				retiers["archives"] = json.loads(line[7:]).get("evaluated")
	if restart:
		time.sleep(seconds / 3)
		restart_service(restart, 3, outage)
	for t in threads:
		t.join()
	if restart == "mariadb":
		frappe.db.connect()
	frappe.db.rollback()
	error_times = stats.pop("_error_times", {"latencies": []})["latencies"]
	samples = stats.pop("_samples", {"latencies": []})["latencies"]
	tracebacks = stats.pop("_tracebacks", {"errors": 0})["errors"]
	denied = stats.pop("_denied", {"latencies": []})["latencies"]
	archives = [a for p in people for a in p["archives"]]
	stored = frappe.db.count("Customer Interaction", {"customer_archive": ("in", archives)})

	def pct(values, q):
		values = sorted(values)
		return round(values[min(len(values) - 1, int(q * len(values)))] * 1000, 1) if values else None

	result = {
		"users": users,
		"seconds": seconds,
		"requests": sum(len(v["latencies"]) for v in stats.values()),
		"errors": sum(v["errors"] for v in stats.values()),
		"endpoints": {
			k: {
				"requests": len(v["latencies"]),
				"errors": v["errors"],
				"p50_ms": pct(v["latencies"], 0.5),
				"p95_ms": pct(v["latencies"], 0.95),
				"p99_ms": pct(v["latencies"], 0.99),
				"max_ms": pct(v["latencies"], 1.0),
			}
			for k, v in stats.items()
		},
		"archives_on_site": frappe.db.count("Customer Archive"),
		"full_retiers_during_run": retiers if retier else None,
		"interactions_created": created[0],
		"interactions_stored": stored,
		"error_responses_with_traceback": tracebacks,
		"error_samples": [f"{kind} {status} {body}" for _t, kind, status, body in samples[:3]],
		"denied_post_mortem": [explain_denial(*d) for d in dict.fromkeys(denied)][:5],
	}
	if restart:
		result["background_job_after_restart_s"] = background_job_seconds()
		recovered = outage["back_at"] + 10
		result["restart"] = {
			"service": restart,
			"outage_s": round(outage["back_at"] - outage["stopped_at"], 1),
			"errors_before": sum(1 for t in error_times if t < outage["stopped_at"]),
			"errors_during_and_10s_after": sum(
				1 for t in error_times if outage["stopped_at"] <= t < recovered
			),
			"errors_after_recovery": sum(1 for t in error_times if t >= recovered),
		}
		result["restart"]["samples_outside_outage"] = [
			(kind, status, body)
			for t, kind, status, body in samples
			if t < outage["stopped_at"] or t >= recovered
		][:5]
	if not os.environ.get("CRM_LOAD_KEEP"):
		cleanup()
	return result


def _retier_process(site: str, sites_path: str):
	import subprocess
	import sys

	code = (
		"import json, frappe\n"
		f"frappe.init(site={site!r}, sites_path={sites_path!r}); frappe.connect()\n"
		"from crm_archive.tiering.store import retier_all\n"
		"print('RESULT ' + json.dumps(retier_all('Manual', publish_progress=False)))\n"
		"frappe.db.commit()\n"
	)
	return subprocess.Popen(
		[sys.executable, "-c", code],
		cwd=sites_path,
		stdout=subprocess.PIPE,
		stderr=subprocess.PIPE,
		text=True,
	)


def _queue_busy() -> int:
	from frappe.utils.background_jobs import get_queue

	busy = 0
	for name in ("short", "default", "long"):
		q = get_queue(name)
		busy += q.count + q.started_job_registry.count
	return busy


def concurrency_check(operations: int = 500, wait: int = 600) -> dict:
	"""Two full re-tiers started together while `operations` real Sales Invoice submits and cancels run;
	afterwards every archive's metrics equal a from-scratch recompute, a re-evaluation changes no tier,
	and each archive's tier-change log is one unbroken chain ending at its tier."""
	import os
	import random

	from frappe.utils import now_datetime

	from crm_archive.devtools.setup_site import default_company, ensure_service_item
	from crm_archive.tiering.store.rule_sets import load_rule_set

	site, sites_path = frappe.local.site, os.path.abspath(frappe.local.sites_path)
	company = default_company()
	item = ensure_service_item()
	customers = frappe.get_all("Customer Archive", {"customer": ("is", "set")}, pluck="customer")
	if not customers:
		raise click.UsageError("no archived customers: load the demo first (crm-archive-dev make-demo)")
	started = now_datetime()
	procs = [_retier_process(site, sites_path), _retier_process(site, sites_path)]
	rng = random.Random(5)
	submitted, cancelled, t0 = [], 0, time.perf_counter()
	with click.progressbar(range(operations), label="invoice submits and cancels") as bar:
		for i in bar:
			if submitted and i % 5 == 4:
				frappe.get_doc("Sales Invoice", submitted.pop(rng.randrange(len(submitted)))).cancel()
				cancelled += 1
			else:
				si = frappe.get_doc(
					{
						"doctype": "Sales Invoice",
						"company": company,
						"customer": rng.choice(customers),
						"remarks": "crm_archive concurrency check",
						"items": [
							{"item_code": item, "qty": 1, "rate": rng.choice([500, 5000, 20000, 60000])}
						],
					}
				)
				si.insert(ignore_permissions=True)
				si.submit()
				submitted.append(si.name)
			frappe.db.commit()
	full_runs = []
	for p in procs:
		out, err = p.communicate(timeout=wait)
		line = next((l for l in out.splitlines() if l.startswith("RESULT ")), None)
		full_runs.append(json.loads(line[7:]) if line else {"error": err[-300:]})
	deadline = time.monotonic() + wait
	while _queue_busy() and time.monotonic() < deadline:
		time.sleep(1)
	frappe.db.rollback()

	# 1–2. stored metrics equal a from-scratch recompute; a re-evaluation now would change no tier
	state = _state_check(load_rule_set(), frappe.utils.getdate())
	rows = frappe.get_all("Customer Archive", fields=["name", "tier"])
	# 3. log chains: each change starts where the previous ended, and ends at the archive's tier
	logs = frappe.get_all(
		"Customer Archive Log",
		filters={"event_type": "Tier Change", "creation": (">=", started)},
		fields=["customer_archive", "from_value", "to_value"],
		order_by="creation asc",
	)
	tiers = {r.name: r.tier for r in rows}
	chain_breaks, last = 0, {}
	for log in logs:
		prev = last.get(log.customer_archive)
		if prev is not None and (log.from_value or "") != prev:
			chain_breaks += 1
		if (log.from_value or "") == (log.to_value or ""):
			chain_breaks += 1
		last[log.customer_archive] = log.to_value or ""
	chain_breaks += sum(1 for a, t in last.items() if a in tiers and (tiers[a] or "") != t)
	return {
		"operations": operations,
		"submits": operations - cancelled,
		"cancels": cancelled,
		"seconds": round(time.perf_counter() - t0, 1),
		"full_runs": full_runs,
		"archives": state["archives"],
		"metric_mismatches": state["not_yet_recomputed"] + state["half_applied"],
		"tiers_a_rerun_would_change": state["tiers_a_rerun_would_change"],
		"tier_change_logs": len(logs),
		"log_chain_breaks": chain_breaks,
		"queue_drained": not _queue_busy(),
	}


def _state_check(rule_set_loaded, today) -> dict:
	"""Metric mismatches against a from-scratch recompute and tiers a re-run would change."""
	from crm_archive.tiering import rules as R
	from crm_archive.tiering.metrics import empty_metrics
	from crm_archive.tiering.store.queries import fetch_archives_packed, fetch_metrics_packed
	from crm_archive.tiering.store.rule_sets import safe_condition, tier_ranks

	rule_set, company = rule_set_loaded
	fresh = fetch_metrics_packed(today, rule_set.window_days, None, company)
	rows = frappe.db.sql(
		"""select name, customer, tier, window_spend, lifetime_spend, invoice_count, last_purchase_date,
		tier_updated_on from `tabCustomer Archive`""",
		as_dict=True,
	)
	half, mismatched = 0, 0
	for r in rows:
		m = fresh.get(r.customer)
		expected = (
			(m.window_spend, m.lifetime_spend, m.invoice_count, m.last_purchase_date)
			if m
			else (0.0, 0.0, 0, None)
		)
		stored = (
			round(float(r.window_spend), 2),
			round(float(r.lifetime_spend), 2),
			r.invoice_count,
			r.last_purchase_date,
		)
		if expected != stored:
			mismatched += 1
			if r.tier_updated_on:  # touched by a run, yet not its result: half-applied
				half += 1
	archives = fetch_archives_packed()
	m_list = [fresh.get(a[1]) or empty_metrics(a[1] or a[0]) for a in archives]
	from crm_archive.tiering.store import predictions

	if predictions.used_by(rule_set):
		predictions.attach(m_list)
	current = {
		m.customer: R.Current(
			tier=a[2], pending_since=frappe.utils.getdate(a[3]) if a[3] else None, locked=a[4]
		)
		for m, a in zip(m_list, archives, strict=True)
	}
	changes = sum(
		d.changed for d in R.evaluate(m_list, rule_set, current, tier_ranks(), today, safe_condition)
	)
	return {
		"archives": len(rows),
		"not_yet_recomputed": mismatched - half,
		"half_applied": half,
		"tiers_a_rerun_would_change": changes,
	}


def fault_check(customers: int = 20000, invoices: int = 100000) -> dict:
	"""Kill -9 a full re-tier in the middle: every archive is either before or after (chunks commit whole),
	the database lock dies with the connection, and the next run converges."""
	import os
	import signal

	from frappe.utils import getdate, now_datetime

	from crm_archive.devtools import benchmark
	from crm_archive.devtools.setup_site import default_company
	from crm_archive.tiering.store.jobs import retier_all
	from crm_archive.tiering.store.rule_sets import load_rule_set

	site, sites_path = frappe.local.site, os.path.abspath(frappe.local.sites_path)
	benchmark.cleanup()
	benchmark.make_dataset(customers, invoices, default_company())
	frappe.db.commit()
	start = now_datetime()
	proc = _retier_process(site, sites_path)
	killed_after = None
	t0 = time.monotonic()
	while proc.poll() is None and time.monotonic() - t0 < 120:
		done = frappe.db.sql("select count(*) from `tabCustomer Archive` where tier_updated_on >= %s", start)[
			0
		][0]
		frappe.db.commit()  # a fresh snapshot for the next poll
		if done > 0:
			os.kill(proc.pid, signal.SIGKILL)
			killed_after = done
			break
		time.sleep(0.05)
	proc.wait()
	time.sleep(1)
	loaded = load_rule_set()
	today = getdate()
	after_kill = _state_check(loaded, today)
	second = retier_all("Manual", publish_progress=False)
	frappe.db.commit()
	after_rerun = _state_check(loaded, today)
	benchmark.cleanup()
	return {
		"killed_after_archives_committed": killed_after,
		"after_kill": after_kill,
		"next_run": second,
		"after_next_run": after_rerun,
	}


MERGE_MARK = "MERGEFAULT-"


def _merge_process(site: str, sites_path: str, duplicate: str, survivor: str):
	"""A process that merges `duplicate` into `survivor` and commits, printing START just before the merge
	and RESULT <seconds> after the commit (so a parent can kill it at a chosen moment in between)."""
	import subprocess
	import sys

	code = (
		"import sys, time, frappe\n"
		f"frappe.init(site={site!r}, sites_path={sites_path!r}); frappe.connect(); frappe.set_user('Administrator')\n"
		"from crm_archive.duplicates.store import merge_archives\n"
		"frappe.get_meta('Customer Archive'); frappe.get_meta('Customer Interaction')\n"
		"print('START', flush=True); t = time.perf_counter()\n"
		f"merge_archives({duplicate!r}, {survivor!r}); frappe.db.commit()\n"
		"print('RESULT', time.perf_counter() - t, flush=True)\n"
	)
	return subprocess.Popen(
		[sys.executable, "-c", code],
		cwd=sites_path,
		stdout=subprocess.PIPE,
		stderr=subprocess.PIPE,
		text=True,
	)


def _merge_pair(k: int, interactions: int) -> tuple[str, str]:
	"""A survivor and a duplicate archive; the duplicate holds `interactions` interactions, log rows and an
	open ToDo, and knows an occupation and a city the survivor lacks."""
	from frappe.utils import now_datetime

	docs = []
	for role, extra in (("S", {}), ("D", {"occupation": "Engineer", "city": "Hangzhou"})):
		doc = frappe.get_doc(
			{
				"doctype": "Customer Archive",
				"full_name": f"{MERGE_MARK}{k}-{role}",
				"remarks": MERGE_MARK,
				**extra,
			}
		)
		doc.flags.ignore_duplicates = True
		doc.insert(ignore_permissions=True)
		docs.append(doc.name)
	survivor, duplicate = docs
	now = now_datetime()
	base = ["name", "creation", "modified", "owner", "modified_by", "docstatus"]
	frappe.db.bulk_insert(
		"Customer Interaction",
		[*base, "customer_archive", "interaction_datetime", "channel", "interaction_type", "summary"],
		[
			(
				f"{MERGE_MARK}{k}-{i:06d}",
				now,
				now,
				"Administrator",
				"Administrator",
				0,
				duplicate,
				now,
				"Phone",
				"Follow-up",
				f"{MERGE_MARK}call {i}",
			)
			for i in range(interactions)
		],
	)
	frappe.db.bulk_insert(
		"Customer Archive Log",
		[*base, "customer_archive", "event_type", "timestamp"],
		[
			(
				f"{MERGE_MARK}{k}-L{i}",
				now,
				now,
				"Administrator",
				"Administrator",
				0,
				duplicate,
				"Verification",
				now,
			)
			for i in range(20)
		],
	)
	frappe.get_doc(
		{
			"doctype": "ToDo",
			"description": f"{MERGE_MARK}follow up",
			"reference_type": "Customer Archive",
			"reference_name": duplicate,
			"allocated_to": "Administrator",
		}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	return duplicate, survivor


def _merge_counts(duplicate: str, survivor: str) -> dict:
	frappe.db.commit()  # a fresh snapshot
	out = {"duplicate_exists": bool(frappe.db.exists("Customer Archive", duplicate))}
	for doctype, field in (
		("Customer Interaction", "customer_archive"),
		("Customer Archive Log", "customer_archive"),
		("ToDo", "reference_name"),
	):
		for who, name in (("duplicate", duplicate), ("survivor", survivor)):
			out[f"{doctype}@{who}"] = frappe.db.count(doctype, {field: name})
	out["survivor_occupation"] = frappe.db.get_value("Customer Archive", survivor, "occupation")
	return out


def _merge_state(duplicate: str, survivor: str, start: dict) -> str:
	"""'before', 'after' or 'half' against the counts taken before the merge: every piece of the merge
	(the duplicate's row, its interactions, log rows and ToDos, the survivor's filled-in fields) must
	agree on which."""
	now = _merge_counts(duplicate, survivor)
	if now == start:
		return "before"
	moved = all(
		now[f"{doctype}@duplicate"] == 0
		and now[f"{doctype}@survivor"] >= start[f"{doctype}@survivor"] + start[f"{doctype}@duplicate"]
		for doctype in ("Customer Interaction", "Customer Archive Log", "ToDo")
	)
	if not now["duplicate_exists"] and moved and now["survivor_occupation"] == "Engineer":
		return "after"
	return "half"


def merge_cleanup():
	archives = frappe.get_all("Customer Archive", {"remarks": MERGE_MARK}, pluck="name")
	if archives:
		frappe.db.delete("Customer Interaction", {"customer_archive": ("in", archives)})
		frappe.db.delete("Customer Archive Log", {"customer_archive": ("in", archives)})
		frappe.db.delete("ToDo", {"reference_name": ("in", archives)})
		frappe.db.delete("Customer Archive", {"name": ("in", archives)})
	frappe.db.delete("Customer Interaction", {"name": ("like", MERGE_MARK + "%")})
	frappe.db.commit()


def merge_fault_check(trials: int = 8, interactions: int = 20000) -> dict:
	"""Kill -9 a merge at moments spread over its run: each pair must be wholly before or wholly after the
	merge (one transaction), and merging again afterwards completes it."""
	import os
	import signal

	site, sites_path = frappe.local.site, os.path.abspath(frappe.local.sites_path)
	merge_cleanup()
	# how long one merge takes, measured by letting the first one finish
	duplicate, survivor = _merge_pair(0, interactions)
	start = _merge_counts(duplicate, survivor)
	proc = _merge_process(site, sites_path, duplicate, survivor)
	out, err = proc.communicate(timeout=600)
	seconds = next((float(x.split()[1]) for x in out.splitlines() if x.startswith("RESULT ")), None)
	if seconds is None:
		raise RuntimeError(err[-2000:])
	calibration = _merge_state(duplicate, survivor, start)
	results = []
	for k in range(1, trials + 1):
		duplicate, survivor = _merge_pair(k, interactions)
		start = _merge_counts(duplicate, survivor)
		delay = 0.8 * seconds * k / (trials + 1)  # a warm merge runs faster than the first one
		proc = _merge_process(site, sites_path, duplicate, survivor)
		line = proc.stdout.readline()  # START: the merge begins now
		if not line.startswith("START"):
			proc.wait()
			raise RuntimeError(proc.stderr.read()[-2000:])
		time.sleep(delay)
		finished = proc.poll() is not None
		if not finished:
			os.kill(proc.pid, signal.SIGKILL)
		proc.wait()
		state = _merge_state(duplicate, survivor, start)
		if state == "before":  # the next try completes it
			from crm_archive.duplicates.store import merge_archives

			frappe.set_user("Administrator")
			merge_archives(duplicate, survivor)
			frappe.db.commit()
		results.append(
			{
				"killed_at_s": round(delay, 3),
				"killed": not finished,
				"found": state,
				"after_retry": _merge_state(duplicate, survivor, start),
			}
		)
	merge_cleanup()
	return {
		"interactions_per_merge": interactions,
		"merge_seconds": round(seconds, 3),
		"uninterrupted_merge": calibration,
		"trials": results,
		"half_applied": sum(r["found"] == "half" for r in results),
		"converged_after_retry": sum(r["after_retry"] == "after" for r in results),
	}
