"""How Chinese users type a person's name: pinyin syllables, initials, Simplified and Traditional forms.

Pure (pypinyin and OpenCC only, no frappe). Han characters are converted to Simplified before the
pinyin lookup, so "張偉" and "张伟" read the same; a leading surname uses its surname reading (曾 zeng,
单 shan, 仇 qiu, 欧阳 ouyang …), the given name pypinyin's phrase-aware default. Latin words are kept
whole, lowercase. ü is written "v" (吕 → "lv"), as on a pinyin keyboard.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

from pypinyin import Style, lazy_pinyin

SEARCH_TEXT_MAX = 255

_HAN_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_HAN = re.compile(f"[{_HAN_CLASS}]")
_TOKEN = re.compile(f"[{_HAN_CLASS}]+|[^{_HAN_CLASS}]+")
_APOSTROPHES = re.compile("['’ʼ`]")
_PUNCT = re.compile(r"[\W_]+")
_SPACE_BETWEEN_HAN = re.compile(f"(?<=[{_HAN_CLASS}])\\s+(?=[{_HAN_CLASS}])")
_UNITS = re.compile(f"[{_HAN_CLASS}]|[^{_HAN_CLASS}\\s]+|\\s+")  # a Han character, a word, a space

# Compound surnames, read as surnames (pypinyin reads 尉遲 "wei chi", 萬俟 "wan qi", 單于 "dan yu").
# Checked before the single-character table, so 长孙 is "zhang sun" and 单于 "chan yu".
_COMPOUND_SURNAMES = {
	"欧阳": ("ou", "yang"),
	"歐陽": ("ou", "yang"),
	"司马": ("si", "ma"),
	"司馬": ("si", "ma"),
	"上官": ("shang", "guan"),
	"诸葛": ("zhu", "ge"),
	"諸葛": ("zhu", "ge"),
	"尉迟": ("yu", "chi"),
	"尉遲": ("yu", "chi"),
	"万俟": ("mo", "qi"),
	"萬俟": ("mo", "qi"),
	"长孙": ("zhang", "sun"),
	"長孫": ("zhang", "sun"),
	"澹台": ("tan", "tai"),
	"澹臺": ("tan", "tai"),
	"单于": ("chan", "yu"),
	"單于": ("chan", "yu"),
	"令狐": ("ling", "hu"),
	"皇甫": ("huang", "fu"),
	"东方": ("dong", "fang"),
	"東方": ("dong", "fang"),
	"慕容": ("mu", "rong"),
	"公孙": ("gong", "sun"),
	"公孫": ("gong", "sun"),
	"夏侯": ("xia", "hou"),
	"宇文": ("yu", "wen"),
	"司徒": ("si", "tu"),
	"司空": ("si", "kong"),
	"端木": ("duan", "mu"),
	"轩辕": ("xuan", "yuan"),
	"軒轅": ("xuan", "yuan"),
	"呼延": ("hu", "yan"),
	"闻人": ("wen", "ren"),
	"聞人": ("wen", "ren"),
	"赫连": ("he", "lian"),
	"赫連": ("he", "lian"),
	"申屠": ("shen", "tu"),
	"南宫": ("nan", "gong"),
	"南宮": ("nan", "gong"),
	"西门": ("xi", "men"),
	"西門": ("xi", "men"),
	"独孤": ("du", "gu"),
	"獨孤": ("du", "gu"),
	"钟离": ("zhong", "li"),
	"鍾離": ("zhong", "li"),
	"鐘離": ("zhong", "li"),
	"濮阳": ("pu", "yang"),
	"濮陽": ("pu", "yang"),
	"太史": ("tai", "shi"),
	"拓跋": ("tuo", "ba"),
	"淳于": ("chun", "yu"),
	"乐正": ("yue", "zheng"),
	"樂正": ("yue", "zheng"),
	"谷梁": ("gu", "liang"),
	"穀梁": ("gu", "liang"),
	"鲜于": ("xian", "yu"),
	"鮮于": ("xian", "yu"),
}

# Single-character surnames whose surname reading is not pypinyin's default reading of the character
# (its default is in the comment), and a few common surnames whose reading must not change with the
# given name (the surname is read alone, never as the start of a phrase). Traditional forms too, so the
# table does not depend on the conversion. Not here: 尉 (alone it is Wei, as pypinyin reads it; Yu only
# in 尉迟) and 黑 (dictionaries give only hei).
_SURNAMES = {
	"曾": "zeng",  # ceng
	"单": "shan",  # dan
	"單": "shan",
	"仇": "qiu",  # chou
	"解": "xie",  # jie
	"朴": "piao",  # pu
	"区": "ou",  # qu
	"區": "ou",
	"查": "zha",  # cha
	"盖": "ge",  # gai
	"蓋": "ge",
	"翟": "zhai",  # di
	"乐": "yue",  # le
	"樂": "yue",
	"缪": "miao",  # mou
	"繆": "miao",
	"覃": "qin",  # tan
	"召": "shao",  # zhao
	"折": "she",  # zhe
	"种": "chong",  # zhong
	"種": "chong",
	"秘": "bi",  # mi
	"繁": "po",  # fan
	"员": "yun",  # yuan
	"員": "yun",
	"长": "chang",  # zhang
	"長": "chang",
	"薄": "bo",  # bao
	"隗": "wei",  # kui
	"句": "gou",  # ju
	"阚": "kan",  # han
	"闞": "kan",
	"蕃": "pi",  # fan
	# same as pypinyin's default, listed so the surname is read alone
	"柏": "bai",
	"华": "hua",
	"華": "hua",
	"任": "ren",
	"沈": "shen",
	"宁": "ning",
	"寧": "ning",
	"石": "shi",
	"燕": "yan",
	"那": "na",
	"过": "guo",
	"過": "guo",
	"臧": "zang",
	"纪": "ji",
	"紀": "ji",
}


@cache
def _converter(config: str):
	import opencc

	# the bare name ("t2s"): opencc 1.1 appends ".json", 1.4 looks the name up (either form), and
	# opencc-python-reimplemented, which installs the same module, takes only the bare name
	return opencc.OpenCC(config)


def to_simplified(text: str | None) -> str:
	"""Traditional → Simplified (OpenCC t2s); other text unchanged."""
	if not text or text.isascii():
		return text or ""
	return _converter("t2s").convert(text)


def to_traditional(text: str | None) -> str:
	"""Simplified → Traditional (OpenCC s2t); other text unchanged."""
	if not text or text.isascii():
		return text or ""
	return _converter("s2t").convert(text)


def has_han(text: str | None) -> bool:
	"""True when the text contains a Han character."""
	return bool(text) and _HAN.search(text) is not None


def _tokens(name: str) -> list[str]:
	"""Han runs and Latin words of a name, in order; spaces between Han characters are dropped."""
	text = unicodedata.normalize("NFKC", name).casefold()
	text = _PUNCT.sub(" ", _APOSTROPHES.sub("", text))
	text = _SPACE_BETWEEN_HAN.sub("", text).strip()
	out = []
	for chunk in text.split():
		out.extend(_TOKEN.findall(chunk))
	return out


def _han_pinyin(run: str) -> list[str]:
	return lazy_pinyin(run, style=Style.NORMAL, errors="ignore")


@lru_cache(maxsize=16384)
def _syllables(name: str) -> tuple[str, ...]:
	out: list[str] = []
	for i, token in enumerate(_tokens(name)):
		if not _HAN.match(token):
			out.append(token)
			continue
		run = to_simplified(token)
		if i == 0:  # a leading surname
			if run[:2] in _COMPOUND_SURNAMES:
				out.extend(_COMPOUND_SURNAMES[run[:2]])
				run = run[2:]
			elif run[0] in _SURNAMES:
				out.append(_SURNAMES[run[0]])
				run = run[1:]
		if run:
			out.extend(_han_pinyin(run))
	return tuple(out)


def syllables(name: str | None) -> list[str]:
	"""Lowercase toneless pinyin of each Han character, and each Latin word whole: "张伟" → ["zhang",
	"wei"], "曾小贤" → ["zeng", "xiao", "xian"], "David 王" → ["david", "wang"]."""
	return list(_syllables(name)) if name else []


def initials(name: str | None) -> str:
	"""First letter of each syllable or Latin word: "张伟" → "zw", "欧阳娜娜" → "oynn"."""
	return "".join(s[0] for s in _syllables(name)) if name else ""


def reading_keys_from_pinyin(spaced: str | None, latin: bool) -> set[str]:
	"""reading_keys from spaced syllables (as stored, "zhang wei"); latin: the name has no Han character,
	so its words may come in either order ("Wei Zhang", "Xiao Ming Zhang")."""
	words = (spaced or "").split()
	if not words:
		return set()
	keys = {"".join(words)}
	if latin and len(words) > 1:
		keys.add("".join(reversed(words)))
		keys.add("".join(words[-1:] + words[:-1]))  # surname moved to the end: "Xiao Ming Zhang"
		keys.add("".join(words[1:] + words[:1]))
	return keys


def reading_keys(name: str | None) -> set[str]:
	"""Keys two spellings of the same name share: the joined syllables ("张伟", "張偉", "Zhang Wei" →
	"zhangwei") and, for a name in Latin letters, its words in the other order ("Wei Zhang")."""
	if not name:
		return set()
	return reading_keys_from_pinyin(" ".join(_syllables(name)), latin=not has_han(name))


def search_text(name: str | None) -> str:
	"""One lowercase string that LIKE '%typed%' matches however the name is typed: as stored, Simplified,
	Traditional, joined pinyin, spaced pinyin and initials ("张伟 張偉 zhangwei zhang wei zw"). Parts
	already contained in an earlier part are left out; at most SEARCH_TEXT_MAX characters."""
	stored = " ".join((name or "").split()).lower()
	if not stored:
		return ""
	syl = _syllables(name)
	# each part as (units, joiner), so truncation drops whole characters / syllables
	parts: list[tuple[list[str], str]] = [
		(_UNITS.findall(stored), ""),
		(_UNITS.findall(to_simplified(stored)), ""),
		(_UNITS.findall(to_traditional(stored)), ""),
		(list(syl), ""),
		(list(syl), " "),
		([s[0] for s in syl], ""),
	]
	kept: list[tuple[list[str], str]] = []
	texts: list[str] = []
	for units, joiner in parts:
		text = joiner.join(units)
		if text and not any(text in t for t in texts):
			kept.append((units, joiner))
			texts.append(text)
	total = sum(map(len, texts)) + len(texts) - 1
	while total > SEARCH_TEXT_MAX:
		i = max(range(len(texts)), key=lambda k: (len(texts[k]), k))  # the longest, the later on a tie
		units, joiner = kept[i]
		excess = total - SEARCH_TEXT_MAX
		if len(units) == 1:  # one long word: cut it
			units[0] = units[0][: max(len(units[0]) - excess, 0)]
			if not units[0]:
				units.pop()
		else:
			units.pop()
		texts[i] = joiner.join(units).strip()
		if not texts[i]:
			del kept[i], texts[i]
		total = sum(map(len, texts)) + len(texts) - 1
	return " ".join(texts)


def archive_search_text(full_name: str | None, company_name: str | None = None) -> str:
	"""What an archive stores for search: search_text of the person's name, then the company name
	(lower-case, as typed; both scripts when it is written in Han characters), within SEARCH_TEXT_MAX."""
	text = search_text(full_name)
	company = " ".join((company_name or "").split()).lower()
	if not company:
		return text
	forms = [company]
	if has_han(company):
		forms += [to_simplified(company), to_traditional(company)]
	for form in dict.fromkeys(forms):
		if form in text:
			continue
		room = SEARCH_TEXT_MAX - len(text) - (1 if text else 0)
		if room <= 0:
			break
		text = f"{text} {form[:room]}".strip()
	return text
