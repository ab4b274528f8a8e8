"""The frappe side of tiering: read metrics set-based, call the pure rules, write results in bulk.

One code path for every trigger (invoice submit/cancel, nightly, rule set activation, Re-tier now):

    retier(customers=None | [..], trigger=...)
        fetch_metrics()      one GROUP BY over `tabSales Invoice` (docstatus = 1) read from a covering index
        rules.evaluate()     pure: qualify by the active rule set, downgrade grace, manual locks
        apply()              changed archives updated in bulk (UPDATE … JOIN a derived table of values),
                             and one Customer Archive Log row per actual tier change
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, timedelta
from hashlib import md5

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Max, Min, Sum
from frappe.utils import add_days, cint, flt, getdate, now_datetime, nowdate

from crm_archive.tiering import benefits, predictions, replica
from crm_archive.tiering import rules as R
from crm_archive.tiering.conditions import evaluate_condition
from crm_archive.tiering.metrics import Metrics, empty_metrics, metrics_from_packed, metrics_from_row
from crm_archive.utils import insert_logs

INDEX_NAME = "crm_archive_customer_spend"
INDEX_COLUMNS = ("customer", "docstatus", "posting_date", "is_return", "base_net_total", "company")
CHUNK = 2000  # archives per locked chunk: a person's save waits at most for one chunk
FULL_LOCK_NAME = "crm_archive:retier_all"  # only full runs exclude each other
INCREMENTAL_WAIT_S = 30  # an incremental job waits this long for a chunk's row locks (queue timeout 300 s)
FULL_JOB_ID = "crm_archive:retier_all"

METRIC_FIELDS = (
	"window_spend",
	"lifetime_spend",
	"invoice_count",
	"average_order_value",
	"first_purchase_date",
	"last_purchase_date",
)
# recency_days is not stored by the engine: it changes every day for every buyer, and storing it would
# rewrite most archives nightly. The form and the reports compute it from last_purchase_date.


# --- the covering index --------------------------------------------------------------------------------


def ensure_index():
	"""Covering index for the spend aggregate (the stock table is ~250 columns wide)."""
	cols = ", ".join(f"`{c}`" for c in INDEX_COLUMNS)
	frappe.db.sql_ddl(f"CREATE INDEX IF NOT EXISTS `{INDEX_NAME}` ON `tabSales Invoice` ({cols})")


def drop_index():
	frappe.db.sql_ddl(f"DROP INDEX IF EXISTS `{INDEX_NAME}` ON `tabSales Invoice`")


def has_index() -> bool:
	return bool(frappe.db.sql("SHOW INDEX FROM `tabSales Invoice` WHERE Key_name = %s", INDEX_NAME))


# --- rule set ------------------------------------------------------------------------------------------


def load_rule_set(name: str | None = None, doc=None) -> tuple[R.RuleSet, str | None] | None:
	"""(pure RuleSet, company filter) of the active rule set, or of the named / given one."""
	if doc is None:
		name = name or frappe.db.get_value("Tier Rule Set", {"is_active": 1}, "name")
		if not name:
			return None
		doc = frappe.get_doc("Tier Rule Set", name)
	return R.RuleSet(
		name=doc.name,
		rules=tuple(
			R.Rule(
				tier=row.tier,
				priority=cint(row.priority),
				min_window_spend=flt(row.min_window_spend) or None,
				min_invoice_count=cint(row.min_invoice_count) or None,
				max_recency_days=cint(row.max_recency_days) or None,
				min_average_order_value=flt(row.min_average_order_value) or None,
				condition=(row.condition or "").strip() or None,
				row_id=str(row.idx),
			)
			for row in doc.rules
		),
		default_tier=doc.default_tier,
		window_days=cint(doc.window_days) or 365,
		grace_days=cint(doc.downgrade_grace_days),
	), doc.company


def mixed_currencies(company: str | None, customers: Iterable[str] | None = None) -> list[str]:
	"""The base currencies a sum over every company would add up: those of the companies with submitted
	Sales Invoices (of these customers, when given). More than one means the figure is meaningless
	(100 USD + 100 CNY), so the caller must name a company. Empty when `company` is named."""
	if company:
		return []
	si = frappe.qb.DocType("Sales Invoice")
	co = frappe.qb.DocType("Company")
	used = frappe.qb.from_(si).select(si.company).distinct().where(si.docstatus == 1)
	if customers is not None:
		customers = list(customers)
		if not customers:
			return []
		used = used.where(si.customer.isin(customers))
	companies = [r[0] for r in used.run()]
	if len(companies) < 2:
		return []
	currencies = sorted(
		set(frappe.qb.from_(co).select(co.default_currency).where(co.name.isin(companies)).run(pluck=True))
		- {None, ""}
	)
	return currencies if len(currencies) > 1 else []


def refuse_mixed_currencies(company: str | None, what: str, customers: Iterable[str] | None = None):
	currencies = mixed_currencies(company, customers)
	if currencies:
		frappe.throw(
			_(
				"{0} sums invoices in the company currency, and this site's companies keep different currencies ({1}): choose a Company."
			).format(what, ", ".join(currencies)),
			title=_("Mixed Currencies"),
		)


def tier_ranks() -> dict[str, int]:
	return {t.name: cint(t.rank) for t in frappe.get_all("Customer Tier", fields=["name", "rank"])}


def safe_condition(expression: str, values: dict) -> bool:
	"""Conditions were validated on save; a value they cannot handle (e.g. None recency) means no match."""
	try:
		return evaluate_condition(expression, values)
	except Exception:
		return False


# --- metrics -------------------------------------------------------------------------------------------


def metric_query(
	as_of: date, window_days: int, customers: Iterable[str] | None = None, company: str | None = None
):
	"""One aggregate over submitted Sales Invoices, grouped by customer, net of returns.

	Returns count against spend (their base_net_total is negative) but not as purchases; cancelled
	(docstatus 2) and draft (0) invoices never count. Reads only the covering index's columns.
	"""
	window_start = add_days(as_of, -(window_days - 1))
	si = frappe.qb.DocType("Sales Invoice")
	in_window = si.posting_date >= window_start
	purchase = si.is_return == 0
	query = (
		frappe.qb.from_(si)
		.select(
			si.customer,
			Sum(si.base_net_total).as_("lifetime_spend"),
			Sum(Case().when(in_window, si.base_net_total).else_(0)).as_("window_spend"),
			Sum(Case().when(in_window & purchase, 1).else_(0)).as_("window_count"),
			Sum(Case().when(purchase, 1).else_(0)).as_("lifetime_count"),
			Min(Case().when(purchase, si.posting_date)).as_("first_purchase"),
			Max(Case().when(purchase, si.posting_date)).as_("last_purchase"),
		)
		.where((si.docstatus == 1) & (si.posting_date <= as_of))
		.groupby(si.customer)
	)
	if company:
		query = query.where(si.company == company)
	if customers is not None:
		query = query.where(si.customer.isin(list(customers)))
	return query


def fetch_metric_rows(
	as_of: date, window_days: int, customers: Iterable[str] | None = None, company: str | None = None
) -> list[dict]:
	if customers is not None:
		customers = list(customers)
		if not customers:
			return []
	return metric_query(as_of, window_days, customers, company).run(as_dict=True)


def fetch_metrics_packed(
	as_of: date, window_days: int, customers: Iterable[str] | None = None, company: str | None = None
) -> dict[str, Metrics]:
	"""The engine's read: the same aggregate, each row packed into one string by the database (the pure
	Python driver's per-column decoding is most of the cost at 100k customers)."""
	if customers is not None:
		customers = list(customers)
		if not customers:
			return {}
	window_start = add_days(as_of, -(window_days - 1))
	conditions = ["`docstatus` = 1", "`posting_date` <= %(as_of)s"]
	values = {"as_of": as_of, "window_start": window_start}
	if company:
		conditions.append("`company` = %(company)s")
		values["company"] = company
	if customers is not None:
		conditions.append("`customer` in %(customers)s")
		values["customers"] = tuple(customers)
	# Without a company, how many companies each customer's sum spans rides along (read from the same
	# index), so a sum over different currencies is found per customer at no extra pass.
	spans = ", count(distinct `company`)" if not company else ""
	# One string per row: the numbers and dates first, the customer's name last, so splitting at most
	# that many times leaves the name whole whatever characters it holds.
	rows = frappe.db.sql(
		f"""select concat_ws(char(31),
			round(sum(`base_net_total`), 2),
			round(sum(case when `posting_date` >= %(window_start)s then `base_net_total` else 0 end), 2),
			sum(case when `posting_date` >= %(window_start)s and `is_return` = 0 then 1 else 0 end),
			sum(case when `is_return` = 0 then 1 else 0 end),
			ifnull(min(case when `is_return` = 0 then `posting_date` end), ''),
			ifnull(max(case when `is_return` = 0 then `posting_date` end), ''){spans},
			`customer`)
		from `tabSales Invoice` where {" and ".join(conditions)} group by `customer`""",
		values,
	)
	rounding = money_rounding()
	sep = chr(31)
	splits = 7 if spans else 6
	out = {}
	spanning = []
	for (packed,) in rows:
		parts = packed.split(sep, splits)
		customer = parts[-1]
		lifetime, window, wcount, lcount, first, last = parts[:6]
		out[customer] = metrics_from_packed(
			(customer, lifetime, window, wcount, lcount, first or None, last or None), as_of, rounding
		)
		if spans and parts[6] != "1":
			spanning.append(customer)
	if spanning:
		for customer in customers_mixing_currencies(spanning):
			out[customer].mixed_currencies = True
	return out


