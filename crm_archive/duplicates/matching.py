"""Possible duplicate archives. Pure (rapidfuzz and phonenumbers only), so recall and precision are
measured on a planted dirty dataset in tests/test_duplicates_logic.py.

Two archives are suspects when they share a normalised mobile number, a normalised email, or an ID
number fingerprint, or when their names are close (rapidfuzz, default ≥ 90) and they share a company
name or, when neither has a company, a city. Names are compared after NFKC, case folding and removing
spaces and punctuation, and as sorted tokens so "Smith, John" meets "john smith".
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from itertools import combinations

from rapidfuzz import fuzz

from crm_archive.archive.rules import InvalidPhone, normalize_email, normalize_phone

_PUNCT = re.compile(r"[\W_]+", re.UNICODE)
_COMPANY_SUFFIXES = re.compile(
	r"(有限责任公司|股份有限公司|有限公司|集团|公司|co\.?,?\s*ltd\.?|ltd\.?|limited|inc\.?|llc|trading co\.?)$",
	re.IGNORECASE,
)


def normalize_name(name: str | None) -> str:
	text = unicodedata.normalize("NFKC", name or "").casefold()
	return _PUNCT.sub(" ", text).strip()


def name_key(name: str | None) -> str:
	"""Sorted tokens, no spaces: 'Smith, John' == 'john smith'; '王 小明' == '王小明'."""
	return "".join(sorted(normalize_name(name).split()))


def normalize_company(name: str | None) -> str:
	text = unicodedata.normalize("NFKC", name or "").casefold().strip()
	text = _COMPANY_SUFFIXES.sub("", text).strip()
	return _PUNCT.sub("", text)


def phone_key(raw: str | None, region: str = "CN") -> str | None:
	if not raw:
		return None
	try:
		return normalize_phone(raw, region)
	except InvalidPhone:
		return None


def name_similarity(a: str | None, b: str | None) -> float:
	"""Best of: names without spaces in their order ('王 小明' ~ '王小明') and as sorted tokens
	('Smith, John' ~ 'john smith')."""
	na, nb = normalize_name(a), normalize_name(b)
	if not na or not nb:
		return 0.0
	return max(fuzz.ratio(na.replace(" ", ""), nb.replace(" ", "")), fuzz.ratio(name_key(a), name_key(b)))


def block_key(rec: Mapping) -> str | None:
	"""Names are compared only within one block: the normalised company, or the city when no company."""
	company = normalize_company(rec.get("company_name"))
	if company:
		return "c:" + company
	city = normalize_name(rec.get("city")).replace(" ", "")
	return "t:" + city if city else None


def find_pairs(
	records: Iterable[Mapping], region: str = "CN", threshold: float = 90
) -> dict[tuple[str, str], str]:
	"""{(name_a, name_b): reason} for every suspected pair (name_a < name_b)."""
	records = list(records)
	pairs: dict[tuple[str, str], str] = {}

	def add(a: str, b: str, reason: str):
		key = (a, b) if a < b else (b, a)
		if a != b and key not in pairs:
			pairs[key] = reason

	for field, keyf, reason in (
		("mobile_no", lambda v: phone_key(v, region), "mobile"),
		("email_id", lambda v: normalize_email(v) or None, "email"),
		("id_number_hash", lambda v: v or None, "id_number"),
	):
		groups = defaultdict(list)
		for rec in records:
			k = keyf(rec.get(field))
			if k:
				groups[k].append(rec["name"])
		for names in groups.values():
			for a, b in combinations(names, 2):
				add(a, b, reason)

	blocks = defaultdict(list)
	for rec in records:
		block = block_key(rec)
		if block:
			blocks[block].append(rec)
	for members in blocks.values():
		for ra, rb in combinations(members, 2):
			if name_similarity(ra.get("full_name"), rb.get("full_name")) >= threshold:
				add(ra["name"], rb["name"], "name")
	return pairs


def suspects_for(record: Mapping, candidates: Iterable[Mapping], region: str = "CN", threshold: float = 90):
	"""[(candidate name, reason)] for one archive against candidate rows (already narrowed by a query)."""
	name = record.get("name") or "__new__"
	rows = [dict(record, name=name), *[c for c in candidates if c["name"] != name]]
	out = []
	for (a, b), reason in find_pairs(rows, region, threshold).items():
		if name in (a, b):
			out.append((b if a == name else a, reason))
	return sorted(out)


def precision_recall(
	found: Iterable[tuple[str, str]], truth: Iterable[tuple[str, str]]
) -> tuple[float, float]:
	found = {tuple(sorted(p)) for p in found}
	truth = {tuple(sorted(p)) for p in truth}
	tp = len(found & truth)
	precision = tp / len(found) if found else 1.0
	recall = tp / len(truth) if truth else 1.0
	return precision, recall
