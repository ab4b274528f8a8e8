"""Names the way Chinese users type them: pinyin, initials, Simplified / Traditional, search text."""

import re

import pytest

from crm_archive.archive.reading import (
	SEARCH_TEXT_MAX,
	has_han,
	initials,
	reading_keys,
	reading_keys_from_pinyin,
	search_text,
	syllables,
	to_simplified,
	to_traditional,
)


@pytest.mark.parametrize(
	"name, expected",
	[
		("张伟", "zhang wei"),
		("張偉", "zhang wei"),
		("王晓明", "wang xiao ming"),
		("王曉明", "wang xiao ming"),
		("欧阳娜娜", "ou yang na na"),
		("歐陽娜娜", "ou yang na na"),
		("尉迟恭", "yu chi gong"),
		("尉遲恭", "yu chi gong"),  # pypinyin alone reads the Traditional form "wei chi"
		("长孙无忌", "zhang sun wu ji"),  # the compound wins over 长 chang
		("單于", "chan yu"),
		("吕伟", "lv wei"),  # ü typed as v
		("王重阳", "wang chong yang"),  # the given name is read as a phrase
		("王 小明", "wang xiao ming"),
		("　张伟 ", "zhang wei"),
	],
)
def test_syllables_han(name, expected):
	assert syllables(name) == expected.split()


@pytest.mark.parametrize(
	"name, expected",
	[
		("曾小贤", "zeng xiao xian"),  # pypinyin: ceng
		("单田芳", "shan tian fang"),  # dan
		("單田芳", "shan tian fang"),
		("仇英", "qiu ying"),  # chou
		("解缙", "xie jin"),  # jie
		("朴树", "piao shu"),  # pu
		("区家麟", "ou jia lin"),  # qu
		("查良镛", "zha liang yong"),  # cha
		("翟天临", "zhai tian lin"),  # di
		("覃海洋", "qin hai yang"),  # tan
		("缪杰", "miao jie"),  # mou
		("长江", "chang jiang"),  # zhang
		("阚丽", "kan li"),  # han
		("薄熙", "bo xi"),  # bao
		("曾", "zeng"),
	],
)
def test_polyphonic_surnames(name, expected):
	assert syllables(name) == expected.split()


def test_only_the_leading_surname_uses_the_surname_reading():
	assert syllables("李单") == ["li", "dan"]
	assert syllables("David 曾")[0] == "david"


def test_syllables_latin_and_mixed():
	assert syllables("Zhang Wei") == ["zhang", "wei"]
	assert syllables("  JOHN   O'Brien-Smith ") == ["john", "obrien", "smith"]
	assert syllables("Ｚｈａｎｇ　Ｗｅｉ") == ["zhang", "wei"]  # full width
	assert syllables("David 王") == ["david", "wang"]
	assert syllables("王小明abc") == ["wang", "xiao", "ming", "abc"]
	assert syllables("阿沛·阿旺晋美") == ["a", "pei", "a", "wang", "jin", "mei"]


@pytest.mark.parametrize("empty", [None, "", "   ", "·", "--"])
def test_empty_input(empty):
	assert syllables(empty) == []
	assert initials(empty) == ""
	assert search_text(empty) == (empty or "").strip()  # only the name as stored
	assert reading_keys(empty) == set()


def test_initials():
	assert initials("张伟") == "zw"
	assert initials("張偉") == "zw"
	assert initials("欧阳娜娜") == "oynn"
	assert initials("曾小贤") == "zxx"
	assert initials("Zhang Wei") == "zw"
	assert initials("Mary Jane Smith") == "mjs"
	assert initials("David 王") == "dw"


def test_simplified_traditional():
	assert to_simplified("張偉") == "张伟"
	assert to_traditional("张伟") == "張偉"
	assert to_simplified("歐陽娜娜") == "欧阳娜娜"
	assert to_traditional("Zhang Wei") == "Zhang Wei"
	assert to_simplified(None) == to_traditional("") == ""
	assert has_han("David 王") and not has_han("Zhang Wei") and not has_han(None)


def test_search_text_has_every_typed_form():
	assert search_text("张伟") == "张伟 張偉 zhangwei zhang wei zw"
	for stored in ("张伟", "張偉"):
		text = search_text(stored).lower()
		for typed in ("zhangwei", "zhang wei", "zw", "张伟", "張偉", "ZhangWei", "ZW"):
			assert typed.lower() in text, (stored, typed)


def test_search_text_latin_and_others():
	text = search_text("Zhang Wei")
	assert text == text.lower()
	for typed in ("zhang wei", "zhangwei", "zw"):
		assert typed in text
	assert search_text("欧阳娜娜") == "欧阳娜娜 歐陽娜娜 ouyangnana ou yang na na oynn"
	assert "zengxiaoxian" in search_text("曾小贤") and "zxx" in search_text("曾小賢")
	assert search_text("王") == "王 wang"  # "w" is already in "wang"
	text = search_text("David 王")
	assert "david 王" in text and "davidwang" in text and "david wang" in text


def test_search_text_is_bounded_and_cut_at_syllables():
	text = search_text("欧阳" + "娜" * 200)
	assert len(text) <= SEARCH_TEXT_MAX
	assert "欧阳娜娜" in text and "歐陽娜娜" in text and "ouyangnana" in text and "ou yang na" in text
	parts = text.split(" ")
	joined = [p for p in parts if p.startswith("ouyang")]
	assert joined and all(re.fullmatch(r"ouyang(na)*", p) for p in joined)  # no half syllable
	assert all(p in {"ou", "yang", "na"} for p in parts if p.isascii() and len(p) <= 4)
	assert len(search_text("A" * 400)) == SEARCH_TEXT_MAX
	long_latin = " ".join(["Wolfeschlegelsteinhausen"] * 20)
	text = search_text(long_latin)
	assert len(text) <= SEARCH_TEXT_MAX and text.startswith("wolfeschlegelsteinhausen wolf")


def test_reading_keys_shared_by_spellings_of_one_name():
	spellings = ["张伟", "張偉", "Zhang Wei", "Wei Zhang", "ZHANG wei", "zhangwei"]
	for a in spellings:
		for b in spellings:
			assert "zhangwei" in reading_keys(a) & reading_keys(b)
	assert reading_keys("王小明") & reading_keys("王晓明") == {"wangxiaoming"}
	assert reading_keys("张晓明") & reading_keys("Xiao Ming Zhang") == {"zhangxiaoming"}
	assert reading_keys("张晓明") & reading_keys("Xiaoming Zhang") == {"zhangxiaoming"}
	assert reading_keys("欧阳娜娜") & reading_keys("Nana Ouyang") == {"ouyangnana"}
	assert reading_keys("曾小贤") & reading_keys("Zeng Xiaoxian")


def test_reading_keys_do_not_reverse_han_names():
	assert reading_keys("张伟") == {"zhangwei"}
	assert not reading_keys("张伟") & reading_keys("魏章")  # wei zhang: another name
	assert not reading_keys("王小明") & reading_keys("王小敏")


def test_reading_keys_from_stored_pinyin():
	for name in ("张伟", "Wei Zhang", "Xiao Ming Zhang", "欧阳娜娜", "David 王", "O'Brien, Pat"):
		assert reading_keys_from_pinyin(" ".join(syllables(name)), not has_han(name)) == reading_keys(name)
	assert reading_keys_from_pinyin("zhang wei", latin=False) == {"zhangwei"}
	assert reading_keys_from_pinyin("zhang wei", latin=True) == {"zhangwei", "weizhang"}
	assert reading_keys_from_pinyin("", latin=True) == reading_keys_from_pinyin(None, latin=False) == set()
