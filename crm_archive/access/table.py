"""Who may read which archive: the access table (`tabCustomer Archive Access`), one row per (archive,
user, reason), kept current by the app and joined on an index by both permission hooks.

Access comes only from facts the app owns:
- **Account Manager**: the archive's account manager;
- **Owner**: whoever created the archive, while it has no account manager (assigning one hands it over);
- **Team**: the users of group sales persons above the account manager's sales person in ERPNext's
  Sales Person tree;
- **Assignment**: an open ToDo on the archive made by someone allowed to grant (a manager, or the
  archive's account manager delegating) — never a reminder, never a ToDo a rep makes for themselves;
- **Share**: a DocShare with read made by someone allowed to grant (same rule);
- none at all while the archive is in the customer pool (公海, crm_archive.pool): released archives
  grant their old account manager, creator, team, shares and assignments nothing.

Every row comes from one SQL statement per reason (`_row_queries`), used unchanged for the full rebuild
and, with a filter on the archive, for the incremental refresh after each event — so both agree by
construction; `tests` compares the two after a sequence of real events.
"""

import frappe

ACCESS = "`tabCustomer Archive Access`"
ROW_NAME = "md5(concat_ws('|', {0}.`archive`, {0}.`user`, {0}.`reason`))"  # a row's name: its three facts
GRANTER_ROLES = ("System Manager", "CRM Archive Manager")


def _granter_ok(col: str) -> str:
	"""SQL: the user in `col` may grant access to archive `a`."""
	roles = ", ".join(frappe.db.escape(r) for r in GRANTER_ROLES)
	return f"""({col} = 'Administrator' or {col} = a.`account_manager`
		or exists (select 1 from `tabHas Role` hr where hr.`parenttype` = 'User' and hr.`parent` = {col}
			and hr.`role` in ({roles})))"""


def _row_queries(where: str) -> list[str]:
	"""SELECT archive, user, reason for every reason; `where` filters `a` (the archive table). An archive
	in the customer pool (crm_archive.pool) grants no restricted user anything, whatever its creator,
	team, shares or assignments: reps see only the pool list's basic facts until one claims it. Each
	statement gives a row once (distinct where one grant can have two sources: two group sales persons of
	the same employee, two open assignments to the same user), so a rebuild's rows are the kept rows."""
	where = f"a.`in_pool` = 0 and {where}"
	return [
		f"""select a.`name` as archive, a.`account_manager` as user, 'Account Manager' as reason from `tabCustomer Archive` a
			where ifnull(a.`account_manager`, '') != '' and {where}""",
		f"""select a.`name` as archive, a.`owner` as user, 'Owner' as reason from `tabCustomer Archive` a
			where ifnull(a.`account_manager`, '') = '' and {where}""",
		f"""select distinct a.`name` as archive, g_emp.`user_id` as user, 'Team' as reason from `tabCustomer Archive` a
			join `tabEmployee` m_emp on m_emp.`user_id` = a.`account_manager`
			join `tabSales Person` m_sp on m_sp.`employee` = m_emp.`name`
			join `tabSales Person` g_sp on g_sp.`is_group` = 1 and g_sp.`lft` < m_sp.`lft`
				and g_sp.`rgt` > m_sp.`rgt`
			join `tabEmployee` g_emp on g_emp.`name` = g_sp.`employee`
			where ifnull(g_emp.`user_id`, '') != '' and g_emp.`user_id` != a.`account_manager` and {where}""",
		f"""select distinct a.`name` as archive, t.`allocated_to` as user, 'Assignment' as reason from `tabToDo` t
			join `tabCustomer Archive` a on a.`name` = t.`reference_name`
			where t.`reference_type` = 'Customer Archive' and t.`status` = 'Open'
				and ifnull(t.`allocated_to`, '') != '' and ifnull(t.`crm_reminder`, '') = ''
				and {_granter_ok("t.`owner`")} and {where}""",
		f"""select distinct a.`name` as archive, s.`user` as user, 'Share' as reason from `tabDocShare` s
			join `tabCustomer Archive` a on a.`name` = s.`share_name`
			where s.`share_doctype` = 'Customer Archive' and s.`read` = 1 and ifnull(s.`user`, '') != ''
				and ifnull(s.`everyone`, 0) = 0 and {_granter_ok("s.`owner`")} and {where}""",
	]


