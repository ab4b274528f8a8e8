"""The Frappe side of the customer pool (公海): the nightly release, set-based; releasing by hand; claims
and a manager's assignments; what the pool list may show.

Release (`nightly`): one UPDATE writes every held archive's planned release date from its tier's rules
(`pool_release_date`, NULL when held: tier exempt, lifecycle state exempt, tier locked, protected, an
open Quotation or Sales Order); the due archives are then released 1,000 at a time — account manager
cleared, in pool, reason, old owner — their open ToDos closed, their DocShares removed (an old share or
assignment must not come back to life when someone claims it), their access rows refreshed (an archive in
the pool grants restricted users nothing: access/table.py), and one Customer Archive Log row each with the
rule and the figures. Warnings and escalations are ToDos with a kind in `crm_reminder`, written in
multi-row INSERTs, each logged.

Claims (`claim`): under a per-user GET_LOCK the user's holdings and today's claims are counted, the pure
rules decide, and each archive is taken by one `UPDATE … WHERE in_pool = 1` whose row count says who won;
the lock is held until the transaction commits, so a user's limits hold across parallel requests.
"""

import json

import frappe
from frappe import _
from frappe.utils import add_days, cint, getdate, now_datetime, nowdate

from crm_archive.access.table import refresh as refresh_access
from crm_archive.pool import rules as R
from crm_archive.utils import get_settings, insert_logs, insert_rows

MANAGER_ROLES = ("System Manager", "CRM Archive Manager")
CLAIM_ROLES = ("CRM Archive User", *MANAGER_ROLES)
WARNING, ESCALATION = "pool_warning", "pool_escalation"
CHUNK = 1000
STATES = ("Potential", "Intentional", "Existing", "Churned")
BASIC_FIELDS = (  # what a rep may see of an unclaimed archive: no contact, ID or confidential data
	"name",
	"full_name",
	"company_name",
	"industry",
	"city",
	"tier",
	"lifecycle_state",
	"last_interaction_date",
	"last_purchase_date",
	"pool_release_reason",
	"pool_released_on",
)


def is_manager(user: str | None = None) -> bool:
	user = user or frappe.session.user
	return user == "Administrator" or bool(set(MANAGER_ROLES) & set(frappe.get_roles(user)))


def check_manager():
	if not is_manager():
		frappe.throw(_("Only a CRM Archive Manager can do this."), frappe.PermissionError)


def exempt_states(settings=None) -> list[str]:
	settings = settings or get_settings()
	return [s for s in STATES if cint(settings.get(f"pool_exempt_{s.lower()}"))]


# --- the release rule in SQL (the same as rules.release_date and rules.holds) -------------------------------


def _held_since() -> str:
	return "coalesce(a.`pool_claimed_on`, date(a.`creation`))"


def _rule_dates() -> tuple[str, str]:
	"""SQL: the release day by silence and by no purchase (NULL when that rule is off)."""
	since = _held_since()
	silent = f"""case when ifnull(t.`pool_release_no_interaction_days`, 0) > 0 then date_add(
		greatest(coalesce(date(a.`last_interaction_date`), {since}), {since}),
		interval t.`pool_release_no_interaction_days` day) end"""
	purchase = f"""case when ifnull(t.`pool_release_no_purchase_days`, 0) > 0 then date_add(
		greatest(coalesce(a.`last_purchase_date`, {since}), {since}),
		interval t.`pool_release_no_purchase_days` day) end"""
	return silent, purchase


def _release_day() -> str:
	silent, purchase = _rule_dates()
	return f"""(case when ({silent}) is null then ({purchase}) when ({purchase}) is null then ({silent})
		else least(({silent}), ({purchase})) end)"""


def _reason() -> str:
	silent, purchase = _rule_dates()
	return f"""(case when ({silent}) is not null and (({purchase}) is null or ({silent}) <= ({purchase}))
		then {frappe.db.escape(R.NO_INTERACTION)} else {frappe.db.escape(R.NO_PURCHASE)} end)"""


