"""Adopting crm_archive in a running ERPNext site: archives for existing Customers and from Leads."""

import datetime
import queue
import threading
import time

import frappe
from frappe import _
from frappe.utils import cint

from crm_archive.lifecycle import states as L

# Above this many customers the desk action runs in a background job instead of the request.
INLINE_LIMIT = 200
CHUNK = 500


def customers_without_archive(limit: int | None = None, names: list[str] | None = None) -> list[dict]:
	"""Customers that no archive links to, oldest first (one anti-join, no per-customer query)."""
	customer = frappe.qb.DocType("Customer")
	archive = frappe.qb.DocType("Customer Archive")
	query = (
		frappe.qb.from_(customer)
		.left_join(archive)
		.on(archive.customer == customer.name)
		.select(
			customer.name,
			customer.customer_name,
			customer.customer_type,
			customer.territory,
			customer.industry,
			customer.account_manager,
			customer.lead_name,
		)
		.where(archive.name.isnull())
		.orderby(customer.creation)
		.orderby(customer.name)
	)
	if names is not None:
		query = query.where(customer.name.isin(names or [""]))
	if limit:
		query = query.limit(limit)
	return query.run(as_dict=True)


def archive_fields(row: dict, lead: str | None) -> dict:
	"""The archive's values for a Customer row (shared by one-by-one and set-based adoption)."""
	is_company = row.get("customer_type") == "Company"
	return {
		"full_name": row["customer_name"] or row["name"],
		"company_name": row["customer_name"] if is_company else None,
		"customer": row["name"],
		"territory": row.get("territory"),
		"industry": row.get("industry"),
		"account_manager": row.get("account_manager"),
		"lead": lead,
		"lifecycle_state": "Potential",
	}


def archive_from_customer(row: dict) -> "frappe.model.document.Document":
	lead = row.get("lead_name")
	if lead and frappe.db.exists("Customer Archive", {"lead": lead}):
		lead = None
	doc = frappe.get_doc({"doctype": "Customer Archive", **archive_fields(row, lead)})
	doc.flags.ignore_mandatory = True
	doc.flags.crm_system_save = True
	return doc


def create_archives_for_customers(publish: bool = True) -> int:
	"""Create an archive for every Customer that has none. Idempotent; returns how many were made."""
	rows = customers_without_archive()
	total = len(rows)
	for i, row in enumerate(rows, 1):
		archive_from_customer(row).insert(ignore_permissions=True)
		if i % CHUNK == 0:
			frappe.db.commit()
		if publish and (i % 50 == 0 or i == total):
			frappe.publish_progress(
				i * 100 / total, title=_("Creating Customer Archives"), description=f"{i}/{total}"
			)
	return total


@frappe.whitelist()
def adopt_existing_customers() -> dict:
	"""Desk action for managers: archives for all Customers without one (set-based, adopt_all), in the
	background when many; the desk shows its progress."""
	frappe.only_for(("CRM Archive Manager", "System Manager"))
	pending = frappe.db.count("Customer") - frappe.db.count("Customer Archive", {"customer": ("is", "set")})
	if pending <= INLINE_LIMIT:
		return {"created": adopt_all(publish=False)["created"], "queued": False}
	frappe.enqueue(
		"crm_archive.adoption.adopt_all",
		queue="long",
		timeout=3600,
		job_id="crm_archive:adopt_customers",
		deduplicate=True,
	)
	return {"created": 0, "queued": True, "pending": pending}


