import pytest

from crm_archive.analysis.value import SEGMENT_RULES, SEGMENTS, abc_classes, quintile_scores, rfm, segment


def test_quintiles_rank_ties_and_direction():
	assert quintile_scores([10, 20, 30, 40, 50]) == [1, 2, 3, 4, 5]
	assert quintile_scores([10, 20, 30, 40, 50], higher_is_better=False) == [5, 4, 3, 2, 1]
	assert quintile_scores([5, 5, 9, 1]) == [2, 2, 5, 1]  # ties share the lower score
	assert quintile_scores([7, 7, 7]) == [3, 3, 3]
	assert quintile_scores([]) == []
	scores = quintile_scores(list(range(100)))
	assert [scores.count(s) for s in range(1, 6)] == [20, 20, 20, 20, 20]


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


def test_segment_table_covers_every_score_and_every_segment_is_reachable():
	seen = {segment(r, f, m) for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)}
	assert seen == set(SEGMENTS)
	assert SEGMENT_RULES[-1][1:] == ((1, 5), (1, 5), (1, 5))  # the catch-all row is last
	# first match wins: 5-5-5 is also "Loyal" by its ranges, but Champions comes first
	assert segment(5, 5, 5) == "Champions" and segment(5, 5, 3) == "Loyal"
	assert segment(2, 5, 5) == "At Risk" and segment(1, 5, 5) == "Cannot Lose"


def test_quintiles_small_sets():
	# the best of a small set scores 5, the worst 1
	assert quintile_scores([100, 0]) == [5, 1]
	assert quintile_scores([1, 2, 3], higher_is_better=False) == [5, 3, 1]
	assert quintile_scores([0, 0, 0, 0, 10]) == [1, 1, 1, 1, 5]
	assert quintile_scores([10, 20, 30, 40, 50, 60]) == [1, 2, 3, 4, 5, 5]


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
	assert out["D"]["code"] == "4-4-4" and out["D"]["segment"] == "Champions"
	assert out["E"]["code"] == "3-3-3" and out["E"]["segment"] == "Need Attention"
	assert [r["customer"] for r in rfm(rows)] == ["A", "B", "C", "D", "E"]  # order kept


def test_abc_cuts():
	values = {"a": 700, "b": 150, "c": 100, "d": 50, "e": 0, "f": -20}
	assert abc_classes(values) == {"a": "A", "b": "B", "c": "B", "d": "C", "e": "C", "f": "C"}
	assert abc_classes({"x": 1, "y": 1}, 0.5, 0.9) == {"x": "A", "y": "B"}
	assert abc_classes({"x": 0}) == {"x": "C"}
	assert abc_classes({}) == {}
	# the customer that crosses the A share is still A (share *before* adding it is below 70 %)
	assert abc_classes({"p": 60, "q": 30, "r": 10}) == {"p": "A", "q": "A", "r": "C"}
	# equal values: ties broken by key, so the result is stable
	assert abc_classes({"b": 50, "a": 50}, 0.5, 0.9) == {"a": "A", "b": "B"}
	with pytest.raises(ValueError):
		abc_classes(values, 0.9, 0.7)
