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


class TestEveryNamedPathResolves(FrappeTestCase):
	"""Every dotted path the app hands Frappe as a string — hooks, enqueued jobs, `frappe.call` from the
	desk's JS — names a function that exists (a moved module must take its callers' strings with it)."""

	def test_dotted_paths(self):
		import pathlib
		import re

		import frappe

		app = pathlib.Path(__file__).resolve().parents[1]
		pattern = re.compile(r"""["'](crm_archive(?:\.[a-z_][a-z0-9_]*){2,})["']""")
		missing = []
		for path in [*app.rglob("*.py"), *app.rglob("*.js")]:
			if "node_modules" in path.parts:
				continue
			for dotted in pattern.findall(path.read_text(encoding="utf-8")):
				module, _sep, attr = dotted.rpartition(".")
				try:
					target = frappe.get_module(module)
				except ImportError:
					try:  # a module path itself (e.g. a test module named in a hook)
						frappe.get_module(dotted)
						continue
					except ImportError:
						missing.append(f"{path.relative_to(app)}: {dotted}")
						continue
				if not hasattr(target, attr):
					try:
						frappe.get_module(dotted)
					except ImportError:
						missing.append(f"{path.relative_to(app)}: {dotted}")
		self.assertEqual(missing, [])
