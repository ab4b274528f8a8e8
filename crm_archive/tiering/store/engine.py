"""The one code path for every trigger (invoice submit/cancel, nightly, rule set activation, Re-tier now):

    retier(customers=None | [..], trigger=...)
        fetch_metrics()      one GROUP BY over `tabSales Invoice` (docstatus = 1) read from a covering index
        rules.evaluate()     pure: qualify by the active rule set, downgrade grace, manual locks
        apply()              changed archives updated in bulk (UPDATE … JOIN a derived table of values),
                             and one Customer Archive Log row per actual tier change

and FirstTiering, the same decisions for archives about to be inserted (set-based adoption)."""

from __future__ import annotations

import contextvars
import json
import threading
from collections.abc import Iterable
from datetime import date

import frappe
from frappe import _
from frappe.utils import getdate, now_datetime, nowdate

from crm_archive.tiering import rules as R
from crm_archive.tiering.metrics import Metrics, empty_metrics
from crm_archive.tiering.store import benefits, predictions, replica
from crm_archive.tiering.store.explain import _explain, metric_labels
from crm_archive.tiering.store.queries import (
	METRIC_FIELDS,
	archive_names,
	fetch_archives_packed,
	fetch_metrics_packed,
	invoiced_since,
)
from crm_archive.tiering.store.rule_sets import load_rule_set, safe_condition, tier_ranks
from crm_archive.utils import insert_logs, rendered_rows

CHUNK = 2000  # archives per locked chunk: a person's save waits at most for one chunk