def _open_deals_joins() -> str:
	"""LEFT JOINs `oq` (an open Quotation to the customer) and `so` (an open Sales Order), each a derived
	table of distinct customers so the archive table is read once."""
	return """left join (select distinct q.`party_name` as customer from `tabQuotation` q
			where q.`docstatus` = 1 and q.`quotation_to` = 'Customer'
				and q.`status` in ('Open', 'Replied', 'Partially Ordered')) oq on oq.customer = a.`customer`
		left join (select distinct o.`customer` as customer from `tabSales Order` o
			where o.`docstatus` = 1 and o.`status` not in ('Completed', 'Closed')) so
			on so.customer = a.`customer`"""


def _held(today, states: list[str]) -> str:
	state_cond = (
		f"a.`lifecycle_state` in ({', '.join(frappe.db.escape(s) for s in states)})" if states else "0"
	)
	return f"""(ifnull(t.`pool_exempt`, 0) = 1 or {state_cond} or a.`tier_locked` = 1
		or a.`pool_protected_until` >= {frappe.db.escape(str(today))}
		or oq.customer is not null or so.customer is not null)"""


def plan(today=None, archives: list[str] | None = None) -> int:
	"""Write every held archive's planned release day (NULL when its tier never releases or it is held),
	in one UPDATE; returns the number of rows changed."""
	today = getdate(today or nowdate())
	states = exempt_states()
	new = f"(case when {_held(today, states)} then null else {_release_day()} end)"
	only = "and a.`name` in %(names)s" if archives is not None else ""
	if archives is not None and not archives:
		return 0
	frappe.db.sql(
		f"""update `tabCustomer Archive` a left join `tabCustomer Tier` t on t.`name` = a.`tier`
		{_open_deals_joins()}
		set a.`pool_release_date` = {new}
		where a.`in_pool` = 0 and ifnull(a.`account_manager`, '') != '' {only}
			and not (a.`pool_release_date` <=> {new})""",
		{"names": tuple(archives or ())},
	)
	changed = frappe.db._cursor.rowcount
	# in the pool or without an account manager: nothing to plan
	frappe.db.sql(
		f"""update `tabCustomer Archive` a set a.`pool_release_date` = null
		where a.`pool_release_date` is not null and (a.`in_pool` = 1 or ifnull(a.`account_manager`, '') = '')
		{only}""",
		{"names": tuple(archives or ())},
	)
	return changed


def due(today=None) -> list[dict]:
	"""The archives due today with the figures their log rows keep (planned release day reached)."""
	today = getdate(today or nowdate())
	return frappe.db.sql(
		f"""select a.`name`, a.`account_manager`, a.`tier`, a.`last_interaction_date`,
			a.`last_purchase_date`, {_held_since()} as held_since, {_reason()} as reason,
			t.`pool_release_no_interaction_days` as silent_days,
			t.`pool_release_no_purchase_days` as no_purchase_days, a.`pool_release_date` as release_on
		from `tabCustomer Archive` a join `tabCustomer Tier` t on t.`name` = a.`tier`
		where a.`in_pool` = 0 and ifnull(a.`account_manager`, '') != ''
			and a.`pool_release_date` <= %(today)s
		order by a.`name`""",
		{"today": today},
		as_dict=True,
	)


# --- releasing ------------------------------------------------------------------------------------------


