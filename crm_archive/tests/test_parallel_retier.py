"""A full re-tier split into chunk jobs over two real RQ workers (started here, on the long queue)
converges to exactly the tiers one worker's full re-tier gives, and a second split run changes nothing.

The jobs run in other processes, so the class commits its data (names start with "_Par ") and removes
it afterwards; the workers it starts are stopped by their process id."""

import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, get_bench_path, getdate, now_datetime, nowdate
from frappe.utils.background_jobs import get_job, get_redis_conn
from rq import Worker

from crm_archive.tests.utils import make_customer, make_sales_invoice, test_company, use_default_rule_set
from crm_archive.tiering.store import engine, parallel, queries

PREFIX = "_Par "
LIKE = "\\_Par %"  # the underscore is LIKE's wildcard
LIKE_BULK = "\\_Par B%"
BULK = 2500  # synthetic customers + archives: 6 chunks of 500 with the few real ones
CHUNK_SIZE = 500
MARK = "crm_archive parallel re-tier test"
VIP, KEY, NORMAL, LAPSED, POTENTIAL = "VIP", "重要客户", "普通客户", "沉睡客户", "潜在客户"
COMPARED = (
	"tier",
	"qualified_tier",
	"tier_pending_since",
	"tier_rule",
	"tier_reason",
	*queries.METRIC_FIELDS,
)
RUN_TIMEOUT = 120
ARCHIVE_FIELDS = (
	"full_name", "customer", "tier", "tier_pending_since", "tier_locked", "locked_tier", "lifecycle_state",
	"remarks",
)  # fmt: skip
INVOICE_FIELDS = (
	"customer", "company", "posting_date", "due_date", "is_return", "currency", "conversion_rate",
	"base_net_total", "net_total", "base_grand_total", "grand_total", "outstanding_amount", "debit_to",
	"remarks",
)  # fmt: skip


def archive_states() -> dict[str, tuple]:
	"""Every archive on the site: (modified, tier_updated_on, what the engine decides and writes). The
	engine's bulk update sets tier_updated_on, never modified: a changed modified means someone else
	(a person, another test on the same site) edited the archive."""
	cols = ", ".join(f"`{c}`" for c in COMPARED)
	rows = frappe.db.sql(
		f"select `name`, `modified`, `tier_updated_on`, {cols} from `tabCustomer Archive`", as_dict=True
	)
	return {r.name: (r.modified, r.tier_updated_on, tuple(r[c] for c in COMPARED)) for r in rows}


def differences(reference: dict, after: dict, ours: list[str]) -> dict:
	"""The archives whose engine values differ: all of ours, and every other archive of the site that
	nobody else touched meanwhile (still there, same modified)."""
	out = {
		a: (after.get(a), reference[a]) for a in ours if (after.get(a) or (0, 0, None))[2] != reference[a][2]
	}
	for a, (modified, _updated, values) in reference.items():
		if a in after and after[a][0] == modified and after[a][2] != values:
			out[a] = (after[a], reference[a])
	return out