def retier(
	customers: Iterable[str] | None = None,
	archives: Iterable[str] | None = None,
	trigger: str = "Manual",
	as_of: date | str | None = None,
	reference: tuple[str, str] | None = None,
	publish_progress: bool = False,
	commit: bool = False,
	metrics_read: tuple | None = None,
	email_groups_of: Iterable[str] | None = None,
) -> dict:
	"""Re-tier the archives of `customers` / `archives` (None and None: every archive). Idempotent.
	`metrics_read`: (rule set, window, company, as of, when read, metrics) of a full aggregate pass the
	caller made (set-based adoption's); a full run with the same rule set uses it instead of its own
	pass, each chunk re-reading the customers invoiced since it was read.

	Chunk by chunk, each chunk's archives are read under row locks (SELECT … FOR UPDATE) together with
	their customers' metrics, evaluated and written before the locks go: a manager's tier lock or an
	invoice committed while a long run works is seen by the chunk that writes that archive, and a
	person's save waits at most for one chunk (never for the run).

	Each tier's Email Group then follows for the archives re-tiered, or, with `email_groups_of`, for
	those archives and the ones whose tier this run changed (the nightly re-tier: a tier is what the run
	changes; an edit's email or No Marketing is synced by the archive's save, and the night passes the
	archives edited since the last night)."""
	loaded = load_rule_set()
	if not loaded:
		return {"evaluated": 0, "changed": 0, "skipped": "no active rule set"}
	rule_set, company = loaded
	as_of = getdate(as_of or nowdate())
	every = customers is None and archives is None
	# every archive: the chunks walk the table by primary key (each a range scan under row locks), so
	# only the count is read first; otherwise the names, locked by IN list chunk by chunk
	names = None if every else archive_names(customers, archives)
	total = archive_count() if every else len(names)
	stats = {"evaluated": 0, "changed": 0, "tier_changes": 0, "mixed_currencies": 0}
	mixed_examples = []
	if not total:
		return stats
	ranks = tier_ranks()
	predicted = predictions.used_by(rule_set)  # conditions on p_alive etc. read them from the archives
	full = every and (total > CHUNK or replica.configured())
	states = {}  # (tier, pending since, locked) → its R.Current, shared by the archives in that state
	tier_changed: list[str] = []
	streamed = alongside = None
	if full:
		# one pass over the covering index for everyone (a scan beats 50 IN-list lookups 3:1), on the
		# site's replica when it has one; each chunk then reads again, on the primary, only the customers
		# whose invoices changed since the run started
		if metrics_read and metrics_read[:4] == (rule_set.name, rule_set.window_days, company, as_of):
			started, all_metrics = metrics_read[4:]
			stats["metrics_read_on"] = "caller's pass"
			alongside = None
		else:
			started = now_datetime()  # the site's time zone, as `modified` is
			# and, on the same second connection, whether the tiers' Email Groups are in step already
			alongside = (
				AlongsideRead(then=benefits.email_groups_check()) if AlongsideRead.possible() else None
			)
			# archives are evaluated while the aggregate still streams in, once the second connection
			# has read them (predicted metrics are read by query, which a streaming read rules out)
			streamed = (
				StreamedPass(alongside, rule_set, ranks, as_of, states)
				if alongside and not predicted
				else None
			)
			with replica.reading_replica() as on_replica:
				all_metrics = fetch_metrics_packed(
					as_of, rule_set.window_days, None, company, on_batch=streamed.take if streamed else None
				)
			stats["metrics_read_on"] = "replica" if on_replica else "primary"
		all_mixed = {c for c, m in all_metrics.items() if m.mixed_currencies}
	done = 0
	if full:
		# Every archive read WITHOUT locks and evaluated; only those whose stored values differ from what
		# the engine would write are then read again under row locks, chunk by chunk, re-evaluated on
		# what they hold then (a lock or an invoice committed meanwhile included) and written. On a
		# steady night almost nothing differs: no row is locked, nobody waits at all.
		names, seen, handled = [], 0, set()
		labels = _rule_labels(rule_set)
		if streamed is not None:
			first_pass = streamed.finish()
			if first_pass is not None:
				names, handled = streamed.candidates, streamed.handled
		else:
			first_pass = alongside.result() if alongside else None
		stats["first_pass_read_on"] = "second connection" if first_pass is not None else "this connection"
		for chunk in first_pass if first_pass is not None else unlocked_chunks():
			seen += len(chunk)
			if handled:
				chunk = [r for r in chunk if r[0] not in handled]
			mixed = {r[1] for r in chunk if r[1] in all_mixed} if all_mixed else set()
			if mixed:
				chunk = [r for r in chunk if r[1] not in mixed]
				stats["mixed_currencies"] += len(mixed)
				mixed_examples.extend(sorted(mixed)[: 10 - len(mixed_examples)])
			names.extend(_would_change(chunk, all_metrics, rule_set, ranks, as_of, predicted, states, labels))
		names.sort()  # the order row locks are taken in
		stats["evaluated"] = seen
		stats["evaluated_while_streaming"] = len(handled)
		stats["written_under_lock"] = len(names)
		total = len(names)
	for chunk in locked_chunks(names):
		locked_rows = len(chunk)
		linked = [r[1] for r in chunk if r[1]]
		if full:
			fresh = invoiced_since(started, linked)
			if fresh:
				metrics = {c: all_metrics[c] for c in linked if c in all_metrics}
				reread = fetch_metrics_packed(as_of, rule_set.window_days, fresh, company)
				for c in fresh:  # re-read; none left (every invoice cancelled): no purchases
					if c in reread:
						metrics[c] = reread[c]
					else:
						metrics.pop(c, None)
				mixed = {c for c, m in metrics.items() if m.mixed_currencies}
			else:
				metrics = all_metrics  # read from it by this chunk's customers only
				mixed = {c for c in linked if c in all_mixed} if all_mixed else set()
		else:
			metrics = fetch_metrics_packed(as_of, rule_set.window_days, linked, company)
			mixed = {c for c, m in metrics.items() if m.mixed_currencies}
		if mixed:
			# a company with another currency invoiced them after the rule set was saved: their sum
			# would add USD to CNY, so they keep what they have until the rule set names a Company
			chunk = [r for r in chunk if r[1] not in mixed]
			if not full:  # (a full run counted them in its first pass)
				stats["mixed_currencies"] += len(mixed)
				mixed_examples.extend(sorted(mixed)[: 10 - len(mixed_examples)])
		m_list, decisions = _evaluate(chunk, metrics, rule_set, ranks, as_of, predicted, states)
		changed, moved = apply(chunk, m_list, decisions, rule_set, trigger, as_of, reference)
		if not full:
			stats["evaluated"] += len(chunk)
		stats["changed"] += changed
		stats["tier_changes"] += len(moved)
		tier_changed.extend(moved)
		if commit:
			frappe.db.commit()
		if publish_progress:
			done = min(done + locked_rows, total)
			frappe.publish_progress(done * 100 / total, title=_("Re-tiering"), description=f"{done}/{total}")
	# each tier's Email Group follows, once for the run (every archive of a full run, else these)
	if alongside is not None:
		alongside.thread.join()  # (its check, when the first pass needed only its read)
		if alongside.then_error is not None:
			frappe.logger("crm_archive").warning(
				f"full re-tier: Email Groups not checked ({alongside.then_error!r})"
			)
	if every and not tier_changed and alongside is not None and alongside.then_result is True:
		# nothing changed tier, and the second connection found every group in step while this one
		# aggregated: there is nothing to sync (a save changing an email syncs its own archive)
		stats["email_groups"] = {"added": 0, "removed": 0, "in_step": True}
	else:
		if every:
			synced = None
		elif email_groups_of is not None:
			synced = sorted({*email_groups_of, *tier_changed})
		else:
			synced = names
		stats["email_groups"] = benefits.sync_email_groups(synced)
	if commit:
		frappe.db.commit()
	if stats["mixed_currencies"]:
		frappe.log_error(
			title=_("Re-tier skipped customers invoiced in different currencies"),
			message=_(
				"Rule set {0} has no Company and {1} customers were invoiced by companies keeping different currencies (for example {2}): name a Company in the rule set."
			).format(rule_set.name, stats["mixed_currencies"], ", ".join(mixed_examples)),
		)
	return stats