@frappe.whitelist()
def make_archive_from_lead(lead: str) -> str:
	"""Create (or return) the archive of an ERPNext Lead, carrying its name, contacts, company and source."""
	lead_doc = frappe.get_doc("Lead", lead)
	lead_doc.check_permission("read")
	frappe.has_permission("Customer Archive", "create", throw=True)
	existing = frappe.db.get_value("Customer Archive", {"lead": lead}, "name")
	if existing:
		return existing
	name = lead_doc.lead_name or " ".join(
		p for p in (lead_doc.first_name, lead_doc.middle_name, lead_doc.last_name) if p
	)
	archive = frappe.get_doc(
		{
			"doctype": "Customer Archive",
			"full_name": name or lead_doc.company_name or lead_doc.name,
			"lead": lead_doc.name,
			"gender": lead_doc.gender if lead_doc.gender in ("Male", "Female") else None,
			"occupation": lead_doc.job_title,
			"email_id": lead_doc.email_id,
			"mobile_no": lead_doc.mobile_no or lead_doc.phone,
			"company_name": lead_doc.company_name,
			"industry": lead_doc.industry,
			"territory": lead_doc.territory,
			"city": lead_doc.city,
			"source": lead_doc.source,
			"account_manager": lead_doc.lead_owner,
			"customer": lead_doc.customer if lead_doc.get("customer") else None,
			"first_contact_date": frappe.utils.getdate(lead_doc.creation),
			"lifecycle_state": "Potential",
		}
	)
	if archive.customer and frappe.db.exists("Customer Archive", {"customer": archive.customer}):
		archive.customer = None
	archive.insert()
	return archive.name


# --- set-based adoption ------------------------------------------------------------------------------

BULK_CHUNK = 2000
WRITERS = 2  # connections writing prepared chunks at the same time, one transaction a chunk each
PASS_PENDING = "crm_archive_adoption_pass_pending"  # a DefaultValue: survives a kill, rolls back with it


def _reserve_names(count: int) -> list[str]:
	"""`count` names of the archive's series (CA-.#####), reserved as Frappe's naming would, in one step:
	the series row stays locked until the chunk commits, so a person's new archive takes the next one."""
	prefix = "CA-"
	frappe.db.sql(
		"insert into `tabSeries` (`name`, `current`) values (%s, 0) on duplicate key update name = name",
		prefix,
	)
	current = cint(
		frappe.db.sql("select `current` from `tabSeries` where `name` = %s for update", prefix)[0][0]
	)
	frappe.db.sql("update `tabSeries` set `current` = %s where `name` = %s", (current + count, prefix))
	return [f"{prefix}{str(i).zfill(5)}" for i in range(current + 1, current + count + 1)]


def bulk_values(
	rows: list[dict], names: list[str], taken_leads: set[str], now=None
) -> tuple[list[str], list[tuple]]:
	"""The columns and rows one-by-one adoption would store (archive_from_customer, then the archive's
	own validate: defaults, derived fields, completeness, search reading, duplicate block)."""
	from crm_archive.archive import reading
	from crm_archive.archive import rules as archive_rules
	from crm_archive.duplicates.matching import block_key

	now = now or frappe.utils.now_datetime()
	user = frappe.session.user
	fields = [
		"name", "creation", "modified", "owner", "modified_by", "docstatus", "idx",
		"full_name", "company_name", "customer", "territory", "industry", "account_manager", "lead",
		"lifecycle_state", "id_type", "company_size", "completeness_score", "review_required", "verified",
		"name_search", "name_pinyin", "duplicate_block",
	]  # fmt: skip
	values = []
	for row, name in zip(rows, names, strict=True):
		lead = row.get("lead_name")
		if lead and lead in taken_leads:
			lead = None
		elif lead:
			taken_leads.add(lead)
		doc = {**archive_fields(row, lead), "id_type": "Resident Identity Card"}
		full_name, company = doc["full_name"], doc["company_name"]
		values.append(
			(
				name, now, now, user, user, 0, 0,
				full_name, company, row["name"], doc["territory"], doc["industry"], doc["account_manager"],
				lead, "Potential", "Resident Identity Card", "", archive_rules.completeness(doc), 0, 0,
				reading.archive_search_text(full_name, company), " ".join(reading.syllables(full_name))[:255],
				block_key({"company_name": company, "city": None}),
			)
		)  # fmt: skip
	return fields, values


