"""Lifecycle workflow "Customer Archive Lifecycle": installation and the automatic moves.

Manual moves are Frappe Workflow actions gated by role. Automatic moves (first purchase → Existing,
win-back after churn → Existing, inactivity → Churned) set the state and save the archive as the system
(Administrator), so Frappe's own workflow validation checks that the transition exists and that its
condition (a linked Customer for Existing) holds; every move is logged with its trigger.
"""

from contextlib import contextmanager

import frappe
from frappe.utils import add_days, cint, getdate, nowdate

from crm_archive.lifecycle import states as L
from crm_archive.utils import get_settings, insert_logs

WORKFLOW = "Customer Archive Lifecycle"
STATE_STYLES = {
	L.POTENTIAL: "",
	L.INTENTIONAL: "Info",
	L.EXISTING: "Success",
	L.CHURNED: "Danger",
}
EDITORS = ("CRM Archive User", "CRM Archive Manager", "System Manager")


def install_workflow():
	"""Create the workflow, its states and actions when missing (idempotent)."""
	for state, style in STATE_STYLES.items():
		if not frappe.db.exists("Workflow State", state):
			frappe.get_doc(
				{"doctype": "Workflow State", "workflow_state_name": state, "style": style}
			).insert(ignore_permissions=True)
	for action in {t[2] for t in L.TRANSITIONS}:
		if not frappe.db.exists("Workflow Action Master", action):
			frappe.get_doc({"doctype": "Workflow Action Master", "workflow_action_name": action}).insert(
				ignore_permissions=True
			)
	if frappe.db.exists("Workflow", WORKFLOW):
		return
	transitions = []
	for frm, to, action, roles, needs_customer in L.TRANSITIONS:
		for role in (*roles, "System Manager"):
			transitions.append(
				{
					"state": frm,
					"action": action,
					"next_state": to,
					"allowed": role,
					"allow_self_approval": 1,
					"condition": "doc.customer" if needs_customer else None,
				}
			)
	frappe.get_doc(
		{
			"doctype": "Workflow",
			"workflow_name": WORKFLOW,
			"document_type": "Customer Archive",
			"workflow_state_field": "lifecycle_state",
			"is_active": 1,
			"send_email_alert": 0,
			"states": [
				{"state": state, "doc_status": "0", "allow_edit": role}
				for state in L.STATES
				for role in EDITORS
			],
			"transitions": transitions,
		}
	).insert(ignore_permissions=True)


@contextmanager
def as_system():
	user = frappe.session.user
	frappe.set_user("Administrator")
	try:
		yield user
	finally:
		frappe.set_user(user)


def move(archive: str, to_state: str, trigger: str) -> bool:
	"""An automatic move through the workflow's own validation; logged by the archive's on_update."""
	doc = frappe.get_doc("Customer Archive", archive)
	if doc.lifecycle_state == to_state:
		return False
	with as_system() as user:
		doc.lifecycle_state = to_state
		doc.flags.lifecycle_trigger = trigger
		doc.flags.lifecycle_user = user
		doc.flags.crm_system_save = True
		doc.save(ignore_permissions=True)
	return True


def after_invoice(customers: list[str], trigger: str = "Invoice Submit") -> int:
	"""First purchase → Existing; a purchase after churn → Existing (win-back)."""
	rows = frappe.get_all(
		"Customer Archive",
		filters={
			"customer": ("in", customers),
			"lifecycle_state": ("!=", L.EXISTING),
			"invoice_count": (">", 0),
		},
		fields=["name", "lifecycle_state", "customer"],
	)
	moved = 0
	for row in rows:
		if row.lifecycle_state == L.CHURNED and not bought_since_churn(row.name, row.customer):
			continue  # a credit note, or an invoice dated before the churn, wins nobody back
		target = L.after_purchase(row.lifecycle_state, bool(row.customer))
		if target and L.allowed(row.lifecycle_state, target):
			moved += move(row.name, target, trigger)
	return moved


def bought_since_churn(archive: str, customer: str) -> bool:
	"""A win-back is a new purchase: a submitted, non-return Sales Invoice dated on or after the day the
	archive last became Churned."""
	churned_on = frappe.db.get_value(
		"Customer Archive Log",
		{"customer_archive": archive, "event_type": "Lifecycle Change", "to_value": L.CHURNED},
		"max(`timestamp`)",
	)
	if not churned_on:
		return True
	return bool(
		frappe.db.exists(
			"Sales Invoice",
			{
				"customer": customer,
				"docstatus": 1,
				"is_return": 0,
				"posting_date": (">=", getdate(churned_on)),
			},
		)
	)


def mark_inactive_churned(as_of=None) -> int:
	"""Existing archives without a purchase for the settings' churn-after days → Churned (set-based)."""
	days = cint(get_settings().churn_after_days)
	if days <= 0:
		return 0
	cutoff = add_days(getdate(as_of or nowdate()), -days)
	names = frappe.get_all(
		"Customer Archive",
		filters={"lifecycle_state": L.EXISTING, "last_purchase_date": ("<=", cutoff)},
		pluck="name",
	)
	return move_many(names, L.EXISTING, L.CHURNED, "Inactivity")