def _evaluate(chunk, metrics, rule_set, ranks, as_of, predicted, states):
	"""(metrics, decisions) of these packed archive rows on these customers' metrics."""
	m_list = [metrics.get(r[1]) or empty_metrics(r[1] or r[0]) for r in chunk]
	if predicted:
		predictions.attach(m_list)
	current = {}
	for m, r in zip(m_list, chunk, strict=True):
		state = states.get(r[2:5])
		if state is None:
			state = states[r[2:5]] = R.Current(
				tier=r[2], pending_since=date.fromisoformat(r[3]) if r[3] else None, locked=r[4]
			)
		current[m.customer] = state
	return m_list, R.evaluate(m_list, rule_set, current, ranks, as_of, safe_condition)


def _would_change(chunk, metrics, rule_set, ranks, as_of, predicted, states, labels) -> list[str]:
	"""Names of these (unlocked) archive rows whose stored values differ from what the engine would write."""
	m_list, decisions = _evaluate(chunk, metrics, rule_set, ranks, as_of, predicted, states)
	return [
		row[0] for row, m, d in zip(chunk, m_list, decisions, strict=True) if _digest(d, m, labels) != row[5]
	]


UNLOCKED_CHUNK = 20000  # archives per read of the first, lock-free pass of a full run


def unlocked_chunks(db=None):
	"""Every archive's packed row, UNLOCKED_CHUNK at a time by primary-key range, without row locks."""
	last = None
	while True:
		chunk = fetch_archives_packed(after=last, limit=UNLOCKED_CHUNK, db=db)
		if not chunk:
			return
		last = chunk[-1][0]
		yield chunk
		if len(chunk) < UNLOCKED_CHUNK:
			return


class AlongsideRead:
	"""A full run's first pass read on a second connection to the primary, in a thread, while this
	connection aggregates the invoices: the database works on both at once (the aggregate keeps one core
	busy, the archives' read another) and this process unpacks the archives' rows while it waits for
	the aggregate's. Only when this transaction has written nothing: a second connection sees committed
	rows only (a caller's own uncommitted archives would be missed; then the pass reads here). Any
	failure to connect or read falls back to reading here. `then`: a function of the connection run on
	it after the archives are read (its result in then_result; None when it failed)."""

	then_result = then_error = None

	def __init__(self, then=None):
		self.chunks, self.error, self.then = None, None, then
		self.read = threading.Event()  # set once the archives are read (or their read failed)
		context = contextvars.copy_context()  # frappe.conf for the thread; it touches nothing else of frappe
		self.thread = threading.Thread(target=context.run, args=(self._read,), daemon=True)
		self.thread.start()

	@staticmethod
	def possible() -> bool:
		return not frappe.db.transaction_writes and not frappe.conf.get("crm_archive_one_connection")

	def _read(self):
		from frappe.database import get_db

		conf = frappe.conf
		try:
			db = get_db(
				socket=conf.db_socket,
				host=conf.db_host,
				port=conf.db_port,
				user=conf.db_name,
				password=conf.db_password,
				cur_db_name=conf.db_name,
			)
			db.connect()
			try:
				self.chunks = list(unlocked_chunks(db))
				self.read.set()
				if self.then is not None:
					try:
						self.then_result = self.then(db)
					except Exception as e:
						self.then_error = e
			finally:
				db.close()
		except Exception as e:
			self.error = e
		finally:
			self.read.set()

	def result(self, then_too: bool = True) -> list | None:
		"""The archives' chunks (None when their read failed), once `then` has run too unless not then_too."""
		if then_too:
			self.thread.join()
		else:
			self.read.wait()
		if self.error is not None:
			frappe.logger("crm_archive").warning(f"full re-tier: first pass read here ({self.error!r})")
			return None
		return self.chunks


