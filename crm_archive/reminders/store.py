"""Daily reminders as Frappe ToDos for the account manager, deduplicated per (archive, reason, person),
and the stale flag. The reminder's kind is in the ToDo's crm_reminder field (the description is for
people and may be edited); every close goes through ToDo's own save, so its hooks (the reference's
assignment list, the access table) run. Logging an interaction or updating the archive closes the
reminders it answers."""

import json

import frappe
from frappe import _
from frappe.utils import add_days, cint, get_fullname, getdate, now_datetime, nowdate

from crm_archive.reminders.due import due_reasons
from crm_archive.utils import get_settings, log_names

TAG = "[crm_archive:{}]"  # how reminders made before the crm_reminder field were marked (migration only)
MESSAGES = {
	"follow_up": "Follow up with {0}: the planned follow-up date has come.",
	"cadence": "No contact with {0} for longer than the {1} follow-up interval.",
	"birthday": "{0} has a birthday soon: send a greeting.",
	"review": "Review the archive of {0}: it has not been updated for a long time.",
}


def tag_of(description: str | None) -> str | None:
	text = description or ""
	for reason in MESSAGES:
		if text.startswith(TAG.format(reason)):
			return reason
	return None


def open_reminders(archives: list[str] | None = None) -> dict[tuple[str, str], str]:
	"""{(archive, kind): ToDo} of open reminders (whoever they are for)."""
	return {(a, kind): todo for (a, kind, _user), todo in open_reminders_by_person(archives).items()}


def open_reminders_by_person(archives: list[str] | None = None) -> dict[tuple[str, str, str], str]:
	filters = {
		"reference_type": "Customer Archive",
		"status": "Open",
		"crm_reminder": ("is", "set"),
	}
	if archives is not None:
		filters["reference_name"] = ("in", archives or [""])
	out = {}
	for todo in frappe.get_all(
		"ToDo", filters=filters, fields=["name", "reference_name", "crm_reminder", "allocated_to"]
	):
		if todo.crm_reminder in MESSAGES:
			out[(todo.reference_name, todo.crm_reminder, todo.allocated_to)] = todo.name
	return out


def close_todo(name: str):
	"""Close through ToDo's own save: its hooks update the archive's assignment list (_assign)."""
	todo = frappe.get_doc("ToDo", name)
	if todo.status == "Open":
		todo.status = "Closed"
		todo.save(ignore_permissions=True)


def close_reminders(archive: str, reasons: tuple[str, ...]):
	for (_ref, reason, _user), todo in open_reminders_by_person([archive]).items():
		if reason in reasons:
			close_todo(todo)


def run_daily(today=None, archives: list[str] | None = None) -> dict:
	"""The day's reminders for every archive, or for these `archives` only (an archive that just changed
	hands, e.g. claimed from the customer pool: its new account manager's reminders start at once)."""
	settings = get_settings()
	today = getdate(today or nowdate())
	stats = {"created": 0, "closed": 0, "stale": update_stale(today) if archives is None else 0}
	if not cint(settings.enable_reminders):
		return stats
	tiers = {
		t.name: t
		for t in frappe.get_all(
			"Customer Tier", fields=["name", "follow_up_interval_days", "birthday_greeting"]
		)
	}
	filters = {"account_manager": ("is", "set")}
	if archives is not None:
		filters["name"] = ("in", archives or [""])
	rows = frappe.get_all(
		"Customer Archive",
		filters=filters,
		fields=[
			"name",
			"full_name",
			"account_manager",
			"tier",
			"next_follow_up_date",
			"last_interaction_date",
			"date_of_birth",
			"modified",
			"creation",
		],
	)
	existing = open_reminders_by_person(archives)
	# a birthday is greeted once: a birthday reminder from this window, even closed, is not repeated
	window_start = add_days(today, -(cint(settings.birthday_reminder_days) + 1))
	recent_birthdays = set(
		frappe.get_all(
			"ToDo",
			filters={
				"reference_type": "Customer Archive",
				"crm_reminder": "birthday",
				"date": (">=", window_start),
			},
			pluck="reference_name",
		)
	)
	due_now, new = set(), []
	for row in rows:
		tier = tiers.get(row.tier) or frappe._dict()
		for reason in due_reasons(
			row,
			today,
			cint(tier.follow_up_interval_days),
			bool(tier.birthday_greeting),
			cint(settings.birthday_reminder_days),
			cint(settings.update_reminder_days),
		):
			key = (row.name, reason, row.account_manager)
			due_now.add(key)
			if key in existing:
				continue
			if reason == "birthday" and row.name in recent_birthdays:
				continue
			new.append(
				{
					"allocated_to": row.account_manager,
					"reference_name": row.name,
					"date": today,
					"priority": "High" if reason == "follow_up" else "Medium",
					"crm_reminder": reason,
					"description": _(MESSAGES[reason]).format(row.full_name, row.tier),
				}
			)
	stats["created"] = insert_reminders(new)
	# not due any more, or due for someone else now (the archive was reassigned): closed
	for key, todo in existing.items():
		if key not in due_now:
			close_todo(todo)
			stats["closed"] += 1
	return stats


