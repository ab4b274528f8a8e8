"""Pure rules about one customer archive: derived fields, data checks, interaction summary.

Nothing here imports frappe, so the rules are unit-tested in milliseconds (tests/test_archive_logic.py)
and the doctype controllers only read fields, call these functions and write the results.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta

SMALL_MAX = 49  # Small  < 50
MEDIUM_MAX = 500  # Medium 50–500, Large > 500

# Fields whose presence makes an archive useful to a sales team; the completeness score is their share.
KEY_FIELDS = (
	"full_name",
	"gender",
	"date_of_birth",
	"occupation",
	"mobile_no",
	"email_id",
	"company_name",
	"industry",
	"territory",
	"city",
	"first_contact_date",
	"first_contact_channel",
	"functional_needs",
	"price_preference",
	"account_manager",
	"customer",
)

EARLIEST_INTERACTION = datetime(1900, 1, 1)

_EMAIL_RE = re.compile(
	r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)


class InvalidPhone(ValueError):
	"""The text is not a phone number that can be dialled in the given region; `reason` says why (one of
	PHONE_REASONS), for a message a person understands."""

	def __init__(self, reason: str, detail: str = ""):
		super().__init__(detail or reason)
		self.reason = reason


PHONE_REASONS = ("empty", "characters", "too_short", "too_long", "country_code", "ambiguous", "invalid")


def size_band(headcount: int | None) -> str:
	"""Company size band from headcount: Small < 50, Medium 50–500, Large > 500; '' when unknown."""
	if headcount is None or headcount == "":
		return ""
	headcount = int(headcount)
	if headcount < 0:
		raise ValueError("headcount must not be negative")
	if headcount <= SMALL_MAX:
		return "Small"
	if headcount <= MEDIUM_MAX:
		return "Medium"
	return "Large"


def age_on(date_of_birth: date | None, today: date) -> int | None:
	"""Whole years between the birth date and today (None when no birth date)."""
	if not date_of_birth:
		return None
	years = today.year - date_of_birth.year
	if (today.month, today.day) < (date_of_birth.month, date_of_birth.day):
		years -= 1
	return max(years, 0)


def completeness(values: Mapping[str, object], fields: Iterable[str] = KEY_FIELDS) -> float:
	"""Share of key fields that hold a value, as a percentage rounded to one decimal."""
	fields = tuple(fields)
	if not fields:
		return 100.0
	filled = sum(1 for f in fields if _has_value(values.get(f)))
	return round(100.0 * filled / len(fields), 1)


def _has_value(value: object) -> bool:
	if value is None:
		return False
	if isinstance(value, str):
		return bool(value.strip())
	if isinstance(value, list | tuple):
		return bool(value)
	return True


def is_valid_email(email: str) -> bool:
	email = (email or "").strip()
	return len(email) <= 254 and bool(_EMAIL_RE.match(email))


def normalize_email(email: str | None) -> str:
	return (email or "").strip().lower()


_PHONE_CHARS = re.compile(r"^\+?[0-9 ().\-]+$")
# dashes a Chinese IME or a word processor puts between digit groups (NFKC leaves them as they are)
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\ufe58\ufe63"), "-")
# "(+86)", "（+86）", "(0086)", "+(86)": a country code in brackets, marked international by + or 00 —
# not "(010)", a bracketed area code
_BRACKETED_CODE = re.compile(r"^(\+?)\(\s*(\+|00)?\s*(\d{1,3})\s*\)\s*")


def clean_phone_text(raw: str) -> str:
	"""The text as typed, with full-width digits, brackets, plus signs and spaces made ASCII (NFKC), dash
	variants made "-", runs of spaces one space, and a bracketed international country code written
	"+86 ". Letters stay letters (they are refused, never read as a keypad)."""
	text = unicodedata.normalize("NFKC", raw or "").translate(_DASHES)
	text = re.sub(r"\s+", " ", text).strip()
	m = _BRACKETED_CODE.match(text)
	if m and (m.group(1) or m.group(2)):
		text = f"+{m.group(3)} {text[m.end() :]}"
	return text


def normalize_phone(raw: str, region: str = "CN") -> str:
	"""The E.164 form of a phone number (+8613812345678) or InvalidPhone with its reason.

	Accepted as Chinese users write them: spaces, dashes (any kind), dots, brackets, full-width digits
	and signs, a leading +, 00 or bracketed (+86) country code, and the country code without + when only
	that reading is a number ("86 13094292574"); the region applies to numbers written without a country
	code. Letters are refused: phonenumbers would read them as a keypad's digits (1-800-FLOWERS) and store
	a number nobody typed.
	"""
	import phonenumbers
	from phonenumbers import NumberParseException as E
	from phonenumbers import ValidationResult as V

	region = (region or "CN").upper()
	text = clean_phone_text(raw)
	if not text:
		raise InvalidPhone("empty")
	if not _PHONE_CHARS.match(text):
		raise InvalidPhone(
			"characters", "only digits, spaces, dashes, dots, brackets and a leading + are allowed"
		)
	if text.startswith("00"):
		text = "+" + text[2:]
	if not text.startswith("+") and _both_readings_valid(text, region):
		raise InvalidPhone("ambiguous", "valid with and without the country code")
	try:
		number = phonenumbers.parse(text, region)
	except E as e:
		reason = {
			E.INVALID_COUNTRY_CODE: "country_code",
			E.NOT_A_NUMBER: "characters",
			E.TOO_SHORT_AFTER_IDD: "too_short",
			E.TOO_SHORT_NSN: "too_short",
			E.TOO_LONG: "too_long",
		}.get(e.error_type, "invalid")
		raise InvalidPhone(reason, str(e)) from None
	if not phonenumbers.is_valid_number(number):
		reasons = {V.TOO_SHORT: "too_short", V.TOO_LONG: "too_long", V.INVALID_COUNTRY_CODE: "country_code"}
		possible = phonenumbers.is_possible_number_with_reason(number)
		as_mobile = phonenumbers.is_possible_number_for_type_with_reason(
			number, phonenumbers.PhoneNumberType.MOBILE
		)
		raise InvalidPhone(reasons.get(possible) or reasons.get(as_mobile) or "invalid", "not a valid number")
	return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _both_readings_valid(text: str, region: str) -> bool:
	"""Digits that start with the region's country code (86…) but carry no + or 00: a number both as
	written (national) and with the code read as the country code? Then which was meant is unknowable."""
	import phonenumbers

	digits = re.sub(r"\D", "", text)
	code = phonenumbers.country_code_for_region(region)
	if not code or not digits.startswith(str(code)) or digits.startswith("0"):
		return False
	national = phonenumbers.PhoneNumber(country_code=code, national_number=int(digits))
	try:
		international = phonenumbers.parse("+" + digits, region)
	except phonenumbers.NumberParseException:
		return False
	return phonenumbers.is_valid_number(national) and phonenumbers.is_valid_number(international)


def interaction_date_problem(when: datetime, now: datetime, max_future_days: int) -> str | None:
	"""Why an interaction's date is absurd ('too_early' / 'too_late'), or None when it is fine."""
	if when < EARLIEST_INTERACTION:
		return "too_early"
	if when > now + timedelta(days=max_future_days):
		return "too_late"
	return None