def customers_mixing_currencies(customers: list[str]) -> list[str]:
	"""Of these customers (each invoiced by more than one company), those whose companies keep
	different currencies (one query for all of them)."""
	currency = dict(frappe.get_all("Company", fields=["name", "default_currency"], as_list=True))
	seen: dict[str, set] = {}
	for start in range(0, len(customers), 1000):
		for customer, company in frappe.db.sql(
			"""select distinct `customer`, `company` from `tabSales Invoice`
			where `docstatus` = 1 and `customer` in %s""",
			(tuple(customers[start : start + 1000]),),
		):
			seen.setdefault(customer, set()).add(currency.get(company))
	return [c for c, currencies in seen.items() if len(currencies) > 1]


def money_rounding():
	"""ERPNext's currency rounding: flt(value, 2) under the System Settings' rounding method."""
	method = frappe.get_system_settings("rounding_method") or "Banker's Rounding (legacy)"
	return lambda value: flt(value, 2, method)


def fetch_metrics(
	as_of: date, window_days: int, customers: Iterable[str] | None = None, company: str | None = None
) -> dict[str, Metrics]:
	rounding = money_rounding()
	return {
		row["customer"]: metrics_from_row(row, as_of, rounding)
		for row in fetch_metric_rows(as_of, window_days, customers, company)
	}


