"""Duplicate detection on a planted dirty dataset: recall ≥ 95 %, precision ≥ 98 %."""

import random
from itertools import combinations

from crm_archive.duplicates.matching import (
	find_pairs,
	name_key,
	normalize_company,
	precision_recall,
	suspects_for,
)

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾")
GIVEN = [
	"伟",
	"芳",
	"娜",
	"敏",
	"静",
	"丽",
	"强",
	"磊",
	"洋",
	"艳",
	"勇",
	"军",
	"杰",
	"娟",
	"涛",
	"明",
	"超",
	"秀英",
	"华",
	"慧",
	"建国",
	"志强",
	"海燕",
	"晓东",
]
EN_FIRST = [
	"Alice",
	"Brian",
	"Chloe",
	"David",
	"Emma",
	"Frank",
	"Grace",
	"Henry",
	"Ivy",
	"Jack",
	"Kate",
	"Leo",
	"Mia",
	"Noah",
]
EN_LAST = [
	"Smith",
	"Chen",
	"Brown",
	"Wong",
	"Taylor",
	"Lee",
	"Walker",
	"Ng",
	"Clark",
	"Liu",
	"Martin",
	"Young",
]
CITIES = ["北京", "上海", "广州", "深圳", "杭州", "成都", "Hong Kong", "Singapore"]


def phone_variants(n: str) -> list[str]:
	return [n, f"{n[:3]} {n[3:7]} {n[7:]}", f"+86 {n}", f"0086{n}", f"+86-{n[:3]}-{n[3:7]}-{n[7:]}"]


def planted(seed=11, people=300):
	rng = random.Random(seed)
	records, truth, used = [], set(), set()
	for i in range(people):
		while True:
			zh = rng.random() < 0.6
			name = (
				rng.choice(SURNAMES) + rng.choice(GIVEN)
				if zh
				else f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}"
			)
			company = rng.choice(
				["华信科技有限公司", "远航贸易有限公司", "Apex Ltd.", "Northwind Trading Co.", None, None]
			)
			city = rng.choice(CITIES)
			key = (name_key(name), normalize_company(company) or city)
			if key not in used:
				used.add(key)
				break
		mobile = f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"
		email = f"p{i}.{rng.randint(100, 999)}@example.com"
		base = {
			"name": f"P{i}",
			"full_name": name,
			"mobile_no": mobile,
			"email_id": email,
			"company_name": company,
			"city": city,
		}
		records.append(base)
		copies = rng.choice([0, 0, 0, 1, 1, 2])
		cluster = [base["name"]]
		for k in range(copies):
			dup = dict(base, name=f"P{i}-d{k}")
			kind = rng.choice(["phone", "email", "name"])
			if kind == "phone":  # same number written differently, other details missing
				dup.update(mobile_no=rng.choice(phone_variants(mobile)), email_id=None)
			elif kind == "email":  # case-different email, no phone
				dup.update(email_id=email.upper() if rng.random() < 0.5 else email.title(), mobile_no=None)
			else:  # a near-duplicate name in the same company / city, no contact channel in common
				if name.isascii():
					first, last = name.split()
					dup["full_name"] = rng.choice(
						[f"{last}, {first}", name.lower(), f"  {first}  {last} ", name.upper()]
					)
				else:
					dup["full_name"] = rng.choice([name[0] + " " + name[1:], name + " ", "　" + name])
				dup.update(mobile_no=None, email_id=None)
			records.append(dup)
			cluster.append(dup["name"])
		for a, b in combinations(cluster, 2):
			truth.add((a, b) if a < b else (b, a))
	# bad formats never match anything
	records.append(
		{
			"name": "BAD1",
			"full_name": "Bad Phone",
			"mobile_no": "12",
			"email_id": "not-an-email",
			"city": "Nowhere",
		}
	)
	records.append(
		{"name": "BAD2", "full_name": "Bad Phone Two", "mobile_no": "12", "email_id": "", "city": "Elsewhere"}
	)
	return records, truth


def test_planted_dataset_recall_and_precision():
	records, truth = planted()
	found = find_pairs(records)
	precision, recall = precision_recall(found, truth)
	print(
		f"duplicate detection on {len(records)} planted records ({len(truth)} true pairs): "
		f"recall {recall:.1%}, precision {precision:.1%}"
	)
	assert recall >= 0.95
	assert precision >= 0.98
	assert not any("BAD1" in p or "BAD2" in p for p in found)


def test_each_rule():
	rows = [
		{
			"name": "A",
			"full_name": "王小明",
			"mobile_no": "138 1234 5678",
			"company_name": "华信科技有限公司",
		},
		{"name": "B", "full_name": "王 小明", "mobile_no": None, "company_name": "华信科技"},
		{"name": "C", "full_name": "Zhang San", "mobile_no": "+8613812345678"},
		{"name": "D", "full_name": "Li Si", "email_id": "LI.SI@Example.com"},
		{"name": "E", "full_name": "Li Si Jr", "email_id": "li.si@example.com "},
		{"name": "F", "full_name": "王小明", "company_name": "Another Co"},
		{"name": "G", "full_name": "Wang", "id_number_hash": "h1"},
		{"name": "H", "full_name": "Other", "id_number_hash": "h1"},
	]
	found = find_pairs(rows)
	assert found[("A", "C")] == "mobile"
	assert found[("A", "B")] == "name"
	assert found[("D", "E")] == "email"
	assert found[("G", "H")] == "id_number"
	assert ("A", "F") not in found  # same name, different company: not a suspect


def test_suspects_for_new_record():
	new = {"full_name": "Smith, John", "city": "上海"}
	cands = [
		{"name": "X", "full_name": "John Smith", "city": "上海"},
		{"name": "Y", "full_name": "Joan Smyth", "city": "上海"},
	]
	assert suspects_for(new, cands) == [("X", "name")]
