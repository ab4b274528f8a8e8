"""Finding an archive the way Chinese users type: 张伟 by 张伟, 張偉, zhangwei, zhang wei or zw.

Every archive stores `name_search` (the name in both scripts, its pinyin and initials; crm_archive/archive/
reading.py) on save. Link fields and the awesome bar search through `search_archives` (Frappe's
standard_queries hook, so every Customer Archive link field uses it), the list's name filter matches
the same column; all go through frappe.get_list, so a user finds only archives they may read.
"""

import frappe
from frappe import validate_and_sanitize_search_inputs
from frappe.utils import cint

from crm_archive.archive import reading

SEARCHED = ("name", "full_name", "name_search", "company_name", "customer")


@frappe.whitelist()
@validate_and_sanitize_search_inputs
def search_archives(doctype, txt, searchfield, start, page_len, filters, **kwargs):
	txt = (txt or "").strip()
	or_filters = []
	if txt:
		pattern = f"%{txt.replace('%', '')}%"
		or_filters = [["Customer Archive", field, "like", pattern] for field in SEARCHED]
	escaped = frappe.db.escape(txt.replace("%", "").replace("@", ""))
	# ranked as Frappe ranks a link search (search_widget: where the text appears, then idx, then the
	# most recently modified), by the archive's name instead of its CA- code
	relevance = f"(1 / nullif(locate({escaped}, `tabCustomer Archive`.`full_name`), 0)) as `_relevance`"
	rows = frappe.get_list(
		"Customer Archive",
		filters=filters or [],
		or_filters=or_filters,
		fields=["name", "full_name", "company_name", relevance],
		order_by="ifnull(_relevance, -9999) desc, `tabCustomer Archive`.idx desc, `tabCustomer Archive`.modified desc",
		limit_start=cint(start),
		limit_page_length=cint(page_len) or 10,
		as_list=True,
		reference_doctype=kwargs.get("reference_doctype"),
	)
	return [row[:-1] for row in rows]


def backfill_name_readings(batch: int = 1000) -> int:
	"""After migrate: the stored reading of archives saved before the columns existed (set-based)."""
	rows = frappe.db.sql(
		"""select name, full_name from `tabCustomer Archive`
		where ifnull(name_search, '') = '' and ifnull(full_name, '') != ''""",
	)
	for start in range(0, len(rows), batch):
		part = rows[start : start + batch]
		derived = " union all ".join(["select %s as name, %s as search_text, %s as pinyin"] * len(part))
		values = []
		for name, full_name in part:
			values += [name, reading.search_text(full_name), " ".join(reading.syllables(full_name))[:255]]
		frappe.db.sql(
			f"""update `tabCustomer Archive` a join ({derived}) t on a.name = t.name
			set a.name_search = t.search_text, a.name_pinyin = t.pinyin""",
			values,
		)
	return len(rows)