class _Clock:
	"""Seconds per phase, added up over the chunks (the bench command and the benchmark print them)."""

	def __init__(self, seconds: dict):
		self.seconds, self.last = seconds, time.perf_counter()

	def lap(self, phase: str):
		now = time.perf_counter()
		self.seconds[phase] = round(self.seconds.get(phase, 0.0) + now - self.last, 3)
		self.last = now


# What the engine writes on an archive (tiering/store/ engine_values + the explanation): adopted archives
# are inserted with their first re-tier's values instead of being updated right after.
TIER_COLUMNS = (
	"tier",
	"qualified_tier",
	"tier_pending_since",
	"tier_rule",
	"tier_reason",
	"window_spend",
	"lifetime_spend",
	"invoice_count",
	"average_order_value",
	"first_purchase_date",
	"last_purchase_date",
)
UNTIERED = (None, None, None, None, None, 0, 0, 0, 0, None, None, None)  # and tier_updated_on


def _insert_access_rows(names: list[str]):
	"""The access rows of archives just inserted: the rows access.refresh writes (its own queries), read
	with a plain SELECT and then inserted — no delete first (a new archive has none; rows of a deleted
	archive of the same name are removed, should there be any) and no INSERT … SELECT: a delete's gap
	locks, and the share locks an INSERT … SELECT takes on what it reads (all of an index, when MariaDB
	misjudges a table just filled), deadlock against a rep's own refresh and the other writers."""
	from crm_archive.access import table as access
	from crm_archive.utils import insert_rendered, sql_row_renderer

	stale = frappe.db.sql_list(
		f"select distinct `archive` from {access.ACCESS} where `archive` in %(names)s", {"names": names}
	)
	if stale:
		frappe.db.sql(f"delete from {access.ACCESS} where `archive` in %(names)s", {"names": stale})
	rows = set()
	for query in access._row_queries("a.`name` in %(names)s"):
		rows.update(
			frappe.db.sql(
				f"select md5(concat_ws('|', r.archive, r.user, r.reason)), r.archive, r.user, r.reason from ({query}) r",
				{"names": names},
			)
		)
	render = sql_row_renderer()
	insert_rendered(
		access.ACCESS.strip("`"),
		(
			"name",
			"archive",
			"user",
			"reason",
			"creation",
			"modified",
			"owner",
			"modified_by",
			"docstatus",
			"idx",
		),
		[
			render(row)[:-1] + ", now(6), now(6), 'Administrator', 'Administrator', 0, 0)"
			for row in sorted(rows)  # in primary-key order
		],
		ignore=True,
	)


def _with_tiers_and_moves(fields, values, tiers, today, churn_after_days, now):
	"""Each archive's row with its first re-tier's values and the state the lifecycle pass would move it
	to (lifecycle/store.py first_moves), and the moves' log rows (trigger as the pass logs them)."""
	from crm_archive.lifecycle.store import first_moves

	out_fields = [*fields, *TIER_COLUMNS, "tier_updated_on"]
	at = {f: i for i, f in enumerate(fields)}
	i_name, i_customer, i_state = at["name"], at["customer"], at["lifecycle_state"]
	i_review, i_modified_by = at["review_required"], at["modified_by"]
	rows, moves = [], ([], [])
	for values_row in values:
		new = tiers.get(values_row[i_name])
		if not new:
			rows.append((*values_row, *UNTIERED))
			continue
		row = list(values_row)
		row[i_review] = new["review_required"]
		for frm, to, trigger in first_moves(
			row[i_state],
			row[i_customer],
			new["first_purchase_date"],
			new["last_purchase_date"],
			today,
			churn_after_days,
		):
			moves[0 if trigger == "Catch-up" else 1].append(
				{
					"customer_archive": row[i_name],
					"event_type": "Lifecycle Change",
					"from_value": frm,
					"to_value": to,
					"trigger": trigger,
				}
			)
			row[i_state], row[i_modified_by] = to, "Administrator"  # an automatic move is the system's
		row.extend(new[c] for c in TIER_COLUMNS)
		row.append(now)
		rows.append(tuple(row))
	return out_fields, rows, moves


