"""Deterministic demo data made through ERPNext's own APIs (`bench --site S crm-archive-dev make-demo`).

Items, Customers with archives (Chinese and English names, mixed sizes, industries, territories and
account managers), interactions over two years, submitted Sales Invoices with some returns and one
cancelled invoice, and a few prospects without a Customer. Same seed, same data.
"""

import random
from datetime import datetime, timedelta

import frappe
from frappe.utils import add_days, getdate, nowdate

from crm_archive.devtools.setup_site import (
	SERVICE_ITEM,
	complete_setup_wizard,
	default_company,
	ensure_fiscal_years,
	ensure_service_item,
)

DEMO_MARK = "crm_archive demo"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = [
	"伟",
	"芳",
	"娜",
	"敏",
	"静",
	"丽",
	"强",
	"磊",
	"洋",
	"艳",
	"勇",
	"军",
	"杰",
	"娟",
	"涛",
	"明",
	"超",
	"秀英",
	"华",
	"慧",
]
EN_FIRST = [
	"Alice",
	"Brian",
	"Chloe",
	"David",
	"Emma",
	"Frank",
	"Grace",
	"Henry",
	"Ivy",
	"Jack",
	"Kate",
	"Leo",
]
EN_LAST = ["Smith", "Chen", "Brown", "Wong", "Taylor", "Lee", "Walker", "Ng", "Clark", "Liu"]
COMPANY_WORDS = [
	"华信",
	"远航",
	"金桥",
	"宏达",
	"青云",
	"海纳",
	"星辰",
	"鼎盛",
	"Apex",
	"Blue River",
	"Northwind",
	"Sunrise",
]
COMPANY_SUFFIX = ["科技有限公司", "贸易有限公司", "制造有限公司", " Ltd.", " Trading Co."]
CITIES = ["北京", "上海", "广州", "深圳", "杭州", "成都", "Hong Kong", "Singapore"]
INDUSTRIES = [
	"Manufacturing",
	"Retail & Wholesale",
	"Technology",
	"Consulting",
	"Food, Beverage & Tobacco",
	"Education",
]
CHANNELS = ["Phone", "Email", "Visit", "Meeting", "Exhibition", "Online Ad", "WeChat", "Other"]
TYPES = [
	"Follow-up",
	"Follow-up",
	"Follow-up",
	"Complaint",
	"Service Request",
	"Satisfaction Survey",
	"Greeting",
]
ITEMS = [
	("CRM-DEMO-CONSULT", "咨询服务 Consulting Day", 3000),
	("CRM-DEMO-LICENSE", "软件许可 Software Licence", 12000),
	("CRM-DEMO-SUPPORT", "年度支持 Annual Support", 8000),
	("CRM-DEMO-TRAIN", "培训课程 Training Course", 1500),
	("CRM-DEMO-HW", "硬件套装 Hardware Kit", 5600),
	("CRM-DEMO-ADDON", "增值模块 Add-on Module", 900),
]
MANAGERS = [
	("rep.wang@example.com", "王", "销售"),
	("rep.li@example.com", "李", "销售"),
	("rep.zhang@example.com", "张", "销售"),
	("sales.manager@example.com", "周", "经理"),
]


