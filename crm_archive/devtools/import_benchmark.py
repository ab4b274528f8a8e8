"""`bench crm-archive-dev benchmark-import`: Frappe's Data Import of a 10,000-row Chinese spreadsheet, 5 % bad.

Writes an .xlsx with the shipped template's Chinese headers (客户名称, 手机号码, …): good rows, and one in
twenty bad in five kinds — letters in the mobile, a malformed email, an unknown select value, a first
contact in the future, the mobile of an existing archive (a duplicate by the app's own rule; the run uses
duplicate check *Block*, as a manager importing would, so it is refused and listed). Runs Frappe's import
job as an English-speaking Administrator, then checks: every good row imported, every bad row in the
import log with its reason, nothing of a bad row stored. Prints the seconds and the ratio to 2 minutes.

In the same run, a baseline: a sample file of the same kind (`--baseline-rows`, 1,000 by default) imported
through the previous per-row path — Frappe's own `Importer.import_data`, unwrapped
(overrides/data_import.py keeps it as `Importer._crm_original_import_data`), so each row re-tiers itself
and writes its created-Version — and the per-row milliseconds of both paths, their ratio and the old
path's time projected to the full file.
"""

import io
import os
import random
import time

import frappe
from frappe.utils import add_days, nowdate

TEMPLATE = os.path.join(
	os.path.dirname(__file__), "..", "public", "templates", "customer_archive_import_zh.xlsx"
)
TAG = "ZZIMP"
TARGET_S = 120.0
KINDS = ("phone", "email", "select", "future", "duplicate")
# what each kind's log message names (English or Chinese, whichever the message is in)
REASONS = {
	"phone": ("Mobile", "手机"),
	"email": ("Email", "邮件", "邮箱"),
	"select": ("Gender", "性别", "cannot be", "不能为"),
	"future": ("First Contact", "首次接触", "future", "未来"),
	"duplicate": ("Duplicate", "重复"),
}


def cleanup():
	names = frappe.get_all("Customer Archive", {"remarks": ("like", f"{TAG}%")}, pluck="name")
	for start in range(0, len(names), 5000):
		part = names[start : start + 5000]
		frappe.db.delete("Customer Archive Log", {"customer_archive": ("in", part)})
		frappe.db.delete("Customer Archive Access", {"archive": ("in", part)})
		frappe.db.delete("Version", {"ref_doctype": "Customer Archive", "docname": ("in", part)})
		frappe.db.delete("Customer Archive", {"name": ("in", part)})
	if names:
		# their emails leave the tier Email Groups the import's re-tier put them in
		from crm_archive.tiering.store.benefits import sync_email_groups

		sync_email_groups()
	frappe.db.commit()


