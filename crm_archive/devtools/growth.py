"""The cost-growth benchmark's arithmetic and chart (benchmark-growth, devtools/growth_benchmark.py): the
fitted growth exponent of a step's time against the number of customers, the table the command prints,
and a hand-written log-log SVG chart. Pure: no frappe."""

from __future__ import annotations

import math
from xml.sax.saxutils import escape

# Okabe–Ito, readable by colour-blind readers; cycled for more steps
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")


def parse_sizes(text: str) -> list[tuple[int, int]]:
	"""'10000:100000,30000:300000' → [(10000, 100000), (30000, 300000)] (customers:invoices), ascending."""
	sizes = []
	for part in text.split(","):
		customers, sep, invoices = part.strip().partition(":")
		if not sep or not customers.strip().isdigit() or not invoices.strip().isdigit():
			raise ValueError(f"not customers:invoices: {part.strip()!r}")
		if int(customers) < 1 or int(invoices) < 1:
			raise ValueError(f"customers and invoices must be positive: {part.strip()!r}")
		sizes.append((int(customers), int(invoices)))
	if len({c for c, _i in sizes}) != len(sizes):
		raise ValueError("two sizes with the same number of customers")
	return sorted(sizes)


def exponent(sizes: list[float], times: list[float]) -> float | None:
	"""Least-squares slope of log(time) against log(size): time ≈ c · size^k gives k (1: linear). None when
	fewer than two distinct sizes, or a time or size is not positive (a step that did not run)."""
	points = [
		(math.log(s), math.log(t)) for s, t in zip(sizes, times, strict=True) if s and t and s > 0 and t > 0
	]
	if len(points) != len(sizes) or len({x for x, _y in points}) < 2:
		return None
	n = len(points)
	mx = sum(x for x, _y in points) / n
	my = sum(y for _x, y in points) / n
	sxx = sum((x - mx) ** 2 for x, _y in points)
	sxy = sum((x - mx) * (y - my) for x, y in points)
	return sxy / sxx


def table(
	sizes: list[tuple[int, int]],
	seconds: dict[str, list[float | None]],
	rss_mb: dict[str, list[float | None]],
	target: float = 1.1,
) -> str:
	"""Step by step: time and peak RSS at each size, and the growth exponent of the time in customers."""
	head = ["step", *(f"{c:,}/{i:,}" for c, i in sizes), "exponent"]
	rows = [head]
	customers = [c for c, _i in sizes]
	for step, times in seconds.items():
		k = exponent(customers, times) if None not in times else None
		rss = rss_mb.get(step) or [None] * len(times)
		cells = [
			f"{t:.3f} s" + (f" / {m:.0f} MB" if m is not None else "") if t is not None else "—"
			for t, m in zip(times, rss, strict=True)
		]
		verdict = "—" if k is None else f"{k:.2f}" + ("" if k <= target else f" (> {target})")
		rows.append([step, *cells, verdict])
	widths = [max(len(r[j]) for r in rows) for j in range(len(head))]
	lines = [
		"  ".join(
			cell.ljust(w) if j == 0 else cell.rjust(w)
			for j, (cell, w) in enumerate(zip(r, widths, strict=True))
		)
		for r in rows
	]
	lines.insert(1, "  ".join("-" * w for w in widths))
	return "\n".join(lines)


def _log_ticks(lo: float, hi: float) -> list[float]:
	"""1-2-5 ticks inside [lo, hi] on a log axis (at least the decades; the 2s and 5s when few decades)."""
	first, last = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
	steps = (1,) if last - first > 4 else (1, 2, 5)
	ticks = [m * 10.0**e for e in range(first, last + 1) for m in steps]
	return [t for t in ticks if lo * (1 - 1e-9) <= t <= hi * (1 + 1e-9)]


def _label(v: float, unit: str = "") -> str:
	if v >= 1e6 and v % 1e6 == 0:
		return f"{v / 1e6:g}M{unit}"
	if v >= 1e3 and v % 1e3 == 0:
		return f"{v / 1e3:g}k{unit}"
	return f"{v:g}{unit}"