# --- archives ------------------------------------------------------------------------------------------

ARCHIVE_FIELDS = (
	"name",
	"customer",
	"tier",
	"qualified_tier",
	"tier_pending_since",
	"tier_locked",
	"locked_tier",
	"tier_rule",
	*METRIC_FIELDS,
)


def fetch_archives(
	customers: Iterable[str] | None = None, archives: Iterable[str] | None = None
) -> list[dict]:
	filters = {}
	if customers is not None:
		filters["customer"] = ("in", list(customers) or [""])
	if archives is not None:
		filters["name"] = ("in", list(archives) or [""])
	return frappe.get_all("Customer Archive", filters=filters, fields=list(ARCHIVE_FIELDS), order_by="name")


def fetch_archives_packed(customers=None, archives=None, for_update: bool = False) -> list[tuple]:
	"""(name, customer, tier, tier_pending_since, tier_locked, signature) per archive; the signature packs
	every value the engine writes, so unchanged archives are skipped by one string comparison."""
	conditions, values = [], {}
	if customers is not None:
		conditions.append("`customer` in %(customers)s")
		values["customers"] = tuple(customers) or ("",)
	if archives is not None:
		conditions.append("`name` in %(archives)s")
		values["archives"] = tuple(archives) or ("",)
	where = ("where " + " and ".join(conditions)) if conditions else ""
	# One string per row, in a form no name can break: the fixed-format fields first, then the lengths
	# of the free-text ones, then those texts (sliced by length, never split); the values the engine
	# writes travel as one MD5 digest of their packing (compared with the digest of what it would write).
	rows = frappe.db.sql(
		f"""select concat_ws(char(31), `tier_locked`, ifnull(`tier_pending_since`, ''),
			md5(concat_ws('|', ifnull(`tier`, ''), ifnull(`qualified_tier`, ''),
				ifnull(`tier_pending_since`, ''), ifnull(`tier_rule`, ''), round(`window_spend`, 2),
				round(`lifetime_spend`, 2), `invoice_count`, round(`average_order_value`, 2),
				ifnull(`first_purchase_date`, ''), ifnull(`last_purchase_date`, ''))),
			char_length(`name`), char_length(ifnull(`customer`, '')),
			`name`, ifnull(`customer`, ''), ifnull(`tier`, ''))
		from `tabCustomer Archive` {where} order by `name`{" for update" if for_update else ""}""",
		values,
	)
	sep = chr(31)
	out = []
	for (packed,) in rows:
		locked, pending, digest, ln, lc, rest = packed.split(sep, 5)
		ln, lc = int(ln), int(lc)
		name, customer, tier = rest[:ln], rest[ln + 1 : ln + 1 + lc], rest[ln + lc + 2 :]
		out.append((name, customer or None, tier or None, pending or None, locked == "1", digest))
	return out


