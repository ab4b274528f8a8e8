"""`bench crm-archive-dev benchmark-duplicates`: the duplicate check on save at 100k archives.

Builds a throwaway ZZDUP- set of archives whose keys look like a real site's (a few hundred cities, one
archive in three with a company, mobiles, emails, a planted duplicate per hundred), then times the
check's candidate search for sample archives and compares it with the first round's search (LIKE
'%company%' and a city-only match of any 200 rows, both scans) on the same rows. Prints per-save
milliseconds and their ratio to the 100 ms target, and whether both searches found the same suspects.
"""

import random
import statistics
import time

import click
import frappe
from frappe.utils import now_datetime

from crm_archive.duplicates import matching as D
from crm_archive.duplicates.store import FIELDS, candidates
from crm_archive.utils import phone_region

PREFIX = "ZZDUP-"
TARGET_MS = 100.0


def cleanup():
	frappe.db.sql("delete from `tabCustomer Archive` where name like %s", PREFIX + "%")
	frappe.db.commit()


def make_archives(n: int, seed: int = 3) -> list[str]:
	rng = random.Random(seed)
	now = now_datetime()
	cities = [f"城市{i:03d}" for i in range(300)]
	surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
	given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
	names = []
	cols = ["name", "creation", "modified", "owner", "modified_by", "docstatus", "full_name", "mobile_no"]
	cols += ["email_id", "company_name", "city", "duplicate_block", "lifecycle_state"]
	rows = []
	for i in range(n):
		k = i - 1 if i % 100 == 99 else i  # every hundredth archive duplicates the one before it
		r = random.Random(seed * 1_000_003 + k)
		full = r.choice(surnames) + r.choice(given) + r.choice(given)
		company = f"华信{k % 9000:04d}科技有限公司" if k % 3 == 0 else None
		city = r.choice(cities)
		row = {
			"company_name": company,
			"city": city,
		}
		name = f"{PREFIX}{i:07d}"
		names.append(name)
		rows.append(
			(
				name,
				now,
				now,
				"Administrator",
				"Administrator",
				0,
				full + ("" if i % 100 != 99 else " "),
				f"+86139{k:08d}",
				f"p{k}@example.com",
				company,
				city,
				D.block_key(row),
				"Potential",
			)
		)
	with click.progressbar(range(0, n, 10000), label="archives") as bar:
		for start in bar:
			frappe.db.bulk_insert("Customer Archive", cols, rows[start : start + 10000])
			frappe.db.commit()
	rng.shuffle(names)
	return names


def first_round_candidates(doc) -> list[dict]:
	"""The search this round replaced, for the comparison (scans: LIKE '%…%', any 200 of a city)."""
	from pypika.functions import Lower

	t = frappe.qb.DocType("Customer Archive")
	cond = None

	def either(c):
		nonlocal cond
		cond = c if cond is None else (cond | c)

	if doc.mobile_no:
		either(t.mobile_no == doc.mobile_no)
	if doc.email_id:
		either(Lower(t.email_id) == D.normalize_email(doc.email_id))
	core = D.normalize_company(doc.company_name)
	if core:
		either(t.company_name.like(f"%{core}%"))
	elif doc.city:
		either(t.city == doc.city)
	query = frappe.qb.from_(t).select(*[t[f] for f in FIELDS]).where(cond).limit(200)
	return query.where(t.name != doc.name).run(as_dict=True)


def run(archives: int = 100000, sample: int = 200, keep: bool = False) -> dict:
	cleanup()
	names = make_archives(archives)
	frappe.db.sql("analyze table `tabCustomer Archive`")
	region = phone_region()
	timings, old_timings, same = [], [], 0
	for name in names[:sample]:
		doc = frappe.get_doc("Customer Archive", name)
		record = {f: doc.get(f) for f in FIELDS}
		start = time.perf_counter()
		new = D.suspects_for(record, candidates(doc), region)
		timings.append((time.perf_counter() - start) * 1000)
		start = time.perf_counter()
		old = D.suspects_for(record, first_round_candidates(doc), region)
		old_timings.append((time.perf_counter() - start) * 1000)
		same += set(old) <= set(new)
	if not keep:
		cleanup()

	def p95(values):
		return sorted(values)[int(0.95 * (len(values) - 1))]

	return {
		"archives": archives,
		"sample_saves": sample,
		"check_median_ms": round(statistics.median(timings), 2),
		"check_p95_ms": round(p95(timings), 2),
		"check_p95_vs_100ms_target": round(p95(timings) / TARGET_MS, 3),
		"first_round_median_ms": round(statistics.median(old_timings), 2),
		"first_round_vs_indexed_median": round(
			statistics.median(old_timings) / statistics.median(timings), 1
		),
		"saves_where_indexed_found_every_first_round_suspect": f"{same}/{sample}",
	}