def svg_chart(
	customers: list[int],
	seconds: dict[str, list[float | None]],
	title: str = "Nightly steps: time against customers (log-log)",
	note: str = "",
	x_label: str = "customers",
	width: int = 820,
	height: int = 480,
) -> str:
	"""Log-log chart of each step's time against the number of customers: one polyline (class "series",
	data-step the step) with dots per step, a dashed slope-1 guide through the first step's first point,
	axis ticks and labels, a legend with each step's fitted exponent."""
	left, right, top, bottom = 70, 230, 40, 60
	pw, ph = width - left - right, height - top - bottom
	values = [t for ts in seconds.values() for t in ts if t is not None and t > 0]
	if not values or not customers:
		raise ValueError("nothing to chart")
	x_lo, x_hi = min(customers) / 1.25, max(customers) * 1.25
	# slope-1 guide (linear growth) from the first point of the first step that has one
	first = next((ts[0] for ts in seconds.values() if ts and ts[0] is not None and ts[0] > 0), None)
	guide = None
	if first is not None and len(customers) > 1:
		guide = ((customers[0], first), (customers[-1], first * customers[-1] / customers[0]))
		values.append(guide[1][1])
	y_lo, y_hi = min(values) / 2, max(values) * 2

	def x(v: float) -> float:
		return left + pw * (math.log(v) - math.log(x_lo)) / (math.log(x_hi) - math.log(x_lo))

	def y(v: float) -> float:
		return top + ph * (1 - (math.log(v) - math.log(y_lo)) / (math.log(y_hi) - math.log(y_lo)))

	out = [
		f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
		f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
		f'<rect x="0" y="0" width="{width}" height="{height}" fill="white"/>',
		f'<text x="{left}" y="22" font-size="15" font-weight="bold">{escape(title)}</text>',
		f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#444"/>',
	]
	for t in _log_ticks(x_lo, x_hi):
		out.append(f'<line x1="{x(t):.1f}" y1="{top}" x2="{x(t):.1f}" y2="{top + ph}" stroke="#ddd"/>')
		out.append(f'<text x="{x(t):.1f}" y="{top + ph + 16}" text-anchor="middle">{_label(t)}</text>')
	for t in _log_ticks(y_lo, y_hi):
		out.append(f'<line x1="{left}" y1="{y(t):.1f}" x2="{left + pw}" y2="{y(t):.1f}" stroke="#ddd"/>')
		out.append(f'<text x="{left - 6}" y="{y(t) + 4:.1f}" text-anchor="end">{_label(t, " s")}</text>')
	out.append(
		f'<text x="{left + pw / 2:.1f}" y="{height - 18}" text-anchor="middle">{escape(x_label)}</text>'
	)
	out.append(
		f'<text x="18" y="{top + ph / 2:.1f}" text-anchor="middle" '
		f'transform="rotate(-90 18 {top + ph / 2:.1f})">seconds</text>'
	)
	if guide:
		(c0, t0), (c1, t1) = guide
		out.append(
			f'<line class="guide" x1="{x(c0):.1f}" y1="{y(t0):.1f}" x2="{x(c1):.1f}" y2="{y(t1):.1f}" '
			'stroke="#999" stroke-dasharray="5,4"/>'
		)
	legend_y = top + 8
	out.append(f'<text x="{left + pw + 16}" y="{legend_y}" font-weight="bold">step (exponent)</text>')
	for n, (step, ts) in enumerate(seconds.items()):
		colour = COLOURS[n % len(COLOURS)]
		pts = [(c, t) for c, t in zip(customers, ts, strict=True) if t is not None and t > 0]
		coords = " ".join(f"{x(c):.1f},{y(t):.1f}" for c, t in pts)
		out.append(
			f'<polyline class="series" data-step="{escape(step)}" points="{coords}" fill="none" '
			f'stroke="{colour}" stroke-width="2"/>'
		)
		out.extend(f'<circle cx="{x(c):.1f}" cy="{y(t):.1f}" r="3" fill="{colour}"/>' for c, t in pts)
		k = exponent(customers, ts) if None not in ts else None
		ly = legend_y + 20 * (n + 1)
		out.append(
			f'<line x1="{left + pw + 16}" y1="{ly - 4}" x2="{left + pw + 36}" y2="{ly - 4}" '
			f'stroke="{colour}" stroke-width="2"/>'
		)
		out.append(
			f'<text x="{left + pw + 42}" y="{ly}">{escape(step)} ({"—" if k is None else f"{k:.2f}"})</text>'
		)
	ly = legend_y + 20 * (len(seconds) + 1)
	out.append(
		f'<line x1="{left + pw + 16}" y1="{ly - 4}" x2="{left + pw + 36}" y2="{ly - 4}" '
		'stroke="#999" stroke-dasharray="5,4"/>'
	)
	out.append(f'<text x="{left + pw + 42}" y="{ly}">linear (slope 1)</text>')
	if note:
		out.append(f'<text x="{left}" y="{height - 4}" font-size="10" fill="#555">{escape(note)}</text>')
	out.append("</svg>")
	return "\n".join(out) + "\n"
