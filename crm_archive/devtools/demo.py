"""Deterministic demo data made through ERPNext's own APIs (`bench --site S crm-archive make-demo`).

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
		return {"skipped": True}
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
	from crm_archive.analysis.clv_store import refresh as clv_refresh
	from crm_archive.tiering.store import retier_all

	stats["clv"] = clv_refresh(commit=True).get("archives_updated", 0)

	stats["tiered"] = retier_all("Manual", publish_progress=False).get("evaluated", 0)
	frappe.db.commit()
	stats.update(a_day_of_use(today))
	return stats


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
