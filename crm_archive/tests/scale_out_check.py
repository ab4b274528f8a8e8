"""Past one machine (issue 16), on one machine: the site reads from a MariaDB replica (scripts/scale-out
up, which scripts/test runs around this module after the other integration tests; named without the
test_ prefix so the app-wide run, which reads from the primary alone, does not pick it up). Reports run
over HTTP and the full re-tier's read phase run on the replica — the replica's general log holds their
aggregates, the primary's does not — while every write goes to the primary (and reaches the replica by
replication)."""

import json
import time

import frappe
import pymysql
from frappe.tests.utils import FrappeTestCase
from frappe.utils import nowdate

from crm_archive.tests.rest import Session
from crm_archive.tests.test_permissions import PWD, make_user
from crm_archive.tests.utils import make_customer, make_sales_invoice
from crm_archive.tiering.store import replica
from crm_archive.tiering.store.engine import retier

REPLICA_SOCKET = "/run/mysqld/mysqld-crm-replica.sock"
MANAGER = "crm.scale.manager@example.com"
# the full re-tier's one aggregate over every customer (store.fetch_metrics_packed without an IN list)
METRICS_AGGREGATE = ("concat_ws(char(31)", "from `tabSales Invoice`")


def server(which: str):
	if which == "replica":
		return pymysql.connect(unix_socket=REPLICA_SOCKET, user="root", autocommit=True)
	return pymysql.connect(
		host=frappe.conf.db_host or "127.0.0.1",
		port=int(frappe.conf.db_port or 3306),
		user="root",
		autocommit=True,
	)


class GeneralLogs:
	"""Both servers' general logs (to a table) for the duration of the block, then off and emptied."""

	def __enter__(self):
		self.conns = {w: server(w) for w in ("primary", "replica")}
		for c in self.conns.values():
			with c.cursor() as cur:
				cur.execute("SET GLOBAL general_log = 0")
				cur.execute("TRUNCATE mysql.general_log")
				cur.execute("SET GLOBAL log_output = 'TABLE'")
				cur.execute("SET GLOBAL general_log = 1")
		return self

	def statements(self, which: str, *fragments: str) -> list[str]:
		"""Queries the site's database user sent to that server that contain every fragment."""
		with self.conns[which].cursor() as cur:
			cur.execute(
				"select convert(argument using utf8mb4) from mysql.general_log"
				" where command_type = 'Query' and user_host like %s",
				(f"{frappe.conf.db_name}[%",),
			)
			rows = [r[0] for r in cur.fetchall()]
		return [r for r in rows if all(f.lower() in r.lower() for f in fragments)]

	def __exit__(self, *exc):
		for c in self.conns.values():
			with c.cursor() as cur:
				cur.execute("SET GLOBAL general_log = 0")
				cur.execute("TRUNCATE mysql.general_log")
			c.close()