class _Prepared:
	"""A chunk ready to write: each archive's row and each log row written as SQL literals without the
	archive's name (reserved when the chunk is written), with the archive's place in the chunk."""

	__slots__ = ("caught_up", "churned", "count", "customers", "logs", "rows")

	def __init__(self, customers, rows, logs, caught_up, churned):
		self.count, self.customers, self.rows, self.logs = len(customers), customers, rows, logs
		self.caught_up, self.churned = caught_up, churned  # how many of the log rows are such moves


class _Writer(threading.Thread):
	"""Writes prepared chunks on a connection of its own, one transaction a chunk, while the caller
	prepares the next ones: a chunk's Python work (values, tiers, SQL text) and the database's writes of
	those before overlap, on two cores; WRITERS of them take chunks from one queue (the database waits
	for its pages on one while it works for the other). Chunks hold disjoint rows, so they commit in any
	order; a rerun after a kill takes whatever Customers are still without an archive."""

	def __init__(self, fields: list[str], shared: "_Shared"):
		super().__init__(daemon=True)
		self.site, self.sites_path = frappe.local.site, frappe.local.sites_path
		self.user = frappe.session.user
		self.fields, self.shared, self.queue = fields, shared, shared.queue
		self.seconds: dict = {}

	def run(self):
		try:
			frappe.init(site=self.site, sites_path=self.sites_path)
			frappe.connect()
			frappe.set_user(self.user)
		except BaseException as e:
			self.shared.error = e
			while self.queue.get() is not None:  # the caller never waits on a queue nobody takes from
				pass
			return
		try:
			clock = _Clock(self.seconds)
			while (item := self.queue.get()) is not None:
				clock.lap("writer_waits")
				if self.shared.error is None:
					try:
						self.write(item, clock)
					except BaseException as e:
						frappe.db.rollback()
						self.shared.error = e
				clock.lap("writer_waits")
		finally:
			frappe.destroy()

	def write(self, item: _Prepared, clock: "_Clock"):
		from crm_archive.tiering.store.engine import after_tier_changes
		from crm_archive.utils import LOG_FIELDS, insert_rendered

		# the names in a transaction of their own: the series row is locked for a moment, not for the
		# chunk, so a person's new archive meanwhile takes the number after them (a kill before the
		# chunk commits leaves these numbers unused)
		names = _reserve_names(item.count)
		frappe.db.commit()
		insert_rendered(
			"tabCustomer Archive", self.fields, [f"('{n}'{r}" for n, r in zip(names, item.rows, strict=True)]
		)
		clock.lap("insert")
		insert_rendered(
			"tabCustomer Archive Log",
			("customer_archive", *(f for f in LOG_FIELDS if f != "customer_archive")),
			[f"('{names[i]}'{r}" for i, r in item.logs],
		)
		after_tier_changes(
			[names[i] for i, _r in item.logs[: len(item.logs) - item.caught_up - item.churned]], "Adoption"
		)
		clock.lap("logs")
		# each Customer's back-link, joined by primary key to the pairs themselves (no read of the
		# archives: a misjudged plan on a table just filled would lock much more than these rows)
		frappe.db.sql(
			f"""update `tabCustomer` c join (select %s as `customer`, %s as `archive`
				{"union all values " + ", ".join(["(%s, %s)"] * (item.count - 1)) if item.count > 1 else ""}) t
			on c.`name` = t.`customer` set c.`crm_archive` = t.`archive`""",
			[v for pair in zip(item.customers, names, strict=True) for v in pair],
		)
		clock.lap("back_links")
		_insert_access_rows(names)
		clock.lap("access")
		frappe.db.commit()
		clock.lap("commit")
		self.shared.done(item)


