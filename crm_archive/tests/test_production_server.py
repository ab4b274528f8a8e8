"""Permissions on the server a production bench runs: gunicorn `frappe.app:application` and RQ workers.

The server is started fresh by the test (tests/server.py) from the bench's sites folder; nothing of this
app is imported into it before Frappe's own request handling does so. With one request per worker, every
attack is the first request of a freshly started process — the state in which a wrapper installed only
on import is missing. Hooks are cached in Redis first (a production bench's steady state: a fresh worker
then imports this app only when a request touches it).
"""

import json
import os
import subprocess
import time

import frappe
from frappe.tests.utils import FrappeTestCase

from crm_archive import safeguards
from crm_archive.tests import leak_probe
from crm_archive.tests.server import ProductionServer


def _report(result) -> str:
	lines = [
		f"{leak['user']} {leak['endpoint']} {leak['kind']}={leak['marker']!r} (status {leak['status']})"
		for leak in result.leaks[:60]
	]
	return f"{result.summary()}\n" + "\n".join(lines)


class TestProductionServer(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.fx = leak_probe.build_fixture()
		frappe.db.commit()
		frappe.cache.delete_value("app_hooks")
		frappe.get_hooks()  # cached in Redis from this checkout's hooks, as on a bench that has served before
		assert frappe.cache.get_value("app_hooks"), "hooks are not cached in Redis"

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		leak_probe.cleanup()
		frappe.db.commit()
		super().tearDownClass()

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_first_request_of_fresh_workers_leaks_nothing(self):
		attacks = leak_probe.first_request_attacks(self.fx)
		with ProductionServer(workers=1, max_requests=1) as server:
			result = leak_probe.run_first_requests(self.fx, server.url)
		print("\n" + result.summary().replace("leak probe", "first-request round"))
		self.assertEqual(result.attempts, len(attacks) * len(leak_probe.PROBED), result.notes)
		self.assertEqual(result.leaks, [], _report(result))

	def test_link_field_expressions_are_null_on_a_fresh_worker(self):
		"""The case that leaked: a rep's first request on a fresh worker lists other reps' archive values
		through Customer's link field."""
		a, b = self.fx.archives["a"], self.fx.archives["b"]
		from crm_archive.tests.rest import HttpSession

		with ProductionServer(workers=1, max_requests=1) as server:
			rep = HttpSession(self.fx.users["rep_a"], leak_probe.PWD, server.url)
			r = rep.method(
				"frappe.client.get_list",
				doctype="Customer",
				fields=["name", "crm_archive", "crm_archive.full_name", "crm_archive.mobile_no"],
				filters=[["crm_archive", "in", [a, b]]],
			)
		self.assertEqual(r.status_code, 200, r.get_data(as_text=True)[:500])
		rows = {row["crm_archive"]: row for row in r.json["message"]}
		self.assertEqual(set(rows), {a, b})
		self.assertIsNone(rows[b]["full_name"])
		self.assertIsNone(rows[b]["mobile_no"])
		self.assertEqual(rows[a]["full_name"], "Leakzq Aname")  # the rep's own still joins

	def test_refusals_do_not_name_the_archive(self):
		"""A 403 on another rep's attachment or communication says no more than the row's own name."""
		from crm_archive.tests.rest import HttpSession

		b = self.fx.archives["b"]
		with ProductionServer(workers=1) as server:
			rep = HttpSession(self.fx.users["rep_a"], leak_probe.PWD, server.url)
			for doctype, key in (("File", "file_b"), ("Communication", "communication_b")):
				for r in (
					rep.get(f"/api/resource/{doctype}/{self.fx.docs[key]}"),
					rep.method("frappe.desk.form.load.getdoc", doctype=doctype, name=self.fx.docs[key]),
				):
					self.assertEqual(r.status_code, 403, r.get_data(as_text=True)[:300])
					self.assertNotIn(b, r.get_data(as_text=True))

	def test_whole_probe_passes_through_gunicorn(self):
		"""A short pass of the enumerating probe's resource, export and oracle phases over HTTP to a
		production server (test_leak_probe runs the whole probe there)."""
		result = leak_probe.Result()
		with ProductionServer(workers=2) as server:
			prober = leak_probe.Prober(self.fx, result, base_url=server.url)
			leak_probe.probe_resources(prober)
		self.assertGreater(result.attempts, 50, result.summary())
		self.assertEqual(result.leaks, [], _report(result))

	def test_first_job_of_a_fresh_worker_is_guarded(self):
		"""A background job (here frappe.client.get_list run as rep A) in a freshly started RQ worker:
		the query guard is there before the job's method runs."""
		from frappe.utils.background_jobs import get_queue
		from rq.job import Job

		a, b = self.fx.archives["a"], self.fx.archives["b"]
		frappe.set_user(self.fx.users["rep_a"])
		job = frappe.enqueue(
			"frappe.client.get_list",
			queue="short",
			doctype="Customer",
			fields=["name", "crm_archive", "crm_archive.full_name", "crm_archive.mobile_no"],
			filters=[["crm_archive", "in", [a, b]]],
		)
		frappe.set_user("Administrator")
		frappe.db.commit()
		bench = frappe.utils.get_bench_path()
		env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CI")}
		worker = subprocess.run(  # `bench worker --queue short --burst`, without bench's wrapper process
			[
				os.path.join(bench, "env", "bin", "python"),
				"-m",
				"frappe.utils.bench_helper",
				"frappe",
				"worker",
				"--queue",
				"short",
				"--burst",
			],
			cwd=os.path.join(bench, "sites"),
			env=env,
			capture_output=True,
			text=True,
			timeout=300,
		)
		deadline = time.monotonic() + 60
		job = Job.fetch(job.id, connection=get_queue("short").connection)
		while job.get_status(refresh=True) not in ("finished", "failed") and time.monotonic() < deadline:
			time.sleep(0.5)
		self.assertEqual(job.get_status(), "finished", worker.stderr[-2000:] + worker.stdout[-2000:])
		rows = {row["crm_archive"]: row for row in job.return_value()}
		self.assertEqual(set(rows), {a, b})
		self.assertIsNone(rows[b]["full_name"], json.dumps(rows, default=str))
		self.assertIsNone(rows[b]["mobile_no"])
		self.assertEqual(rows[a]["full_name"], "Leakzq Aname")


class TestSafeguardsShape(FrappeTestCase):
	def test_this_frappe_has_the_expected_shape(self):
		self.assertEqual(safeguards.problems(), [])

	def test_a_changed_internal_stops_migrate_with_one_sentence(self):
		import contextlib
		import io

		path = "frappe.model.db_query.DatabaseQuery.prepare_args"
		saved = safeguards.WRAPPED[path]
		safeguards.WRAPPED[path] = "(self, args)"
		err = io.StringIO()
		try:
			self.assertIn(f"{path} now takes (self), not (self, args)", safeguards.problems())
			with contextlib.redirect_stderr(err), self.assertRaises(SystemExit):
				safeguards.check_frappe()
		finally:
			safeguards.WRAPPED[path] = saved
		message = err.getvalue().strip()
		self.assertEqual(len(message.splitlines()), 1, message)
		self.assertTrue(message.startswith("crm_archive cannot run on this bench: "), message)

	def test_a_version_out_of_range_is_named(self):
		saved = safeguards.SUPPORTED["frappe"]
		safeguards.SUPPORTED["frappe"] = ((16, 0), (17, 0))
		try:
			self.assertTrue(any("outside the supported range" in p for p in safeguards.problems()))
		finally:
			safeguards.SUPPORTED["frappe"] = saved

	def test_no_wrapper_is_installed_by_importing_the_package(self):
		"""A fresh interpreter that imports crm_archive (and its hooks) has none of the wrappers: they
		come from the request and job hooks alone, so the tests above test those hooks."""
		bench = frappe.utils.get_bench_path()
		code = (
			"import frappe, crm_archive, crm_archive.hooks;"
			"from frappe.model.db_query import DatabaseQuery;"
			"print(getattr(DatabaseQuery, '_crm_archive_guarded', False))"
		)
		out = subprocess.run(
			[os.path.join(bench, "env", "bin", "python"), "-c", code],
			cwd=os.path.join(bench, "sites"),
			capture_output=True,
			text=True,
			timeout=120,
		)
		self.assertEqual(out.stdout.strip(), "False", out.stderr[-1500:])
		hooks = frappe.get_hooks()
		self.assertIn("crm_archive.safeguards.before_request", hooks.get("before_request", []))
		self.assertIn("crm_archive.safeguards.before_job", hooks.get("before_job", []))
