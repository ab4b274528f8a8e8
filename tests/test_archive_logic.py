from datetime import date, datetime

import pytest

from crm_archive.archive import rules as a


@pytest.mark.parametrize(
	"headcount,band",
	[
		(None, ""),
		(0, "Small"),
		(49, "Small"),
		(50, "Medium"),
		(500, "Medium"),
		(501, "Large"),
		(10**6, "Large"),
	],
)
def test_size_band_boundaries(headcount, band):
	assert a.size_band(headcount) == band


def test_size_band_rejects_negative():
	with pytest.raises(ValueError):
		a.size_band(-1)


def test_age_before_and_after_birthday():
	dob = date(1990, 6, 15)
	assert a.age_on(dob, date(2026, 6, 14)) == 35
	assert a.age_on(dob, date(2026, 6, 15)) == 36
	assert a.age_on(None, date(2026, 1, 1)) is None


def test_age_leap_day():
	assert a.age_on(date(2000, 2, 29), date(2026, 2, 28)) == 25
	assert a.age_on(date(2000, 2, 29), date(2026, 3, 1)) == 26


def test_completeness_counts_only_filled_key_fields():
	assert a.completeness({}) == 0.0
	half = {f: "x" for f in a.KEY_FIELDS[: len(a.KEY_FIELDS) // 2]}
	assert a.completeness(half) == 50.0
	assert a.completeness({f: "x" for f in a.KEY_FIELDS}) == 100.0
	assert a.completeness({"full_name": "   "}, ["full_name"]) == 0.0
	assert a.completeness({"headcount": 0}, ["headcount"]) == 100.0


@pytest.mark.parametrize("email", ["li.lei@example.com", "A+b@sub.example.cn", "x@y.io"])
def test_valid_emails(email):
	assert a.is_valid_email(email)


@pytest.mark.parametrize("email", ["", "plain", "a@b", "a@@b.com", "a b@c.com", "<script>@x.com", "a@-b.com"])
def test_invalid_emails(email):
	assert not a.is_valid_email(email)


@pytest.mark.parametrize(
	"raw,region,e164",
	[
		("138 1234 5678", "CN", "+8613812345678"),
		("+86 138-1234-5678", "CN", "+8613812345678"),
		("008613812345678", "CN", "+8613812345678"),
		("(010) 6552 9988", "CN", "+861065529988"),
		("+1 415 555 2671", "CN", "+14155552671"),
		("020 7946 0958", "GB", "+442079460958"),
	],
)
def test_normalize_phone(raw, region, e164):
	assert a.normalize_phone(raw, region) == e164


@pytest.mark.parametrize("raw", ["", "abc", "12", "138123456789999", "+86 000"])
def test_invalid_phone(raw):
	with pytest.raises(a.InvalidPhone):
		a.normalize_phone(raw, "CN")


MOBILE = "+8613094292574"


@pytest.mark.parametrize(
	"raw",
	[
		"(+86)13094292574",
		"（+86）13094292574",  # full-width brackets, as a Chinese IME types them
		"(0086) 130 9429 2574",
		"+(86) 130 9429 2574",
		"+86 130-9429-2574",
		"+86-130-9429-2574",
		"0086 13094292574",
		"0086-130-9429-2574",
		"130 9429 2574",
		"13094292574",
		"１３０９４２９２５７４",  # full-width digits
		"＋８６　１３０　９４２９　２５７４",  # full-width plus, ideographic spaces
		"130－9429－2574",  # full-width hyphen
		"130—9429—2574",  # em dash
		"130–9429–2574",  # en dash
		"86 13094292574",  # the country code without + or 00: only one reading is a number
		"8613094292574",
		"86-130-9429-2574",
		" 130 9429 2574\t",
		"+86 (130) 9429 2574",
	],
)
def test_every_common_chinese_way_of_writing_a_mobile(raw):
	assert a.normalize_phone(raw, "CN") == MOBILE


@pytest.mark.parametrize(
	"raw,reason",
	[
		("", "empty"),
		("1309429257A", "characters"),
		("１３０ＡＢＣＤ", "characters"),  # full-width letters are letters too: never a keypad
		("130-FLOWERS", "characters"),
		("130 9429 257", "too_short"),
		("130 9429 25741", "too_long"),
		("+86 000", "too_short"),
		("(+999) 130 9429 2574", "country_code"),
		("100 0000 0000", "invalid"),
	],
)
def test_an_invalid_mobile_is_refused_with_its_reason(raw, reason):
	with pytest.raises(a.InvalidPhone) as e:
		a.normalize_phone(raw, "CN")
	assert e.value.reason == reason


def test_interaction_date_problem():
	now = datetime(2026, 11, 24, 10, 0)
	assert a.interaction_date_problem(datetime(1899, 12, 31), now, 366) == "too_early"
	assert a.interaction_date_problem(datetime(1900, 1, 1), now, 366) is None
	assert a.interaction_date_problem(datetime(2027, 11, 25, 10, 0), now, 366) is None
	assert a.interaction_date_problem(datetime(2027, 11, 25, 10, 1), now, 366) == "too_late"


def test_summarize_interactions_latest_plan_wins():
	rows = [
		{"name": "A", "interaction_datetime": datetime(2026, 1, 1), "next_follow_up_date": date(2026, 2, 1)},
		{"name": "B", "interaction_datetime": datetime(2026, 3, 1), "next_follow_up_date": date(2026, 4, 1)},
		{"name": "C", "interaction_datetime": datetime(2026, 2, 1), "next_follow_up_date": None},
	]
	assert a.summarize_interactions(rows) == (datetime(2026, 3, 1), date(2026, 4, 1))
	rows.append({"name": "D", "interaction_datetime": datetime(2026, 5, 1), "next_follow_up_date": None})
	assert a.summarize_interactions(rows) == (datetime(2026, 5, 1), None)
	assert a.summarize_interactions([]) == (None, None)


def test_a_country_code_without_plus_is_read_only_when_unambiguous():
	# in Germany 49768685927 is a number as written and, read as +49 768685927, another one
	with pytest.raises(a.InvalidPhone) as e:
		a.normalize_phone("49768685927", "DE")
	assert e.value.reason == "ambiguous"
	assert a.normalize_phone("+49768685927", "DE") == "+49768685927"
	assert a.normalize_phone("86 13094292574", "CN") == MOBILE  # a Chinese mobile has one reading