def release_rows(rows: list[dict], trigger: str, today=None, user: str | None = None) -> int:
	"""Release these archives (dicts with name, account_manager, reason, and optionally note and figures),
	1,000 at a time; each archive is re-checked under its row lock (still with the same account manager,
	not in the pool), so one a person claimed or reassigned meanwhile is left alone."""
	today = getdate(today or nowdate())
	user = user or frappe.session.user
	now = now_datetime()
	released = 0
	for start in range(0, len(rows), CHUNK):
		part = {r["name"]: r for r in rows[start : start + CHUNK]}
		locked = frappe.db.sql(
			"""select `name`, `account_manager` from `tabCustomer Archive` where `name` in %(names)s
			and `in_pool` = 0 and ifnull(`account_manager`, '') != '' order by `name` for update""",
			{"names": tuple(part)},
		)
		names = [n for n, owner in locked if owner == part[n]["account_manager"]]
		if not names:
			continue
		by_reason: dict[tuple, list[str]] = {}
		for n in names:
			by_reason.setdefault((part[n]["reason"], part[n].get("note") or None), []).append(n)
		for (reason, note), group in by_reason.items():
			frappe.db.sql(
				"""update `tabCustomer Archive` set `pool_previous_owner` = `account_manager`,
					`account_manager` = null, `in_pool` = 1, `pool_released_on` = %(today)s,
					`pool_release_reason` = %(reason)s, `pool_release_note` = %(note)s,
					`pool_release_date` = null, `pool_claimed_on` = null, `_assign` = null,
					`modified` = %(now)s, `modified_by` = %(user)s
				where `name` in %(names)s""",
				{
					"today": today,
					"reason": reason,
					"note": note,
					"now": now,
					"user": user,
					"names": tuple(group),
				},
			)
		_forget_grants(names, now)
		refresh_access(names)
		insert_logs(
			[
				{
					"customer_archive": n,
					"event_type": "Pool Release",
					"from_value": part[n]["account_manager"],
					"to_value": _("Customer Pool"),
					"trigger": trigger,
					"rule_row": part[n]["reason"],
					"reference_doctype": "Customer Tier" if part[n].get("tier") else None,
					"reference_name": part[n].get("tier"),
					"metrics_snapshot": json.dumps(_figures(part[n], today), default=str, ensure_ascii=False),
				}
				for n in names
			],
			now,
			user,
		)
		released += len(names)
	return released


def _figures(row: dict, today) -> dict:
	out = {"reason": row["reason"]}
	for key in (
		"last_interaction_date",
		"last_purchase_date",
		"held_since",
		"silent_days",
		"no_purchase_days",
	):
		if row.get(key) not in (None, ""):
			out[key] = row[key]
	for key, days in (
		("last_interaction_date", "days_without_interaction"),
		("last_purchase_date", "days_without_purchase"),
	):
		if row.get(key):
			out[days] = (today - getdate(row[key])).days
	if row.get("note"):
		out["note"] = row["note"]
	return out


def _forget_grants(names: list[str], now):
	"""A released archive starts afresh: its open ToDos (reminders, warnings, escalations, assignments)
	close and its shares go, so nothing of its old owner's comes back when someone claims it."""
	frappe.db.sql(
		"""update `tabToDo` set `status` = if(ifnull(`crm_reminder`, '') = '', 'Cancelled', 'Closed'),
			`modified` = %(now)s
		where `reference_type` = 'Customer Archive' and `reference_name` in %(names)s and `status` = 'Open'""",
		{"names": tuple(names), "now": now},
	)
	frappe.db.sql(
		"""delete from `tabDocShare` where `share_doctype` = 'Customer Archive' and `share_name` in %(names)s""",
		{"names": tuple(names)},
	)


def run(today=None, trigger: str = "Scheduled") -> dict:
	"""The pool's night: plan, release the due archives, warn, escalate. Nothing when the pool is off."""
	today = getdate(today or nowdate())
	if not cint(get_settings().pool_enabled):
		return {"skipped": "pool off"}
	planned = plan(today)
	released = release_rows(due(today), trigger, today, user=frappe.session.user)
	return {
		"planned": planned,
		"released": released,
		"warned": warn(today),
		"escalated": escalate(today),
	}


def nightly(as_of=None) -> dict:
	return run(as_of, "Scheduled")


# --- warnings and escalations ----------------------------------------------------------------------------


