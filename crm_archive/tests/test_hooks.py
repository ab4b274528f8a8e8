# Copyright (c) 2026, crm_archive developers and contributors
# For license information, please see license.txt

from frappe.tests.utils import FrappeTestCase

from crm_archive.tests.utils import testing_this_app


class TestBeforeTestsHook(FrappeTestCase):
	"""Frappe runs every installed app's before_tests hook before another app's tests; this app's set-up
	(company, fiscal years) must stay out of ERPNext's test runs, where it would take the years ERPNext's
	own test records create."""

	def test_which_runs_set_up_this_app(self):
		base = ["bench", "--site", "x.localhost", "run-tests"]
		self.assertTrue(testing_this_app([*base, "--app", "crm_archive"]))
		self.assertTrue(testing_this_app([*base, "--module", "crm_archive.tests.test_reports"]))
		self.assertTrue(testing_this_app([*base, "--doctype", "Customer Archive"]))
		self.assertTrue(testing_this_app(base))  # every app's tests
		self.assertTrue(testing_this_app(["python", "-c", "before_tests()"]))  # not a test run
		self.assertFalse(testing_this_app([*base, "--app", "erpnext"]))
		self.assertFalse(testing_this_app([*base, "--doctype", "Sales Invoice"]))
		self.assertFalse(testing_this_app([*base, "--module", "erpnext.tests.test_init"]))
