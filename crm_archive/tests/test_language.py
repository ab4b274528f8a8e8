"""Chinese first (crm_archive/language.py): a China site set up without a chosen language speaks zh, once;
a language a person chose (in the setup wizard or in System Settings) is never overridden."""

import frappe
from frappe.tests.utils import FrappeTestCase

from crm_archive import language


def site_language():
	return frappe.db.get_single_value("System Settings", "language"), frappe.db.get_default("lang")


class TestChineseFirst(FrappeTestCase):
	def setUp(self):
		frappe.db.set_single_value("System Settings", "country", "China")
		frappe.db.set_single_value("System Settings", "language", "en")
		frappe.db.set_default("lang", "en")
		frappe.db.delete("DefaultValue", {"parent": "__default", "defkey": language.DONE})
		frappe.db.delete("Version", {"ref_doctype": "System Settings"})
		frappe.clear_cache()

	def tearDown(self):
		frappe.db.rollback()
		frappe.clear_cache()
		frappe.local.lang = "en"

	def test_a_wizard_without_a_language_gives_zh_once(self):
		language.after_setup_wizard({"country": "China"})
		self.assertEqual(site_language(), ("zh", "zh"))
		# a person switches back: the app never sets it again
		language.set_site_language("en")
		language.after_setup_wizard({"country": "China"})
		self.assertFalse(language.chinese_by_default())
		self.assertEqual(site_language(), ("en", "en"))

	def test_a_language_chosen_in_the_wizard_stays(self):
		language.after_setup_wizard({"country": "China", "language": "English"})
		self.assertEqual(site_language(), ("en", "en"))

	def test_a_language_set_in_system_settings_stays(self):
		frappe.get_doc(
			{
				"doctype": "Version",
				"ref_doctype": "System Settings",
				"docname": "System Settings",
				"data": frappe.as_json({"changed": [["language", "zh", "en"]]}),
			}
		).insert(ignore_permissions=True)
		self.assertFalse(language.chinese_by_default())
		self.assertEqual(site_language(), ("en", "en"))

	def test_another_country_stays_english(self):
		frappe.db.set_single_value("System Settings", "country", "Germany")
		self.assertFalse(language.chinese_by_default())
		self.assertEqual(site_language(), ("en", "en"))