def signature(new: dict) -> str:
	"""The same packing as fetch_archives_packed, from the values the engine would write."""

	def money(v):
		return f"{(v or 0.0) + 0.0:.2f}"

	def iso(v):
		return v.isoformat() if v else ""

	return "|".join(
		(
			new["tier"] or "",
			new["qualified_tier"] or "",
			iso(new["tier_pending_since"]),
			new["tier_rule"] or "",
			money(new["window_spend"]),
			money(new["lifetime_spend"]),
			str(new["invoice_count"]),
			money(new["average_order_value"]),
			iso(new["first_purchase_date"]),
			iso(new["last_purchase_date"]),
		)
	)


# --- the one code path ---------------------------------------------------------------------------------


def retier(
	customers: Iterable[str] | None = None,
	archives: Iterable[str] | None = None,
	trigger: str = "Manual",
	as_of: date | str | None = None,
	reference: tuple[str, str] | None = None,
	publish_progress: bool = False,
	commit: bool = False,
	metrics_read: tuple | None = None,
) -> dict:
	"""Re-tier the archives of `customers` / `archives` (None and None: every archive). Idempotent.
	`metrics_read`: (rule set, window, company, as of, when read, metrics) of a full aggregate pass the
	caller made (set-based adoption's); a full run with the same rule set uses it instead of its own
	pass, each chunk re-reading the customers invoiced since it was read.

	Chunk by chunk, each chunk's archives are read under row locks (SELECT … FOR UPDATE) together with
	their customers' metrics, evaluated and written before the locks go: a manager's tier lock or an
	invoice committed while a long run works is seen by the chunk that writes that archive, and a
	person's save waits at most for one chunk (never for the run)."""
	loaded = load_rule_set()
	if not loaded:
		return {"evaluated": 0, "changed": 0, "skipped": "no active rule set"}
	rule_set, company = loaded
	as_of = getdate(as_of or nowdate())
	names = archive_names(customers, archives)
	stats = {"evaluated": 0, "changed": 0, "tier_changes": 0, "mixed_currencies": 0}
	mixed_examples = []
	if not names:
		return stats
	ranks = tier_ranks()
	predicted = predictions.used_by(rule_set)  # conditions on p_alive etc. read them from the archives
	total = len(names)
	full = customers is None and archives is None and (total > CHUNK or replica.configured())
	if full:
		# one pass over the covering index for everyone (a scan beats 50 IN-list lookups 3:1), on the
		# site's replica when it has one; each chunk then reads again, on the primary, only the customers
		# whose invoices changed since the run started
		if metrics_read and metrics_read[:4] == (rule_set.name, rule_set.window_days, company, as_of):
			started, all_metrics = metrics_read[4:]
			stats["metrics_read_on"] = "caller's pass"
		else:
			started = now_datetime()  # the site's time zone, as `modified` is
			with replica.reading_replica() as on_replica:
				all_metrics = fetch_metrics_packed(as_of, rule_set.window_days, None, company)
			stats["metrics_read_on"] = "replica" if on_replica else "primary"
	for start in range(0, total, CHUNK):
		chunk = fetch_archives_packed(archives=names[start : start + CHUNK], for_update=True)
		linked = [r[1] for r in chunk if r[1]]
		if full:
			metrics = {c: all_metrics[c] for c in linked if c in all_metrics}
			fresh = invoiced_since(started, linked)
			if fresh:
				metrics.update(fetch_metrics_packed(as_of, rule_set.window_days, fresh, company))
				for c in set(fresh) - set(metrics):
					metrics.pop(c, None)
		else:
			metrics = fetch_metrics_packed(as_of, rule_set.window_days, linked, company)
		mixed = {c for c, m in metrics.items() if m.mixed_currencies}
		if mixed:
			# a company with another currency invoiced them after the rule set was saved: their sum
			# would add USD to CNY, so they keep what they have until the rule set names a Company
			chunk = [r for r in chunk if r[1] not in mixed]
			stats["mixed_currencies"] += len(mixed)
			mixed_examples.extend(sorted(mixed)[: 10 - len(mixed_examples)])
		m_list = [metrics.get(r[1]) or empty_metrics(r[1] or r[0]) for r in chunk]
		if predicted:
			predictions.attach(m_list)
		current = {
			m.customer: R.Current(
				tier=r[2], pending_since=date.fromisoformat(r[3]) if r[3] else None, locked=r[4]
			)
			for m, r in zip(m_list, chunk, strict=True)
		}
		decisions = R.evaluate(m_list, rule_set, current, ranks, as_of, safe_condition)
		changed, tier_changes = apply(chunk, m_list, decisions, rule_set, trigger, as_of, reference)
		stats["evaluated"] += len(chunk)
		stats["changed"] += changed
		stats["tier_changes"] += tier_changes
		if commit:
			frappe.db.commit()
		if publish_progress:
			done = min(start + CHUNK, total)
			frappe.publish_progress(done * 100 / total, title=_("Re-tiering"), description=f"{done}/{total}")
	# each tier's Email Group follows, once for the run (every archive of a full run, else these)
	stats["email_groups"] = benefits.sync_email_groups(
		None if customers is None and archives is None else names
	)
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


