"""Tiers that act inside ERPNext (精准营销): the tier's Customer Group (ERPNext's Pricing Rules and
Promotional Schemes give the tier its prices), the tier's Email Group (a Newsletter to a tier), and what a
seller sees of the tier on a Quotation, Sales Order or Sales Invoice.

Both are kept set-based by the engine: the group of the Customers whose tier changed in a re-tier chunk in
the same transaction as the tier (store.apply), and the Email Groups once per re-tier run (store.retier).
"""

import frappe
from frappe import _
from frappe.utils import cint, now_datetime

from crm_archive.tiering import groups as G
from crm_archive.utils import get_settings, insert_logs

EMAIL_GROUP_PREFIX = "CRM Tier — "
GROUP_EVENT = "Customer Group Change"
BATCH = 1000


def group_sync_enabled() -> bool:
	return bool(cint(get_settings().get("sync_customer_group")))


# --- the tier's Customer Group -------------------------------------------------------------------------


def sync_customer_groups(
	archives: list[str] | None = None,
	trigger: str = "Manual",
	reference: tuple[str, str] | None = None,
	enabled: bool | None = None,
) -> int:
	"""Move the Customers of these archives (None: every archive with a Customer) into the group their
	tier names, remembering the group they had, or give that group back; one log row per Customer whose
	group changes. Bulk writes, no Customer saves (ERPNext's pricing reads the column). Returns the number
	of Customers moved."""
	if archives is not None and not archives:
		return 0
	enabled = group_sync_enabled() if enabled is None else enabled
	where = "a.`name` in %(names)s" if archives is not None else "1 = 1"
	rows = frappe.db.sql(
		f"""select a.`name`, a.`customer`, c.`customer_group`, t.`customer_group`,
			a.`customer_group_before_tier`
		from `tabCustomer Archive` a
		join `tabCustomer` c on c.`name` = a.`customer`
		left join `tabCustomer Tier` t on t.`name` = a.`tier`
		where ifnull(a.`customer`, '') != '' and {where}""",
		{"names": tuple(archives or ())},
	)
	customers, remembered, logs = [], [], []
	for archive, customer, current, tier_group, before in rows:
		group, keep = G.decide(current, tier_group, before, enabled)
		if group and group != current:
			customers.append((customer, group))
			logs.append(
				{
					"customer_archive": archive,
					"event_type": GROUP_EVENT,
					"from_value": current or "",
					"to_value": group,
					"trigger": trigger,
					"reference_doctype": reference[0] if reference else None,
					"reference_name": reference[1] if reference else None,
				}
			)
		if keep != (before or None):
			remembered.append((archive, keep))
	now = now_datetime()
	_bulk_set("tabCustomer", "customer_group", customers, now)
	forget_cached_customers([c for c, _g in customers])
	_bulk_set("tabCustomer Archive", "customer_group_before_tier", remembered, None)
	if logs:
		insert_logs(logs, now, frappe.session.user)
	return len(customers)


def forget_cached_customers(customers: list[str]):
	"""ERPNext reads a party's group through Frappe's document cache (party.py: get_cached_value), which a
	bulk UPDATE does not clear: without this, a Customer moved into its tier's group keeps the old group's
	prices until the cache expires. Each moved Customer, or the whole Customer cache when many moved;
	again after commit (a request may cache the old row meanwhile)."""
	if len(customers) > 500:
		frappe.clear_document_cache("Customer")
		return
	for customer in customers:
		frappe.clear_document_cache("Customer", customer)


def _bulk_set(table: str, column: str, pairs: list[tuple[str, str | None]], modified):
	"""UPDATE … JOIN a derived table, BATCH rows a statement (no DDL inside the transaction)."""
	touch = ", x.`modified` = %(modified)s" if modified else ""
	for start in range(0, len(pairs), BATCH):
		part = pairs[start : start + BATCH]
		derived = " union all ".join(
			["select %(n0)s as `name`, %(v0)s as `value`"]
			+ [f"select %(n{i})s, %(v{i})s" for i in range(1, len(part))]
		)
		values = {"modified": modified}
		for i, (name, value) in enumerate(part):
			values[f"n{i}"], values[f"v{i}"] = name, value
		frappe.db.sql(
			f"""update `{table}` x join ({derived}) t on x.`name` = t.`name`
			set x.`{column}` = t.`value`{touch}""",
			values,
		)


# --- the tier's Email Group ----------------------------------------------------------------------------


MEMBER_INDEX = "crm_archive_group_email"