TODO_FIELDS = (
	"name",
	"creation",
	"modified",
	"owner",
	"modified_by",
	"status",
	"priority",
	"date",
	"allocated_to",
	"description",
	"reference_type",
	"reference_name",
	"assigned_by",
	"crm_reminder",
)


def _todos(rows: list[tuple[str, str, str, str]], kind: str, today, now, priority: str):
	"""(archive, user, description) → open ToDos of this kind, in multi-row INSERTs."""
	insert_rows(
		"tabToDo",
		TODO_FIELDS,
		[
			(
				frappe.generate_hash(length=12),
				now,
				now,
				"Administrator",
				"Administrator",
				"Open",
				priority,
				today,
				user,
				text,
				"Customer Archive",
				archive,
				"Administrator",
				kind,
			)
			for archive, user, text in rows
		],
	)


def warn(today=None) -> int:
	"""A ToDo for the account manager from the tier's warning days before the release day (one open per
	archive and person); a warning whose archive is no longer due soon, or changed hands, closes."""
	today = getdate(today or nowdate())
	now = now_datetime()
	soon = frappe.db.sql(
		"""select a.`name`, a.`account_manager`, a.`full_name`, a.`pool_release_date`
		from `tabCustomer Archive` a join `tabCustomer Tier` t on t.`name` = a.`tier`
		where a.`in_pool` = 0 and ifnull(a.`account_manager`, '') != '' and t.`pool_warning_days` > 0
			and a.`pool_release_date` > %(today)s
			and a.`pool_release_date` <= date_add(%(today)s, interval t.`pool_warning_days` day)""",
		{"today": today},
		as_dict=True,
	)
	wanted = {(r.name, r.account_manager) for r in soon}
	open_ = {
		(r.reference_name, r.allocated_to): r.name
		for r in frappe.db.sql(
			"""select `name`, `reference_name`, `allocated_to` from `tabToDo`
			where `reference_type` = 'Customer Archive' and `status` = 'Open' and `crm_reminder` = %s""",
			WARNING,
			as_dict=True,
		)
	}
	stale = [todo for key, todo in open_.items() if key not in wanted]
	for start in range(0, len(stale), CHUNK):
		frappe.db.sql(
			"update `tabToDo` set `status` = 'Closed', `modified` = %s where `name` in %s",
			(now, tuple(stale[start : start + CHUNK])),
		)
	new = [r for r in soon if (r.name, r.account_manager) not in open_]
	_todos(
		[
			(
				r.name,
				r.account_manager,
				_("{0} goes back to the customer pool on {1} unless you follow up or sell.").format(
					r.full_name, frappe.utils.formatdate(r.pool_release_date)
				),
			)
			for r in new
		],
		WARNING,
		today,
		now,
		"High",
	)
	insert_logs(
		[
			{
				"customer_archive": r.name,
				"event_type": "Pool Warning",
				"to_value": r.account_manager,
				"trigger": "Scheduled",
				"metrics_snapshot": json.dumps({"release_on": str(r.pool_release_date)}),
			}
			for r in new
		],
		now,
		"Administrator",
	)
	return len(new)


def managers_of(users: list[str]) -> dict[str, str]:
	"""{rep: their manager}: the user of the parent Sales Person of the rep's Sales Person in ERPNext's
	Sales Person tree (Sales Person.employee → Employee.user_id)."""
	if not users:
		return {}
	return dict(
		frappe.db.sql(
			"""select e.`user_id`, pe.`user_id` from `tabEmployee` e
			join `tabSales Person` sp on sp.`employee` = e.`name`
			join `tabSales Person` p on p.`name` = sp.`parent_sales_person`
			join `tabEmployee` pe on pe.`name` = p.`employee`
			where e.`user_id` in %(users)s and ifnull(pe.`user_id`, '') != '' and pe.`user_id` != e.`user_id`""",
			{"users": tuple(users)},
		)
	)