class TestParallelRetier(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.workers, cls.logs = [], []
		cls.as_of = getdate(nowdate())
		cls.remove_data()
		use_default_rule_set()  # the start states assume its 30-day downgrade grace
		cls.start_workers()  # they import while the data is made
		try:
			cls.make_data()
			frappe.db.commit()
		except BaseException:
			cls.tearDownClass()  # unittest skips it when setUpClass fails
			raise

	@classmethod
	def tearDownClass(cls):
		try:
			frappe.db.rollback()
			cls.stop_workers()
		finally:
			cls.remove_data()
			super().tearDownClass()

	# --- workers ---------------------------------------------------------------------------------------

	@classmethod
	def start_workers(cls):
		"""Two RQ workers on the long queue, exactly as `bench worker --queue long` starts one (bench's
		own wrapper would put a process between; started directly, a worker's pid is the Popen's)."""
		sites = os.path.join(get_bench_path(), "sites")
		for _i in range(2):
			log = tempfile.NamedTemporaryFile(prefix="crm_par_worker_", suffix=".log", delete=False)
			cls.logs.append(log)
			cls.workers.append(
				subprocess.Popen(
					[
						sys.executable,
						"-m",
						"frappe.utils.bench_helper",
						"frappe",
						"worker",
						"--queue",
						"long",
					],
					cwd=sites,
					stdout=log,
					stderr=subprocess.STDOUT,
				)
			)

	@classmethod
	def stop_workers(cls):
		"""Warm shutdown (SIGTERM lets a running job finish), then SIGKILL: only our own processes."""
		for proc in cls.workers:
			if proc.poll() is None:
				proc.terminate()
		for proc in cls.workers:
			try:
				proc.wait(timeout=20)
			except subprocess.TimeoutExpired:
				proc.kill()
				proc.wait(timeout=5)
		for proc, log in zip(cls.workers, cls.logs, strict=True):
			log.close()
			if proc.returncode in (0, -15):  # a clean stop: its log is of no further use
				os.unlink(log.name)

	def rq_workers(self) -> dict[int, Worker]:
		"""Our workers as RQ knows them, by process id."""
		pids = {p.pid for p in self.workers}
		return {w.pid: w for w in Worker.all(connection=get_redis_conn()) if w.pid in pids}

	def wait_for_workers(self, timeout=60):
		deadline = time.monotonic() + timeout
		while time.monotonic() < deadline:
			for proc, log in zip(self.workers, self.logs, strict=True):
				if proc.poll() is not None:
					self.fail(f"worker {proc.pid} exited with {proc.returncode}: see {log.name}")
			if len(self.rq_workers()) == len(self.workers):
				return
			time.sleep(0.2)
		self.fail(f"the RQ workers did not register within {timeout} s: see {[lg.name for lg in self.logs]}")

	def both_busy_with(self, run_id: str, timeout=45) -> bool:
		"""Wait until each of our two workers is running a chunk of this run (both at the same time)."""
		prefix = f"{frappe.local.site}::{parallel.JOB_PREFIX}::{run_id}::"
		deadline = time.monotonic() + timeout
		while time.monotonic() < deadline:
			current = [w.get_current_job_id() or "" for w in self.rq_workers().values()]
			if len(current) == 2 and all(j.startswith(prefix) for j in current):
				return True
			time.sleep(0.1)
		return False

	def wait_for_run(self, run_id: str) -> dict:
		deadline = time.monotonic() + RUN_TIMEOUT
		while time.monotonic() < deadline:
			status = parallel.run_status(run_id)
			if status["finished"] or status["failed"]:
				return status
			time.sleep(0.2)
		self.fail(f"run {run_id} not done within {RUN_TIMEOUT} s: {parallel.run_status(run_id)}")

	# --- data ------------------------------------------------------------------------------------------

	@classmethod
	def make_data(cls):
		"""A few real Customers with real submitted ERPNext invoices, one in each tier, and BULK
		synthetic ones (invoice rows with the columns the engine reads) in every tier, starting from
		states that cover first tiering, upgrades, a running and an expired downgrade grace, and locks."""
		d = cls.as_of
		company = test_company()
		real = [make_customer(f"{PREFIX}R{i}") for i in range(5)]
		for k in range(6):
			make_sales_invoice(real[0], 20000, posting_date=add_days(d, -(10 + k * 20)))  # VIP
		make_sales_invoice(real[1], 35000, posting_date=add_days(d, -30))  # 重要客户
		make_sales_invoice(real[2], 800, posting_date=add_days(d, -5))  # 普通客户
		make_sales_invoice(real[3], 5000, posting_date=add_days(d, -400))  # only before the window: lapsed
		# real[4]: no invoice, default
		cls.real_archives = [
			frappe.get_doc({"doctype": "Customer Archive", "full_name": c, "customer": c}).insert().name
			for c in real
		]
		now = now_datetime()
		base = ["name", "creation", "modified", "owner", "modified_by", "docstatus"]

		def row(name, docstatus, *values):
			return (name, now, now, "Administrator", "Administrator", docstatus, *values)

		group = frappe.db.get_value("Customer Group", {"is_group": 0}, "name")
		territory = frappe.db.get_value("Territory", {"is_group": 0}, "name")
		frappe.db.bulk_insert(
			"Customer",
			[*base, "customer_name", "customer_type", "customer_group", "territory", "crm_archive"],
			[
				row(
					f"{PREFIX}B{i:05d}",
					0,
					f"{PREFIX}B{i:05d}",
					"Company",
					group,
					territory,
					f"{PREFIX}A{i:05d}",
				)
				for i in range(BULK)
				if i % 11
			],
		)

		def start(i):
			"""(tier, pending since, locked, locked tier) the archive starts from."""
			return {
				0: (VIP, add_days(d, -10), 0, None),  # grace running (30 days): keeps VIP unless it is one
				1: (VIP, add_days(d, -40), 0, None),  # grace over: drops now
				2: (KEY, None, 1, KEY),  # locked
				3: (NORMAL, None, 0, None),
			}.get(i % 7, (None, None, 0, None))

		frappe.db.bulk_insert(
			"Customer Archive",
			[*base, *ARCHIVE_FIELDS],
			[
				row(
					f"{PREFIX}A{i:05d}",
					0,
					f"{PREFIX}A{i:05d}",
					f"{PREFIX}B{i:05d}" if i % 11 else None,
					*start(i),
					"Potential",
					MARK,
				)
				for i in range(BULK)
			],
		)
		rng = random.Random(11)
		currency = frappe.get_cached_value("Company", company, "default_currency")
		receivable = frappe.get_cached_value("Company", company, "default_receivable_account")
		invoices = []

		def money(amount):
			return (currency, 1, amount, amount, amount, amount, 0, receivable, MARK)

		def invoice(i, days_ago, amount, is_return=0):
			day = d - timedelta(days=days_ago)
			invoices.append(
				row(
					f"{PREFIX}S{len(invoices):06d}",
					1,
					f"{PREFIX}B{i:05d}",
					company,
					day,
					day,
					is_return,
					*money(amount),
				)
			)

		for i in range(BULK):
			if not i % 11:
				continue  # an archive without a Customer
			kind = i % 6
			if kind == 1:
				invoice(i, rng.randrange(300), rng.randrange(100, 2000))  # 普通客户
			elif kind == 2:
				invoice(i, rng.randrange(300), rng.randrange(30000, 60000))  # 重要客户
			elif kind == 3:
				for _k in range(6):
					invoice(i, rng.randrange(300), rng.randrange(17000, 25000))  # VIP
			elif kind == 4:
				invoice(i, rng.randrange(400, 700), 800)  # outside the window: default
			elif kind == 5:
				invoice(i, rng.randrange(300), 2000)
				invoice(i, rng.randrange(300), -500, is_return=1)
		frappe.db.bulk_insert(
			"Sales Invoice",
			[*base, *INVOICE_FIELDS],
			invoices,
		)
		cls.test_archives = cls.real_archives + [f"{PREFIX}A{i:05d}" for i in range(BULK)]

	@classmethod
	def remove_data(cls):
		archives = frappe.db.sql_list(
			"""select name from `tabCustomer Archive` where name like %(like)s or customer like %(like)s""",
			{"like": LIKE},
		)
		for start in range(0, len(archives), 1000):
			part = archives[start : start + 1000]
			frappe.db.delete("Customer Archive Log", {"customer_archive": ("in", part)})
			frappe.db.delete("Customer Archive Access", {"archive": ("in", part)})
			frappe.db.delete("Customer Archive", {"name": ("in", part)})
		frappe.db.sql(
			"delete from `tabSales Invoice` where name like %s and docstatus = 1 and remarks = %s",
			(LIKE, MARK),
		)
		frappe.db.sql("delete from `tabCustomer` where name like %s", LIKE_BULK)
		frappe.db.sql("update `tabCustomer` set crm_archive = null where name like %s", LIKE)
		frappe.db.commit()
		for si in frappe.db.sql_list(
			"select name from `tabSales Invoice` where customer like %s and docstatus = 1", LIKE
		):
			frappe.get_doc(
				"Sales Invoice", si
			).cancel()  # the real ones (their ledger stays, as ERPNext wants)
		frappe.db.commit()

	def tier_change_logs(self) -> dict[str, tuple]:
		"""The Tier Change log rows of the test's archives, by name."""
		rows = frappe.get_all(
			"Customer Archive Log",
			filters={"event_type": "Tier Change", "customer_archive": ("in", self.test_archives)},
			fields=["name", "customer_archive", "from_value", "to_value", "trigger", "rule_row"],
		)
		return {r.name: (r.customer_archive, r.from_value, r.to_value, r.trigger, r.rule_row) for r in rows}

	def run_parallel(self, hold: bool) -> tuple[dict, dict, float]:
		"""Enqueue the chunks and wait. With `hold`, every archive's row is locked by this transaction
		until both our workers are inside a chunk: then both run chunks at the same time whatever other
		worker listens on the long queue (the demo's takes a chunk too, or not)."""
		self.wait_for_workers()
		if hold:
			frappe.db.sql("select `name` from `tabCustomer Archive` for update")
		run = parallel.enqueue_full_retier_chunks(trigger="Manual", as_of=self.as_of, chunk_size=CHUNK_SIZE)
		self.assertFalse(run.get("already_running"), run)
		both_busy = self.both_busy_with(run["run_id"]) if hold else None
		frappe.db.rollback()  # releases the locks; the next read sees what the workers commit
		started = time.monotonic()
		status = self.wait_for_run(run["run_id"])
		seconds = time.monotonic() - started
		frappe.db.rollback()
		if hold:
			self.assertTrue(both_busy, "our two workers were never inside chunks of the run at the same time")
		return run, status, seconds

	# --- the test --------------------------------------------------------------------------------------

	def test_two_workers_converge_to_one_workers_tiers(self):
		d = self.as_of
		# the initial state of the test's archives, to start both runs from
		start = frappe.get_all(
			"Customer Archive",
			filters={"name": ("in", self.test_archives)},
			fields=["name", *engine.UPDATE_COLUMNS],
		)
		self.assertEqual(len(start), len(self.test_archives))

		# 1. one worker: the full re-tier in this process, committing chunk by chunk as a worker does
		logs_before = set(self.tier_change_logs())
		t0 = time.monotonic()
		single = engine.retier(trigger="Manual", as_of=d, commit=True)
		single_seconds = time.monotonic() - t0
		frappe.db.commit()
		reference = archive_states()
		reference_logs = Counter(v for k, v in self.tier_change_logs().items() if k not in logs_before)
		self.assertGreaterEqual(single["evaluated"], len(self.test_archives))
		tiers = Counter(reference[a][2][0] for a in self.test_archives)
		self.assertTrue({VIP, KEY, NORMAL, POTENTIAL} <= set(tiers), tiers)  # every tier, in every chunk
		self.assertEqual(
			[reference[a][2][0] for a in self.real_archives], [VIP, KEY, NORMAL, LAPSED, POTENTIAL]
		)
		self.assertTrue(any(reference[a][2][2] for a in self.test_archives), "no downgrade grace running")
		self.assertGreater(sum(reference_logs.values()), 1000)

		# back to the initial state: the split run has the same work to do
		frappe.db.bulk_update(
			"Customer Archive",
			{r.name: {c: r[c] for c in engine.UPDATE_COLUMNS} for r in start},
			chunk_size=500,
			update_modified=False,
		)
		frappe.db.commit()
		self.assertGreater(len(differences(reference, archive_states(), self.test_archives)), BULK // 2)

		# 2. the same run split into chunk jobs on the long queue, over two workers at the same time
		logs_before = set(self.tier_change_logs())
		run, status, parallel_seconds = self.run_parallel(hold=True)
		self.assertGreaterEqual(run["chunks"], 6)
		self.assertGreaterEqual(run["archives"], len(self.test_archives))
		self.assertEqual(
			(status["done"], status["failed"], status["chunks"]), (run["chunks"], 0, run["chunks"])
		)
		self.assertTrue(status["finished"])
		for result in status["results"]:
			job = get_job(parallel.chunk_job_id(run["run_id"], result["chunk"]))
			self.assertEqual(job.get_status() if job else None, "finished", result)
		# which processes ran the chunks: each job runs in a work horse forked by its worker
		ran_by = Counter(r["worker_pid"] for r in status["results"])
		ours = {p.pid for p in self.workers}
		self.assertTrue(ours <= set(ran_by), f"chunks by worker pid: {ran_by}, ours: {ours}")
		self.assertGreaterEqual(len(status["workers"]), 2)

		# the same tiers, grace dates, metrics and explanations as one worker, archive by archive
		after = archive_states()
		diff = differences(reference, after, self.test_archives)
		self.assertFalse(
			diff, f"{len(diff)} archives differ from the single run, e.g. {list(diff.items())[:3]}"
		)
		# and the same tier changes logged (from → to, by which rule row)
		split_logs = Counter(v for k, v in self.tier_change_logs().items() if k not in logs_before)
		self.assertEqual(split_logs, reference_logs)
		self.assertEqual(status["stats"]["tier_changes"], sum(split_logs.values()))
		self.assertEqual(status["stats"]["evaluated"], run["archives"])

		# 3. idempotent: a second split run changes nothing and logs nothing
		logs_before = set(self.tier_change_logs())
		_run, again, again_seconds = self.run_parallel(hold=False)
		self.assertTrue(again["finished"], again)
		self.assertEqual(
			(again["failed"], again["stats"]["changed"], again["stats"]["tier_changes"]), (0, 0, 0)
		)
		final = archive_states()
		self.assertFalse(differences(reference, final, self.test_archives))
		# not one of ours rewritten (the engine stamps tier_updated_on on every archive it writes)
		self.assertEqual([a for a in self.test_archives if final[a][1] != after[a][1]], [])
		self.assertEqual(set(self.tier_change_logs()), logs_before)
		print(
			f"\n{run['archives']} archives: one worker {single_seconds:.2f} s; split into {run['chunks']} chunks "
			f"over {len(ran_by)} workers {parallel_seconds:.2f} s (chunks by worker pid {dict(ran_by)}); "
			f"second split run {again_seconds:.2f} s"
		)
