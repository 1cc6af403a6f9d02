"""The dashboard's pure parts: folding grouped counts, targets, medians and the SVG charts."""

from __future__ import annotations

import random
import statistics
import xml.etree.ElementTree as ET

import pytest

from dashboard import charts, figures

SVG = "{http://www.w3.org/2000/svg}"


def random_groups(rng: random.Random, n: int) -> list[figures.CountGroup]:
    return [
        figures.CountGroup(
            code=rng.choice("ABC"),
            above_size=rng.random() < 0.5,
            enterprises=tuple(rng.randint(0, 9) for _ in range(6)),
            factories=tuple(rng.randint(0, 9) for _ in range(6)),
            certificates={tier: rng.randint(0, 3) for tier in figures.TIERS},
        )
        for _ in range(n)
    ]


@pytest.mark.parametrize("seed", range(5))
def test_the_breakdown_adds_up(seed):
    groups = random_groups(random.Random(seed), 40)
    total, by_code = figures.breakdown(groups)
    assert total.enterprises.total == sum(sum(g.enterprises) for g in groups)
    assert total.enterprises.level2 == sum(sum(g.enterprises[2:]) for g in groups)
    above = [g for g in groups if g.above_size]
    assert total.above_size.total == sum(sum(g.enterprises) for g in above)
    assert total.assessed == sum(sum(g.enterprises[1:]) for g in groups)
    assert total.factories == [sum(g.factories[level] for g in groups) for level in range(6)]
    for code, row in by_code.items():
        mine = [g for g in groups if g.code == code]
        assert row.certificates == {
            tier: sum(g.certificates[tier] for g in mine) for tier in figures.TIERS
        }
    assert sum(row.enterprises.total for row in by_code.values()) == total.enterprises.total


def test_shares_and_targets():
    assert figures.Share(total=0, level2=0).percent is None
    assert figures.Share(total=3, level2=1).percent == 33.3
    progress = figures.target_progress(
        [
            {"year": 2030, "level2_share": 60, "excellent": 500},
            {"year": 2027, "level2_share": 50, "excellent": 200},
        ],
        level2_share=55.0,
        excellent=250,
    )
    assert [p.year for p in progress] == [2027, 2030]
    assert [(p.level2_met, p.excellent_met) for p in progress] == [(True, True), (False, False)]
    assert progress[1].excellent_percent == 50.0


def test_issued_by_year_fills_every_year():
    rows = [(2024, "basic", 3), (2026, "excellent", 1), (2019, "basic", 9)]
    years = figures.issued_by_year(rows, first_year=2023, last_year=2026)
    assert [year for year, _counts in years] == [2023, 2024, 2025, 2026]
    assert years[1][1]["basic"] == 3 and years[3][1]["excellent"] == 1
    assert sum(sum(counts.values()) for _year, counts in years) == 4


@pytest.mark.parametrize("n", [0, 1, 2, 7, 10])
def test_median_agrees_with_the_standard_library(n):
    values = [random.Random(n).uniform(0, 100) for _ in range(n)]
    assert figures.median(values) == (statistics.median(values) if values else None)


def test_bars_escape_labels_and_mark_targets():
    svg = charts.bars_svg(
        [("<script>x</script>", 40.0), ("空", None)],
        title="A & B",
        unit="%",
        max_value=100,
        markers=[charts.Marker(50, "2027")],
    )
    root = ET.fromstring(svg)  # well-formed XML
    assert "<script>" not in svg
    bars = root.findall(f".//{SVG}rect")
    assert [float(bar.get("data-value")) for bar in bars] == [40.0]
    target = root.find(f".//{SVG}line[@class='target']")
    assert float(target.get("x1")) == pytest.approx(charts.PLOT_LEFT + 0.5 * charts.PLOT_WIDTH)
    assert float(bars[0].get("width")) == pytest.approx(0.4 * charts.PLOT_WIDTH)


def test_columns_stack_the_series():
    svg = charts.columns_svg(
        [("2025", [3, 1, 0, 0]), ("2026", [2, 2, 1, 1])], series=["a", "b", "c", "d"], title="t"
    )
    root = ET.fromstring(svg)
    values = [int(rect.get("data-value")) for rect in root.findall(f".//{SVG}rect[@class='bar']")]
    assert values == [3, 1, 2, 2, 1, 1]
    heights = [float(r.get("height")) for r in root.findall(f".//{SVG}rect[@class='bar']")]
    # The tallest column (6) fills the plot; each block is proportional to its value.
    assert sum(heights[2:]) == pytest.approx(180.0)
    assert heights[0] / heights[1] == pytest.approx(3.0)
