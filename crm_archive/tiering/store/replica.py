"""Reads that may run on the site's MariaDB replica (site config `read_from_replica`, `replica_host`,
`replica_db_port`, as Frappe reads them; scripts/scale-out starts one on this machine).

Frappe sends what runs inside @frappe.read_only() there (script reports, report view, list counts). The
full re-tier's read phase, the one aggregate over every customer's invoices, runs there too: the replica
first applies every transaction the primary had committed when the read began (MASTER_GTID_WAIT on the
primary's binary-log position), so the read sees at least what the primary saw; the chunks then lock and
write their archives on the primary and re-read there the customers invoiced since the run began.
"""

from contextlib import contextmanager

import frappe

CATCH_UP_S = 10


def configured() -> bool:
	return bool(frappe.conf.get("read_from_replica") and frappe.conf.get("replica_host"))


def _connect(position: str):
	from frappe.database import get_db

	conf = frappe.conf
	own = conf.get("different_credentials_for_replica")
	db = get_db(
		socket=None,
		host=conf.replica_host,
		port=conf.get("replica_db_port"),
		user=conf.replica_db_name if own else conf.db_name,
		password=conf.replica_db_password if own else conf.db_password,
		cur_db_name=conf.db_name,
	)
	try:
		db.connect()
		if position and db.sql("select master_gtid_wait(%s, %s)", (position, CATCH_UP_S))[0][0] != 0:
			raise TimeoutError(f"replica not at {position} after {CATCH_UP_S} s")
	except Exception:
		frappe.log_error(title="crm_archive: replica unavailable, reading from the primary")
		try:
			db.close()
		except Exception:
			pass
		return None
	return db


@contextmanager
def reading_replica():
	"""Inside, frappe.db is the replica, caught up with the primary; yields False (and stays on the
	primary) when the site has no replica, or it cannot be reached or does not catch up in time."""
	if not configured():
		yield False
		return
	primary = frappe.local.db
	position = primary.sql("select @@gtid_binlog_pos")[0][0]
	replica = _connect(position)
	if replica is None:
		yield False
		return
	frappe.local.db = replica
	try:
		yield True
	finally:
		frappe.local.db = primary
		replica.close()
