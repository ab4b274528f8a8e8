# Copyright (c) 2026, crm_archive developers and contributors
# For license information, please see license.txt
"""The quick part of the fault checks (the full ones are `bench crm-archive-dev fault-check`): a merge killed
with SIGKILL at moments spread over its run leaves each pair wholly before or wholly after the merge."""

import frappe
from frappe.tests.utils import FrappeTestCase

from crm_archive.devtools import reliability


class TestMergeKilled(FrappeTestCase):
	def tearDown(self):
		reliability.merge_cleanup()
		frappe.set_user("Administrator")

	def test_killed_merges_are_never_half_applied(self):
		result = reliability.merge_fault_check(trials=3, interactions=3000)
		self.assertEqual(result["uninterrupted_merge"], "after")
		self.assertEqual(len(result["trials"]), 3)
		self.assertTrue(any(t["killed"] for t in result["trials"]), result)
		self.assertEqual(result["half_applied"], 0, result)
		for trial in result["trials"]:
			self.assertIn(trial["found"], ("before", "after"), trial)
			self.assertEqual(trial["after_retry"], "after", trial)
		self.assertEqual(frappe.db.count("Customer Archive", {"remarks": reliability.MERGE_MARK}), 0)

	def test_state_check_sees_a_half_merge(self):
		"""The checker itself: a merge half done by hand (interactions moved, duplicate kept) is 'half'."""
		duplicate, survivor = reliability._merge_pair(99, 10)
		start = reliability._merge_counts(duplicate, survivor)
		self.assertEqual(reliability._merge_state(duplicate, survivor, start), "before")
		frappe.db.sql(
			"update `tabCustomer Interaction` set customer_archive = %s where customer_archive = %s",
			(survivor, duplicate),
		)
		self.assertEqual(reliability._merge_state(duplicate, survivor, start), "half")