def make_demo(archives: int = 60, seed: int = 7, invoices_per_customer: int = 7, progress=None) -> dict:
	"""Create the demo data set; idempotent per seed (it refuses to run twice on one site)."""
	if frappe.db.exists("Customer Archive", {"remarks": ("like", f"%{DEMO_MARK} seed {seed}%")}):
		# a demo made before these steps existed gets them too (each acts once: a later choice stands)
		return {
			"skipped": True,
			"chinese": make_chinese(),
			"tier_pricing": make_tier_pricing(),
			"tier_quotation": make_tier_quotation(),
			"pool": make_pool(),
		}
	rng = random.Random(seed)
	company = complete_setup_wizard()
	today = getdate(nowdate())
	ensure_fiscal_years(today.year - 2, today.year + 1, company)
	ensure_service_item()
	make_items()
	users = make_users()
	industries = [i for i in INDUSTRIES if frappe.db.exists("Industry Type", i)] or [None]
	territories = frappe.get_all("Territory", {"is_group": 0}, pluck="name", order_by="name") or [None]

	stats = {"archives": 0, "customers": 0, "interactions": 0, "invoices": 0, "returns": 0, "cancelled": 0}
	prospects = max(3, archives // 12)
	for i in range(archives):
		archive = make_archive(rng, i, seed, users, industries, territories, today)
		stats["archives"] += 1
		if i >= prospects:
			archive.create_customer()
			stats["customers"] += 1
			n_inv = max(1, int(rng.gauss(invoices_per_customer, 2)))
			first = today - timedelta(days=rng.randint(60, 700))
			for _k in range(n_inv):
				day = first + timedelta(days=rng.randint(0, (today - first).days))
				si = make_invoice(rng, company, archive.customer, day)
				stats["invoices"] += 1
				if rng.random() < 0.06:
					make_return(si, day, today)
					stats["returns"] += 1
		stats["interactions"] += make_interactions(rng, archive.name, today)
		frappe.db.commit()
		if progress:
			progress(i + 1, archives)

	# one cancelled invoice, so cancelled sales are visibly excluded everywhere
	customer = frappe.get_all("Customer Archive", {"customer": ("is", "set")}, pluck="customer", limit=1)
	if customer:
		si = make_invoice(rng, company, customer[0], today - timedelta(days=3))
		si.cancel()
		stats["cancelled"] += 1
	frappe.db.commit()
	# the CLV models' predictions (p_alive, …) first, as the nightly job does, then tiers and metrics for
	# every archive in one set-based run (invoice hooks did the incremental part)
	from crm_archive.analysis.store.lifetime_value import refresh as clv_refresh
	from crm_archive.tiering.store.jobs import retier_all

	stats["clv"] = clv_refresh(commit=True).get("archives_updated", 0)

	stats["tiered"] = retier_all("Manual", publish_progress=False).get("evaluated", 0)
	frappe.db.commit()
	stats["chinese"] = make_chinese()
	stats["tier_pricing"] = make_tier_pricing()
	stats["tier_quotation"] = make_tier_quotation()
	stats["pool"] = make_pool(today)
	stats.update(a_day_of_use(today))
	return stats


# the customer pool (公海) per tier: (days without interaction, days without purchase, exempt, warning
# days, escalation days); VIP never goes back automatically
DEMO_POOL_RULES = {
	"VIP": (0, 0, 1, 0, 7),
	"重要客户": (90, 365, 0, 14, 7),
	"普通客户": (60, 180, 0, 7, 14),
	"沉睡客户": (45, 120, 0, 7, 14),
	"潜在客户": (30, 0, 0, 5, 14),
}


def make_pool(today=None) -> dict | str:
	"""The customer pool from day one: release rules on the tiers, the pool on (holding limit 40, 5 claims a
	day, 30 days' cooldown), tonight's release run now, a customer given back by hand when the rules found
	none, and one claim by 李 — so the 公海 report shows released customers and the log a claim."""
	if not once("pool"):
		return "kept"
	from crm_archive.pool.store import core as store

	today = getdate(today or nowdate())
	for tier, (silent, purchase, exempt, warn, escalate) in DEMO_POOL_RULES.items():
		if frappe.db.exists("Customer Tier", tier):
			frappe.db.set_value(
				"Customer Tier",
				tier,
				{
					"pool_release_no_interaction_days": silent,
					"pool_release_no_purchase_days": purchase,
					"pool_exempt": exempt,
					"pool_warning_days": warn,
					"pool_escalation_days": escalate,
				},
			)
	# the demo's reps have had their customers since the first contact (the archives were typed in today)
	frappe.db.sql(
		"""update `tabCustomer Archive` set `pool_claimed_on` = `first_contact_date`
		where `pool_claimed_on` is null and `first_contact_date` is not null and `remarks` like %s""",
		f"{DEMO_MARK}%",
	)
	settings = frappe.get_doc("CRM Archive Settings")
	settings.update(
		{"pool_enabled": 1, "pool_holding_limit": 40, "pool_claims_per_day": 5, "pool_cooldown_days": 30}
	)
	settings.save(ignore_permissions=True)
	frappe.clear_document_cache("CRM Archive Settings", "CRM Archive Settings")
	out = store.run(today, "Scheduled")
	if frappe.db.count("Customer Archive", {"in_pool": 1}) < 3:
		for name, owner in frappe.get_all(
			"Customer Archive",
			{"in_pool": 0, "account_manager": ("is", "set"), "tier": ("in", ["潜在客户", "沉睡客户"])},
			["name", "account_manager"],
			order_by="name",
			limit=3,
			as_list=True,
		):
			frappe.set_user(owner)
			store.give_back(name, "客户暂无需求，放回公海 / No need for now")
		frappe.set_user("Administrator")
	claimer = MANAGERS[1][0]
	pool = frappe.get_all(
		"Customer Archive", {"in_pool": 1, "pool_previous_owner": ("!=", claimer)}, pluck="name", limit=1
	)
	if pool:
		frappe.set_user(claimer)
		out["claimed"] = store.claim(pool)["claimed"]
		frappe.set_user("Administrator")
	frappe.db.commit()
	out["in_pool"] = frappe.db.count("Customer Archive", {"in_pool": 1})
	return out


def a_day_of_use(today=None, commit: bool = True) -> dict:
	"""Leave the demo as a day of use would: reminders on, and the nightly passes run once (lifecycle
	moves, reminders as ToDos, the stale flag), so a newcomer sees every feature the first morning."""
	from crm_archive.lifecycle.store import daily as lifecycle_daily
	from crm_archive.reminders.store import run_daily

	frappe.db.set_single_value("CRM Archive Settings", "enable_reminders", 1)
	frappe.clear_document_cache("CRM Archive Settings", "CRM Archive Settings")
	out = {"lifecycle": lifecycle_daily(today), "reminders": run_daily(today)}
	if commit:
		frappe.db.commit()
	out["open_reminders"] = frappe.db.count("ToDo", {"status": "Open", "crm_reminder": ("is", "set")})
	return out


def once(key: str) -> bool:
	"""True the first time a demo step runs on this site (a global default remembers it): whatever a person
	changes afterwards (their language, the tier pricing setting) stays as they left it."""
	key = f"crm_archive_demo_{key}"
	if frappe.db.get_default(key):
		return False
	frappe.db.set_default(key, "1")
	return True


def make_chinese() -> str:
	"""The demo is a Chinese sales team's: the site's language and its users' are zh (each may switch)."""
	from crm_archive.language import ZH, set_site_language

	if not once("chinese"):
		return "kept"
	set_site_language(ZH)
	for user in [m[0] for m in MANAGERS] + frappe.get_all(
		"User", {"name": ("like", "crm.admin@%")}, pluck="name"
	):
		if frappe.db.exists("User", user):
			frappe.db.set_value("User", user, "language", ZH)
	frappe.clear_cache()
	frappe.db.commit()
	return ZH


TIER_GROUP_PARENT = "客户分层"
TIER_RULE_TITLE = "{0} 95折"
TIER_DISCOUNT = 5


def tier_group_name(tier: str) -> str:
	return f"{TIER_GROUP_PARENT} · {tier}"


def make_tier_pricing() -> str:
	"""Tier benefits from day one: a Customer Group per tier (under 客户分层), the top tier's exclusive
	Pricing Rule (VIP 95折: 5 % off every item sold to its group) and *Tier Sets the Customer Group* on, so
	the tiered Customers move into their groups and ERPNext prices their Quotations, Sales Orders and
	Sales Invoices by tier. A tier that already names a group keeps it; a tier added later (its group not
	made yet) gets one on the next run, a group a manager took off a tier stays off."""
	if not once("tier_pricing"):
		added = ensure_tier_groups(only_new=True)
		frappe.db.commit()
		return f"kept, groups for {', '.join(added)}" if added else "kept"
	out = setup_tier_pricing()
	frappe.db.commit()
	return out


def make_tier_quotation() -> str | None:
	"""A draft Quotation for a top-tier customer (the first rep's): the tier pill beside the customer and the
	tier's discount on each item row, where a seller sees them on the first morning."""
	if not once("tier_quotation"):
		return None
	tier = frappe.get_all("Customer Tier", order_by="`rank` desc", pluck="name", limit=1)
	customer = frappe.get_all(
		"Customer Archive",
		{"tier": ("in", tier), "customer": ("is", "set"), "account_manager": MANAGERS[0][0]},
		pluck="customer",
		order_by="name",
		limit=1,
	)
	if not customer:
		return None
	company = default_company()
	quotation = frappe.get_doc(
		{
			"doctype": "Quotation",
			"company": company,
			"quotation_to": "Customer",
			"party_name": customer[0],
			"transaction_date": nowdate(),
			"valid_till": add_days(nowdate(), 30),
			"currency": frappe.get_cached_value("Company", company, "default_currency"),
			"conversion_rate": 1,
			"items": [{"item_code": code, "qty": 1} for code, _n, _r in ITEMS[:2]],
		}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	return quotation.name


def setup_tier_pricing() -> str:
	"""make_tier_pricing's work, without its once-per-site guard and without a commit (the tests call it)."""
	ensure_tier_groups()
	tiers = frappe.get_all("Customer Tier", fields=["name", "customer_group"], order_by="`rank` desc")
	if tiers and tiers[0].customer_group:
		make_tier_pricing_rule(tiers[0].name, tiers[0].customer_group)
	settings = frappe.get_single("CRM Archive Settings")
	if not settings.sync_customer_group:
		settings.sync_customer_group = 1  # on_update moves every tiered Customer into its tier's group
		settings.save(ignore_permissions=True)
		frappe.clear_document_cache("CRM Archive Settings", "CRM Archive Settings")
	return tiers[0].customer_group if tiers else "no tiers"


def ensure_tier_groups(only_new: bool = False) -> list[str]:
	"""A Customer Group under 客户分层 for each tier that names none (only_new: only where that group was
	never made, so a manager's removal stands); the tiers given one."""
	added = []
	for tier in frappe.get_all("Customer Tier", fields=["name", "customer_group"], order_by="`rank` desc"):
		group = tier.customer_group or tier_group_name(tier.name)
		if only_new and (tier.customer_group or frappe.db.exists("Customer Group", group)):
			continue
		if not frappe.db.exists("Customer Group", group):
			if not frappe.db.exists("Customer Group", TIER_GROUP_PARENT):
				frappe.get_doc(
					{
						"doctype": "Customer Group",
						"customer_group_name": TIER_GROUP_PARENT,
						"parent_customer_group": frappe.db.get_value(
							"Customer Group",
							{"is_group": 1, "parent_customer_group": ("in", ("", None))},
							"name",
						)
						or "All Customer Groups",
						"is_group": 1,
					}
				).insert(ignore_permissions=True)
			frappe.get_doc(
				{
					"doctype": "Customer Group",
					"customer_group_name": group,
					"parent_customer_group": TIER_GROUP_PARENT,
				}
			).insert(ignore_permissions=True)
		if not tier.customer_group:
			doc = frappe.get_doc("Customer Tier", tier.name)
			doc.customer_group = group
			doc.save(ignore_permissions=True)  # on_update moves the tier's Customers (setting on)
			added.append(tier.name)
	return added


def make_tier_pricing_rule(tier: str, group: str, company: str | None = None) -> str:
	"""The tier's exclusive price: 5 % off every item (all item groups) on selling documents of its group;
	ERPNext writes the discount on each item row."""
	title = TIER_RULE_TITLE.format(tier)
	name = frappe.db.get_value("Pricing Rule", {"title": title})
	if name:
		return name
	company = company or default_company()
	return (
		frappe.get_doc(
			{
				"doctype": "Pricing Rule",
				"title": title,
				"apply_on": "Item Group",
				"item_groups": [{"item_group": frappe.db.get_value("Item Group", {"lft": 1}, "name")}],
				"selling": 1,
				"applicable_for": "Customer Group",
				"customer_group": group,
				"rate_or_discount": "Discount Percentage",
				"discount_percentage": TIER_DISCOUNT,
				"company": company,
				"currency": frappe.get_cached_value("Company", company, "default_currency"),
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


def make_items():
	group = "Services" if frappe.db.exists("Item Group", "Services") else "All Item Groups"
	for code, name, rate in ITEMS:
		if not frappe.db.exists("Item", code):
			frappe.get_doc(
				{
					"doctype": "Item",
					"item_code": code,
					"item_name": name,
					"item_group": group,
					"stock_uom": "Nos",
					"is_stock_item": 0,
					"standard_rate": rate,
					"description": DEMO_MARK,
				}
			).insert(ignore_permissions=True)


def make_users() -> list[str]:
	roles = {"CRM Archive User", "Sales User"}
	for email, last, first in MANAGERS:
		if not frappe.db.exists("User", email):
			user = frappe.get_doc(
				{
					"doctype": "User",
					"email": email,
					"first_name": first,
					"last_name": last,
					"send_welcome_email": 0,
					"new_password": "Demo@12345",
					"language": "zh",
				}
			)
			user.flags.no_welcome_mail = True
			user.insert(ignore_permissions=True)
			wanted = roles | ({"CRM Archive Manager", "Sales Manager"} if "manager" in email else set())
			user.add_roles(*[r for r in wanted if frappe.db.exists("Role", r)])
	return [m[0] for m in MANAGERS]


def make_archive(rng, i, seed, users, industries, territories, today):
	if rng.random() < 0.7:
		name = rng.choice(SURNAMES) + rng.choice(GIVEN)
		email_local = f"user{i}"
	else:
		first, last = rng.choice(EN_FIRST), rng.choice(EN_LAST)
		name = f"{first} {last}"
		email_local = f"{first}.{last}{i}".lower()
	is_company = rng.random() < 0.6
	company_name = (rng.choice(COMPANY_WORDS) + rng.choice(COMPANY_SUFFIX)) if is_company else None
	headcount = rng.choice([8, 25, 45, 60, 120, 300, 480, 650, 1200]) if is_company else None
	dob = today - timedelta(days=rng.randint(22 * 365, 65 * 365))
	doc = frappe.get_doc(
		{
			"doctype": "Customer Archive",
			"full_name": f"{name}{'' if i < 20 else ' ' + str(i)}"
			if name[0].isascii()
			else name + ("" if i < 20 else str(i)),
			"gender": rng.choice(["Male", "Female"]),
			"date_of_birth": dob,
			"occupation": rng.choice(["采购经理", "总经理", "IT Director", "Engineer", "店主", None]),
			# a made-up resident ID with a valid GB 11643 check digit (stored encrypted; demo only)
			"id_number": made_up_resident_id(dob, rng) if rng.random() < 0.5 else None,
			"mobile_no": f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
			"email_id": f"{email_local}@example.com",
			"social_accounts": [{"platform": "WeChat", "account": f"wx_{seed}_{i}"}]
			if rng.random() < 0.5
			else [],
			"company_name": company_name,
			"headcount": headcount,
			"industry": rng.choice(industries),
			"territory": rng.choice(territories),
			"city": rng.choice(CITIES),
			"first_contact_date": today - timedelta(days=rng.randint(100, 720)),
			"first_contact_channel": rng.choice(CHANNELS),
			"functional_needs": rng.choice(["ERP 实施", "数据分析", "售后维护", "Training", None]),
			"price_preference": rng.choice(["Price Sensitive", "Value for Money", "Premium", None]),
			"account_manager": rng.choice(users),
			"remarks": f"{DEMO_MARK} seed {seed}",
		}
	)
	doc.insert(ignore_permissions=True)
	return doc


def make_invoice(rng, company, customer, day):
	items = rng.sample(ITEMS, k=rng.randint(1, 3))
	si = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"company": company,
			"customer": customer,
			"posting_date": day,
			"set_posting_time": 1,
			"due_date": add_days(day, 30),
			"currency": frappe.get_cached_value("Company", company, "default_currency"),
			"conversion_rate": 1,
			"remarks": DEMO_MARK,
			"items": [
				{"item_code": code, "qty": rng.randint(1, 5), "rate": rate} for code, _n, rate in items
			],
		}
	)
	si.insert(ignore_permissions=True)
	si.submit()
	return si


def make_return(si, day, today):
	from erpnext.accounts.doctype.sales_invoice.sales_invoice import make_sales_return

	ret = make_sales_return(si.name)
	ret.posting_date = min(today, day + timedelta(days=7))
	ret.set_posting_time = 1
	for row in ret.items:
		row.qty = -1
	ret.insert(ignore_permissions=True)
	ret.submit()
	return ret


def make_interactions(rng, archive, today) -> int:
	count = rng.randint(2, 8)
	for _k in range(count):
		when = datetime.combine(today - timedelta(days=rng.randint(0, 730)), datetime.min.time()) + timedelta(
			hours=rng.randint(9, 18), minutes=rng.choice([0, 15, 30, 45])
		)
		follow = (when + timedelta(days=rng.choice([7, 14, 30, 60]))).date() if rng.random() < 0.6 else None
		frappe.get_doc(
			{
				"doctype": "Customer Interaction",
				"customer_archive": archive,
				"interaction_datetime": when,
				"channel": rng.choice(CHANNELS),
				"interaction_type": rng.choice(TYPES),
				"summary": rng.choice(
					[
						"电话回访，客户满意",
						"上门拜访，讨论续约",
						"Sent proposal",
						"处理投诉",
						"节日问候",
						"Demo of new module",
					]
				),
				"outcome": rng.choice(["跟进中", "已解决", "Awaiting reply", None]),
				"satisfaction": rng.choice([0.6, 0.8, 1.0, None]),
				"next_follow_up_date": follow,
			}
		).insert(ignore_permissions=True)
	return count


def made_up_resident_id(dob, rng) -> str:
	from crm_archive.archive.rules import resident_id_check_digit

	first17 = f"110101{dob:%Y%m%d}{rng.randint(100, 999)}"
	return first17 + resident_id_check_digit(first17)
