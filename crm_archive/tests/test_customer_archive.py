# Copyright (c) 2026, crm_archive developers and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, nowdate

from crm_archive.install import after_migrate, delete_custom_fields, get_custom_fields
from crm_archive.tests.utils import make_archive, make_customer

# ERPNext's test records this doctype's links need (Company, Customer, …), as Frappe makes them for a
# test beside its doctype
test_dependencies = ["Customer Archive"]


class TestCustomerArchive(FrappeTestCase):
	def test_create_sets_derived_fields(self):
		archive = make_archive(
			full_name="  王小明  ",
			date_of_birth=add_days(nowdate(), -365 * 30 - 10),
			headcount=120,
			mobile_no="138 1234 5678",
			email_id=" wang@example.cn ",
		)
		archive.reload()
		self.assertEqual(archive.full_name, "王小明")
		self.assertEqual(archive.age, 30)
		self.assertEqual(archive.company_size, "Medium")
		self.assertEqual(archive.mobile_no, "+8613812345678")
		self.assertEqual(archive.email_id, "wang@example.cn")
		self.assertEqual(archive.lifecycle_state, "Potential")
		self.assertTrue(archive.name.startswith("CA-"))
		self.assertGreater(archive.completeness_score, 0)
		self.assertLess(archive.completeness_score, 100)

	def test_size_bands_on_save(self):
		archive = make_archive(full_name="Size Co", headcount=49)
		self.assertEqual(archive.company_size, "Small")
		archive.headcount = 501
		archive.save()
		self.assertEqual(frappe.db.get_value("Customer Archive", archive.name, "company_size"), "Large")
		archive.headcount = None
		archive.save()
		self.assertEqual(archive.company_size, "")

	def assert_refused(self, before_count: int, **values):
		with self.assertRaises(frappe.ValidationError):
			make_archive(**values)
		self.assertEqual(frappe.db.count("Customer Archive"), before_count)

	def test_bad_input_is_refused_and_nothing_saved(self):
		n = frappe.db.count("Customer Archive")
		self.assert_refused(n, full_name="Bad Mail", email_id="not-an-email")
		self.assert_refused(n, full_name="Bad Mail 2", email_id="a@b")
		self.assert_refused(n, full_name="Bad Phone", mobile_no="12")
		self.assert_refused(n, full_name="Bad Phone 2", mobile_no="call me maybe")
		self.assert_refused(n, full_name="Future Birth", date_of_birth=add_days(nowdate(), 1))
		self.assert_refused(n, full_name="Negative", headcount=-1)
		self.assert_refused(n, full_name="   ")
		self.assert_refused(
			n, full_name="Empty Social", social_accounts=[{"platform": "WeChat", "account": "  "}]
		)

	def test_error_messages_are_translated(self):
		frappe.local.lang = "zh"
		frappe.local.lang_full_dict = None
		try:
			with self.assertRaises(frappe.ValidationError) as ctx:
				make_archive(full_name="Zh", headcount=-5)
			self.assertIn("员工人数不能为负数", str(ctx.exception))
		finally:
			frappe.local.lang = "en"
			frappe.local.lang_full_dict = None

	def test_phone_uses_region_from_settings(self):
		settings = frappe.get_single("CRM Archive Settings")
		settings.default_phone_region = "GB"
		settings.save()
		try:
			archive = make_archive(full_name="London", mobile_no="020 7946 0958")
			self.assertEqual(archive.mobile_no, "+442079460958")
		finally:
			settings.default_phone_region = "CN"
			settings.save()

	def test_create_customer_links_both_ways(self):
		archive = make_archive(full_name="李雷", company_name="雷霆科技有限公司", territory=None)
		customer = archive.create_customer()
		archive.reload()
		self.assertEqual(archive.customer, customer)
		c = frappe.get_doc("Customer", customer)
		self.assertEqual(c.customer_name, "雷霆科技有限公司")
		self.assertEqual(c.customer_type, "Company")
		self.assertEqual(c.crm_archive, archive.name)
		self.assertTrue(c.customer_group)
		self.assertTrue(c.territory)
		with self.assertRaises(frappe.ValidationError):
			archive.create_customer()

	def test_link_existing_customer_and_refuse_double_link(self):
		customer = make_customer("_CRM Link Test Customer")
		first = make_archive(full_name="First", customer=customer)
		self.assertEqual(frappe.db.get_value("Customer", customer, "crm_archive"), first.name)
		n = frappe.db.count("Customer Archive")
		with self.assertRaises(frappe.ValidationError) as ctx:
			make_archive(full_name="Second", customer=customer)
		self.assertIn("already linked", str(ctx.exception))
		self.assertEqual(frappe.db.count("Customer Archive"), n)

		# unlinking clears the back link; relinking elsewhere works
		first.customer = None
		first.save()
		self.assertIsNone(frappe.db.get_value("Customer", customer, "crm_archive"))
		second = make_archive(full_name="Second", customer=customer)
		self.assertEqual(frappe.db.get_value("Customer", customer, "crm_archive"), second.name)
		second.delete()
		self.assertIsNone(frappe.db.get_value("Customer", customer, "crm_archive"))


class TestCustomFieldInstall(FrappeTestCase):
	"""Alone in its class: re-creating a custom field may run DDL, which commits in MariaDB."""

	def test_custom_field_install_and_uninstall(self):
		self.assertTrue(frappe.get_meta("Customer").has_field("crm_archive"))
		delete_custom_fields(get_custom_fields())
		try:
			self.assertFalse(frappe.db.exists("Custom Field", {"dt": "Customer", "fieldname": "crm_archive"}))
			self.assertFalse(frappe.get_meta("Customer").has_field("crm_archive"))
		finally:
			after_migrate()
		self.assertTrue(frappe.db.exists("Custom Field", {"dt": "Customer", "fieldname": "crm_archive"}))
		after_migrate()  # idempotent
		self.assertEqual(frappe.db.count("Custom Field", {"dt": "Customer", "fieldname": "crm_archive"}), 1)
