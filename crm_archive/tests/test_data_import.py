"""Frappe's own Data Import with the shipped Chinese template: zh headers map, the bad row is reported
with its reason, the good rows still import."""

import json
import os

import frappe
from frappe.tests.utils import FrappeTestCase

TEMPLATE = os.path.join(
	os.path.dirname(__file__), "..", "public", "templates", "customer_archive_import_zh.xlsx"
)
NAMES = ("张伟", "李娜", "王芳", "Emma Taylor")


class TestDataImport(FrappeTestCase):
	def tearDown(self):
		frappe.local.lang = "en"
		frappe.local.lang_full_dict = None
		for name in frappe.get_all("Customer Archive", {"full_name": ("in", NAMES)}, pluck="name"):
			frappe.db.delete("Customer Archive Log", {"customer_archive": name})
			frappe.delete_doc("Customer Archive", name, force=True)
		frappe.db.commit()

	def test_import_zh_template_partial_success(self):
		self.import_template("zh")

	def test_zh_headers_map_for_an_english_user_too(self):
		"""Headers in Chinese work whatever the importing user's language (issue 16)."""
		from crm_archive.access import table as access

		batch = access.IMPORT_BATCH
		access.IMPORT_BATCH = 2  # the access rows' batches written during the file, not only at its end
		try:
			self.import_template("en")
		finally:
			access.IMPORT_BATCH = batch

	def import_template(self, lang):
		frappe.cache.delete_value("data_import_column_header_map")  # Frappe caches it per doctype for all
		frappe.db.set_single_value("CRM Archive Settings", "duplicate_check", "Warn")
		with open(TEMPLATE, "rb") as f:
			file_doc = frappe.get_doc(
				{
					"doctype": "File",
					"file_name": "customer_archive_import_zh.xlsx",
					"content": f.read(),
					"is_private": 1,
				}
			).insert(ignore_permissions=True)
		frappe.local.lang = lang  # the importing user's language
		frappe.local.lang_full_dict = None
		di = frappe.get_doc(
			{
				"doctype": "Data Import",
				"reference_doctype": "Customer Archive",
				"import_type": "Insert New Records",
				"import_file": file_doc.file_url,
			}
		).insert(ignore_permissions=True)
		preview = di.get_preview_from_template()
		mapped = {
			c.get("header_title"): (c.get("df") or {}).get("fieldname")
			for c in preview["columns"]
			if c.get("header_title")
		}
		self.assertEqual(mapped["客户名称"], "full_name")
		self.assertEqual(mapped["手机号码"], "mobile_no")
		self.assertEqual(mapped["员工人数"], "headcount")
		di.start_import()
		di.reload()
		self.assertEqual(di.status, "Partial Success")
		logs = frappe.get_all(
			"Data Import Log", {"data_import": di.name}, ["success", "messages", "exception"]
		)
		self.assertEqual(sum(1 for l in logs if l.success), 3)
		failed = [l for l in logs if not l.success]
		self.assertEqual(len(failed), 1)
		self.assertTrue(
			any(
				w in (failed[0].messages or "") + (failed[0].exception or "")
				for w in ("电话", "phone", "出生", "Birth", "邮", "email")
			)
		)
		rows = {
			r.full_name: r
			for r in frappe.get_all(
				"Customer Archive",
				{"full_name": ("in", NAMES)},
				["name", "full_name", "mobile_no", "email_id", "company_size", "headcount", "tier"],
			)
		}
		self.assertEqual(set(rows), {"张伟", "李娜", "Emma Taylor"})
		# re-tiered once when the file was done (not a re-tier per row): each has the active rule set's
		# tier for a customer without invoices, logged with the trigger Import
		default_tier = frappe.db.get_value("Tier Rule Set", {"is_active": 1}, "default_tier")
		self.assertTrue(default_tier)
		self.assertEqual({r.tier for r in rows.values()}, {default_tier})
		logged = frappe.get_all(
			"Customer Archive Log",
			{"customer_archive": ("in", [r.name for r in rows.values()]), "event_type": "Tier Change"},
			pluck="trigger",
		)
		self.assertEqual(sorted(logged), ["Import"] * 3)
		# who may read each imported archive: the access rows a rebuild from scratch would write (the
		# import writes them in batches and once more at the end, not per row)
		from crm_archive.access import table as access

		names = {r.name for r in rows.values()}
		want = {x for x in access.expected() if x[0] in names}
		self.assertEqual(len({x[0] for x in want}), 3)
		self.assertEqual({x for x in access.snapshot() if x[0] in names}, want)
		self.assertEqual(rows["李娜"].mobile_no, "+8613900139000")
		self.assertEqual(rows["张伟"].company_size, "Medium")
		self.assertEqual(rows["Emma Taylor"].mobile_no, "+442079460958")


