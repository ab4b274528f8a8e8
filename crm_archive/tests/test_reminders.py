import json

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate, nowdate

from crm_archive.reminders.store import open_reminders, run_daily
from crm_archive.tests.utils import make_archive


class TestReminders(FrappeTestCase):
	def setUp(self):
		frappe.db.set_single_value("CRM Archive Settings", "enable_reminders", 1)
		frappe.db.set_single_value("CRM Archive Settings", "update_reminder_days", 180)

	def reasons(self, archive):
		return sorted(reason for (ref, reason) in open_reminders([archive]))

	def test_follow_up_cadence_birthday_deduplicated_and_closed(self):
		today = getdate(nowdate())
		archive = make_archive(
			full_name="_Remind VIP",
			account_manager="Administrator",
			date_of_birth=getdate(add_days(today, 3)).replace(year=today.year - 40),
			tier_locked=1,
			locked_tier="VIP",
			tier_lock_reason="test",
		)
		frappe.db.set_value("Customer Tier", "VIP", {"follow_up_interval_days": 14, "birthday_greeting": 1})
		frappe.db.set_value(
			"Customer Archive",
			archive.name,
			{"creation": add_days(today, -60), "next_follow_up_date": add_days(today, -1)},
			update_modified=False,
		)
		stats = run_daily(today)
		self.assertEqual(self.reasons(archive.name), ["birthday", "cadence", "follow_up"])
		self.assertEqual(stats["created"], 3)
		todo = frappe.get_all(
			"ToDo",
			{"reference_name": archive.name, "status": "Open"},
			["name", "allocated_to", "assigned_by", "assigned_by_full_name", "date", "priority"],
		)
		self.assertEqual({t.allocated_to for t in todo}, {"Administrator"})
		self.assertEqual({(t.assigned_by, t.date) for t in todo}, {("Administrator", today)})
		self.assertEqual(sorted(t.priority for t in todo), ["High", "Medium", "Medium"])
		# the archive's assignment list is what ToDo's own save would write
		written = frappe.db.get_value("Customer Archive", archive.name, "_assign")
		frappe.get_doc("ToDo", todo[0].name).update_in_reference()
		self.assertEqual(written, frappe.db.get_value("Customer Archive", archive.name, "_assign"))
		self.assertEqual(json.loads(written), ["Administrator"] * 3)
		# a second run makes no duplicates
		self.assertEqual(run_daily(today)["created"], 0)
		self.assertEqual(len(open_reminders([archive.name])), 3)
		# logging an interaction answers the follow-up and the cadence, a greeting the birthday
		frappe.get_doc(
			{"doctype": "Customer Interaction", "customer_archive": archive.name, "summary": "called"}
		).insert()
		self.assertEqual(self.reasons(archive.name), ["birthday"])
		frappe.get_doc(
			{
				"doctype": "Customer Interaction",
				"customer_archive": archive.name,
				"summary": "生日快乐",
				"interaction_type": "Greeting",
			}
		).insert()
		self.assertEqual(self.reasons(archive.name), [])
		# nothing is due any more: the next run creates nothing
		self.assertEqual(run_daily(today)["created"], 0)

	def test_review_reminder_closed_by_update_and_stale_flag(self):
		today = getdate(nowdate())
		archive = make_archive(full_name="_Remind Old", account_manager="Administrator")
		old = add_days(today, -400)
		frappe.db.set_value(
			"Customer Archive", archive.name, {"creation": old, "modified": old}, update_modified=False
		)
		stats = run_daily(today)
		self.assertIn("review", self.reasons(archive.name))
		self.assertEqual(frappe.db.get_value("Customer Archive", archive.name, "is_stale"), 1)
		self.assertGreaterEqual(stats["stale"], 1)
		doc = frappe.get_doc("Customer Archive", archive.name)
		doc.remarks = "checked"
		doc.save()
		self.assertNotIn("review", self.reasons(archive.name))
		frappe.get_doc(
			{"doctype": "Customer Interaction", "customer_archive": archive.name, "summary": "visit"}
		).insert()
		run_daily(today)
		self.assertEqual(frappe.db.get_value("Customer Archive", archive.name, "is_stale"), 0)
