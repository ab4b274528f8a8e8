"""Small frappe-side helpers shared by controllers (below them in the import order)."""

import frappe


def get_settings():
	"""CRM Archive Settings as a cached single document."""
	return frappe.get_cached_doc("CRM Archive Settings")


def phone_region() -> str:
	return (get_settings().default_phone_region or "CN").upper()


def log_names(count: int) -> list[str]:
	"""Names for log rows written in bulk, made like Frappe's own "hash" names (the log's autoname): a
	prefix that follows the clock, so rows written together sit together in the primary key instead of
	on random pages (at 200,000 log rows, 100,000 inserts took 18.4 s with random names, 8.7 s so), then
	ten random base-32 characters (50 bits: no clash among the rows of one tenth of a second)."""
	import base64
	import secrets
	import time

	tenths = int(time.time() * 10) % (32**4)
	prefix = base64.b32hexencode(tenths.to_bytes(5, "big")).decode()[-4:].lower()
	return [prefix + base64.b32hexencode(secrets.token_bytes(7)).decode()[:10].lower() for _ in range(count)]


LOG_FIELDS = (
	"name",
	"creation",
	"modified",
	"owner",
	"modified_by",
	"timestamp",
	"user",
	"customer_archive",
	"event_type",
	"from_value",
	"to_value",
	"trigger",
	"rule_set",
	"rule_row",
	"metrics_snapshot",
	"reference_doctype",
	"reference_name",
)


def insert_logs(logs: list[dict], now, user: str):
	"""Customer Archive Log rows in multi-row INSERTs (the set-based writers: re-tier, lifecycle moves)."""
	names = log_names(len(logs))
	insert_rows(
		"tabCustomer Archive Log",
		LOG_FIELDS,
		[
			(name, now, now, user, user, now, user, *(log.get(f) for f in LOG_FIELDS[7:]))
			for name, log in zip(names, logs, strict=True)
		],
	)


class _Rendered:
	"""A row of values already written as SQL literals: the connection's encoder passes it through."""

	__slots__ = ("sql",)

	def __init__(self, sql: str):
		self.sql = sql


def sql_row_renderer():
	"""A function writing a row of values as SQL literals — "(v1, v2, …)" — exactly as pymysql would
	write each value (its own converters; strings through the connection's escaping), without its
	per-value dispatch, which is most of the time at a few million values."""
	import datetime

	from pymysql import converters

	if not frappe.db._conn:
		frappe.db.connect()
	conn = frappe.db._conn
	escape, literal = conn.escape_string, conn.literal
	escape_float, escape_datetime, escape_date = (
		converters.escape_float,
		converters.escape_datetime,
		converters.escape_date,
	)
	datetime_type, date_type = datetime.datetime, datetime.date
	dates = {}  # rows repeat their timestamps and purchase dates: each is written once

	def render(row) -> str:
		out = []
		for v in row:
			t = type(v)
			if v is None:
				out.append("NULL")
			elif t is str:
				out.append("'" + escape(v) + "'")
			elif t is int:
				out.append(str(v))
			elif t is float:
				out.append(escape_float(v))
			elif t is datetime_type or t is date_type:
				text = dates.get(v)
				if text is None:
					text = dates[v] = escape_datetime(v) if t is datetime_type else escape_date(v)
				out.append(text)
			else:
				out.append(literal(v))
		return "(" + ", ".join(out) + ")"

	return render


def _pass_rendered_through():
	"""The connection writes a _Rendered value as it is (its encoder, registered once per connection)."""
	if not frappe.db._conn:
		frappe.db.connect()
	frappe.db._conn.encoders.setdefault(_Rendered, lambda value, mapping=None: value.sql)


def rendered_rows(rows) -> list[_Rendered]:
	"""Rows written as SQL literals "(v1, v2, …)" (sql_row_renderer) to pass as a statement's values, one
	%s placeholder a row: the connection writes each as it is."""
	render = sql_row_renderer()
	_pass_rendered_through()
	return [_Rendered(render(row)) for row in rows]


def insert_rendered(table: str, fields, rows: list[str], per_statement: int = 1000, ignore: bool = False):
	"""Multi-row INSERTs of rows already written as SQL literals (sql_row_renderer); each statement goes
	through frappe.db.sql with one placeholder a row, the rows passed through by the connection."""
	if not rows:
		return
	_pass_rendered_through()
	columns = ", ".join(f"`{f}`" for f in fields)
	for start in range(0, len(rows), per_statement):
		part = [_Rendered(r) for r in rows[start : start + per_statement]]
		frappe.db.sql(
			f"insert {'ignore ' if ignore else ''}into `{table}` ({columns}) values "
			+ ", ".join(["%s"] * len(part)),
			part,
		)


def insert_rows(table: str, fields, rows, per_statement: int = 1000):
	"""Plain multi-row INSERTs of many rows, written as SQL literals here (sql_row_renderer: faster than
	pymysql's own escaping; frappe.db.bulk_insert builds its SQL through pypika, slower still)."""
	if not rows:
		return
	render = sql_row_renderer()
	insert_rendered(table, fields, [render(r) for r in rows], per_statement)