def ensure_member_index():
	"""Email Group Member has no index on its email: the sync looks members up by (group, email)."""
	frappe.db.sql_ddl(
		f"CREATE INDEX IF NOT EXISTS `{MEMBER_INDEX}` ON `tabEmail Group Member` (`email_group`, `email`)"
	)


def email_group_title(tier: str) -> str:
	return f"{EMAIL_GROUP_PREFIX}{tier}"


def ensure_email_groups() -> dict[str, str]:
	"""{tier: its Email Group}, creating the missing groups and linking them on the tier."""
	out = {}
	for tier, linked in frappe.get_all("Customer Tier", fields=["name", "email_group"], as_list=True):
		title = email_group_title(tier)
		if not frappe.db.exists("Email Group", title):
			frappe.get_doc({"doctype": "Email Group", "title": title}).insert(ignore_permissions=True)
		if linked != title:
			frappe.db.set_value("Customer Tier", tier, "email_group", title, update_modified=False)
		out[tier] = title
	return out


def sync_email_groups(archives: list[str] | None = None) -> dict:
	"""Members of each tier's Email Group = the emails of that tier's archives, without those marked No
	Marketing and those unsubscribed from everything. A member who unsubscribed from the group stays
	unsubscribed (the row is kept, never subscribed again); others who left the tier are removed. With
	`archives`, only their emails are looked at (an incremental re-tier). Set-based: one INSERT … SELECT
	and one DELETE … JOIN, whatever the number of archives."""
	if archives is not None and not archives:
		return {"added": 0, "removed": 0}
	ensure_email_groups()
	sql = _membership_sql(archives is not None)
	values = {"names": tuple(archives or ()), "now": now_datetime(), "user": frappe.session.user}
	frappe.db.sql(
		f"""insert ignore into `tabEmail Group Member` (`name`, `email_group`, `email`, `unsubscribed`,
			`creation`, `modified`, `owner`, `modified_by`, `docstatus`, `idx`)
		select md5(concat_ws('|', w.`email_group`, w.`email`)), w.`email_group`, w.`email`, 0,
			%(now)s, %(now)s, %(user)s, %(user)s, 0, 0
		from {sql["missing"]}
		group by w.`email_group`, w.`email`""",
		values,
	)
	added = frappe.db.sql("select row_count()")[0][0]
	frappe.db.sql(f"delete m from {sql['extra']}", values)
	removed = frappe.db.sql("select row_count()")[0][0]
	if not added and not removed:
		return {"added": 0, "removed": 0}  # the counts stand (a save that changed no membership)
	_count_subscribers()
	return {"added": added, "removed": removed}


def _membership_sql(scoped: bool) -> dict[str, str]:
	"""The FROM … WHERE of the (group, email) pairs the tier groups lack ("missing", aliased w) and of the
	subscribed members no archive of that tier keeps there ("extra", aliased m); `scoped`: only the
	emails of the archives in %(names)s."""
	prefix = frappe.db.escape(EMAIL_GROUP_PREFIX)
	only = "and a.`name` in %(names)s" if scoped else ""
	wanted = f"""select concat({prefix}, a.`tier`) as `email_group`, lower(trim(a.`email_id`)) as `email`
		from `tabCustomer Archive` a
		where ifnull(a.`tier`, '') != '' and ifnull(a.`email_id`, '') != '' and a.`no_marketing` = 0
			and not exists (select 1 from `tabEmail Unsubscribe` u
				where u.`global_unsubscribe` = 1 and u.`email` = a.`email_id`) {only}"""
	# with `names`, only rows of their emails are looked at
	scope = (
		"""and m.`email` in (select lower(trim(a.`email_id`)) from `tabCustomer Archive` a
			where a.`name` in %(names)s)"""
		if scoped
		else ""
	)
	return {
		"missing": f"""({wanted}) w
		where not exists (select 1 from `tabEmail Group Member` m
			where m.`email_group` = w.`email_group` and m.`email` = w.`email`)""",
		"extra": f"""`tabEmail Group Member` m
		where m.`email_group` like concat({prefix}, '%%') and m.`unsubscribed` = 0 {scope}
			and not exists (select 1 from `tabCustomer Archive` a
				where a.`email_id` = m.`email` and a.`no_marketing` = 0
					and concat({prefix}, a.`tier`) = m.`email_group`)""",
	}