class StreamedPass:
	"""A full run's first pass done while the aggregate streams in: each batch of customers' metrics is
	evaluated against their archives (read on the second connection) as it arrives, so the evaluation
	runs while the database is still aggregating; batches that arrive before the archives are read wait
	in a backlog. What it never saw (archives without a customer or without invoices, customers of more
	than one company) the caller evaluates after the aggregate."""

	def __init__(self, alongside: AlongsideRead, rule_set, ranks, as_of, states):
		self.alongside, self.rule_set, self.ranks, self.as_of, self.states = (
			alongside,
			rule_set,
			ranks,
			as_of,
			states,
		)
		self.labels = _rule_labels(rule_set)
		self.chunks = self.by_customer = None
		self.failed = False
		self.backlog: list = []
		self.handled: set[str] = set()
		self.candidates: list[str] = []

	def take(self, batch: list[Metrics]):
		if self.failed:
			return
		if self.by_customer is None:
			if not self.alongside.read.is_set():
				self.backlog.extend(batch)
				return
			if not self._index():
				return
			batch, self.backlog = self.backlog + batch, []
		rows, metrics = [], {}
		for m in batch:
			row = self.by_customer.get(m.customer)
			if row is not None:
				rows.append(row)
				metrics[m.customer] = m
		if not rows:
			return
		self.handled.update(row[0] for row in rows)
		self.candidates.extend(
			_would_change(
				rows, metrics, self.rule_set, self.ranks, self.as_of, False, self.states, self.labels
			)
		)

	def _index(self) -> bool:
		self.chunks = self.alongside.result(then_too=False)
		if self.chunks is None:
			self.failed = True
			return False
		self.by_customer = {row[1]: row for chunk in self.chunks for row in chunk if row[1]}
		return True

	def finish(self) -> list | None:
		"""The archives' chunks after the backlog is evaluated; None when the second read failed."""
		if self.by_customer is None and not self.failed:
			self.take([])
		return None if self.failed else self.chunks


def _rule_labels(rule_set: R.RuleSet) -> dict:
	"""id(rule) → the tier_rule written for it, None → the default's (one string per rule, not per archive)."""
	labels = {id(rule): f"{rule_set.name} #{rule.row_id}" for rule in rule_set.rules}
	labels[id(None)] = f"{rule_set.name} (default)"
	return labels


def _digest(d: R.Decision, m: Metrics, labels: dict) -> str:
	"""The text fetch_archives_packed gives of the stored values, built from what the engine would write
	(engine_values without the dict), so an archive is written only when they differ. The aggregate's own
	text of the sums, count and dates when it gave them (MariaDB writes a decimal rounded to cents as it
	writes the stored one), else the numbers formatted here."""
	pending = d.pending_since
	pending = pending.isoformat() if pending else ""
	head = f"{d.new_tier or ''}|{d.qualified_tier or ''}|{pending}|{labels[id(d.rule)]}"
	aov = f"{(m.average_order_value or 0.0) + 0.0:.2f}"
	if m.texts is not None:
		window, lifetime, count, first, last = m.texts
		return f"{head}|{window}|{lifetime}|{count}|{aov}|{first}|{last}"
	first, last = m.first_purchase_date, m.last_purchase_date
	return (
		f"{head}|{(m.window_spend or 0.0) + 0.0:.2f}|{(m.lifetime_spend or 0.0) + 0.0:.2f}|{m.invoice_count}|"
		f"{aov}|{first.isoformat() if first else ''}|{last.isoformat() if last else ''}"
	)


