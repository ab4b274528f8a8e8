"""The cost-growth benchmark's pure parts (crm_archive.devtools.growth): the fitted exponent, the table,
the SVG chart. Pure: no frappe."""

import math
import xml.etree.ElementTree as ET

import pytest

from crm_archive.devtools import growth

SIZES = [10000, 30000, 100000]


@pytest.mark.parametrize("k", [0.0, 0.5, 1.0, 1.1, 2.0])
def test_exponent_recovers_a_power_law(k):
	times = [0.003 * c**k for c in SIZES]
	assert growth.exponent(SIZES, times) == pytest.approx(k, abs=1e-9)


def test_exponent_is_the_least_squares_slope():
	# log-log points (0, 0), (1, 1), (2, 3) in base e: slope 1.5 by least squares
	sizes = [1.0, math.e, math.e**2]
	times = [1.0, math.e, math.e**3]
	assert growth.exponent(sizes, times) == pytest.approx(1.5)


def test_exponent_none_without_two_sizes_or_with_a_missing_time():
	assert growth.exponent([10000], [1.0]) is None
	assert growth.exponent([10000, 10000], [1.0, 2.0]) is None
	assert growth.exponent(SIZES, [1.0, 0.0, 3.0]) is None
	assert growth.exponent(SIZES, [1.0, None, 3.0]) is None


def test_table_has_a_row_per_step_and_flags_the_target():
	text = growth.table(
		[(c, c * 10) for c in SIZES],
		{"linear": [1.0, 3.0, 10.0], "square": [1.0, 9.0, 100.0]},
		{"linear": [100.0, 110.0, 120.0], "square": [None, None, None]},
	)
	lines = text.splitlines()
	assert len(lines) == 4  # head, rule, two steps
	assert "100,000/1,000,000" in lines[0]
	assert lines[2].startswith("linear") and lines[2].rstrip().endswith("1.00")
	assert "120 MB" in lines[2]
	assert lines[3].rstrip().endswith("2.00 (> 1.1)")


def test_svg_is_xml_with_one_line_per_step():
	seconds = {"clv": [0.5, 1.5, 5.0], "retier (full)": [0.8, 2.5, 8.0], "reminders": [0.01, None, 0.05]}
	svg = growth.svg_chart(SIZES, seconds, note="2 cores")
	root = ET.fromstring(svg)
	ns = "{http://www.w3.org/2000/svg}"
	assert root.tag == f"{ns}svg"
	series = [p for p in root.iter(f"{ns}polyline") if p.get("class") == "series"]
	assert [p.get("data-step") for p in series] == list(seconds)
	assert len(series[0].get("points").split()) == 3
	assert len(series[2].get("points").split()) == 2  # the missing time is left out
	texts = " ".join(t.text or "" for t in root.iter(f"{ns}text"))
	assert "customers" in texts and "seconds" in texts and "clv (1.00)" in texts
	# every point inside the plot
	for p in series:
		for pair in p.get("points").split():
			px, py = map(float, pair.split(","))
			assert 0 <= px <= 820 and 0 <= py <= 480


def test_svg_refuses_an_empty_chart():
	with pytest.raises(ValueError):
		growth.svg_chart(SIZES, {"clv": [None, None, None]})


def test_parse_sizes():
	assert growth.parse_sizes("30000:300000, 10000:100000") == [(10000, 100000), (30000, 300000)]
	for bad in ("10000", "10000:x", "0:10", "1:2,1:3", ""):
		with pytest.raises(ValueError):
			growth.parse_sizes(bad)
