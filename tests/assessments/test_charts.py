"""The report's server-side SVG chart: well-formed, proportional, escaped, accessible."""

import xml.etree.ElementTree as ET

import pytest

from assessments.charts import PLOT_WIDTH, bar_chart_svg

SVG = "{http://www.w3.org/2000/svg}"
ROWS = [("Organizational strategy", 2.5), ("Data", 5.0), ("Network", 0.0), ("Sales", 1.25)]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # raises on anything that is not well-formed XML


def bars(root: ET.Element) -> list[ET.Element]:
    return [rect for rect in root.iter(f"{SVG}rect") if rect.get("class") == "bar"]


def test_one_bar_per_row_proportional_to_its_value():
    root = parse(bar_chart_svg(ROWS, title="Scores by sub-domain"))
    widths = [float(bar.get("width")) for bar in bars(root)]
    assert len(widths) == len(ROWS)
    for (_label, value), width in zip(ROWS, widths, strict=True):
        assert width == pytest.approx(value / 5 * PLOT_WIDTH, abs=0.01)
    assert widths[1] == pytest.approx(2 * widths[0], abs=0.01)
    assert [bar.get("data-value") for bar in bars(root)] == ["2.50", "5.00", "0.00", "1.25"]


def test_values_outside_the_scale_are_clamped():
    root = parse(bar_chart_svg([("a", 7.0), ("b", -1.0)], title="t"))
    assert [float(bar.get("width")) for bar in bars(root)] == [PLOT_WIDTH, 0.0]


def test_gridlines_at_each_level_and_value_labels():
    root = parse(bar_chart_svg(ROWS, title="t"))
    grid = [line for line in root.iter(f"{SVG}line") if line.get("class") == "grid"]
    ticks = [text.text for text in root.iter(f"{SVG}text") if text.get("class") == "tick"]
    values = [text.text for text in root.iter(f"{SVG}text") if text.get("class") == "value"]
    assert len(grid) == 6 and ticks == ["0", "1", "2", "3", "4", "5"]
    assert values == ["2.50", "5.00", "0.00", "1.25"]


def test_labels_and_title_are_escaped():
    svg = bar_chart_svg([("<b>&", 1.0)], title='Scores "by" <domain>', description="a & b")
    assert "<b>" not in svg and "&lt;b&gt;&amp;" in svg
    root = parse(svg)
    labels = [text.text for text in root.iter(f"{SVG}text") if text.get("class") == "label"]
    assert labels == ["<b>&"]
    assert root.find(f"{SVG}title").text == 'Scores "by" <domain>'
    assert root.get("aria-label") == 'Scores "by" <domain>. a & b'


def test_accessible_and_scalable():
    root = parse(bar_chart_svg(ROWS, title="Scores"))
    assert root.get("role") == "img" and root.get("aria-label") == "Scores"
    assert root.find(f"{SVG}title").text == "Scores"
    assert root.get("viewBox").startswith("0 0 800 ") and root.get("width") is None


def test_previous_markers_only_when_given():
    plain = parse(bar_chart_svg(ROWS, title="t"))
    assert not [line for line in plain.iter(f"{SVG}line") if line.get("class") == "previous"]

    previous = {"Data": 4.0, "Sales": 2.5}
    root = parse(
        bar_chart_svg(ROWS, title="t", previous=previous, previous_label="Previous <2024>")
    )
    markers = [line for line in root.iter(f"{SVG}line") if line.get("class") == "previous"]
    assert [marker.get("data-value") for marker in markers] == ["4.00", "2.50"]
    bar_left = float(bars(root)[0].get("x"))
    for marker, value in zip(markers, (4.0, 2.5), strict=True):
        assert float(marker.get("x1")) == pytest.approx(bar_left + value / 5 * PLOT_WIDTH, abs=0.01)
    legend = "".join(root.find(f"{SVG}g[@class='legend']").itertext())
    assert "Previous <2024>" in legend


def test_groups_draw_a_heading_where_the_group_changes():
    groups = {"Product design": "Design", "Process design": "Design", "Sales": "Sales"}
    rows = [("Product design", 1.0), ("Process design", 2.0), ("Sales", 3.0)]
    root = parse(bar_chart_svg(rows, title="t", groups=groups))
    headings = [text.text for text in root.iter(f"{SVG}text") if text.get("class") == "group"]
    assert headings == ["Design", "Sales"] and len(bars(root)) == 3


def test_empty_rows_still_make_a_valid_chart():
    root = parse(bar_chart_svg([], title="Nothing yet"))
    assert bars(root) == [] and root.get("role") == "img"


def test_max_value_must_be_positive():
    with pytest.raises(ValueError):
        bar_chart_svg(ROWS, title="t", max_value=0)
