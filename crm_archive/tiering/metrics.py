"""Purchase metrics of one customer as of a date, from one aggregate row. Pure: no frappe import."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

# Predicted by the nightly CLV refresh and read from the archive (not from the invoice aggregate).
PREDICTION_NAMES: tuple[str, ...] = ("p_alive", "expected_purchases_90d", "clv_12m")
# Names a tier condition expression may use.
METRIC_NAMES: tuple[str, ...] = (
	"window_spend",
	"lifetime_spend",
	"invoice_count",
	"lifetime_invoice_count",
	"recency_days",
	"average_order_value",
	"days_since_first_purchase",
	*PREDICTION_NAMES,
)

_CENT = Decimal("0.01")


def money(value) -> float:
	"""Round to cents half-up, so 0.1 + 0.2 is exactly 0.3 when compared with a threshold."""
	if value is None:
		return 0.0
	return float(Decimal(str(value)).quantize(_CENT, rounding=ROUND_HALF_UP))


def _to_date(value) -> date | None:
	if value is None or value == "":
		return None
	if isinstance(value, datetime):
		return value.date()
	if isinstance(value, date):
		return value
	return date.fromisoformat(str(value)[:10])


@dataclass(slots=True)
class Metrics:
	customer: str
	window_spend: float = 0.0  # net of returns, company currency, within the rolling window
	lifetime_spend: float = 0.0  # net of returns, all time up to as_of
	invoice_count: int = 0  # purchases (non-return invoices) within the window
	lifetime_invoice_count: int = 0  # purchases all time
	first_purchase_date: date | None = None
	last_purchase_date: date | None = None
	recency_days: int | None = None  # as_of - last purchase; None when never purchased
	average_order_value: float = 0.0  # window_spend / invoice_count
	days_since_first_purchase: int | None = None
	# predicted by the nightly CLV refresh (crm_archive/analysis/store/lifetime_value.py) and stored on the archive;
	# None until it ran for this customer (a condition on them then does not match)
	p_alive: float | None = None  # probability (0–1) that the customer still buys
	expected_purchases_90d: float | None = None  # expected purchase days in the next 90 days
	clv_12m: float | None = None  # discounted expected spend of the next 12 months, company currency
	mixed_currencies: bool = False  # invoiced by companies keeping different currencies: sums meaningless
	# the database's text of window spend, lifetime spend, invoice count, first and last purchase, as the
	# engine's aggregate gave them (compared with the stored values' text without formatting numbers)
	texts: tuple | None = None

	def as_dict(self) -> dict:
		# the fields in their order, as dataclasses.asdict gives them, without its deep copy of each
		# (immutable) value: a tier log's snapshot is built per archive, 100,000 times on a first re-tier
		d = {f: getattr(self, f) for f in _AS_DICT_FIELDS}
		for key in ("first_purchase_date", "last_purchase_date"):
			d[key] = d[key].isoformat() if d[key] else None
		return d


_AS_DICT_FIELDS = tuple(f.name for f in fields(Metrics) if f.name not in ("mixed_currencies", "texts"))


def empty_metrics(customer: str) -> Metrics:
	return Metrics(customer=customer)


Rounding = Callable[[float], float]


def average(total: float, count: int, rounding: Rounding = money) -> float:
	"""Average order value, rounded by the site's currency rule (ERPNext's flt(value, 2) with the System
	Settings' rounding method; the Frappe side passes it in, half-up to cents without one)."""
	return rounding(total / count) + 0.0 if count else 0.0


def metrics_from_row(row: Mapping, as_of: date, rounding: Rounding = money) -> Metrics:
	"""Metrics from one SQL aggregate row (customer, window_spend, lifetime_spend, window_count,
	lifetime_count, first_purchase, last_purchase); values may be Decimal, None, date or datetime."""
	window_spend = money(row.get("window_spend"))
	count = int(row.get("window_count") or 0)
	first = _to_date(row.get("first_purchase"))
	last = _to_date(row.get("last_purchase"))
	return Metrics(
		customer=row["customer"],
		window_spend=window_spend,
		lifetime_spend=money(row.get("lifetime_spend")),
		invoice_count=count,
		lifetime_invoice_count=int(row.get("lifetime_count") or 0),
		first_purchase_date=first,
		last_purchase_date=last,
		recency_days=(as_of - last).days if last else None,
		average_order_value=average(window_spend, count, rounding),
		days_since_first_purchase=(as_of - first).days if first else None,
	)


def metrics_from_packed(
	values: Sequence, as_of: date, rounding: Rounding = money, days: dict | None = None
) -> Metrics:
	"""Metrics from the engine's packed aggregate row, a decoded JSON array
	[customer, lifetime, window, window_count, lifetime_count, first, last] (money already rounded to
	cents by the database, dates ISO strings or None). `days`: a dict kept across the rows of one read,
	ISO date → (date, days before as_of) — 100,000 customers share a few thousand purchase dates."""
	customer, lifetime, window, wcount, lcount, first, last = values
	count = int(wcount or 0)
	window_spend = float(window or 0) + 0.0
	if days is None:
		days = {}
	first_d = first_ago = last_d = last_ago = None
	if first:
		known = days.get(first)
		if known is None:
			d = date.fromisoformat(first)
			known = days[first] = (d, (as_of - d).days)
		first_d, first_ago = known
	if last:
		known = days.get(last)
		if known is None:
			d = date.fromisoformat(last)
			known = days[last] = (d, (as_of - d).days)
		last_d, last_ago = known
	return Metrics(
		customer=customer,
		window_spend=window_spend,
		lifetime_spend=float(lifetime or 0) + 0.0,
		invoice_count=count,
		lifetime_invoice_count=int(lcount or 0),
		first_purchase_date=first_d,
		last_purchase_date=last_d,
		recency_days=last_ago,
		average_order_value=average(window_spend, count, rounding),
		days_since_first_purchase=first_ago,
		texts=(window or "0.00", lifetime or "0.00", wcount or "0", first or "", last or ""),
	)


def nearest_cents(tie_rounding: Rounding) -> Rounding:
	"""Round to cents as `tie_rounding` does, calling it only near a tie (x.xx5): away from a tie every
	rounding method gives the nearest cent, which round() gives (correctly rounded) in a fraction of the
	time of ERPNext's flt with a rounding method."""

	def rounding(value: float) -> float:
		scaled = value * 100
		if abs(scaled - math.floor(scaled) - 0.5) > 1e-4:
			return round(value, 2)
		return tie_rounding(value)

	return rounding