class _Shared:
	"""What the writers share: the queue of prepared chunks, the counts, the first error, the progress."""

	def __init__(self, total: int, progress, publish: bool):
		self.total, self.progress, self.publish = total, progress, publish
		self.queue: queue.Queue = queue.Queue(maxsize=WRITERS + 1)
		self.error: BaseException | None = None
		self.lock = threading.Lock()
		self.stats = {"created": 0, "tier_changes": 0, "moves": {"caught_up": 0, "churned": 0}}

	def done(self, item: _Prepared):
		with self.lock:
			stats = self.stats
			stats["created"] += item.count
			stats["tier_changes"] += len(item.logs) - item.caught_up - item.churned
			stats["moves"]["caught_up"] += item.caught_up
			stats["moves"]["churned"] += item.churned
			created = stats["created"]
			if self.progress:
				self.progress(created, self.total)
		if self.publish:
			frappe.publish_progress(
				created * 100 / self.total,
				title=_("Creating Customer Archives"),
				description=f"{created}/{self.total}",
			)


def _prepare(chunk, first, taken_leads, today, churn_after_days, clock) -> tuple[list[str], _Prepared]:
	"""A chunk's rows and log rows, written as SQL literals, each without the archive's name."""
	from crm_archive.utils import LOG_FIELDS, log_names, sql_row_renderer

	now = frappe.utils.now_datetime()
	user = frappe.session.user
	keys = [f"\0{i}" for i in range(len(chunk))]  # stand-ins for the names, reserved at write time
	fields, values = bulk_values(chunk, keys, taken_leads, now)
	clock.lap("values")
	frappe.db.rollback()  # a fresh snapshot: invoices committed since the last chunk are seen
	tiers, tier_logs = first.decide([(k, r["name"]) for k, r in zip(keys, chunk, strict=True)], "Adoption")
	fields, values, (caught_up, churned) = _with_tiers_and_moves(
		fields, values, tiers, today, churn_after_days, now
	)
	clock.lap("tiering")
	render = sql_row_renderer()
	rows = [", " + render(row[1:])[1:] for row in values]  # "…, v2, …)": the name goes first
	index = {k: i for i, k in enumerate(keys)}
	other = LOG_FIELDS[8:]  # the fields after customer_archive
	# the Tier Change rows (the re-tier's: the session's user), then the lifecycle pass's (the system's),
	# a microsecond apart in its order: catch-up, then inactivity
	step = datetime.timedelta(microseconds=1)
	logs = [
		(
			index[log["customer_archive"]],
			", " + render((name, now, now, user, user, now, user, *(log.get(f) for f in other)))[1:],
		)
		for name, log in zip(log_names(len(tier_logs)), tier_logs, strict=True)
	]
	for part, at, move in ((caught_up, now + step, caught_up[:1]), (churned, now + 2 * step, churned[:1])):
		if not part:
			continue
		# a move's row differs from the others of its kind by its name and archive only
		by = "Administrator"
		same = render((at, at, by, by, at, by, *(move[0].get(f) for f in other)))[1:]
		logs.extend(
			(index[log["customer_archive"]], f", '{name}', {same}")
			for name, log in zip(log_names(len(part)), part, strict=True)
		)
	clock.lap("render")
	customers = [r["name"] for r in chunk]
	return fields, _Prepared(customers, rows, logs, len(caught_up), len(churned))