def _write(query: str, values: dict | None = None):
	"""Insert the rows one of _row_queries gives, each named by its facts (ROW_NAME)."""
	frappe.db.sql(
		f"""insert ignore into {ACCESS} (`name`, `archive`, `user`, `reason`, `creation`, `modified`,
			`owner`, `modified_by`, `docstatus`, `idx`)
		select {ROW_NAME.format("r")}, r.archive, r.user, r.reason, now(6), now(6), 'Administrator',
			'Administrator', 0, 0
		from ({query}) r""",
		values or {},
	)


def _insert(where: str, values: dict | None = None):
	for query in _row_queries(where):
		_write(query, values)


def refresh(archives) -> None:
	"""Recompute the rows of these archives (after any event that may change who sees them)."""
	names = sorted({a for a in ([archives] if isinstance(archives, str) else archives or []) if a})
	if not names:
		return
	frappe.db.sql(f"delete from {ACCESS} where `archive` in %(names)s", {"names": names})
	_insert("a.`name` in %(names)s", {"names": names})


def rebuild_all() -> int:
	"""Every row from scratch (install, migrate, the nightly check). Returns the row count."""
	frappe.db.sql(f"delete from {ACCESS}")
	_insert("1 = 1")
	return frappe.db.sql(f"select count(*) from {ACCESS}")[0][0]


def refresh_team() -> None:
	"""The Sales Person tree or an employee's user changed: recompute every Team row (set-based)."""
	frappe.db.sql(f"delete from {ACCESS} where `reason` = 'Team'")
	_write(_row_queries("1 = 1")[2])


def snapshot() -> set[tuple[str, str, str]]:
	"""The rows as kept, for archives that exist (a row of a deleted archive grants nothing: the archive
	is gone, and a new archive of the same name starts from a refresh that clears it)."""
	return {
		tuple(r)
		for r in frappe.db.sql(
			f"""select x.`archive`, x.`user`, x.`reason` from {ACCESS} x
			join `tabCustomer Archive` a on a.`name` = x.`archive`"""
		)
	}


def expected() -> set[tuple[str, str, str]]:
	"""What a rebuild from scratch would write, without writing (for the consistency check)."""
	rows = set()
	for query in _row_queries("1 = 1"):
		rows.update(tuple(r) for r in frappe.db.sql(query))
	return rows


# --- events (hooks.py doc_events) ----------------------------------------------------------------------


IMPORT_BATCH = 500  # a Data Import writes the access rows of its new archives this many at a time


def on_archive_change(doc, method=None):
	batch = frappe.flags.crm_import_access
	if batch is not None and doc.flags.in_insert:
		# a new archive of a Data Import (overrides/data_import.py): its rows are written set-based with
		# the batch it completes, and all of the file's again when the file is done (a batch written in
		# a row's transaction that then rolled back is written again); until then only managers see it
		batch.append(doc.name)
		if len(batch) % IMPORT_BATCH == 0:
			refresh(batch[-IMPORT_BATCH:])
		return
	refresh(doc.name)


def on_archive_trash(doc, method=None):
	frappe.db.sql(f"delete from {ACCESS} where `archive` = %s", doc.name)


def on_archive_rename(doc, method=None, old=None, new=None, merge=False):
	frappe.db.sql(f"delete from {ACCESS} where `archive` = %s", old)
	refresh(new)


def on_todo_change(doc, method=None):
	before = doc.get_doc_before_save()
	if doc.get("crm_reminder") and (before is None or before.get("crm_reminder")):
		# a reminder grants nothing, before or after: nothing to recompute (the nightly reminders insert
		# one per due archive; recomputing its archive's rows for each was most of a first night's time)
		return
	archives = set()
	if doc.reference_type == "Customer Archive":
		archives.add(doc.reference_name)
	if before and before.reference_type == "Customer Archive":
		archives.add(before.reference_name)
	refresh(archives)


def on_share_change(doc, method=None):
	if doc.share_doctype == "Customer Archive":
		refresh(doc.share_name)


def on_team_change(doc, method=None):
	refresh_team()


def on_employee_change(doc, method=None):
	before = doc.get_doc_before_save()
	if method == "after_delete" or not before or before.user_id != doc.user_id:
		refresh_team()