def archive_managers() -> list[str]:
	return frappe.db.sql_list(
		"""select distinct u.`name` from `tabUser` u join `tabHas Role` r on r.`parent` = u.`name`
		and r.`parenttype` = 'User' and r.`role` = 'CRM Archive Manager'
		where u.`enabled` = 1 and u.`name` not in ('Administrator', 'Guest') order by u.`name`"""
	)


def escalate(today=None) -> int:
	"""A follow-up overdue by the tier's escalation days: a ToDo for the rep's manager (else every CRM
	Archive Manager), once per archive, person and follow-up date, logged."""
	today = getdate(today or nowdate())
	now = now_datetime()
	overdue = frappe.db.sql(
		"""select a.`name`, a.`account_manager`, a.`full_name`, a.`next_follow_up_date`
		from `tabCustomer Archive` a join `tabCustomer Tier` t on t.`name` = a.`tier`
		where a.`in_pool` = 0 and ifnull(a.`account_manager`, '') != '' and t.`pool_escalation_days` > 0
			and a.`next_follow_up_date` <= date_sub(%(today)s, interval t.`pool_escalation_days` day)""",
		{"today": today},
		as_dict=True,
	)
	if not overdue:
		return 0
	bosses = managers_of(sorted({r.account_manager for r in overdue}))
	fallback = None
	done = {
		(r.reference_name, r.allocated_to): getdate(r.date)
		for r in frappe.db.sql(
			"""select `reference_name`, `allocated_to`, max(`date`) as date from `tabToDo`
			where `reference_type` = 'Customer Archive' and `crm_reminder` = %s
				and `reference_name` in %s group by `reference_name`, `allocated_to`""",
			(ESCALATION, tuple(r.name for r in overdue)),
			as_dict=True,
		)
	}
	todos, logs = [], []
	for r in overdue:
		if r.account_manager in bosses:
			to = [bosses[r.account_manager]]
		else:
			fallback = archive_managers() if fallback is None else fallback
			to = fallback
		for boss in to:
			last = done.get((r.name, boss))
			if last and last >= getdate(r.next_follow_up_date):
				continue  # already escalated for this follow-up date
			text = _("{0}'s follow-up with {1} is overdue since {2}.").format(
				frappe.utils.get_fullname(r.account_manager),
				r.full_name,
				frappe.utils.formatdate(r.next_follow_up_date),
			)
			todos.append((r.name, boss, text))
			logs.append(
				{
					"customer_archive": r.name,
					"event_type": "Pool Escalation",
					"from_value": r.account_manager,
					"to_value": boss,
					"trigger": "Scheduled",
					"metrics_snapshot": json.dumps(
						{
							"next_follow_up_date": str(r.next_follow_up_date),
							"days_overdue": (today - getdate(r.next_follow_up_date)).days,
						}
					),
				}
			)
	_todos(todos, ESCALATION, today, now, "High")
	insert_logs(logs, now, "Administrator")
	return len(todos)


# --- by hand -----------------------------------------------------------------------------------------------


def give_back(archive: str, reason: str) -> None:
	"""The account manager (or a manager) gives an archive back to the pool, with a reason."""
	reason = (reason or "").strip()
	if not reason:
		frappe.throw(_("Say why you give this customer back to the pool."))
	row = frappe.db.get_value(
		"Customer Archive", archive, ["name", "account_manager", "in_pool", "tier"], as_dict=True
	)
	if not row:
		frappe.throw(_("Customer Archive {0} does not exist.").format(archive), frappe.DoesNotExistError)
	if row.in_pool:
		frappe.throw(_("{0} is already in the customer pool.").format(archive))
	user = frappe.session.user
	if row.account_manager != user and not is_manager(user):
		frappe.throw(
			_("Only its account manager or a CRM Archive Manager can give a customer back to the pool."),
			frappe.PermissionError,
		)
	if not row.account_manager:
		frappe.throw(_("{0} has no account manager to give it back.").format(archive))
	values = frappe.db.get_value(
		"Customer Archive", archive, ["last_interaction_date", "last_purchase_date"], as_dict=True
	)
	done = release_rows([{**row, **values, "reason": R.GIVEN_BACK, "note": reason}], "Manual", user=user)
	if not done:
		frappe.throw(_("{0} changed meanwhile; reload and try again.").format(archive))


