"""Install, migrate and uninstall steps. Everything here is idempotent."""

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

ROLES = ("CRM Archive Manager", "CRM Archive User", "CRM Archive Reviewer", "CRM Archive Auditor")


def get_custom_fields() -> dict[str, list[dict]]:
	return {
		"Customer": [
			{
				"fieldname": "crm_archive",
				"label": "Customer Archive",
				"fieldtype": "Link",
				"options": "Customer Archive",
				"insert_after": "customer_name",
				"read_only": 1,
				"no_copy": 1,
				"search_index": 1,
				"translatable": 0,
			}
		],
		"ToDo": [
			{
				# which daily reminder this is (follow_up, cadence, birthday, review); a reminder never grants
				# access to its archive (crm_archive.access.table)
				"fieldname": "crm_reminder",
				"label": "CRM Archive Reminder",
				"fieldtype": "Data",
				"insert_after": "reference_name",
				"read_only": 1,
				"hidden": 1,
				"no_copy": 1,
				"translatable": 0,
			}
		],
		"Sales Invoice": [
			{
				"fieldname": "crm_tier",
				"label": "Customer Tier at Invoice Time",
				"fieldtype": "Link",
				"options": "Customer Tier",
				"insert_after": "customer_name",
				"read_only": 1,
				"no_copy": 1,
				"print_hide": 1,
				"translatable": 0,
			}
		],
	}


DEFAULT_TIERS = (
	# name, rank, colour, follow-up days, SLA hours, dedicated manager, birthday greeting, description
	(
		"VIP",
		40,
		"#7c3aed",
		14,
		4,
		1,
		1,
		"Top customers: the highest spend and most purchases in the window; dedicated service, regular "
		"visits, birthday greetings",
	),
	(
		"重要客户",
		30,
		"#2563eb",
		30,
		8,
		1,
		1,
		"Important customers: high spend in the window; a dedicated account manager",
	),
	("普通客户", 20, "#16a34a", 90, 24, 0, 0, "Active customers: at least one purchase in the window"),
	("沉睡客户", 15, "#d97706", 60, 24, 0, 0, "Lapsed customers: bought before, nothing in the window"),
	("潜在客户", 10, "#9ca3af", 180, 48, 0, 0, "Prospects: never bought"),
)
# The descriptions the first installs gave these tiers (a patch replaces them where still unedited).
OLD_TIER_DESCRIPTIONS = {
	"VIP": "Top customers: dedicated service, regular visits, birthday greetings",
	"重要客户": "Important customers",
	"普通客户": "Normal customers",
	"潜在客户": "Potential customers: no purchase in the window yet",
}
LAPSED_TIER = "沉睡客户"
# Bought before (any purchase up to the day), nothing in the window: below 普通客户's "any purchase in the
# window", above the default 潜在客户 (never bought).
LAPSED_RULE = {"tier": LAPSED_TIER, "priority": 4, "condition": "lifetime_invoice_count >= 1"}
DEFAULT_RULES = (
	{"tier": "VIP", "priority": 1, "min_window_spend": 100000, "min_invoice_count": 6},
	{"tier": "重要客户", "priority": 2, "min_window_spend": 30000},
	{"tier": "普通客户", "priority": 3, "min_invoice_count": 1},
)
DEFAULT_RULE_SET_DESCRIPTION = (
	"VIP: ≥ 100,000 and ≥ 6 invoices in 365 days; 重要客户: ≥ 30,000; 普通客户: any purchase in the "
	"window; 沉睡客户: bought before, nothing in the window; 潜在客户: never bought"
)
DEFAULT_RULE_SET = "Default Tier Rules"


def after_install():
	after_migrate()


def after_migrate():
	from crm_archive.lifecycle.store import install_kanban_board, install_workflow
	from crm_archive.tiering.store.index import ensure_index

	make_roles()
	create_custom_fields(get_custom_fields(), ignore_validate=True)
	make_default_tiers()
	ensure_index()
	from crm_archive.tiering.store.benefits import ensure_member_index

	ensure_member_index()
	from crm_archive.pool.store.core import ensure_index as ensure_pool_index

	ensure_pool_index()
	install_workflow()
	install_kanban_board()
	ensure_settings_defaults()
	tag_reminders()
	from crm_archive.overrides.workflow_action import drop_existing

	drop_existing()
	from crm_archive.duplicates.store import backfill_duplicate_blocks

	backfill_duplicate_blocks()
	from crm_archive.archive.store.search import backfill_name_readings

	backfill_name_readings()
	from crm_archive.access.table import rebuild_all
	from crm_archive.access.version import mask_existing

	mask_existing()
	rebuild_all()