def make_file(rows: int, seed: int = 16) -> tuple[bytes, dict[int, str], str]:
	"""The .xlsx, {row number: kind} of the bad rows, and the mobile of the archive the duplicates copy."""
	import openpyxl

	rng = random.Random(seed)
	headers = [c.value for c in openpyxl.load_workbook(TEMPLATE).active[1]]
	existing = frappe.get_doc(
		{
			"doctype": "Customer Archive",
			"full_name": f"{TAG} 原有客户",
			"mobile_no": "13700000000",
			"remarks": f"{TAG} existing",
		}
	)
	existing.flags.ignore_duplicates = True
	existing.insert(ignore_permissions=True)
	frappe.db.commit()
	wb = openpyxl.Workbook()
	ws = wb.active
	ws.append(headers)
	bad = {}
	future = add_days(nowdate(), 30)
	for i in range(rows):
		kind = KINDS[(i // 20) % len(KINDS)] if i % 20 == 19 else None
		mobile = f"139{i:08d}"
		values = {
			"客户名称": f"{TAG}客户{i:05d}",
			"性别": rng.choice(["Male", "Female"]),
			"出生日期": f"19{rng.randint(60, 99)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
			"职业": "采购经理",
			"手机号码": mobile,
			"电子邮件": f"imp{i}@example.com",
			# one company each: names in one company are compared for likeness (the duplicate rule), and
			# "…客户00001" and "…客户00011" are alike
			"公司名称": f"{TAG}科技{i:05d}有限公司",
			"员工人数": rng.randint(5, 900),
			"城市": rng.choice(["北京", "上海", "广州", "深圳"]),
			"首次接触日期": "2025-06-01",
			"首次接触渠道": "Phone",
			"功能需求": "ERP 实施",
			"价格偏好": "Value for Money",
			"备注": f"{TAG} row {i}",
		}
		if kind == "phone":
			values["手机号码"] = f"1390{i:05d}AB"
		elif kind == "email":
			values["电子邮件"] = f"imp{i}@@example"
		elif kind == "select":
			values["性别"] = "未知性别"
		elif kind == "future":
			values["首次接触日期"] = future
		elif kind == "duplicate":
			values["手机号码"] = existing.mobile_no
		if kind:
			bad[i + 2] = kind  # the spreadsheet's row number (row 1 holds the headers)
		ws.append([values.get(h) for h in headers])
	buffer = io.BytesIO()
	wb.save(buffer)
	return buffer.getvalue(), bad, existing.mobile_no


def _import(rows: int, per_row: bool = False) -> dict:
	"""Build the file, run Frappe's import job body on it (errors not swallowed) and check the outcome.
	per_row: through the previous path (Frappe's own import_data, each row re-tiered and versioned)."""
	from frappe.core.doctype.data_import.importer import Importer

	content, bad, _mobile = make_file(rows)
	file_doc = frappe.get_doc(
		{
			"doctype": "File",
			"file_name": f"{TAG.lower()}_{rows}{'_per_row' if per_row else ''}.xlsx",
			"content": content,
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
	importer = Importer(di.reference_doctype, data_import=di)
	start = time.perf_counter()
	# the body of Frappe's import job (data_import.start_import)
	if per_row:
		importer._crm_original_import_data()
	else:
		importer.import_data()
	frappe.flags.in_import = False
	elapsed = time.perf_counter() - start
	di.reload()
	logs = frappe.get_all(
		"Data Import Log", {"data_import": di.name}, ["success", "row_indexes", "messages", "exception"]
	)
	failed = {}
	for log in logs:
		if log.success:
			continue
		for row in frappe.parse_json(log.row_indexes or "[]"):
			failed[int(row)] = (log.messages or "") + (log.exception or "")
	imported = frappe.db.count("Customer Archive", {"remarks": ("like", f"{TAG} row %")})
	wrong_reason = [
		r for r, kind in bad.items() if r in failed and not any(w in failed[r] for w in REASONS[kind])
	]
	bad_stored = frappe.db.count(
		"Customer Archive", {"remarks": ("in", [f"{TAG} row {r - 2}" for r in bad] or [""])}
	)
	versions = frappe.db.sql(
		"""select count(*) from `tabVersion` v join `tabCustomer Archive` a on a.name = v.docname
		where v.ref_doctype = 'Customer Archive' and a.remarks like %s""",
		f"{TAG} row %",
	)[0][0]
	return {
		"elapsed": elapsed,
		"status": di.status,
		"bad": bad,
		"failed": failed,
		"imported": imported,
		"listed": sum(1 for r in bad if r in failed),
		"with_reason": sum(1 for r in bad if r in failed) - len(wrong_reason),
		"bad_stored": bad_stored,
		"good_refused": sum(1 for r in failed if r not in bad),
		"versions": versions,
	}


def run(rows: int = 10000, baseline_rows: int = 1000) -> dict:
	cleanup()
	settings = frappe.get_single("CRM Archive Settings")
	mode = settings.duplicate_check
	frappe.db.set_single_value("CRM Archive Settings", "duplicate_check", "Block")
	frappe.clear_document_cache("CRM Archive Settings", "CRM Archive Settings")
	frappe.local.lang = "en"  # whatever the importing user's language: the Chinese headers map
	frappe.cache.delete_value("data_import_column_header_map")
	try:
		result = _import(rows)
		bad, failed, elapsed = result["bad"], result["failed"], result["elapsed"]
		out = {
			"rows": rows,
			"bad_rows": len(bad),
			"status": result["status"],
			"import_s": round(elapsed, 1),
			"import_vs_120s_target": round(elapsed / TARGET_S, 2),
			"good_rows_imported": f"{result['imported']}/{rows - len(bad)}",
			"bad_rows_listed": f"{result['listed']}/{len(bad)}",
			"bad_rows_listed_with_their_reason": f"{result['with_reason']}/{len(bad)}",
			"bad_rows_stored": result["bad_stored"],
			"good_rows_refused": result["good_refused"],
			"versions_written": result["versions"],
			"example_reasons": {
				kind: next((failed[r][:160] for r, k in bad.items() if k == kind and r in failed), None)
				for kind in KINDS
			},
		}
		if baseline_rows:
			# the previous per-row path on a sample of the same kind, in the same run
			cleanup()
			old = _import(baseline_rows, per_row=True)
			per_row_ms = elapsed * 1000 / rows
			old_ms = old["elapsed"] * 1000 / baseline_rows
			out["baseline_per_row_path"] = {
				"rows": baseline_rows,
				"import_s": round(old["elapsed"], 1),
				"good_rows_imported": f"{old['imported']}/{baseline_rows - len(old['bad'])}",
				"bad_rows_listed_with_their_reason": f"{old['with_reason']}/{len(old['bad'])}",
				"bad_rows_stored": old["bad_stored"],
				"versions_written": old["versions"],
				"ms_per_row": round(old_ms, 2),
				f"projected_{rows}_rows_s": round(old_ms * rows / 1000, 1),
			}
			out["ms_per_row"] = round(per_row_ms, 2)
			out["per_row_path_vs_this"] = round(old_ms / per_row_ms, 2)
		return out
	finally:
		frappe.db.set_single_value("CRM Archive Settings", "duplicate_check", mode)
		frappe.db.commit()
		cleanup()