def invoiced_since(started, customers: list[str]) -> list[str]:
	"""Of these customers, those with a Sales Invoice submitted, cancelled or changed since `started`
	(ERPNext sets `modified` on each; the column is indexed)."""
	if not customers:
		return []
	# through the `modified` index: the few invoices of the last minutes, whoever their customer
	changed = set(
		frappe.db.sql_list(
			"select distinct `customer` from `tabSales Invoice` force index (`modified`) where `modified` >= %s",
			started,
		)
	)
	return [c for c in customers if c in changed]


def archive_names(customers=None, archives=None) -> list[str]:
	"""The archives to re-tier, in primary-key order (the order their chunks lock them in)."""
	filters = {}
	if customers is not None:
		filters["customer"] = ("in", list(customers) or [""])
	if archives is not None:
		filters["name"] = ("in", list(archives) or [""])
	return frappe.get_all("Customer Archive", filters=filters, pluck="name", order_by="name")


def metric_labels() -> dict[str, str]:
	"""The words the archive's form uses for each metric, in the site's language."""
	meta = frappe.get_meta("Customer Archive")
	labels = {
		f: _(meta.get_label(f))
		for f in ("window_spend", "invoice_count", "recency_days", "average_order_value")
	}
	# and the explanation's phrases (_explain), translated once per run rather than once per archive
	labels.update(
		{
			"_condition": _("condition {0}"),
			"_rule": _("{0} #{1} → {2}: {3}"),
			"_always": _("always"),
			"_default": _("{0}: no rule matched → default {1}"),
			"_grace": _("downgrade grace since {0}, keeps {1}"),
			"_locked": _("tier locked at {0}"),
		}
	)
	return labels