def locked_chunks(names: list[str] | None):
	"""The archives' packed rows, CHUNK at a time, each chunk read under row locks (SELECT … FOR UPDATE)
	when it is reached. `names` None: every archive, walking the primary key — each chunk the next CHUNK
	names after the last one of the chunk before, one range scan; an archive inserted meanwhile into a
	range not yet reached is simply re-tiered with it. Else these names, CHUNK at a time by IN list."""
	if names is not None:
		for start in range(0, len(names), CHUNK):
			yield fetch_archives_packed(archives=names[start : start + CHUNK], for_update=True)
		return
	last = None
	while True:
		size = CHUNK  # read when reached (a test makes it 1)
		chunk = fetch_archives_packed(for_update=True, after=last, limit=size)
		if not chunk:
			return
		last = chunk[-1][0]
		yield chunk
		if len(chunk) < size:
			return


def archive_count() -> int:
	return frappe.db.sql("select count(*) from `tabCustomer Archive`")[0][0]


def apply(chunk, m_list, decisions, rule_set, trigger, as_of, reference) -> tuple[int, list[str]]:
	"""Write what changed (tier, grace, metrics, explanation) in bulk and log each tier change. Returns
	how many archives were written and the names of those whose tier changed."""
	now = now_datetime()
	user = frappe.session.user
	labels = metric_labels()
	updates, logs = [], []
	rule_labels = _rule_labels(rule_set)
	for row, m, d in zip(chunk, m_list, decisions, strict=True):
		if _digest(d, m, rule_labels) != row[5]:
			new = engine_values(d, m, rule_set)
			new["tier_reason"] = _explain(d, rule_set, m, labels)
			updates.append((row[0], new))
		if d.changed:
			logs.append(tier_change_log(row[0], d, m, rule_set, trigger, reference))
	if updates:
		bulk_update_archives(updates, now)
	moved = [row[0] for row, d in zip(chunk, decisions, strict=True) if d.changed]
	if logs:
		insert_logs(logs, now, user)
		after_tier_changes(moved, trigger, reference)
	return len(updates), moved


def engine_values(d: R.Decision, m: Metrics, rule_set: R.RuleSet) -> dict:
	"""What the engine stores on an archive for a decision (without tier_reason, the explanation)."""
	return {
		"tier": d.new_tier or None,
		"qualified_tier": d.qualified_tier,
		"tier_pending_since": d.pending_since,
		"tier_rule": f"{rule_set.name} #{d.rule.row_id}" if d.rule else f"{rule_set.name} (default)",
		"window_spend": m.window_spend,
		"lifetime_spend": m.lifetime_spend,
		"invoice_count": m.invoice_count,
		"average_order_value": m.average_order_value,
		"first_purchase_date": m.first_purchase_date,
		"last_purchase_date": m.last_purchase_date,
	}


def tier_change_log(archive: str, d: R.Decision, m: Metrics, rule_set: R.RuleSet, trigger, reference) -> dict:
	return {
		"customer_archive": archive,
		"event_type": "Tier Change",
		"from_value": d.current_tier or "",
		"to_value": d.new_tier,
		"trigger": trigger,
		"rule_set": rule_set.name,
		"rule_row": d.rule.row_id if d.rule else "default",
		"metrics_snapshot": json.dumps(m.as_dict(), ensure_ascii=False, default=str),
		"reference_doctype": reference[0] if reference else None,
		"reference_name": reference[1] if reference else None,
	}


def after_tier_changes(archives: list[str], trigger: str, reference=None):
	"""What follows the tier changes of these archives in the same transaction, besides their log rows
	(apply's, and adoption's for the archives it inserts with their first tier)."""
	if archives and benefits.group_sync_enabled():
		# the Customer Group follows the tier in the same transaction (ERPNext's pricing reads it)
		benefits.sync_customer_groups(archives, trigger, reference)


