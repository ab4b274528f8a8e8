"""Which reminders an archive is due, as of a date. Pure: the daily job feeds it rows.

Reasons (each gives at most one open ToDo per archive; the job closes a ToDo whose reason has gone):
- follow_up: the next follow-up date is today or past;
- cadence:   no interaction for longer than the tier's follow-up interval (VIP cadence);
- birthday:  a birthday within `birthday_days` for tiers with birthday greetings;
- review:    the archive itself not updated for `review_days`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

REASONS = ("follow_up", "cadence", "birthday", "review")


def _d(value) -> date | None:
	if value is None or value == "":
		return None
	if isinstance(value, datetime):
		return value.date()
	return value


def next_birthday(date_of_birth: date, today: date) -> date:
	for year in (today.year, today.year + 1):
		try:
			candidate = date_of_birth.replace(year=year)
		except ValueError:  # 29 February in a common year: greet on 1 March
			candidate = date(year, 3, 1)
		if candidate >= today:
			return candidate
	raise AssertionError("unreachable")


def due_reasons(
	row: dict,
	today: date,
	interval_days: int | None,
	birthday_greeting: bool,
	birthday_days: int,
	review_days: int,
) -> list[str]:
	"""Reasons the archive in `row` needs a reminder (row: next_follow_up_date, last_interaction_date,
	date_of_birth, modified, creation)."""
	out = []
	follow = _d(row.get("next_follow_up_date"))
	if follow and follow <= today:
		out.append("follow_up")
	if interval_days and interval_days > 0:
		last = _d(row.get("last_interaction_date")) or _d(row.get("creation"))
		if last and (today - last).days > interval_days:
			out.append("cadence")
	dob = _d(row.get("date_of_birth"))
	if birthday_greeting and dob and birthday_days >= 0:
		if (next_birthday(dob, today) - today) <= timedelta(days=birthday_days):
			out.append("birthday")
	modified = _d(row.get("modified"))
	if review_days and review_days > 0 and modified and (today - modified).days > review_days:
		out.append("review")
	return out
