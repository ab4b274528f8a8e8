# Copyright (c) 2026, crm_archive developers and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, get_datetime, getdate, now_datetime, nowdate

from crm_archive.tests.utils import make_archive

# ERPNext's test records this doctype's links need (Company, Customer, …), as Frappe makes them for a
# test beside its doctype
test_dependencies = ["Customer Interaction"]


def make_interaction(archive, when, follow_up=None, **kw):
	return frappe.get_doc(
		{
			"doctype": "Customer Interaction",
			"customer_archive": archive,
			"interaction_datetime": when,
			"channel": kw.pop("channel", "Phone"),
			"interaction_type": kw.pop("interaction_type", "Follow-up"),
			"summary": kw.pop("summary", "电话回访"),
			"next_follow_up_date": follow_up,
			**kw,
		}
	).insert()


class TestCustomerInteraction(FrappeTestCase):
	def dates(self, archive):
		return frappe.db.get_value(
			"Customer Archive", archive, ["last_interaction_date", "next_follow_up_date"], as_dict=True
		)

	def test_insert_edit_delete_keep_archive_dates_true(self):
		archive = make_archive(full_name="跟进测试").name
		self.assertIsNone(self.dates(archive).last_interaction_date)

		first = make_interaction(archive, "2026-01-10 10:00:00", "2026-02-01")
		d = self.dates(archive)
		self.assertEqual(d.last_interaction_date, get_datetime("2026-01-10 10:00:00"))
		self.assertEqual(d.next_follow_up_date, getdate("2026-02-01"))

		second = make_interaction(archive, "2026-03-05 09:30:00", "2026-03-20")
		self.assertEqual(self.dates(archive).next_follow_up_date, getdate("2026-03-20"))

		# an older interaction logged late does not override the newer plan
		make_interaction(archive, "2026-02-01 08:00:00", "2026-02-15")
		self.assertEqual(self.dates(archive).last_interaction_date, get_datetime("2026-03-05 09:30:00"))
		self.assertEqual(self.dates(archive).next_follow_up_date, getdate("2026-03-20"))

		# editing the latest moves the dates
		second.interaction_datetime = "2026-03-06 09:30:00"
		second.next_follow_up_date = "2026-04-01"
		second.save()
		d = self.dates(archive)
		self.assertEqual(d.last_interaction_date, get_datetime("2026-03-06 09:30:00"))
		self.assertEqual(d.next_follow_up_date, getdate("2026-04-01"))

		# deleting it falls back to the previous latest
		second.delete()
		d = self.dates(archive)
		self.assertEqual(d.last_interaction_date, get_datetime("2026-02-01 08:00:00"))
		self.assertEqual(d.next_follow_up_date, getdate("2026-02-15"))

		for name in frappe.get_all("Customer Interaction", {"customer_archive": archive}, pluck="name"):
			frappe.delete_doc("Customer Interaction", name)
		d = self.dates(archive)
		self.assertIsNone(d.last_interaction_date)
		self.assertIsNone(d.next_follow_up_date)
		self.assertTrue(first.name)

	def test_moving_an_interaction_to_another_archive_updates_both(self):
		a = make_archive(full_name="A").name
		b = make_archive(full_name="B").name
		i = make_interaction(a, "2026-05-01 10:00:00", "2026-05-10")
		i.customer_archive = b
		i.save()
		self.assertIsNone(self.dates(a).last_interaction_date)
		self.assertEqual(self.dates(b).next_follow_up_date, getdate("2026-05-10"))

	def test_absurd_dates_refused_nothing_saved(self):
		archive = make_archive(full_name="Dates").name
		n = frappe.db.count("Customer Interaction")
		for when, follow in (
			("1899-12-31 23:59:00", None),
			(str(add_days(now_datetime(), 400)), None),
			("2026-05-01 10:00:00", "2026-04-30"),
		):
			with self.assertRaises(frappe.ValidationError):
				make_interaction(archive, when, follow)
		with self.assertRaises(frappe.ValidationError):
			make_interaction(archive, "2026-05-01 10:00:00", summary="   ")
		self.assertEqual(frappe.db.count("Customer Interaction"), n)
		self.assertIsNone(self.dates(archive).last_interaction_date)

	def test_quick_entry_and_defaults(self):
		meta = frappe.get_meta("Customer Interaction")
		self.assertTrue(meta.quick_entry)
		archive = make_archive(full_name="Quick").name
		doc = frappe.get_doc(
			{"doctype": "Customer Interaction", "customer_archive": archive, "summary": "quick"}
		).insert()
		self.assertEqual(doc.channel, "Phone")
		self.assertEqual(doc.interaction_type, "Follow-up")
		self.assertEqual(getdate(doc.interaction_datetime), getdate(nowdate()))
		self.assertEqual(doc.archive_name, "Quick")

	def test_unknown_archive_refused(self):
		n = frappe.db.count("Customer Interaction")
		with self.assertRaises(frappe.LinkValidationError):
			frappe.get_doc(
				{"doctype": "Customer Interaction", "customer_archive": "CA-NO-SUCH", "summary": "orphan"}
			).insert()
		self.assertEqual(frappe.db.count("Customer Interaction"), n)
