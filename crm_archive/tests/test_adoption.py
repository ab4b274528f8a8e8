import frappe
from frappe.tests.utils import FrappeTestCase

from crm_archive.archive.adoption import (
	create_archives_for_customers,
	customers_without_archive,
	make_archive_from_lead,
)
from crm_archive.tests.utils import make_customer


class TestAdoption(FrappeTestCase):
	def test_archives_for_existing_customers_idempotent(self):
		make_customer("_CRM Adopt A")
		make_customer("_CRM Adopt B")
		created = create_archives_for_customers(publish=False)
		self.assertGreaterEqual(created, 2)
		self.assertEqual(customers_without_archive(), [])
		a = frappe.db.get_value("Customer", "_CRM Adopt A", "crm_archive")
		self.assertTrue(a)
		self.assertEqual(frappe.db.get_value("Customer Archive", a, "customer"), "_CRM Adopt A")
		n = frappe.db.count("Customer Archive")
		self.assertEqual(create_archives_for_customers(publish=False), 0)
		self.assertEqual(frappe.db.count("Customer Archive"), n)

	def test_new_customer_gets_archive_when_setting_on(self):
		settings = frappe.get_single("CRM Archive Settings")
		make_customer("_CRM Auto Off")
		self.assertFalse(frappe.db.get_value("Customer", "_CRM Auto Off", "crm_archive"))
		settings.auto_create_archive = 1
		settings.save()
		try:
			make_customer("_CRM Auto On")
			archive = frappe.db.get_value("Customer Archive", {"customer": "_CRM Auto On"}, "name")
			self.assertTrue(archive)
			self.assertEqual(frappe.db.get_value("Customer", "_CRM Auto On", "crm_archive"), archive)
		finally:
			settings.auto_create_archive = 0
			settings.save()

	def test_create_customer_from_archive_makes_no_second_archive(self):
		settings = frappe.get_single("CRM Archive Settings")
		settings.auto_create_archive = 1
		settings.save()
		try:
			archive = frappe.get_doc({"doctype": "Customer Archive", "full_name": "Only One"}).insert()
			customer = archive.create_customer()
			self.assertEqual(frappe.db.count("Customer Archive", {"customer": customer}), 1)
		finally:
			settings.auto_create_archive = 0
			settings.save()

	def test_lead_to_archive(self):
		lead = frappe.get_doc(
			{
				"doctype": "Lead",
				"first_name": "梅梅",
				"last_name": "韩",
				"company_name": "梅花贸易",
				"email_id": "meimei@example.cn",
				"mobile_no": "13912345678",
				"source": frappe.db.get_value("Lead Source", {}, "name"),
				"city": "上海",
			}
		).insert()
		name = make_archive_from_lead(lead.name)
		archive = frappe.get_doc("Customer Archive", name)
		self.assertEqual(archive.lead, lead.name)
		self.assertEqual(archive.full_name, lead.lead_name)
		self.assertEqual(archive.company_name, "梅花贸易")
		self.assertEqual(archive.email_id, "meimei@example.cn")
		self.assertEqual(archive.mobile_no, "+8613912345678")
		self.assertEqual(archive.city, "上海")
		self.assertEqual(archive.source, lead.source)
		# idempotent: a second call returns the same archive
		self.assertEqual(make_archive_from_lead(lead.name), name)