def on_user_change(doc, method=None):
	"""A user's roles decide whether their assignments and shares grant: recompute those archives."""
	archives = frappe.db.sql_list(
		"""select `reference_name` from `tabToDo` where `owner` = %(u)s
			and `reference_type` = 'Customer Archive'
		union select `share_name` from `tabDocShare` where `owner` = %(u)s
			and `share_doctype` = 'Customer Archive'""",
		{"u": doc.name},
	)
	refresh(archives)


def drifted() -> list[str]:
	"""The archives whose kept rows differ from what a rebuild would write, found in the database (the rows
	never come to Python: at 100k archives reading both sides into sets made this the one nightly step
	growing faster than the site). Two anti-joins on the row name, the md5 of (archive, user, reason):
	- a row a rebuild would write that is not kept as it would be written (missing, or its name kept with
	  other facts);
	- a kept row of an existing archive that no reason's query gives (its name is in none of them), or
	  whose name is not that of its facts (edited in place)."""
	queries = _row_queries("1 = 1")
	missing = [
		f"""select r.archive from ({query}) r left join {ACCESS} x on x.`name` = {ROW_NAME.format("r")}
			and x.`archive` = r.archive and x.`user` = r.user and x.`reason` = r.reason
		where x.`name` is null"""
		for query in queries
	]
	extra = " and ".join(
		f"x.`name` not in (select {ROW_NAME.format('r')} from ({query}) r)" for query in queries
	)
	return frappe.db.sql_list(
		f"""select archive from ({" union ".join(missing)}
			union select x.`archive` from {ACCESS} x join `tabCustomer Archive` a on a.`name` = x.`archive`
			where x.`name` != {ROW_NAME.format("x")} or ({extra})) d
		order by archive"""
	)


def _digest(rows: str, name: str, kept: bool) -> tuple[int, int, int, int]:
	"""`rows` (a FROM clause) summed by their names `name`: the count, two independent 60-bit sums of the
	name's hex digits (a sum and an exclusive or, exact), and for `kept` rows how many are not named by
	their facts."""
	misnamed = f"sum({name} != {ROW_NAME.format('r')})" if kept else "0"
	count, total, xor, misnamed = frappe.db.sql(
		f"""select count(*), cast(ifnull(sum(cast(conv(substr({name}, 1, 15), 16, 10) as unsigned)), 0) as char),
			cast(ifnull(bit_xor(cast(conv(substr({name}, 17, 15), 16, 10) as unsigned)), 0) as char),
			ifnull({misnamed}, 0)
		from {rows}"""
	)[0]
	return int(count), int(total), int(xor), int(misnamed)


def in_step() -> bool:
	"""Whether the kept rows are exactly what a rebuild would write, from scans and no join: the kept rows'
	digest (by their stored names, none named otherwise than by its facts) against the digest of every
	reason's rows (by the names their facts give), one statement per reason. A drift — a row missing, added,
	edited in place, or left by an archive deleted behind the app's back — changes the count or a sum (each
	reason's statement gives a row once, so one grant with two sources does not count twice)."""
	count, total, xor, misnamed = _digest(f"{ACCESS} r", "r.`name`", kept=True)
	want_count = want_total = want_xor = 0
	for query in _row_queries("1 = 1"):
		c, t, x, _ = _digest(f"({query}) r", ROW_NAME.format("r"), kept=False)
		want_count, want_total, want_xor = want_count + c, want_total + t, want_xor ^ x
	return misnamed == 0 and (count, total, xor) == (want_count, want_total, want_xor)


def daily_check() -> dict:
	"""Nightly: converge whatever an event missed (a crashed request, a direct SQL edit), touching only
	the rows that differ so reps' reads never wait on a table-wide rewrite. A night with nothing drifted
	(the usual one) costs two scans (in_step); otherwise the rows are compared in SQL (drifted)."""
	if in_step():
		return {"archives_refreshed": 0, "compared": "digest"}
	stale = drifted()
	for start in range(0, len(stale), 1000):
		refresh(stale[start : start + 1000])
	frappe.db.sql(
		f"""delete x from {ACCESS} x left join `tabCustomer Archive` a on a.`name` = x.`archive`
		where a.`name` is null"""
	)
	return {"archives_refreshed": len(stale), "compared": "rows"}
