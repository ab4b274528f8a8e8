"""Customer value: RFM quintile scores, named segments and ABC classes. Pure: no frappe import."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

# The segment rule table: (segment, (r_min, r_max), (f_min, f_max), (m_min, m_max)) on 1–5 scores;
# the FIRST row that matches wins, and the last row matches everything.
SEGMENT_RULES: tuple[tuple[str, tuple[int, int], tuple[int, int], tuple[int, int]], ...] = (
	("Champions", (4, 5), (4, 5), (4, 5)),  # bought recently, often, and much
	("Loyal", (3, 5), (4, 5), (1, 5)),  # buy often, still active
	("New", (4, 5), (1, 1), (1, 5)),  # recent first purchase
	("Potential Loyalist", (4, 5), (2, 3), (1, 5)),  # recent, buying more than once
	("Cannot Lose", (1, 1), (4, 5), (4, 5)),  # were best customers, long gone
	("At Risk", (1, 2), (3, 5), (1, 5)),  # bought often, not lately
	("Hibernating", (1, 2), (1, 2), (1, 5)),  # rarely, long ago (or never)
	("Need Attention", (1, 5), (1, 5), (1, 5)),  # everything in between
)
SEGMENTS: tuple[str, ...] = tuple(rule[0] for rule in SEGMENT_RULES)


def quintile_scores(values: Sequence[float], higher_is_better: bool = True) -> list[int]:
	"""1–5 by percent rank: score = 1 + floor(5 × i / (n − 1)), capped at 5, where i is how many values are
	strictly worse. So the best value scores 5 and the worst 1 even in a small set, ties share a score,
	and a large set splits into five groups of equal size. All-equal values carry no information: 3."""
	n = len(values)
	if n == 0:
		return []
	if len(set(values)) == 1:
		return [3] * n
	ordered = sorted(values) if higher_is_better else sorted(values, reverse=True)
	first_index: dict[float, int] = {}
	for i, v in enumerate(ordered):
		first_index.setdefault(v, i)
	return [min(5, 1 + (5 * first_index[v]) // (n - 1)) for v in values]


def segment(r: int, f: int, m: int) -> str:
	"""Named segment of R, F, M scores: the first matching row of SEGMENT_RULES."""
	for name, (r_lo, r_hi), (f_lo, f_hi), (m_lo, m_hi) in SEGMENT_RULES:
		if r_lo <= r <= r_hi and f_lo <= f <= f_hi and m_lo <= m <= m_hi:
			return name
	return SEGMENT_RULES[-1][0]


# every (r, f, m) → (code, segment), worked out once from SEGMENT_RULES
_SCORED = {
	(r, f, m): (f"{r}-{f}-{m}", segment(r, f, m))
	for r in range(1, 6)
	for f in range(1, 6)
	for m in range(1, 6)
}


def score_in_place(rows: Sequence[dict]) -> None:
	"""Add r, f, m, code and segment to each row (customer, recency_days — None when it never bought —,
	frequency, monetary). In place: a report of 100k customers need not copy its rows."""
	never = 10**9
	recency = [row["recency_days"] for row in rows]
	r_scores = quintile_scores([never if v is None else v for v in recency], False)
	f_scores = quintile_scores([row["frequency"] for row in rows])
	m_scores = quintile_scores([row["monetary"] for row in rows])
	for row, days, r, f, m in zip(rows, recency, r_scores, f_scores, m_scores, strict=True):
		if days is None:
			r = 1
		row["r"], row["f"], row["m"] = r, f, m
		row["code"], row["segment"] = _SCORED[r, f, m]


def rfm(rows: Sequence[Mapping]) -> list[dict]:
	"""rows: customer, recency_days (None = never bought), frequency, monetary → r, f, m, code, segment
	(new dicts; the input rows are left as they were)."""
	out = [dict(row) for row in rows]
	score_in_place(out)
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