def adopt_all(
	publish: bool = True,
	progress=None,
	stop_after_chunks: int | None = None,
	customers: list[str] | None = None,
) -> dict:
	"""Archives for every Customer without one, set-based, in chunks of BULK_CHUNK, each committed whole
	(idempotent, resumable after a kill: a rerun takes the Customers still without an archive). A chunk's
	archives are inserted in bulk with the values one-by-one adoption stores, with what the engine's first
	re-tier would write on them (tiering/store/ FirstTiering: metrics from one aggregate pass) and in
	the state the lifecycle pass would move them to (Existing, or Churned after the churn-after days
	without a purchase), their Tier Change and Lifecycle Change log rows, their Customers' back-links and
	their access rows; a chunk is written (_Writer, its own connection) while the next is prepared. Then
	ONE full re-tier and ONE lifecycle pass converge everything (the other archives, a customer invoiced
	meanwhile) — instead of a job, or an UPDATE, per archive.
	`progress(done, total)` is called per chunk (the bench command's bar); the desk gets publish_progress.
	`customers`: only these (then only their archives are re-tiered before the lifecycle pass).
	Returns counts and the seconds of each phase (the writer's phases overlap the preparing ones)."""
	from crm_archive.lifecycle.store import daily as lifecycle_daily
	from crm_archive.tiering.store.engine import FirstTiering, retier
	from crm_archive.tiering.store.jobs import retier_all
	from crm_archive.utils import get_settings

	seconds = {}
	clock = _Clock(seconds)
	rows = customers_without_archive(names=customers)
	total = len(rows)
	taken_leads = set(frappe.get_all("Customer Archive", filters={"lead": ("is", "set")}, pluck="lead"))
	clock.lap("read")
	stats = {"created": 0, "tier_changes": 0, "moves": {"caught_up": 0, "churned": 0}}
	if total:
		frappe.db.set_default(PASS_PENDING, "1")
		frappe.db.commit()
		first = FirstTiering([r["name"] for r in rows] if customers is not None else None)
		today = frappe.utils.getdate()
		churn_after_days = cint(get_settings().churn_after_days)
		clock.lap("metrics")
		started = time.perf_counter()
		shared, writers = _Shared(total, progress, publish), []
		try:
			for number, start in enumerate(range(0, total, BULK_CHUNK), 1):
				fields, item = _prepare(
					rows[start : start + BULK_CHUNK], first, taken_leads, today, churn_after_days, clock
				)
				if not writers:
					writers = [_Writer(fields, shared) for _i in range(WRITERS)]
					for writer in writers:
						writer.start()
				if shared.error:
					break
				shared.queue.put(item)
				clock.lap("prepare_waits")
				if stop_after_chunks and number >= stop_after_chunks:
					break
		finally:
			for _writer in writers:
				shared.queue.put(None)
			for writer in writers:
				writer.join()
		clock.lap("writers_finishing")
		seconds["chunks_wall"] = round(time.perf_counter() - started, 3)
		for writer in writers:  # summed over the writers (they work at the same time)
			for k, v in writer.seconds.items():
				seconds[k] = round(seconds.get(k, 0) + v, 3)
		if shared.error:
			raise shared.error
		stats = shared.stats
		frappe.db.rollback()  # see what the writer committed
		if stats["created"] < total:
			stats.update(pending=total - stats["created"], stopped=True, seconds=seconds)
			return stats
		if first.mixed:
			stats["mixed_currencies"] = first.mixed
	if customers is not None:
		adopted = frappe.get_all(
			"Customer Archive", filters={"customer": ("in", customers or [""])}, pluck="name"
		)
		stats["retier"] = dict(retier(archives=adopted, trigger="Adoption") or {})
		clock.lap("retier")
		stats["retier"]["lifecycle"] = lifecycle_daily()
		frappe.db.commit()
		clock.lap("lifecycle")
	elif frappe.db.get_default(PASS_PENDING):
		stats["retier"] = retier_all(
			trigger="Adoption",
			publish_progress=publish,
			metrics_read=first.metrics_read() if total else None,
		)
		stats["retier"]["lifecycle"] = lifecycle_daily()
		frappe.db.set_default(PASS_PENDING, None)
		frappe.db.commit()
		clock.lap("retier_and_lifecycle")
	stats["seconds"] = seconds
	return stats