def summarize_interactions(rows: Iterable[Mapping]) -> tuple[datetime | None, date | None]:
	"""(last interaction datetime, next follow-up date) of one archive's interactions.

	The latest interaction wins: its next follow-up date is the plan in force, so a later interaction
	without one means no follow-up is planned any more. Ties on the datetime take the later name.
	"""
	latest = None
	for row in rows:
		key = (row["interaction_datetime"], row.get("name") or "")
		if latest is None or key > latest[0]:
			latest = (key, row)
	if latest is None:
		return None, None
	row = latest[1]
	return row["interaction_datetime"], row.get("next_follow_up_date") or None


# --- ID numbers ---------------------------------------------------------------------------------------

RESIDENT_ID = "Resident Identity Card"  # 居民身份证 (GB 11643-1999)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def resident_id_check_digit(first17: str) -> str:
	"""The GB 11643 check character (ISO 7064 MOD 11-2) of the first 17 digits."""
	return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def resident_id_problem(value: str, date_of_birth: date | None = None) -> str | None:
	"""Why a mainland resident ID number is wrong, or None: 'length' (18 characters), 'format' (17
	digits and a digit or X), 'birth_date' (characters 7-14 are no real date), 'check_digit', 'dob'
	(it disagrees with the archive's Date of Birth)."""
	text = "".join((value or "").split()).upper()
	if len(text) != 18:
		return "length"
	if not (text[:17].isdigit() and (text[17].isdigit() or text[17] == "X")):
		return "format"
	try:
		born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
	except ValueError:
		return "birth_date"
	if born.year < 1850:
		return "birth_date"
	if resident_id_check_digit(text[:17]) != text[17]:
		return "check_digit"
	if date_of_birth and born != date_of_birth:
		return "dob"
	return None


def resident_id_birth_date(value: str) -> date:
	text = "".join(value.split())
	return date(int(text[6:10]), int(text[10:12]), int(text[12:14]))


# --- plausible dates ----------------------------------------------------------------------------------

OLDEST_AGE_YEARS = 130
EARLIEST_CONTACT = date(1900, 1, 1)


def birth_date_problem(born: date, today: date) -> str | None:
	"""'future' or 'too_early' (more than OLDEST_AGE_YEARS ago), or None."""
	if born > today:
		return "future"
	if today.year - born.year > OLDEST_AGE_YEARS:
		return "too_early"
	return None


def contact_date_problem(when: date, today: date) -> str | None:
	"""A first contact is not in the future, nor before 1900."""
	if when > today:
		return "future"
	if when < EARLIEST_CONTACT:
		return "too_early"
	return None