REMINDER_FIELDS = (
	*("name", "creation", "modified", "owner", "modified_by", "docstatus", "idx", "status", "priority"),
	*("date", "allocated_to", "assigned_by", "assigned_by_full_name", "description", "reference_type"),
	*("reference_name", "crm_reminder"),
)


def insert_reminders(rows: list[dict]) -> int:
	"""The night's new reminders, set-based: one multi-row INSERT per 1,000 ToDos and the archives'
	assignment lists (`_assign`, what ToDo's own on_update writes) recomputed once per archive. A ToDo
	insert one at a time loads its archive to post an "assigned" comment and costs 20-50 ms: a first night
	at 30,000 archives took eight minutes. The comments are left out on purpose: a reminder is the
	system's, not an assignment someone made, and a timeline line per reminder per night is noise."""
	if not rows:
		return 0
	now, user = now_datetime(), frappe.session.user
	full_name = get_fullname(user)
	values = [
		(
			*(name, now, now, user, user, 0, 0, "Open", r["priority"], r["date"], r["allocated_to"], user),
			*(full_name, r["description"], "Customer Archive", r["reference_name"], r["crm_reminder"]),
		)
		for name, r in zip(log_names(len(rows)), rows, strict=True)
	]
	frappe.db.bulk_insert("ToDo", REMINDER_FIELDS, values, chunk_size=1000)
	update_assign_lists(sorted({r["reference_name"] for r in rows}))
	return len(rows)


def update_assign_lists(archives: list[str]):
	"""`_assign` of these archives as ToDo.update_in_reference writes it: the users of their open ToDos
	(not Cancelled or Closed, with someone allocated), oldest change first, as JSON."""
	for start in range(0, len(archives), 1000):
		part = archives[start : start + 1000]
		users: dict[str, list[str]] = {a: [] for a in part}
		for archive, allocated in frappe.db.sql(
			"""select `reference_name`, `allocated_to` from `tabToDo`
			where `reference_type` = 'Customer Archive' and `reference_name` in %s
				and `status` not in ('Cancelled', 'Closed') and ifnull(`allocated_to`, '') != ''
			order by `modified`, `name`""",
			(tuple(part),),
		):
			users[archive].append(allocated)
		pairs = [(a, json.dumps(u) if u else "") for a, u in users.items()]
		derived = " union all ".join(["select %s as `name`, %s as `value`"] * len(pairs))
		frappe.db.sql(
			f"""update `tabCustomer Archive` a join ({derived}) t on a.`name` = t.`name`
			set a.`_assign` = t.`value`""",
			[x for pair in pairs for x in pair],
		)


def update_stale(today) -> int:
	"""is_stale: no interaction and no purchase for the settings' stale-after days (one UPDATE)."""
	days = cint(get_settings().stale_after_days)
	if days <= 0:
		return 0
	cutoff = add_days(today, -days)
	expr = """(coalesce(`last_interaction_date`, `creation`) < %(cutoff)s
		and (`last_purchase_date` is null or `last_purchase_date` < %(cutoff)s)
		and `creation` < %(cutoff)s)"""
	frappe.db.sql(
		f"update `tabCustomer Archive` set `is_stale` = {expr} where `is_stale` != {expr}",
		{"cutoff": cutoff},
	)
	return frappe.db.count("Customer Archive", {"is_stale": 1})


def daily():
	run_daily()