class TestDataImportRefusals(FrappeTestCase):
	BAD = ("_Import Letters", "_Import Bad Id", "_Import Future", "_Import Gender")

	def tearDown(self):
		for name in frappe.get_all(
			"Customer Archive", {"full_name": ("in", (*self.BAD, "_Import Good"))}, pluck="name"
		):
			frappe.db.delete("Customer Archive Log", {"customer_archive": name})
			frappe.delete_doc("Customer Archive", name, force=True)
		frappe.db.commit()

	def test_wrong_data_is_refused_row_by_row_naming_the_field(self):
		"""The same checks as the form and REST: each bad row fails with the field's name, the good row
		imports, nothing of a refused row is stored."""
		from frappe.utils import add_days, nowdate

		frappe.db.set_single_value("CRM Archive Settings", "duplicate_check", "Off")
		frappe.clear_document_cache("CRM Archive Settings", "CRM Archive Settings")
		future = add_days(nowdate(), 5)
		csv = "\n".join(
			[
				"Customer Name,Mobile No,ID Type,ID Number,First Contact Date,Gender",
				"_Import Letters,138001380AB,,,,",
				"_Import Bad Id,,Resident Identity Card,110105194912310021,,",
				f"_Import Future,,,,{future},",
				# an unknown Select value refuses its row (Frappe would refuse the whole file, or with
				# the warning ignored store the row without the value)
				"_Import Gender,,,,,Unknown",
				"_Import Good,13800138000,Resident Identity Card,11010519491231002X,,Female",
			]
		)
		file_doc = frappe.get_doc(
			{"doctype": "File", "file_name": "refusals.csv", "content": csv.encode(), "is_private": 1}
		).insert(ignore_permissions=True)
		di = frappe.get_doc(
			{
				"doctype": "Data Import",
				"reference_doctype": "Customer Archive",
				"import_type": "Insert New Records",
				"import_file": file_doc.file_url,
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()  # the importer rolls back to its own savepoints per row; keep the import itself
		di.start_import()
		di.reload()
		self.assertEqual(di.status, "Partial Success")
		logs = frappe.get_all(
			"Data Import Log", {"data_import": di.name}, ["success", "messages", "exception", "row_indexes"]
		)
		failed = [(l.messages or "") + (l.exception or "") for l in logs if not l.success]
		self.assertEqual(len(failed), 4, failed)
		for field in ("Mobile No", "ID Number", "First Contact Date", "Gender"):
			self.assertTrue(any(field in text for text in failed), (field, failed))
		stored = frappe.get_all("Customer Archive", {"full_name": ("like", "_Import %")}, pluck="full_name")
		self.assertEqual(stored, ["_Import Good"])


class TestDataImportMobileFormats(FrappeTestCase):
	"""A file as a Chinese team keeps it: each common way of writing a mobile is stored in one normal form
	(E.164); a mobile with letters or too few digits refuses its row with the reason."""

	FORMATS = (
		("(+86)13094292501", "+8613094292501"),
		("（+86）13094292502", "+8613094292502"),
		("+86 130-9429-2503", "+8613094292503"),
		("0086 13094292504", "+8613094292504"),
		("130 9429 2505", "+8613094292505"),
		("13094292506", "+8613094292506"),
		("１３０９４２９２５０７", "+8613094292507"),
		("+86-130-9429-2508", "+8613094292508"),
		("86 13094292509", "+8613094292509"),
		("130－9429－2510", "+8613094292510"),
	)
	BAD = (("1309429251A", "letters"), ("130 9429 251", "too few digits"))
	PREFIX = "_Mobile Fmt "

	def tearDown(self):
		for name in frappe.get_all(
			"Customer Archive", {"full_name": ("like", self.PREFIX + "%")}, pluck="name"
		):
			frappe.db.delete("Customer Archive Log", {"customer_archive": name})
			frappe.delete_doc("Customer Archive", name, force=True)
		frappe.db.commit()

	def test_each_format_is_stored_normalised(self):
		import csv
		import io

		frappe.db.set_single_value("CRM Archive Settings", "duplicate_check", "Off")
		frappe.clear_document_cache("CRM Archive Settings", "CRM Archive Settings")
		out = io.StringIO()
		writer = csv.writer(out)
		writer.writerow(["Customer Name", "Mobile No"])
		rows = [*self.FORMATS, *self.BAD]
		for i, (raw, _want) in enumerate(rows):
			writer.writerow([f"{self.PREFIX}{i:02d}", raw])
		file_doc = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": "mobiles.csv",
				"content": out.getvalue().encode("utf-8"),
				"is_private": 1,
			}
		).insert(ignore_permissions=True)
		di = frappe.get_doc(
			{
				"doctype": "Data Import",
				"reference_doctype": "Customer Archive",
				"import_type": "Insert New Records",
				"import_file": file_doc.file_url,
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()
		di.start_import()
		di.reload()
		self.assertEqual(di.status, "Partial Success")
		stored = dict(
			frappe.get_all(
				"Customer Archive",
				{"full_name": ("like", self.PREFIX + "%")},
				["full_name", "mobile_no"],
				as_list=True,
			)
		)
		want = {f"{self.PREFIX}{i:02d}": e164 for i, (_raw, e164) in enumerate(self.FORMATS)}
		self.assertEqual(stored, want)
		failed = [
			(l.messages or "") + (l.exception or "")
			for l in frappe.get_all(
				"Data Import Log", {"data_import": di.name}, ["success", "messages", "exception"]
			)
			if not l.success
		]
		self.assertEqual(len(failed), len(self.BAD), failed)
		for _raw, reason in self.BAD:
			self.assertTrue(any(reason in text for text in failed), (reason, failed))