# --- claiming ----------------------------------------------------------------------------------------------


REFUSALS = {
	R.LIMIT_HOLDING: "You hold as many customers as your limit allows ({0}).",
	R.LIMIT_DAILY: "You have claimed as many customers today as allowed ({0}).",
	R.LIMIT_COOLDOWN: "You let this customer go to the pool recently; you may claim it back from {0}.",
}
TAKEN = "Someone else claimed this customer first."
NOT_IN_POOL = "This customer is not in the pool."


def limit_rows(settings=None) -> list[R.LimitRow]:
	settings = settings or get_settings()
	return [
		R.LimitRow(limit=cint(r.holding_limit), user=r.user or None, role=r.role or None, tier=r.tier or None)
		for r in settings.get("pool_limits") or []
	]


def claim_state(user: str, today, settings=None) -> R.ClaimState:
	settings = settings or get_settings()
	roles = frappe.get_roles(user)
	rows = limit_rows(settings)
	holding_by_tier = dict(
		frappe.db.sql(
			"""select ifnull(`tier`, ''), count(*) from `tabCustomer Archive`
			where `account_manager` = %s and `in_pool` = 0 group by `tier`""",
			user,
		)
	)
	by_tier_limits = None
	if cint(settings.pool_limit_by_tier):
		by_tier_limits = {
			tier: R.holding_limit(user, roles, rows, 0, tier=tier)
			for tier in {r.tier for r in rows if r.tier}
		}
	claimed_today = frappe.db.sql(
		"""select count(*) from `tabCustomer Archive Log` where `event_type` = 'Pool Claim'
		and `user` = %s and `timestamp` >= %s""",
		(user, getdate(today)),
	)[0][0]
	return R.ClaimState(
		holding=sum(holding_by_tier.values()),
		limit=R.holding_limit(user, roles, rows, cint(settings.pool_holding_limit)),
		claimed_today=claimed_today,
		per_day=cint(settings.pool_claims_per_day),
		holding_by_tier=holding_by_tier,
		limit_by_tier=by_tier_limits,
	)


def _lock(user: str) -> str:
	name = f"crm_pool_claim:{frappe.local.site}:{user}"[:64]
	if not frappe.db.sql("select get_lock(%s, 30)", name)[0][0]:
		frappe.throw(_("The pool is busy with your other claim; try again in a moment."))
	return name


def _unlock(name: str):
	frappe.db.sql("select release_lock(%s)", name)


def claim(archives: list[str], user: str | None = None) -> dict:
	"""Claim these pool archives for `user` (the session user) within their limits. Returns
	{"claimed": [...], "refused": {archive: message}}. The winners' rows, access and log rows are
	committed before the user's lock goes (outside tests), so parallel claims count them."""
	user = user or frappe.session.user
	if not set(CLAIM_ROLES) & set(frappe.get_roles(user)) and user != "Administrator":
		frappe.throw(
			_("Only sales reps and CRM Archive Managers can claim customers from the pool."),
			frappe.PermissionError,
		)
	# one order for everyone's row locks (no deadlock between two reps claiming overlapping sets)
	names = sorted({a for a in (archives or []) if a})
	if not names:
		frappe.throw(_("Choose at least one customer from the pool to claim."))
	settings = get_settings()
	today = getdate(nowdate())
	lock = _lock(user)
	try:
		if not frappe.flags.in_test:
			# a fresh snapshot: this request's reads so far may predate the user's last claim's commit
			frappe.db.commit()
		return _committed(lambda: _claim(names, user, today, settings))
	finally:
		_unlock(lock)


