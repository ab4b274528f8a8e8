"""Finding an archive the way Chinese users type: 张伟 by 张伟, 張偉, zhangwei, zhang wei or zw.

Every archive stores `name_search` (the name in both scripts, its pinyin and initials, and the company;
crm_archive/archive/reading.py) on save. Link fields and the awesome bar search through `search_archives` (Frappe's
standard_queries hook, so every Customer Archive link field uses it), the list's name filter matches
the same column; all go through frappe.get_list, so a user finds only archives they may read.
"""

import re

import frappe
from frappe import validate_and_sanitize_search_inputs
from frappe.utils import cint

from crm_archive.archive import reading

# Up to this many matches the query reads them by primary key (`name in (…)` from the narrow index);
# above it, matches are common enough that reading the table along `modified` (the list's order) finds a
# page of them within a few hundred rows (docs/benchmarks.md, Issue 15)
NARROW_CAP = 500


def escape_like(txt: str) -> str:
	return txt.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def matching_names(pattern: str) -> list[str] | None:
	"""Archives whose stored search text (name in both scripts, pinyin, initials, company) or code is LIKE
	`pattern`, read from the narrow `name_search` index (it holds the column and the primary key) instead
	of the whole table. The text is stored lower-case, so it is compared byte for byte (`like binary`): a
	collation-aware LIKE costs several times as much per entry (docs/benchmarks.md). None when more
	than NARROW_CAP match (then the caller's own query is faster: it stops at its first page)."""
	names = frappe.db.sql_list(
		"""select name from `tabCustomer Archive`
		where name_search like binary %(p)s or name like binary %(code)s"""
		+ f" limit {NARROW_CAP + 1}",
		{"p": pattern.lower(), "code": pattern.upper()},
	)
	return None if len(names) > NARROW_CAP else names


_NAME_SEARCH_LIKE = re.compile(r"^`tabCustomer Archive`\.`name_search` like ('(?:[^'\\]|\\.)*')$")
_SQL_ESCAPES = {"0": "\0", "n": "\n", "r": "\r", "Z": "\x1a"}
_PLAIN_NAME = re.compile(r"^[\w\- .]+$")


def install():
	"""Wrap Frappe's list query so a Customer Archive name filter reads the index (narrow_name_search).
	Installed per request and job by crm_archive/safeguards.py, before the access guard wraps the same
	method (the guard then checks the narrowed query's filters)."""
	import functools

	from frappe.model.db_query import DatabaseQuery

	if getattr(DatabaseQuery, "_crm_archive_name_search", False):
		return
	original_build = DatabaseQuery.build_conditions

	@functools.wraps(original_build)
	def build_conditions(self):
		original_build(self)
		if self.doctype == "Customer Archive":
			narrow_name_search(self)

	DatabaseQuery.build_conditions = build_conditions
	DatabaseQuery._crm_archive_name_search = True


def narrow_name_search(query):
	"""The name filter (`name_search like %typed%`, from the list view, report view, REST or the link
	search below), once Frappe has built it, becomes `name in (…)` of the index read above; permissions
	and other filters apply as before. With more than NARROW_CAP matches it stays a scan, compared byte
	for byte with the lower-cased pattern (the caller's query then stops at its first page). The list is
	written here, not passed to Frappe as a filter: escaping thousands of values one by one costs more
	than the query. Called from the query guard's build_conditions for Customer Archive, after Frappe's."""
	for conditions in (query.conditions, query.grouped_or_conditions):
		for i, condition in enumerate(conditions):
			m = _NAME_SEARCH_LIKE.match(condition) if isinstance(condition, str) else None
			if not m:
				continue
			literal = m[1]
			# the LIKE pattern MariaDB would see: Frappe doubles `%` and escapes the value as a literal
			inner = literal[1:-1].replace("%%", "%")
			pattern = re.sub(r"\\(.)", lambda e: _SQL_ESCAPES.get(e[1], e[1]), inner)
			names = matching_names(pattern)
			if names is None:
				conditions[i] = (
					f"(`tabCustomer Archive`.`name_search` like binary {literal.lower()}"
					f" or `tabCustomer Archive`.`name` like binary {literal.upper()})"
				)
				if "_relevance" in (query.order_by or ""):
					# the link search: ranking thousands of matches would read them all; the most
					# recently modified come first, read along the `modified` index up to the first page
					query.order_by = "`tabCustomer Archive`.`modified` desc"
			elif names:
				quoted = ", ".join(f"'{n}'" if _PLAIN_NAME.match(n) else frappe.db.escape(n) for n in names)
				conditions[i] = f"`tabCustomer Archive`.`name` in ({quoted})"
			else:
				conditions[i] = "1 = 0"


@frappe.whitelist()
@validate_and_sanitize_search_inputs
def search_archives(doctype, txt, searchfield, start, page_len, filters, **kwargs):
	txt = (txt or "").strip()
	if isinstance(filters, dict):
		filters = [
			["Customer Archive", key, *(value if isinstance(value, list | tuple) else ("=", value))]
			for key, value in filters.items()
		]
	filters = list(filters or [])
	if txt:
		# the typed text matched literally (`_` and `%` too) on the narrow index; above NARROW_CAP matches
		# the filter stays a scan that narrow_name_search makes byte-wise, read along `modified`
		names = matching_names(f"%{escape_like(txt)}%")
		if names is None:
			filters.append(["Customer Archive", "name_search", "like", f"%{txt}%"])
		else:
			filters.append(["Customer Archive", "name", "in", names or [""]])
	escaped = frappe.db.escape(txt.replace("%", "").replace("@", ""))
	# ranked as Frappe ranks a link search (search_widget: where the text appears, then idx, then the
	# most recently modified), by the archive's name instead of its CA- code
	relevance = f"(1 / nullif(locate({escaped}, `tabCustomer Archive`.`full_name`), 0)) as `_relevance`"
	rows = frappe.get_list(
		"Customer Archive",
		filters=filters,
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