def _explain(decision: R.Decision, rule_set: R.RuleSet, m: Metrics, labels: dict[str, str]) -> str:
	"""The tier banner's sentence: rule set and row, each threshold with the form's label for it."""
	if decision.rule:
		parts = []
		rule = decision.rule
		if rule.min_window_spend:
			parts.append(f"{labels['window_spend']} {m.window_spend:,.2f} ≥ {rule.min_window_spend:,.2f}")
		if rule.min_invoice_count:
			parts.append(f"{labels['invoice_count']} {m.invoice_count} ≥ {rule.min_invoice_count}")
		if rule.max_recency_days:
			parts.append(f"{labels['recency_days']} {m.recency_days} ≤ {rule.max_recency_days}")
		if rule.min_average_order_value:
			parts.append(
				f"{labels['average_order_value']} {m.average_order_value:,.2f} ≥ {rule.min_average_order_value:,.2f}"
			)
		if rule.condition:
			parts.append(labels["_condition"].format(rule.condition))
		why = labels["_rule"].format(
			rule_set.name, rule.row_id, decision.qualified_tier, "; ".join(parts) or labels["_always"]
		)
	else:
		why = labels["_default"].format(rule_set.name, decision.qualified_tier)
	if decision.reason == "grace":
		why += " | " + labels["_grace"].format(decision.pending_since, decision.new_tier)
	elif decision.reason == "locked":
		why += " | " + labels["_locked"].format(decision.new_tier)
	return why


def apply(chunk, m_list, decisions, rule_set, trigger, as_of, reference) -> tuple[int, int]:
	"""Write what changed (tier, grace, metrics, explanation) in bulk and log each tier change."""
	now = now_datetime()
	user = frappe.session.user
	labels = metric_labels()
	updates, logs = [], []
	for row, m, d in zip(chunk, m_list, decisions, strict=True):
		new = engine_values(d, m, rule_set)
		if md5(signature(new).encode()).hexdigest() != row[5]:
			new["tier_reason"] = _explain(d, rule_set, m, labels)
			updates.append((row[0], new))
		if d.changed:
			logs.append(tier_change_log(row[0], d, m, rule_set, trigger, reference))
	if updates:
		bulk_update_archives(updates, now)
	if logs:
		insert_logs(logs, now, user)
		after_tier_changes(
			[row[0] for row, d in zip(chunk, decisions, strict=True) if d.changed], trigger, reference
		)
	return len(updates), len(logs)


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
	"""UPDATE … JOIN a derived table of up to 1000 rows per statement (no per-archive statements, no DDL:
	a temporary table would count as an implicit commit inside Frappe's transaction)."""
	cols = ("name", *UPDATE_COLUMNS)
	first = "SELECT " + ", ".join(f"%s AS `{c}`" for c in cols)
	rest = "SELECT " + ", ".join(["%s"] * len(cols))
	sets = ", ".join(f"a.`{c}` = t.`{c}`" for c in UPDATE_COLUMNS)
	for start in range(0, len(updates), 1000):
		part = updates[start : start + 1000]
		values = []
		for name, new in part:
			values.extend([name, *(new[c] for c in UPDATE_COLUMNS)])
		derived = " UNION ALL ".join([first] + [rest] * (len(part) - 1))
		frappe.db.sql(
			f"""UPDATE `tabCustomer Archive` a JOIN ({derived}) t ON a.name = t.name
			SET {sets}, a.`tier_updated_on` = %s,
				a.`review_required` = coalesce(a.`flag_for_review` = 1 OR t.`tier` IN (
					SELECT `name` FROM `tabCustomer Tier` WHERE `dedicated_account_manager` = 1), 0)""",
			(*values, now),
		)


