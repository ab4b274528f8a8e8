from datetime import date, datetime

from crm_archive.reminders.due import due_reasons, next_birthday

TODAY = date(2026, 11, 24)


def reasons(**row):
	base = {"creation": datetime(2026, 11, 1), "modified": datetime(2026, 11, 20)}
	base.update(row)
	return due_reasons(base, TODAY, 30, True, 7, 180)


def test_follow_up_due_today_or_past():
	assert "follow_up" in reasons(next_follow_up_date=TODAY)
	assert "follow_up" in reasons(next_follow_up_date=date(2026, 11, 1))
	assert "follow_up" not in reasons(next_follow_up_date=date(2026, 11, 25))


def test_cadence_by_tier_interval():
	assert "cadence" not in reasons(last_interaction_date=datetime(2026, 10, 25, 9))  # 30 days: not yet
	assert "cadence" in reasons(last_interaction_date=datetime(2026, 10, 24, 9))  # 31 days
	assert "cadence" in reasons(creation=datetime(2026, 1, 1))  # never contacted since creation
	assert "cadence" not in due_reasons({"last_interaction_date": date(2020, 1, 1)}, TODAY, 0, False, 7, 0)


def test_birthday_window_and_leap_day():
	assert "birthday" in reasons(date_of_birth=date(1990, 11, 30))
	assert "birthday" in reasons(date_of_birth=date(1990, 12, 1))  # exactly 7 days ahead
	assert "birthday" not in reasons(date_of_birth=date(1990, 12, 2))
	assert "birthday" not in due_reasons({"date_of_birth": date(1990, 11, 30)}, TODAY, 0, False, 7, 0)
	assert next_birthday(date(2000, 2, 29), date(2027, 2, 1)) == date(2027, 3, 1)
	assert next_birthday(date(1990, 1, 5), TODAY) == date(2027, 1, 5)


def test_review_after_days_without_update():
	assert "review" in reasons(modified=datetime(2026, 5, 1))
	assert "review" not in reasons(modified=datetime(2026, 6, 1))