def email_groups_check():
	"""A read-only check, for a full re-tier to run on its second connection while it aggregates: a
	function of a database connection telling whether every tier's Email Group already holds exactly
	what sync_email_groups() would make it hold (nothing to add, nothing to remove). The groups are
	made here first (a new tier's group is then found lacking its members)."""
	ensure_email_groups()
	sql = _membership_sql(False)

	def in_step(db) -> bool:
		# (values given, so that '%%' is read as '%' as in the sync's statements)
		return not db.sql(f"select 1 from {sql['missing']} limit 1", {}) and not db.sql(
			f"select 1 from {sql['extra']} limit 1", {}
		)

	return in_step


def forget_email_of(doc) -> int:
	"""An archive is being deleted: its email leaves the tier groups no other archive (of that tier,
	without No Marketing) keeps it in — at once, not at the next full re-tier. An unsubscribed member's
	row stays (the unsubscription is kept). Returns the rows removed."""
	return forget_email(doc.get("email_id"), but=doc.name)


def forget_email(email: str | None, but: str | None = None) -> int:
	"""This email leaves the tier groups no archive (other than `but`) of that tier, without No Marketing,
	keeps it in: an archive deleted, or an archive's old address after its email changed."""
	email = (email or "").strip()
	if not email:
		return 0
	prefix = frappe.db.escape(EMAIL_GROUP_PREFIX)
	frappe.db.sql(
		f"""delete m from `tabEmail Group Member` m
		where m.`email` = %(email)s and m.`email_group` like concat({prefix}, '%%') and m.`unsubscribed` = 0
			and not exists (select 1 from `tabCustomer Archive` a
				where a.`name` != %(name)s and a.`email_id` = m.`email` and a.`no_marketing` = 0
					and concat({prefix}, a.`tier`) = m.`email_group`)""",
		{"email": email.lower(), "name": but or ""},
	)
	removed = frappe.db.sql("select row_count()")[0][0]
	if removed:
		_count_subscribers()
	return removed


def _count_subscribers():
	prefix = frappe.db.escape(EMAIL_GROUP_PREFIX)
	frappe.db.sql(
		f"""update `tabEmail Group` g set g.`total_subscribers` = (select count(*)
			from `tabEmail Group Member` m where m.`email_group` = g.`name` and m.`unsubscribed` = 0)
		where g.`name` like concat({prefix}, '%%')"""
	)


# --- what a seller sees ----------------------------------------------------------------------------------


def tier_badge(customer: str | None) -> dict | None:
	"""The tier and service policy of this Customer's archive, for a user who may read that archive;
	None for anyone else (nothing about the archive leaves the server)."""
	if not customer:
		return None
	archive = frappe.db.get_value("Customer", customer, "crm_archive")
	if not archive or not frappe.has_permission("Customer Archive", "read", archive):
		return None
	row = frappe.db.get_value("Customer Archive", archive, ["name", "tier", "account_manager"], as_dict=True)
	if not row or not row.tier:
		return {"archive": archive, "tier": None}
	tier = frappe.db.get_value(
		"Customer Tier",
		row.tier,
		[
			"name",
			"color",
			"response_sla_hours",
			"dedicated_account_manager",
			"follow_up_interval_days",
			"customer_group",
		],
		as_dict=True,
	)
	manager = row.account_manager and frappe.db.get_value("User", row.account_manager, "full_name")
	return {
		"pricing_rules": tier_pricing_rules(customer, tier.customer_group if tier else None),
		"archive": archive,
		"tier": row.tier,
		"tier_label": _(row.tier),
		"color": tier.color if tier else None,
		"sla_hours": cint(tier.response_sla_hours) if tier else 0,
		"dedicated_account_manager": bool(tier and tier.dedicated_account_manager),
		"account_manager": manager or row.account_manager,
	}


def tier_pricing_rules(customer: str, group: str | None) -> list[str]:
	"""Titles of the selling Pricing Rules for the tier's Customer Group that apply to this Customer today
	(it is in that group: the setting is on), so a seller sees why a price is lower."""
	if not group or frappe.db.get_value("Customer", customer, "customer_group") != group:
		return []
	today = frappe.utils.nowdate()
	rules = frappe.get_all(
		"Pricing Rule",
		filters={"disable": 0, "selling": 1, "applicable_for": "Customer Group", "customer_group": group},
		fields=["title", "name", "valid_from", "valid_upto"],
		order_by="title",
	)
	return [
		r.title or r.name
		for r in rules
		if (not r.valid_from or str(r.valid_from) <= today)
		and (not r.valid_upto or str(r.valid_upto) >= today)
	]
