"""`bench crm-archive-dev benchmark-search`: finding an archive by name, pinyin or initials at 100k archives.

Builds a throwaway ZZSRCH- set of archives with Chinese names (one in ten in Latin letters) and their
stored reading (crm_archive/archive/reading.py, as a save stores it), then times what the desk sends:
the link-field / awesome-bar search (Frappe's search_link → search_archives) and the list's name filter
(`name_search like %typed%` through frappe.get_list), for typed full pinyin, spaced pinyin, initials,
Traditional characters a company name, and a text that matches nothing (the whole index read). Prints milliseconds per
search and their ratio to the 100 ms target.
"""

import random
import statistics
import time

import click
import frappe
from frappe.utils import now_datetime

from crm_archive.archive import reading
from crm_archive.archive.store import search

PREFIX = "ZZSRCH-"
TARGET_MS = 100.0
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗曾单仇欧阳"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华晓小"
LATIN = ["Emma Brown", "Liam Smith", "Olivia Jones", "Noah Taylor", "Ava Wilson", "Wei Zhang"]


def cleanup():
	frappe.db.sql("delete from `tabCustomer Archive` where name like %s", PREFIX + "%")
	frappe.db.commit()


def make_archives(n: int, seed: int = 5) -> list[str]:
	rng = random.Random(seed)
	now = now_datetime()
	cols = ["name", "creation", "modified", "owner", "modified_by", "docstatus", "full_name"]
	cols += ["company_name", "name_search", "name_pinyin", "lifecycle_state"]
	rows, names = [], []
	for i in range(n):
		if i % 10 == 9:
			full = f"{rng.choice(LATIN)} {i}"
		else:
			full = (
				rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
			)
		name = f"{PREFIX}{i:07d}"
		company = f"华信{i % 9000:04d}科技有限公司" if i % 3 == 0 else None
		names.append(full)
		pinyin = " ".join(reading.syllables(full))[:255]
		rows.append(
			(
				name,
				now,
				now,
				"Administrator",
				"Administrator",
				0,
				full,
				company,
				reading.archive_search_text(full, company),
				pinyin,
				"Potential",
			)
		)
	with click.progressbar(range(0, n, 10000), label="archives") as bar:
		for start in bar:
			frappe.db.bulk_insert("Customer Archive", cols, rows[start : start + 10000])
			frappe.db.commit()
	return names


def typed_forms(full_name: str) -> dict[str, str]:
	syllables = reading.syllables(full_name)
	return {
		"full pinyin": "".join(syllables),
		"spaced pinyin": " ".join(syllables),
		"initials": reading.initials(full_name),
		"traditional": reading.to_traditional(full_name),
		"company": "华信0123",
	}


def run(archives: int = 100000, sample: int = 50, keep: bool = False) -> dict:
	from frappe.desk.search import search_link

	cleanup()
	names = make_archives(archives)
	frappe.db.sql("analyze table `tabCustomer Archive`")
	rng = random.Random(11)
	han = [n for n in names if reading.has_han(n)]
	timings: dict[str, list[float]] = {}
	over_cap: dict[str, int] = {}
	found = 0
	for full in rng.sample(han, sample):
		for kind, typed in {**typed_forms(full), "no match": "qqqzzzxxx"}.items():
			# more than NARROW_CAP matches: the search reads the table itself (search.narrow_name_search)
			if search.matching_names(f"%{search.escape_like(typed)}%") is None:
				over_cap[kind] = over_cap.get(kind, 0) + 1
			start = time.perf_counter()
			rows = search_link("Customer Archive", typed, page_length=10)
			timings.setdefault(f"link search: {kind}", []).append((time.perf_counter() - start) * 1000)
			start = time.perf_counter()
			listed = frappe.get_list(
				"Customer Archive",
				filters=[["name_search", "like", f"%{typed}%"]],
				fields=["name", "full_name", "tier", "next_follow_up_date"],
				order_by="modified desc",
				limit_page_length=20,
			)
			timings.setdefault(f"list filter: {kind}", []).append((time.perf_counter() - start) * 1000)
			if kind == "full pinyin":
				found += any(full in (r.get("description") or "") for r in rows) or bool(listed)
	if not keep:
		cleanup()

	def p95(values):
		return sorted(values)[int(0.95 * (len(values) - 1))]

	out = {"archives": archives, "searches_per_kind": sample}
	for what, values in timings.items():
		out[what] = {
			"median_ms": round(statistics.median(values), 1),
			"p95_ms": round(p95(values), 1),
			"p95_vs_100ms_target": round(p95(values) / TARGET_MS, 2),
		}
	out["names_found_by_their_pinyin"] = f"{found}/{sample}"
	out[f"searches_with_over_{search.NARROW_CAP}_matches"] = {k: f"{v}/{sample}" for k, v in over_cap.items()}
	return out
