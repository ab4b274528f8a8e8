"""Finding an archive the way Chinese users type: 张伟 by 张伟, 張偉, zhangwei, zhang wei or zw.

Every archive stores `name_search` (the name in both scripts, its pinyin and initials, and the company;
crm_archive/archive/reading.py) on save. Link fields and the awesome bar search through `search_archives` (Frappe's
standard_queries hook, so every Customer Archive link field uses it), the list's name filter matches
the same column; all go through frappe.get_list, so a user finds only archives they may read.
"""

import frappe
from frappe import validate_and_sanitize_search_inputs
from frappe.utils import cint

from crm_archive.archive import reading

# above this many matches an index read gains nothing over Frappe's own LIKE (the list stops early)
NARROW_CAP = 5000


def escape_like(txt: str) -> str:
	return txt.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def matching_names(pattern: str) -> list[str] | None:
	"""Archives whose stored search text (name in both scripts, pinyin, initials, company) or code is LIKE
	`pattern`, read from the narrow `name_search` index (it holds the column and the primary key) instead
	of the whole table. The text is stored lower-case, so it is compared byte for byte (`like binary`): a
	collation-aware LIKE costs several times as much per entry (docs/benchmarks.md). None when more
	than NARROW_CAP match (then the caller's own query is as fast: it stops at its first page)."""
	names = frappe.db.sql_list(
		"""select name from `tabCustomer Archive`
		where name_search like binary %(p)s or name like binary %(code)s"""
		+ f" limit {NARROW_CAP + 1}",
		{"p": pattern.lower(), "code": pattern.upper()},
	)
	return None if len(names) > NARROW_CAP else names


def narrow_name_search(query):
	"""The list's name filter (`name_search like %typed%`, from Frappe's list view, report view or REST)
	becomes `name in (…)` of the index read above; permissions and other filters apply as before.
	Called from the query guard's build_conditions for Customer Archive."""
	filters = query.filters
	if not filters or query.doctype != "Customer Archive":
		return
	items = list(filters.items()) if isinstance(filters, dict) else None
	if items is not None:
		for key, value in items:
			if key == "name_search" and isinstance(value, list | tuple) and len(value) == 2:
				if str(value[0]).lower() == "like" and value[1]:
					names = matching_names(str(value[1]))
					if names is not None:
						filters["name_search"] = ["is", "set"]
						filters["name"] = ["in", names or [""]]
		return
	for i, f in enumerate(filters):
		if isinstance(f, dict) or not isinstance(f, list | tuple):
			continue
		f = list(f)
		if len(f) == 3:
			f = ["Customer Archive", *f]
		if len(f) >= 4 and f[0] == "Customer Archive" and f[1] == "name_search":
			if str(f[2]).lower() == "like" and f[3]:
				names = matching_names(str(f[3]))
				if names is not None:
					filters[i] = ["Customer Archive", "name", "in", names or [""]]


SEARCHED = ("name", "full_name", "name_search", "customer")


@frappe.whitelist()
@validate_and_sanitize_search_inputs
def search_archives(doctype, txt, searchfield, start, page_len, filters, **kwargs):
	txt = (txt or "").strip()
	or_filters = []
	if isinstance(filters, dict):
		filters = [
			["Customer Archive", key, *(value if isinstance(value, list | tuple) else ("=", value))]
			for key, value in filters.items()
		]
	filters = list(filters or [])
	if txt:
		pattern = f"%{escape_like(txt)}%"
		names = matching_names(pattern)
		if names is None:
			or_filters = [["Customer Archive", field, "like", pattern] for field in SEARCHED]
		else:
			filters.append(["Customer Archive", "name", "in", names or [""]])
	escaped = frappe.db.escape(txt.replace("%", "").replace("@", ""))
	# ranked as Frappe ranks a link search (search_widget: where the text appears, then idx, then the
	# most recently modified), by the archive's name instead of its CA- code
	relevance = f"(1 / nullif(locate({escaped}, `tabCustomer Archive`.`full_name`), 0)) as `_relevance`"
	rows = frappe.get_list(
		"Customer Archive",
		filters=filters,
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
		"""select name, full_name, company_name from `tabCustomer Archive`
		where ifnull(name_search, '') = '' and ifnull(full_name, '') != ''""",
	)
	for start in range(0, len(rows), batch):
		part = rows[start : start + batch]
		derived = " union all ".join(["select %s as name, %s as search_text, %s as pinyin"] * len(part))
		values = []
		for name, full_name, company_name in part:
			text = reading.archive_search_text(full_name, company_name)
			values += [name, text, " ".join(reading.syllables(full_name))[:255]]
		frappe.db.sql(
			f"""update `tabCustomer Archive` a join ({derived}) t on a.name = t.name
			set a.name_search = t.search_text, a.name_pinyin = t.pinyin""",
			values,
		)
	return len(rows)
