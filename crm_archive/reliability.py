"""`bench --site SITE crm-archive load-test`: concurrent logged-in users against the served desk.

Sends traffic only to a loopback address (the site as served by scripts/run), bounded in time and in
request count, then prints requests, errors, p50/p95 latency per endpoint and interactions created vs
stored. Its users and archives are marked LOAD- and removed afterwards.
"""

import ipaddress
import json
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
		if not frappe.db.exists("User", email):
			frappe.get_doc(
				{"doctype": "User", "email": email, "first_name": f"Load {i}", "send_welcome_email": 0}
			).insert(ignore_permissions=True)
		user = frappe.get_doc("User", email)
		user.new_password = PASSWORD
		user.save(ignore_permissions=True)
		user.add_roles("CRM Archive Manager" if is_manager else "CRM Archive User")
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
			elif kind == "interaction":
				created[0] += 1


def run(base: str, users: int = 50, seconds: int = 60, managers: int = 10, max_requests: int = 2000) -> dict:
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
	for t in threads:
		t.join()
	frappe.db.rollback()
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
			}
			for k, v in stats.items()
		},
		"interactions_created": created[0],
		"interactions_stored": stored,
	}
	cleanup()
	return result
