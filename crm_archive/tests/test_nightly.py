"""The nightly chain (crm_archive/nightly.py): one scheduled job, its steps in order, each timed, a failed
step logged without stopping the ones after it — on a real site with real archives and invoices."""

from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase

from crm_archive import hooks, nightly
from crm_archive.tests.utils import use_default_rule_set


class TestNightly(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		use_default_rule_set()

	def test_one_scheduled_job_runs_the_steps_in_order(self):
		self.assertEqual(hooks.scheduler_events["daily_long"], ["crm_archive.nightly.run"])
		for key, events in hooks.scheduler_events.items():
			if key != "daily_long":
				self.assertNotIn("crm_archive", " ".join(events))
		self.assertEqual(
			[s.__name__ for s in nightly.STEPS], ["clv", "retier", "lifecycle", "pool", "reminders", "access"]
		)

	def test_a_real_night(self):
		report = nightly.run()
		self.assertEqual(list(report), ["clv", "retier", "lifecycle", "pool", "reminders", "access"])
		for name, entry in report.items():
			self.assertNotIn("error", entry, f"{name}: {entry}")
			self.assertGreaterEqual(entry["seconds"], 0)
		self.assertIsInstance(report["retier"]["result"], dict)
		self.assertNotIn("skipped", report["retier"]["result"])
		self.assertIn("archives_refreshed", report["access"]["result"])

	def test_a_failed_step_is_logged_and_the_next_steps_run(self):
		ran = []

		def clv(as_of=None):
			frappe.db.set_value("CRM Archive Settings", None, "churn_after_days", 4242)
			raise RuntimeError("the fit broke")

		def access(as_of=None):
			ran.append(frappe.db.get_single_value("CRM Archive Settings", "churn_after_days"))
			return {}

		before = frappe.db.get_single_value("CRM Archive Settings", "churn_after_days")
		errors = frappe.db.count("Error Log")
		with patch.object(nightly, "STEPS", (clv, access)):
			report = nightly.run()
		self.assertIn("the fit broke", report["clv"]["error"])
		self.assertEqual(ran, [before])  # the failed step's write was rolled back, the next step ran
		self.assertEqual(frappe.db.count("Error Log"), errors + 1)