def _committed(work, attempts: int = 5):
	"""Run `work` and commit; a deadlock (two claims writing neighbouring access rows, InnoDB gap locks)
	rolls back and runs it again — the conditional UPDATEs decide again on what is committed by then.
	Inside tests the test case's transaction is kept (no commit, no retry)."""
	import random
	import time

	for attempt in range(attempts):
		try:
			out = work()
			if not frappe.flags.in_test:
				frappe.db.commit()
			return out
		except frappe.QueryDeadlockError:
			if frappe.flags.in_test or attempt == attempts - 1:
				raise
			frappe.db.rollback()
			time.sleep(random.uniform(0.02, 0.1) * (attempt + 1))


def _claim(names, user, today, settings) -> dict:
	rows = {
		r.name: r
		for r in frappe.db.sql(
			"""select `name`, `tier`, `in_pool`, `pool_previous_owner`, `pool_released_on`, `pool_claimed_on`
			from `tabCustomer Archive` where `name` in %s""",
			(tuple(names),),
			as_dict=True,
		)
	}
	refused: dict[str, str] = {}
	candidates = []
	for n in names:
		row = rows.get(n)
		if not row or not row.in_pool:
			# taken from the pool since (claimed or assigned), or never there
			refused[n] = _(TAKEN) if row and row.pool_claimed_on else _(NOT_IN_POOL)
			continue
		gone = row.pool_released_on if row.pool_previous_owner == user else None
		candidates.append((n, row.tier, gone))
	state = claim_state(user, today, settings)
	cooldown = cint(settings.pool_cooldown_days)
	won = []
	now = now_datetime()
	for archive, tier, gone in candidates:
		refusal = R.decide_claim(state, tier, gone, today, cooldown)
		if refusal:
			arg = {
				R.LIMIT_HOLDING: state.limit,
				R.LIMIT_DAILY: state.per_day,
				R.LIMIT_COOLDOWN: frappe.utils.formatdate(R.cooldown_ends(gone, cooldown)),
			}[refusal]
			if refusal == R.LIMIT_HOLDING and tier and (state.limit_by_tier or {}).get(tier):
				if not state.limit or state.holding < state.limit:
					arg = state.limit_by_tier[tier]
			refused[archive] = _(REFUSALS[refusal]).format(arg)
			continue
		frappe.db.sql(
			"""update `tabCustomer Archive` set `account_manager` = %(user)s, `in_pool` = 0,
				`pool_claimed_on` = %(today)s, `modified` = %(now)s, `modified_by` = %(user)s
			where `name` = %(name)s and `in_pool` = 1""",
			{"user": user, "today": today, "now": now, "name": archive},
		)
		if frappe.db._cursor.rowcount == 1:
			won.append(archive)
			state = R.took(state, tier)
		else:
			refused[archive] = _(TAKEN)
	_after_taking(won, user, "Pool Claim", now, today)
	return {"claimed": won, "refused": refused}


def _after_taking(names: list[str], user: str, event: str, now, today, by: str | None = None):
	"""The new owner's access at once, their planned release day and reminders, and one log row each."""
	if not names:
		return
	refresh_access(names)
	plan(today, names)
	insert_logs(
		[
			{
				"customer_archive": n,
				"event_type": event,
				"from_value": _("Customer Pool"),
				"to_value": user,
				"trigger": "Manual",
			}
			for n in names
		],
		now,
		by or user,
	)
	from crm_archive.reminders.store import run_daily

	run_daily(today, archives=names)


def assign(archives: list[str], user: str) -> dict:
	"""A manager gives pool archives to a rep (several at once; a manager's choice is not limited)."""
	check_manager()
	if not user or not frappe.db.get_value("User", user, "enabled"):
		frappe.throw(_("Choose an active user to assign the customers to."))
	if not set(CLAIM_ROLES) & set(frappe.get_roles(user)):
		frappe.throw(_("{0} is not a sales rep (CRM Archive User).").format(user))
	names = sorted({a for a in (archives or []) if a})
	if not names:
		frappe.throw(_("Choose at least one customer from the pool to assign."))
	return _committed(lambda: _assign(names, user))


