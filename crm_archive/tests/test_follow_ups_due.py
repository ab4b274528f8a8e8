# Copyright (c) 2026, crm_archive developers and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, add_to_date, getdate, now_datetime, nowdate

from crm_archive.crm_archive.report.follow_ups_due.follow_ups_due import execute
from crm_archive.tests.utils import ensure_user

REP_A = "crm.fud.a@example.com"
REP_B = "crm.fud.b@example.com"


def make_test_archive(full_name, manager, tier, last_interaction_days=None, next_follow_up_days=None):
	"""An archive with its tier and contact dates set directly (what interactions would have set)."""
	doc = frappe.get_doc({"doctype": "Customer Archive", "full_name": full_name, "account_manager": manager})
	doc.flags.ignore_duplicates = True
	doc.insert()
	frappe.db.set_value(
		"Customer Archive",
		doc.name,
		{
			"tier": tier,
			"last_interaction_date": add_to_date(now_datetime(), days=-last_interaction_days)
			if last_interaction_days is not None
			else None,
			"next_follow_up_date": add_days(nowdate(), next_follow_up_days)
			if next_follow_up_days is not None
			else None,
		},
	)
	return doc.name


class TestFollowUpsDue(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.today = getdate(nowdate())
		ensure_user(REP_A), ensure_user(REP_B)
		cls.interval = {
			t.name: t.follow_up_interval_days
			for t in frappe.get_all("Customer Tier", fields=["name", "follow_up_interval_days"])
		}
		# VIP every 14 days, silent 20 → 6 days overdue
		cls.silent_vip = make_test_archive("_FUD Silent VIP", REP_A, "VIP", last_interaction_days=20)
		# follow-up date 3 days ago, contacted 10 days ago (interval 90)
		cls.dated = make_test_archive("_FUD Dated", REP_A, "普通客户", 10, next_follow_up_days=-3)
		# contacted 5 days ago, next follow-up in 5 days: not due
		cls.fine = make_test_archive("_FUD Fine", REP_A, "普通客户", 5, next_follow_up_days=5)
		# never contacted: the first contact is due at once
		cls.never = make_test_archive("_FUD Never", REP_A, "潜在客户")
		# follow-up date today: due, 0 days overdue
		cls.today_due = make_test_archive("_FUD Today", REP_A, "普通客户", 1, next_follow_up_days=0)
		# another manager's VIP, silent 30 → 16 days overdue
		cls.other = make_test_archive("_FUD Other VIP", REP_B, "VIP", last_interaction_days=30)
		cls.mine = {cls.silent_vip, cls.dated, cls.fine, cls.never, cls.today_due, cls.other}

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_due_rows_reasons_and_order(self):
		self.assertEqual(self.interval["VIP"], 14)
		columns, rows, _m, chart, summary = execute({"as_of": str(self.today), "account_manager": REP_A})
		by_name = {r["customer_archive"]: r for r in rows}
		self.assertEqual(set(by_name), {self.silent_vip, self.dated, self.never, self.today_due})
		self.assertEqual(
			{n: r["days_overdue"] for n, r in by_name.items()},
			{self.silent_vip: 6, self.dated: 3, self.never: 0, self.today_due: 0},
		)
		self.assertEqual(by_name[self.silent_vip]["reason"], "No contact for 20 days (interval 14)")
		self.assertEqual(by_name[self.dated]["reason"], "Follow-up date reached")
		self.assertEqual(by_name[self.never]["reason"], "First Contact")
		self.assertEqual(by_name[self.today_due]["reason"], "Follow-up date reached")
		# days overdue descending within the account manager, ties by archive
		self.assertEqual(
			[r["customer_archive"] for r in rows],
			[self.silent_vip, self.dated, *sorted([self.never, self.today_due])],
		)
		self.assertEqual(
			[c["fieldname"] for c in columns],
			[
				"customer_archive",
				"customer_name",
				"account_manager",
				"tier",
				"last_interaction_date",
				"next_follow_up_date",
				"days_overdue",
				"reason",
			],
		)
		self.assertEqual(chart["data"]["labels"], [REP_A])
		self.assertEqual(chart["data"]["datasets"][0]["values"], [4])
		self.assertEqual({s["label"]: s["value"] for s in summary}, {"Due": 4, "Overdue": 2})

	def test_sorted_by_account_manager_then_overdue(self):
		_c, rows, _m, chart, _s = execute({"as_of": str(self.today)})
		ours = [
			(r["account_manager"], r["customer_archive"]) for r in rows if r["customer_archive"] in self.mine
		]
		self.assertEqual(
			ours,
			[
				(REP_A, self.silent_vip),
				(REP_A, self.dated),
				*((REP_A, n) for n in sorted([self.never, self.today_due])),
				(REP_B, self.other),
			],
		)
		managers = [r["account_manager"] or "" for r in rows]
		self.assertEqual(managers, sorted(managers))
		counts = dict(zip(chart["data"]["labels"], chart["data"]["datasets"][0]["values"], strict=True))
		self.assertEqual((counts[REP_A], counts[REP_B]), (4, 1))

	def test_as_of_and_tier_filter(self):
		# a week ago: nothing of rep A's was due yet, and archives created since did not exist
		_c, rows, *_ = execute({"as_of": str(add_days(self.today, -7)), "account_manager": REP_A})
		self.assertEqual(rows, [])
		# in 30 days: the 普通客户 follow-up in 5 days is reached too (25 days overdue)
		_c, rows, *_ = execute({"as_of": str(add_days(self.today, 30)), "account_manager": REP_A})
		self.assertEqual({r["customer_archive"]: r["days_overdue"] for r in rows}[self.fine], 25)
		_c, rows, *_ = execute({"as_of": str(self.today), "account_manager": REP_A, "tier": "VIP"})
		self.assertEqual([r["customer_archive"] for r in rows], [self.silent_vip])

	def test_record_permissions(self):
		from frappe.desk.query_report import run

		frappe.set_user(REP_B)
		_c, rows, *_ = execute({"as_of": str(self.today)})
		self.assertEqual({r["customer_archive"] for r in rows} & self.mine, {self.other})
		# the desk's runner (report permission, link-column checks) gives the rep the same rows
		result = run("Follow-ups Due", filters={"as_of": str(self.today)})
		self.assertEqual({r["customer_archive"] for r in result["result"]} & self.mine, {self.other})