def tag_reminders():
	"""Reminders made before the crm_reminder field carried their kind only in the description."""
	from crm_archive.reminders.store import TAG, tag_of

	for todo in frappe.get_all(
		"ToDo",
		filters={"reference_type": "Customer Archive", "description": ("like", "[crm_archive:%")},
		fields=["name", "description", "crm_reminder"],
	):
		kind = tag_of(todo.description)
		if kind:
			# the kind moves to its field; the description keeps only the words a person reads
			text = todo.description[len(TAG.format(kind)) :].strip()
			frappe.db.set_value(
				"ToDo", todo.name, {"crm_reminder": kind, "description": text}, update_modified=False
			)


APP_DOCTYPES = (
	"Customer Archive",
	"Customer Interaction",
	"Customer Archive Log",
	"Customer Archive Social Account",
	"Customer Archive Access",
	"Customer Tier",
	"Tier Rule Set",
	"Tier Rule",
	"CRM Archive Settings",
)
KEPT_ON_UNINSTALL = (
	"ERPNext's Customers, Leads and Sales Invoices (the app only read them; their crm_archive and crm_tier "
	"fields are removed)",
	"Error Log and Scheduled Job Log rows of past runs (Frappe's own logs)",
)


def before_uninstall():
	from crm_archive.tiering.store.index import drop_index

	removed = remove_app_data()
	delete_custom_fields(get_custom_fields())
	drop_index()
	frappe.db.sql_ddl("DROP INDEX IF EXISTS `crm_archive_group_email` ON `tabEmail Group Member`")
	print("crm_archive removed: " + ", ".join(f"{k} {v}" for k, v in removed.items()))
	print("crm_archive kept: " + "; ".join(KEPT_ON_UNINSTALL))


def remove_app_data() -> dict[str, int]:
	"""What install and use added outside the app's own tables, which Frappe drops with its doctypes:
	the lifecycle Workflow (it would point at a deleted doctype), its states and actions (when no other
	workflow uses them), the roles, reminders and other ToDos on archives, Versions and Comments holding
	contact data, the encrypted ID numbers in __Auth, Workflow Actions, shares and prepared reports."""
	from crm_archive.lifecycle import states as L
	from crm_archive.lifecycle.store import KANBAN_BOARD, WORKFLOW

	removed = {}
	if frappe.db.exists("Kanban Board", KANBAN_BOARD):
		frappe.delete_doc("Kanban Board", KANBAN_BOARD, ignore_permissions=True, force=True)
		removed["Kanban Board"] = 1
	if frappe.db.exists("Workflow", WORKFLOW):
		frappe.delete_doc("Workflow", WORKFLOW, ignore_permissions=True, force=True)
		removed["Workflow"] = 1
	in_use = set(frappe.get_all("Workflow Document State", pluck="state")) | set(
		frappe.get_all("Workflow Transition", pluck="action")
	)
	states = [s for s in L.STATES if s not in in_use and frappe.db.exists("Workflow State", s)]
	for state in states:
		frappe.delete_doc("Workflow State", state, ignore_permissions=True, force=True)
	removed["Workflow State"] = len(states)
	actions = [
		a
		for a in {t[2] for t in L.TRANSITIONS}
		if a not in in_use and frappe.db.exists("Workflow Action Master", a)
	]
	for action in actions:
		frappe.delete_doc("Workflow Action Master", action, ignore_permissions=True, force=True)
	removed["Workflow Action Master"] = len(actions)

	by_reference = (
		("ToDo", "reference_type"),
		("Version", "ref_doctype"),
		("Comment", "reference_doctype"),
		("Communication", "reference_doctype"),
		("DocShare", "share_doctype"),
		("Workflow Action", "reference_doctype"),
	)
	for doctype, field in by_reference:
		if not frappe.db.has_column(doctype, field):
			continue
		filters = {field: ("in", APP_DOCTYPES)}
		removed[doctype] = frappe.db.count(doctype, filters)
		frappe.db.delete(doctype, filters)
	reports = frappe.get_all("Report", filters={"module": "CRM Archive"}, pluck="name")
	if reports:
		removed["Prepared Report"] = frappe.db.count("Prepared Report", {"report_name": ("in", reports)})
		frappe.db.delete("Prepared Report", {"report_name": ("in", reports)})
	removed["__Auth"] = frappe.db.sql("select count(*) from `__Auth` where doctype in %s", (APP_DOCTYPES,))[
		0
	][0]
	frappe.db.sql("delete from `__Auth` where doctype in %s", (APP_DOCTYPES,))
	roles = [r for r in ROLES if frappe.db.exists("Role", r)]
	for role in roles:
		frappe.db.delete("Has Role", {"role": role})
		frappe.db.delete("Custom DocPerm", {"role": role})
		frappe.delete_doc("Role", role, ignore_permissions=True, force=True)
	removed["Role"] = len(roles)
	return removed