class FirstTiering:
	"""The engine's first re-tier of archives about to be inserted (set-based adoption, issue 16): for each,
	what apply() would write on its first re-tier — tier, grace, metrics, explanation, review flag — and
	its Tier Change log row, computed before the insert, so the archive is stored with them (no UPDATE of
	rows just written, no locked re-read). Metrics as a full re-tier reads them: one aggregate pass when
	made (of these customers only, when given), then, per chunk, a re-read of the customers invoiced since.
	Customers invoiced in different currencies are left untiered, as retier() leaves them."""

	def __init__(self, customers: list[str] | None = None, as_of=None):
		loaded = load_rule_set()
		self.active = bool(loaded)
		if not loaded:
			return
		self.rule_set, self.company = loaded
		self.as_of = getdate(as_of or nowdate())
		self.ranks = tier_ranks()
		self.labels = metric_labels()
		self.important = set(
			frappe.get_all("Customer Tier", filters={"dedicated_account_manager": 1}, pluck="name")
		)
		self.started = now_datetime()
		window = self.rule_set.window_days
		if customers is None:
			with replica.reading_replica():
				self.metrics = fetch_metrics_packed(self.as_of, window, None, self.company)
		else:
			self.metrics = fetch_metrics_packed(self.as_of, window, customers, self.company)
		self.mixed = 0

	def metrics_read(self) -> tuple | None:
		"""Its aggregate pass, for the full re-tier after the adoption (retier's metrics_read)."""
		if not self.active:
			return None
		return (
			self.rule_set.name,
			self.rule_set.window_days,
			self.company,
			self.as_of,
			self.started,
			self.metrics,
		)

	def decide(self, archives: list[tuple[str, str | None]], trigger: str, reference=None):
		"""[(archive, customer)] of new, unlocked archives → ({archive: values to store}, [log rows]);
		an archive missing from the values is left untiered (mixed currencies)."""
		if not self.active:
			return {}, []
		linked = [c for _a, c in archives if c]
		metrics = {c: self.metrics[c] for c in linked if c in self.metrics}
		fresh = invoiced_since(self.started, linked)
		if fresh:
			metrics.update(fetch_metrics_packed(self.as_of, self.rule_set.window_days, fresh, self.company))
			for c in set(fresh) - set(metrics):
				metrics.pop(c, None)
		mixed = {c for c, m in metrics.items() if m.mixed_currencies}
		self.mixed += len(mixed)
		archives = [(a, c) for a, c in archives if c not in mixed]
		m_list = [metrics.get(c) or empty_metrics(c or a) for a, c in archives]
		decisions = R.evaluate(m_list, self.rule_set, {}, self.ranks, self.as_of, safe_condition)
		values, logs = {}, []
		for (archive, _c), m, d in zip(archives, m_list, decisions, strict=True):
			new = engine_values(d, m, self.rule_set)
			new["tier_reason"] = _explain(d, self.rule_set, m, self.labels)
			new["review_required"] = int(bool(new["tier"]) and new["tier"] in self.important)
			values[archive] = new
			if d.changed:
				logs.append(tier_change_log(archive, d, m, self.rule_set, trigger, reference))
		return values, logs


UPDATE_COLUMNS = (
	"tier",
	"qualified_tier",
	"tier_pending_since",
	"tier_rule",
	"tier_reason",
	*METRIC_FIELDS,
)


def bulk_update_archives(updates: list[tuple[str, dict]], now):
	"""UPDATE … JOIN a table of values (VALUES rows named by a CTE) of up to 1000 archives per statement, the
	rows written as SQL literals here (no per-archive statements, no DDL: a temporary table would count as
	an implicit commit inside Frappe's transaction)."""
	cols = ", ".join(f"`{c}`" for c in ("name", *UPDATE_COLUMNS))
	sets = ", ".join(f"a.`{c}` = t.`{c}`" for c in UPDATE_COLUMNS)
	for start in range(0, len(updates), 1000):
		rows = rendered_rows(
			[name, *(new[c] for c in UPDATE_COLUMNS)] for name, new in updates[start : start + 1000]
		)
		frappe.db.sql(
			f"""UPDATE `tabCustomer Archive` a
			JOIN (WITH t ({cols}) AS (VALUES {", ".join(["%s"] * len(rows))}) SELECT * FROM t) t
				ON a.name = t.name
			SET {sets}, a.`tier_updated_on` = %s,
				a.`review_required` = coalesce(a.`flag_for_review` = 1 OR t.`tier` IN (
					SELECT `name` FROM `tabCustomer Tier` WHERE `dedicated_account_manager` = 1), 0)""",
			(*rows, now),
		)
