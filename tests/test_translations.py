"""The Chinese UI is complete: every user-facing string of the app has a zh translation."""

import csv

from i18n_strings import APP, all_strings, translations


def test_every_string_has_a_zh_translation():
	missing = sorted(all_strings() - set(translations("zh")))
	assert not missing, f"{len(missing)} strings lack a zh translation in translations/zh.csv: {missing[:20]}"


def test_translations_keep_placeholders():
	for source, target in translations("zh").items():
		for i in range(5):
			placeholder = "{" + str(i) + "}"
			assert (placeholder in source) == (placeholder in target), (source, target)


def test_zh_csv_is_well_formed():
	with (APP / "translations" / "zh.csv").open(newline="", encoding="utf-8") as f:
		rows = list(csv.reader(f))
	assert rows
	sources = [r[0] for r in rows]
	assert len(sources) == len(set(sources)), "duplicate source strings"
	assert all(len(r) >= 2 and r[1].strip() for r in rows), "empty translation"
