import pytest

from crm_archive.analysis.value import abc_classes, quintile_scores, rfm, segment


def test_quintiles_rank_ties_and_direction():
	assert quintile_scores([10, 20, 30, 40, 50]) == [1, 2, 3, 4, 5]
	assert quintile_scores([10, 20, 30, 40, 50], higher_is_better=False) == [5, 4, 3, 2, 1]
	assert quintile_scores([5, 5, 9, 1]) == [2, 2, 4, 1]
	assert quintile_scores([7, 7, 7]) == [3, 3, 3]
	assert quintile_scores([]) == []
	scores = quintile_scores(list(range(100)))
	assert scores.count(1) == scores.count(5) == 20


@pytest.mark.parametrize(
	"r,f,m,name",
	[
		(5, 5, 5, "Champions"),
		(3, 4, 2, "Loyal"),
		(5, 1, 1, "New"),
		(4, 3, 3, "Potential Loyalist"),
		(1, 5, 5, "Cannot Lose"),
		(2, 3, 1, "At Risk"),
		(1, 1, 1, "Hibernating"),
		(3, 2, 3, "Need Attention"),
	],
)
def test_segments(r, f, m, name):
	assert segment(r, f, m) == name


def test_rfm_codes_and_never_bought():
	rows = [
		{"customer": "A", "recency_days": 3, "frequency": 12, "monetary": 90000},
		{"customer": "B", "recency_days": 200, "frequency": 1, "monetary": 500},
		{"customer": "C", "recency_days": None, "frequency": 0, "monetary": 0},
		{"customer": "D", "recency_days": 30, "frequency": 5, "monetary": 20000},
		{"customer": "E", "recency_days": 90, "frequency": 2, "monetary": 3000},
	]
	out = {r["customer"]: r for r in rfm(rows)}
	assert out["A"]["code"] == "5-5-5" and out["A"]["segment"] == "Champions"
	assert out["C"]["r"] == 1 and out["C"]["segment"] == "Hibernating"
	assert out["B"]["r"] == 2


def test_abc_cuts():
	values = {"a": 700, "b": 150, "c": 100, "d": 50, "e": 0, "f": -20}
	assert abc_classes(values) == {"a": "A", "b": "B", "c": "B", "d": "C", "e": "C", "f": "C"}
	assert abc_classes({"x": 1, "y": 1}, 0.5, 0.9) == {"x": "A", "y": "B"}
	assert abc_classes({"x": 0}) == {"x": "C"}
	with pytest.raises(ValueError):
		abc_classes(values, 0.9, 0.7)