class TestReplica(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		if not replica.configured():
			raise AssertionError(
				"the site has no replica: run scripts/scale-out up (scripts/test does, around this module)"
			)
		make_user(MANAGER, ["CRM Archive Manager"])
		cls.customer = make_customer("_Scale Out Customer")
		cls.archive = (
			frappe.get_doc(
				{"doctype": "Customer Archive", "full_name": "_Scale Out", "customer": cls.customer}
			)
			.insert(ignore_permissions=True)
			.name
		)
		make_sales_invoice(cls.customer, 88000)
		frappe.db.commit()
		cls.wait_for_replica()

	@classmethod
	def tearDownClass(cls):
		frappe.db.rollback()
		for si in frappe.get_all("Sales Invoice", {"customer": cls.customer}, pluck="name"):
			si_doc = frappe.get_doc("Sales Invoice", si)
			if si_doc.docstatus == 1:
				si_doc.cancel()
			frappe.delete_doc("Sales Invoice", si, force=True, ignore_permissions=True)
		frappe.db.delete("Customer Archive Log", {"customer_archive": cls.archive})
		frappe.delete_doc("Customer Archive", cls.archive, force=True, ignore_permissions=True)
		frappe.db.commit()
		super().tearDownClass()

	@staticmethod
	def wait_for_replica():
		position = frappe.db.sql("select @@gtid_binlog_pos")[0][0]
		conn = server("replica")
		with conn.cursor() as cur:
			cur.execute("select master_gtid_wait(%s, 30)", (position,))
			assert cur.fetchone()[0] == 0, "the replica did not catch up within 30 s"
		conn.close()

	def test_replica_is_a_read_only_copy(self):
		conn = server("replica")
		with conn.cursor() as cur:
			cur.execute("show slave status")
			status = dict(zip([d[0] for d in cur.description], cur.fetchone(), strict=True))
			self.assertEqual((status["Slave_IO_Running"], status["Slave_SQL_Running"]), ("Yes", "Yes"))
			self.assertEqual(status["Master_Port"], int(frappe.conf.db_port or 3306))
			cur.execute(
				f"select full_name from `{frappe.conf.db_name}`.`tabCustomer Archive` where name = %s",
				(self.archive,),
			)
			self.assertEqual(cur.fetchone()[0], "_Scale Out")  # replicated
		conn.close()
		# the site's own user may only read there
		own = pymysql.connect(
			unix_socket=None,
			host="127.0.0.1",
			port=int(frappe.conf.replica_db_port),
			user=frappe.conf.db_name,
			password=frappe.conf.db_password,
			database=frappe.conf.db_name,
		)
		with own.cursor() as cur, self.assertRaises(pymysql.err.MySQLError):
			cur.execute("update `tabCustomer Archive` set remarks = 'x' where name = %s", (self.archive,))
		own.close()

	def test_reports_over_http_read_on_the_replica(self):
		session = Session(MANAGER, PWD)
		with GeneralLogs() as logs:
			for report, filters in (
				("Customer Transaction History", {"customer_archive": self.archive}),
				("Churn Risk", {}),
			):
				r = session.method(
					"frappe.desk.query_report.run", report_name=report, filters=json.dumps(filters)
				)
				self.assertEqual(r.status_code, 200, r.get_data(as_text=True)[:300])
			on_replica = logs.statements("replica", "`tabSales Invoice`")
			on_primary = logs.statements("primary", "`tabSales Invoice`")
		self.assertTrue(on_replica, "no report query reached the replica")
		self.assertEqual(on_primary, [], "a report read Sales Invoices on the primary")

	def test_full_retier_reads_on_the_replica_and_writes_on_the_primary(self):
		# a tier that is wrong for the invoices, so the run has something to write
		frappe.db.set_value("Customer Archive", self.archive, "tier", None, update_modified=False)
		frappe.db.commit()
		self.wait_for_replica()
		with GeneralLogs() as logs:
			stats = retier(trigger="Manual", as_of=nowdate(), commit=True)
			aggregate_replica = [
				s for s in logs.statements("replica", *METRICS_AGGREGATE) if "`customer` in" not in s
			]
			aggregate_primary = [
				s for s in logs.statements("primary", *METRICS_AGGREGATE) if "`customer` in" not in s
			]
			writes_primary = logs.statements("primary", "update `tabCustomer Archive`")
			writes_replica = logs.statements("replica", "update ") + logs.statements("replica", "insert ")
		self.assertEqual(stats.get("metrics_read_on"), "replica")
		self.assertEqual(len(aggregate_replica), 1, "the full re-tier's aggregate did not run on the replica")
		self.assertEqual(aggregate_primary, [])
		self.assertTrue(writes_primary)
		self.assertEqual(writes_replica, [])
		tier = frappe.db.get_value("Customer Archive", self.archive, "tier")
		self.assertTrue(tier)
		# the write reaches the replica by replication
		self.wait_for_replica()
		conn = server("replica")
		with conn.cursor() as cur:
			cur.execute(
				f"select tier from `{frappe.conf.db_name}`.`tabCustomer Archive` where name = %s",
				(self.archive,),
			)
			self.assertEqual(cur.fetchone()[0], tier)
		conn.close()

	def test_a_replica_behind_is_waited_for_or_left(self):
		"""The read phase sees every invoice committed before it began: a replica that cannot catch up in
		time (replication stopped) is left, and the run reads on the primary."""
		conn = server("replica")
		with conn.cursor() as cur:
			cur.execute("stop slave sql_thread")
		try:
			make_sales_invoice(self.customer, 1000)
			frappe.db.commit()
			started = time.monotonic()
			old = replica.CATCH_UP_S
			replica.CATCH_UP_S = 1
			try:
				stats = retier(trigger="Manual", as_of=nowdate(), commit=True)
			finally:
				replica.CATCH_UP_S = old
			self.assertEqual(stats.get("metrics_read_on"), "primary")
			self.assertLess(time.monotonic() - started, 60)
		finally:
			with conn.cursor() as cur:
				cur.execute("start slave sql_thread")
			conn.close()
		self.wait_for_replica()