def make_default_tiers():
	"""Installed defaults, created once: a manager's later edits are never overwritten."""
	if frappe.db.count("Customer Tier"):
		return
	for row in DEFAULT_TIERS:
		make_tier(row)
	if not frappe.db.exists("Tier Rule Set", DEFAULT_RULE_SET):
		frappe.get_doc(
			{
				"doctype": "Tier Rule Set",
				"rule_set_name": DEFAULT_RULE_SET,
				"is_active": 1,
				"window_days": 365,
				"default_tier": "潜在客户",
				"downgrade_grace_days": 30,
				"description": DEFAULT_RULE_SET_DESCRIPTION,
				"rules": [*DEFAULT_RULES, LAPSED_RULE],
			}
		).insert(ignore_permissions=True)


def make_tier(row: tuple, rank: int | None = None) -> str:
	name, default_rank, color, follow_up, sla, dedicated, birthday, description = row
	return (
		frappe.get_doc(
			{
				"doctype": "Customer Tier",
				"tier_name": name,
				"rank": default_rank if rank is None else rank,
				"color": color,
				"follow_up_interval_days": follow_up,
				"response_sla_hours": sla,
				"dedicated_account_manager": dedicated,
				"birthday_greeting": birthday,
				"description": description,
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


def add_lapsed_tier(rule_set: str = DEFAULT_RULE_SET) -> bool:
	"""Sites installed before the lapsed tier (patch add_lapsed_tier): their default rule set gave every
	customer without a purchase in the window 潜在客户, lapsed buyers included. Add the 沉睡客户 tier and its
	rule row — only to a rule set still exactly as installed (its rows and default tier); a set a manager
	edited says what the manager wants and is left alone. The default tiers' descriptions are replaced
	where they still read as installed. True when the row was added (the save re-tiers when active)."""
	by_name = {row[0]: row for row in DEFAULT_TIERS}
	for tier, old in OLD_TIER_DESCRIPTIONS.items():
		if frappe.db.get_value("Customer Tier", tier, "description") == old:
			frappe.db.set_value("Customer Tier", tier, "description", by_name[tier][-1])
	if not frappe.db.exists("Tier Rule Set", rule_set):
		return False
	doc = frappe.get_doc("Tier Rule Set", rule_set)
	fields = ("tier", "priority", "min_window_spend", "min_invoice_count", "max_recency_days")
	fields += ("min_average_order_value", "condition")

	def key(row) -> tuple:
		return tuple(row.get(f) or None for f in fields)

	as_installed = [key(frappe._dict(r)) for r in DEFAULT_RULES]
	if doc.default_tier != "潜在客户" or [key(r) for r in doc.rules] != as_installed:
		return False
	if not frappe.db.exists("Customer Tier", LAPSED_TIER):
		ranks = {
			r: frappe.db.get_value("Customer Tier", r, "rank") for r in ("普通客户", "潜在客户")
		}  # as installed 20 and 10: the lapsed tier goes between them, at a rank no other tier has
		if None in ranks.values():
			return False
		taken = set(frappe.get_all("Customer Tier", pluck="rank"))
		free = [r for r in range(ranks["潜在客户"] + 1, ranks["普通客户"]) if r not in taken]
		if not free:
			return False
		preferred = by_name[LAPSED_TIER][1]
		make_tier(by_name[LAPSED_TIER], preferred if preferred in free else free[len(free) // 2])
	doc.append("rules", dict(LAPSED_RULE))
	if (doc.description or "").startswith("VIP: ≥ 100,000 and ≥ 6 invoices in 365 days; 重要客户: ≥ 30,000;"):
		doc.description = DEFAULT_RULE_SET_DESCRIPTION
	doc.save(ignore_permissions=True)
	return True


def ensure_settings_defaults():
	"""Frappe does not apply a new field's default to an existing single: do it for our settings."""
	meta = frappe.get_meta("CRM Archive Settings")
	for df in meta.fields:
		if df.default is None or df.fieldtype in ("Section Break", "Column Break", "Tab Break"):
			continue
		stored = frappe.db.sql(
			"select `value` from `tabSingles` where `doctype` = 'CRM Archive Settings' and `field` = %s",
			df.fieldname,
		)
		if not stored or stored[0][0] in (None, ""):
			frappe.db.set_single_value("CRM Archive Settings", df.fieldname, df.default)
	frappe.clear_document_cache("CRM Archive Settings", "CRM Archive Settings")


def make_roles():
	for role in ROLES:
		if not frappe.db.exists("Role", role):
			frappe.get_doc({"doctype": "Role", "role_name": role, "desk_access": 1}).insert(
				ignore_permissions=True
			)


def delete_custom_fields(custom_fields: dict[str, list[dict]]):
	for doctype, fields in custom_fields.items():
		for df in fields:
			name = frappe.db.get_value("Custom Field", {"dt": doctype, "fieldname": df["fieldname"]})
			if name:
				frappe.delete_doc("Custom Field", name, ignore_permissions=True, force=True)
		frappe.clear_cache(doctype=doctype)
