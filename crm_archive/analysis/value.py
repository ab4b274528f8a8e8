"""Customer value: RFM quintile scores, named segments and ABC classes. Pure: no frappe import."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

SEGMENTS = (
	"Champions",
	"Loyal",
	"New",
	"Potential Loyalist",
	"Cannot Lose",
	"At Risk",
	"Hibernating",
	"Need Attention",
)


def quintile_scores(values: Sequence[float], higher_is_better: bool = True) -> list[int]:
	"""1–5 by rank: score = 1 + floor(5 × share of values strictly worse), so ties share a score.
	All-equal values carry no information and score 3."""
	n = len(values)
	if n == 0:
		return []
	if len(set(values)) == 1:
		return [3] * n
	ordered = sorted(values) if higher_is_better else sorted(values, reverse=True)
	first_index: dict[float, int] = {}
	for i, v in enumerate(ordered):
		first_index.setdefault(v, i)
	return [min(5, 1 + (5 * first_index[v]) // n) for v in values]


def segment(r: int, f: int, m: int) -> str:
	"""Named segment; the first matching row of this table wins."""
	if r >= 4 and f >= 4 and m >= 4:
		return "Champions"
	if f >= 4 and r >= 3:
		return "Loyal"
	if r >= 4 and f <= 1:
		return "New"
	if r >= 4 and f <= 3:
		return "Potential Loyalist"
	if r == 1 and f >= 4 and m >= 4:
		return "Cannot Lose"
	if r <= 2 and f >= 3:
		return "At Risk"
	if r <= 2 and f <= 2:
		return "Hibernating"
	return "Need Attention"


def rfm(rows: Sequence[Mapping]) -> list[dict]:
	"""rows: customer, recency_days (None = never bought), frequency, monetary → r, f, m, code, segment."""
	never = 10**9
	r_scores = quintile_scores(
		[row["recency_days"] if row["recency_days"] is not None else never for row in rows], False
	)
	f_scores = quintile_scores([row["frequency"] for row in rows])
	m_scores = quintile_scores([row["monetary"] for row in rows])
	out = []
	for row, r, f, m in zip(rows, r_scores, f_scores, m_scores, strict=True):
		if row["recency_days"] is None:
			r = 1
		out.append({**row, "r": r, "f": f, "m": m, "code": f"{r}-{f}-{m}", "segment": segment(r, f, m)})
	return out


def abc_classes(values: Mapping[str, float], a_share: float = 0.7, b_share: float = 0.9) -> dict[str, str]:
	"""A while the cumulative share before a customer is < a_share, B while < b_share, else C;
	customers with no positive value are C."""
	if not (0 < a_share < b_share <= 1):
		raise ValueError("need 0 < a_share < b_share <= 1")
	total = sum(v for v in values.values() if v > 0)
	out = {k: "C" for k in values}
	if total <= 0:
		return out
	running = 0.0
	for key, value in sorted(values.items(), key=lambda kv: (-kv[1], kv[0])):
		if value <= 0:
			break
		share = running / total
		out[key] = "A" if share < a_share else "B" if share < b_share else "C"
		running += value
	return out
