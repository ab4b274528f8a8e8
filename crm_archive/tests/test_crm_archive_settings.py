# Copyright (c) 2026, crm_archive developers and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase

# ERPNext's test records this doctype's links need (Company, Customer, …), as Frappe makes them for a
# test beside its doctype
test_dependencies = ["CRM Archive Settings"]


class TestCRMArchiveSettings(FrappeTestCase):
	def test_defaults(self):
		s = frappe.get_single("CRM Archive Settings")
		self.assertEqual(s.default_phone_region, "CN")
		self.assertEqual(s.churn_after_days, 180)

	def test_bad_values_refused(self):
		s = frappe.get_single("CRM Archive Settings")
		s.default_phone_region = "XX"
		self.assertRaises(frappe.ValidationError, s.save)
		s.reload()
		s.churn_after_days = -1
		self.assertRaises(frappe.ValidationError, s.save)
		self.assertEqual(frappe.db.get_single_value("CRM Archive Settings", "churn_after_days"), 180)
		self.assertEqual(frappe.db.get_single_value("CRM Archive Settings", "default_phone_region"), "CN")