def catch_up_purchases() -> int:
	"""The moves an invoice's after-commit job makes, for archives whose job was lost (a Redis restart):
	a first purchase → Existing; a purchase on or after the day of the churn → Existing (win-back).
	Reads what the nightly re-tier just wrote (first/last purchase dates of non-return invoices)."""
	moved = 0
	for state in (L.POTENTIAL, L.INTENTIONAL):
		names = frappe.get_all(
			"Customer Archive",
			filters={
				"lifecycle_state": state,
				"customer": ("is", "set"),
				"first_purchase_date": ("is", "set"),
			},
			pluck="name",
		)
		moved += move_many(names, state, L.EXISTING, "Catch-up")
	# each churned archive's churn date from the log's (event_type, to_value, customer_archive, timestamp)
	# index: one range over the churn events, not a look-up into every churned archive's history; an
	# archive churned without a log row is never won back here (its job decides)
	won_back = frappe.db.sql_list(
		"""select a.name from `tabCustomer Archive` a
		join (select l.customer_archive, date(max(l.`timestamp`)) as churned_on
			from `tabCustomer Archive Log` l
			where l.event_type = 'Lifecycle Change' and l.to_value = %(churned)s
			group by l.customer_archive) c on c.customer_archive = a.name
		where a.lifecycle_state = %(churned)s and ifnull(a.customer, '') != ''
			and a.last_purchase_date >= c.churned_on
		order by a.name""",
		{"churned": L.CHURNED},
	)
	return moved + move_many(won_back, L.CHURNED, L.EXISTING, "Catch-up")


def move_many(names: list[str], from_state: str, to_state: str, trigger: str) -> int:
	"""One automatic move for many archives, set-based: an UPDATE and one multi-row log INSERT per 1000
	archives, whatever their number (50,000 archives going quiet on one night take seconds, not a
	quarter of an hour of document saves). Only transitions of the workflow are made; the state is
	re-checked in the UPDATE, so an archive a person moved meanwhile is left alone."""
	if not names or not L.allowed(from_state, to_state):
		return 0
	now = frappe.utils.now_datetime()
	moved = 0
	for start in range(0, len(names), 1000):
		part = tuple(names[start : start + 1000])
		locked = frappe.db.sql_list(
			"""select name from `tabCustomer Archive` where name in %s and lifecycle_state = %s
			order by name for update""",
			(part, from_state),
		)
		if not locked:
			continue
		frappe.db.sql(
			"""update `tabCustomer Archive` set lifecycle_state = %s, modified = %s,
			modified_by = 'Administrator' where name in %s""",
			(to_state, now, tuple(locked)),
		)
		insert_logs(
			[
				{
					"customer_archive": name,
					"event_type": "Lifecycle Change",
					"from_value": from_state,
					"to_value": to_state,
					"trigger": trigger,
				}
				for name in locked
			],
			now,
			"Administrator",
		)
		moved += len(locked)
	return moved


def log_lifecycle_change(doc):
	"""Called from the archive's on_update: one log row per state change, manual or automatic."""
	before = doc.get_doc_before_save()
	old = before.lifecycle_state if before else None
	if before is None or old == doc.lifecycle_state:
		return
	frappe.get_doc(
		{
			"doctype": "Customer Archive Log",
			"customer_archive": doc.name,
			"event_type": "Lifecycle Change",
			"from_value": old or "",
			"to_value": doc.lifecycle_state,
			"trigger": doc.flags.lifecycle_trigger or "Workflow",
			"user": doc.flags.lifecycle_user or frappe.session.user,
		}
	).insert(ignore_permissions=True)


def first_moves(
	state: str, customer: str | None, first_purchase, last_purchase, as_of, churn_after_days: int
) -> list[tuple[str, str, str]]:
	"""(from, to, trigger) of the automatic moves the lifecycle pass (daily) makes, in its order, for an
	archive the engine has just given these purchase dates — set-based adoption decides them before it
	inserts the archive: a purchase caught up (catch_up_purchases: Potential or Intentional with a
	Customer and a first purchase → Existing), then inactivity (mark_inactive_churned: Existing without a
	purchase for churn_after_days → Churned)."""
	moves = []
	if state in (L.POTENTIAL, L.INTENTIONAL) and customer and first_purchase:
		target = L.after_purchase(state, True)
		if target and L.allowed(state, target):
			moves.append((state, target, "Catch-up"))
			state = target
	last = getdate(last_purchase) if last_purchase else None
	target = L.after_inactivity(state, last, getdate(as_of), cint(churn_after_days))
	if target and L.allowed(state, target):
		moves.append((state, target, "Inactivity"))
	return moves


def daily(as_of=None) -> dict:
	"""Daily scheduler event (after the nightly re-tier has refreshed purchase dates): converge every
	automatic move, set-based — lost invoice jobs are caught up, quiet customers churn."""
	return {"caught_up": catch_up_purchases(), "churned": mark_inactive_churned(as_of)}


KANBAN_BOARD = "Customer Process"
KANBAN_COLOURS = {L.POTENTIAL: "Gray", L.INTENTIONAL: "Blue", L.EXISTING: "Green", L.CHURNED: "Red"}
KANBAN_CARD_FIELDS = ["tier", "account_manager", "next_follow_up_date"]


def install_kanban_board():
	"""客户进程 at a glance: Frappe's Kanban view of archives by lifecycle state (idempotent). A drag is
	`frappe.set_value` of the state, so the workflow's own validation allows it for the dragging user's
	roles or refuses it with the reason, and the archive's on_update logs it like any move."""
	if frappe.db.exists("Kanban Board", KANBAN_BOARD):
		return
	frappe.get_doc(
		{
			"doctype": "Kanban Board",
			"kanban_board_name": KANBAN_BOARD,
			"reference_doctype": "Customer Archive",
			"field_name": "lifecycle_state",
			"private": 0,
			"show_labels": 1,
			"fields": frappe.as_json(KANBAN_CARD_FIELDS),
			"columns": [
				{"column_name": state, "status": "Active", "indicator": KANBAN_COLOURS[state], "order": "[]"}
				for state in L.STATES
			],
		}
	).insert(ignore_permissions=True)