# --- entry points --------------------------------------------------------------------------------------


def retier_all(
	trigger: str = "Scheduled",
	as_of=None,
	publish_progress: bool = True,
	metrics_read: tuple | None = None,
) -> dict:
	"""Full re-tier; two full runs never overlap (the job id dedups the queue, a database lock the rest).
	Incremental jobs take no such lock: the row locks of each chunk keep them and a full run consistent.
	`metrics_read`: see retier."""
	if not _get_lock(FULL_LOCK_NAME, timeout=0):
		frappe.logger("crm_archive").info("full re-tier skipped: another full re-tier is running")
		return {"skipped": "another full re-tier is running"}
	try:
		# Commit chunk by chunk in real runs; inside tests the test case's rollback must keep working.
		stats = retier(
			trigger=trigger,
			as_of=as_of,
			publish_progress=publish_progress,
			commit=not frappe.flags.in_test,
			metrics_read=metrics_read,
		)
		return stats
	finally:
		_release_lock(FULL_LOCK_NAME)


def enqueue_retier_all(trigger: str = "Scheduled") -> None:
	frappe.enqueue(
		"crm_archive.tiering.store.retier_all",
		queue="long",
		timeout=3600,
		job_id=FULL_JOB_ID,
		deduplicate=True,
		trigger=trigger,
		enqueue_after_commit=True,
	)


def retier_customer_job(customers: list[str], trigger: str, reference: tuple[str, str] | None = None):
	"""Incremental re-tier of a few customers (after an invoice). It waits for a running full re-tier's
	chunk (row locks, at most INCREMENTAL_WAIT_S), never for the whole run."""
	from crm_archive.lifecycle.store import after_invoice

	frappe.db.sql(f"SET SESSION innodb_lock_wait_timeout = {int(INCREMENTAL_WAIT_S)}")
	stats = retier(customers=customers, trigger=trigger, reference=reference)
	if trigger == "Invoice Submit":
		stats["lifecycle_moves"] = after_invoice(customers, trigger)
	return stats


def _get_lock(name: str, timeout: int) -> bool:
	return bool(frappe.db.sql("SELECT GET_LOCK(%s, %s)", (name, timeout))[0][0])


def _release_lock(name: str):
	frappe.db.sql("SELECT RELEASE_LOCK(%s)", name)


def archive_tier(customer: str) -> str | None:
	return frappe.db.get_value("Customer Archive", {"customer": customer}, "tier")


def explain_archive(doc) -> str | None:
	"""The tier banner in the reader's language: the stored sentence is in the language of whoever ran
	the re-tier (the nightly job's, say), so the form rebuilds it from what the archive stores — the
	matched row of its rule set, its metrics, its grace — and falls back to the stored text."""
	from types import SimpleNamespace

	if doc.tier_locked or not doc.tier_rule:
		return doc.tier_reason
	set_name, _sep, row = doc.tier_rule.rpartition(" #")
	if not set_name:
		set_name, row = doc.tier_rule.removesuffix(" (default)"), None
	if not frappe.db.exists("Tier Rule Set", set_name):
		return doc.tier_reason
	rule_set, _company = load_rule_set(set_name)
	rule = next((r for r in rule_set.rules if r.row_id == row), None) if row else None
	if row and not rule:
		return doc.tier_reason  # the row was edited away since: the stored words are all there is
	grace = bool(doc.tier_pending_since) and doc.tier != doc.qualified_tier
	decision = SimpleNamespace(
		rule=rule,
		qualified_tier=doc.qualified_tier,
		new_tier=doc.tier,
		pending_since=doc.tier_pending_since,
		reason="grace" if grace else None,
	)
	metrics = SimpleNamespace(
		window_spend=flt(doc.window_spend),
		invoice_count=cint(doc.invoice_count),
		recency_days=doc.recency_days,
		average_order_value=flt(doc.average_order_value),
	)
	return _explain(decision, rule_set, metrics, metric_labels())
