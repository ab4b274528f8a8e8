"""Collect the app's user-facing strings (doctype labels/options/descriptions, _() and __() literals)."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "crm_archive"
PY_CALL = re.compile(r"""(?<![\w.])_\(\s*(?P<q>"|')(?P<s>(?:\\.|(?!(?P=q)).)*)(?P=q)\s*[,)]""")
JS_CALL = re.compile(r"""__\(\s*(?P<q>"|'|`)(?P<s>(?:\\.|(?!(?P=q)).)*)(?P=q)\s*[,)]""")
SKIP_DIRS = {"tests", "__pycache__", "public/dist"}


def _unescape(s: str) -> str:
	return s.replace('\\"', '"').replace("\\'", "'").replace("\\n", "\n")


def doctype_strings() -> set[str]:
	out: set[str] = set()
	for path in APP.glob("**/doctype/*/*.json"):
		d = json.loads(path.read_text())
		if d.get("doctype") != "DocType":
			continue
		out.add(d["name"])
		for f in d.get("fields", []):
			for key in ("label", "description"):
				if f.get(key):
					out.add(f[key])
			if f.get("fieldtype") == "Select" and f.get("options"):
				out.update(o for o in f["options"].split("\n") if o.strip())
	for path in APP.glob("**/report/*/*.json"):
		d = json.loads(path.read_text())
		out.add(d["name"])
	for path in APP.glob("**/workspace/*/*.json"):
		d = json.loads(path.read_text())
		out.add(d.get("label") or d["name"])
		for s in (
			d.get("shortcuts", []) + d.get("links", []) + d.get("number_cards", []) + d.get("charts", [])
		):
			if s.get("label"):
				out.add(s["label"])
	return out


def code_strings() -> set[str]:
	out: set[str] = set()
	for path in APP.glob("**/*.py"):
		if path.name.startswith("test_") or "tests" in path.parts:
			continue
		out.update(_unescape(m.group("s")) for m in PY_CALL.finditer(path.read_text()))
	for path in APP.glob("**/*.js"):
		if "dist" in path.parts:
			continue
		out.update(
			_unescape(m.group("s")) for m in JS_CALL.finditer(path.read_text()) if "${" not in m.group("s")
		)
	return out


def all_strings() -> set[str]:
	return {s for s in doctype_strings() | code_strings() if s.strip()}


def translations(lang: str = "zh") -> dict[str, str]:
	path = APP / "translations" / f"{lang}.csv"
	with path.open(newline="", encoding="utf-8") as f:
		return {row[0]: row[1] for row in csv.reader(f) if len(row) >= 2 and row[0]}


if __name__ == "__main__":
	have = translations()
	for s in sorted(all_strings() - set(have)):
		print(json.dumps(s, ensure_ascii=False))