def _assign(names: list[str], user: str) -> dict:
	today, now = getdate(nowdate()), now_datetime()
	won, refused = [], {}
	for n in names:
		frappe.db.sql(
			"""update `tabCustomer Archive` set `account_manager` = %(user)s, `in_pool` = 0,
				`pool_claimed_on` = %(today)s, `modified` = %(now)s, `modified_by` = %(by)s
			where `name` = %(name)s and `in_pool` = 1""",
			{"user": user, "today": today, "now": now, "name": n, "by": frappe.session.user},
		)
		if frappe.db._cursor.rowcount == 1:
			won.append(n)
		else:
			refused[n] = _(TAKEN) if frappe.db.exists("Customer Archive", n) else _(NOT_IN_POOL)
	_after_taking(won, user, "Pool Assignment", now, today, by=frappe.session.user)
	return {"claimed": won, "refused": refused}


def on_archive_validate(doc, method=None):
	"""A manager who sets an account manager on a pool archive in the form takes it out of the pool (an
	assignment, logged); nobody puts an archive into the pool by editing its fields."""
	if doc.is_new():
		doc.in_pool = 0
		return
	before = doc.get_doc_before_save()
	if not before:
		return
	if not before.in_pool:
		doc.in_pool = 0
		if doc.account_manager and doc.account_manager != before.account_manager:
			doc.pool_claimed_on = getdate(nowdate())  # a new owner's release clock starts today
		return
	if doc.account_manager:
		doc.in_pool = 0
		doc.pool_claimed_on = getdate(nowdate())
		doc.pool_release_date = None
		doc.flags.pool_assigned = True


def on_archive_update(doc, method=None):
	if doc.flags.pool_assigned:
		doc.flags.pool_assigned = False
		insert_logs(
			[
				{
					"customer_archive": doc.name,
					"event_type": "Pool Assignment",
					"from_value": _("Customer Pool"),
					"to_value": doc.account_manager,
					"trigger": "Manual",
				}
			],
			now_datetime(),
			frappe.session.user,
		)


# --- what reps see of the pool -------------------------------------------------------------------------------

LIST_INDEX = "crm_archive_pool_list"


def ensure_index():
	"""The pool list reads the newest releases first: (in_pool, released on, name) serves its filter and
	its order without sorting the pool (created on install and migrate)."""
	frappe.db.sql_ddl(
		f"""CREATE INDEX IF NOT EXISTS `{LIST_INDEX}` ON `tabCustomer Archive`
		(`in_pool`, `pool_released_on`, `name`)"""
	)


def pool_rows(filters: dict | None = None, limit: int = 500, start: int = 0) -> list[dict]:
	"""The pool's basic facts (BASIC_FIELDS and the tier's colour), never contact or confidential data:
	an explicit column list, read server-side for any user who may claim."""
	filters = filters or {}
	conds, values = ["a.`in_pool` = 1"], {"limit": cint(limit) or 500, "start": cint(start)}
	for key in ("tier", "lifecycle_state", "industry", "city", "pool_release_reason"):
		if filters.get(key):
			conds.append(f"a.`{key}` = %({key})s")
			values[key] = filters[key]
	if filters.get("search"):
		conds.append("(a.`name_search` like %(q)s or a.`company_name` like %(q)s)")
		values["q"] = f"%{filters['search']}%"
	cols = ", ".join(f"a.`{f}`" for f in BASIC_FIELDS)
	return frappe.db.sql(
		f"""select {cols} from `tabCustomer Archive` a where {" and ".join(conds)}
		order by a.`pool_released_on` desc, a.`name` desc limit %(limit)s offset %(start)s""",
		values,
		as_dict=True,
	)
