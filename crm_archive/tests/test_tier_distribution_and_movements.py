# Copyright (c) 2026, crm_archive developers and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, add_to_date, getdate, now_datetime, nowdate

from crm_archive.crm_archive.report.tier_distribution_and_movements.tier_distribution_and_movements import (
	execute,
)
from crm_archive.tests.utils import ensure_user

MANAGER = "crm.tdm.manager@example.com"
REP = "crm.tdm.rep@example.com"


def make_test_archive(full_name, manager, tier, window_spend):
	doc = frappe.get_doc({"doctype": "Customer Archive", "full_name": full_name, "account_manager": manager})
	doc.flags.ignore_duplicates = True
	doc.insert()
	frappe.db.set_value("Customer Archive", doc.name, {"tier": tier, "window_spend": window_spend})
	return doc.name


def log_tier_change(archive, frm, to, days_ago):
	frappe.get_doc(
		{
			"doctype": "Customer Archive Log",
			"customer_archive": archive,
			"event_type": "Tier Change",
			"from_value": frm,
			"to_value": to,
			"trigger": "Manual",
			"timestamp": add_to_date(now_datetime(), days=-days_ago),
		}
	).insert(ignore_permissions=True)


class TestTierDistributionAndMovements(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.today = getdate(nowdate())
		ensure_user(MANAGER), ensure_user(REP)
		cls.vip1 = make_test_archive("_TDM VIP One", MANAGER, "VIP", 50000)
		cls.vip2 = make_test_archive("_TDM VIP Two", MANAGER, "VIP", 30000)
		cls.normal = make_test_archive("_TDM Normal", REP, "普通客户", 1000)
		cls.prospect = make_test_archive("_TDM Prospect", MANAGER, "潜在客户", 0)
		cls.untiered = make_test_archive("_TDM Untiered", MANAGER, None, 0)
		log_tier_change(cls.vip1, "重要客户", "VIP", 2)  # upgrade
		log_tier_change(cls.normal, "重要客户", "普通客户", 3)  # downgrade (rep's archive)
		log_tier_change(cls.vip2, "", "VIP", 10)  # first tier: neither up nor down
		log_tier_change(cls.prospect, "普通客户", "潜在客户", 200)  # before the default 90 days
		cls.tiers = frappe.get_all("Customer Tier", fields=["name", "rank"], order_by="rank desc")

	def tearDown(self):
		frappe.set_user("Administrator")

	def run_report(self, **filters):
		columns, rows, message, chart, summary = execute(filters)
		return rows, message, chart, {s["label"]: s["value"] for s in summary}

	def test_distribution_by_rank_and_default_period(self):
		rows, message, chart, summary = self.run_report()  # default: the last 90 days
		ours = {self.vip1, self.vip2, self.normal, self.prospect, self.untiered}
		self.assertEqual([r["tier"] for r in rows][: len(self.tiers)], [t.name for t in self.tiers])
		by_tier = {r["tier"]: r for r in rows}
		# only our archives moved, so the movement columns are exact even with other archives on the site
		self.assertEqual((by_tier["VIP"]["moved_in"], by_tier["VIP"]["moved_out"]), (2, 0))
		self.assertEqual((by_tier["重要客户"]["moved_in"], by_tier["重要客户"]["moved_out"]), (0, 2))
		self.assertEqual((by_tier["普通客户"]["moved_in"], by_tier["普通客户"]["moved_out"]), (1, 0))
		self.assertEqual(by_tier["潜在客户"]["moved_out"], 0)  # its move was 200 days ago
		self.assertGreaterEqual(summary["Upgrades"], 1)
		self.assertGreaterEqual(summary["Downgrades"], 1)
		self.assertIn("<table", message)
		self.assertEqual(chart["data"]["labels"], [r["tier"] for r in rows])
		self.assertEqual(chart["data"]["datasets"][0]["values"], [r["archives"] for r in rows])
		self.assertTrue(ours)

	def test_scoped_to_one_account_manager(self):
		rows, message, chart, summary = self.run_report(account_manager=MANAGER)
		counts = {r["tier"]: (r["archives"], r["window_spend"]) for r in rows}
		self.assertEqual(
			counts,
			{
				"VIP": (2, 80000),
				"重要客户": (0, 0),
				"普通客户": (0, 0),
				"沉睡客户": (0, 0),
				"潜在客户": (1, 0),
				"(none)": (1, 0),
			},
		)
		self.assertEqual(summary, {"Upgrades": 1, "Downgrades": 0})
		# the matrix: row = from, column = to; 重要客户 → VIP once, (none) → VIP once
		self.assertIn("<th>重要客户</th><td>1</td>", message)
		self.assertIn("<th>(none)</th><td>1</td>", message)
		# a longer period reaches the 200-day-old downgrade
		rows, message, chart, summary = self.run_report(
			account_manager=MANAGER, from_date=str(add_days(self.today, -365)), to_date=str(self.today)
		)
		self.assertEqual(summary, {"Upgrades": 1, "Downgrades": 1})
		# to_date is inclusive: a period ending 3 days ago holds only the (none) → VIP move
		rows, message, chart, summary = self.run_report(
			account_manager=MANAGER,
			from_date=str(add_days(self.today, -30)),
			to_date=str(add_days(self.today, -3)),
		)
		self.assertEqual(summary, {"Upgrades": 0, "Downgrades": 0})
		self.assertEqual({r["tier"]: r["moved_in"] for r in rows}["VIP"], 1)

	def test_record_permissions(self):
		frappe.set_user(REP)
		rows, message, chart, summary = self.run_report()
		self.assertEqual(sum(r["archives"] for r in rows), 1)
		self.assertEqual({r["tier"]: r["archives"] for r in rows}["普通客户"], 1)
		self.assertEqual({r["tier"]: r["window_spend"] for r in rows}["普通客户"], 1000)
		# only the rep's own archive's downgrade is counted, not the manager's upgrade
		self.assertEqual(summary, {"Upgrades": 0, "Downgrades": 1})
