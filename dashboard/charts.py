"""Server-side SVG charts for the dashboards, drawn like the assessment report's charts (same
geometry, colours and accessibility: ``role="img"``, a ``<title>``, every label escaped, sized
by the viewBox). Pure: no ORM, no request. Each chart sits beside a table with the same figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assessments.charts import (
    BAR_COLOUR,
    GRID_COLOUR,
    TEXT_COLOUR,
    _fit,
    _number,
    _text,
)

WIDTH = 800
LABEL_WIDTH = 200
VALUE_WIDTH = 80
PLOT_LEFT = LABEL_WIDTH
PLOT_WIDTH = WIDTH - LABEL_WIDTH - VALUE_WIDTH
TITLE_HEIGHT = 28
AXIS_HEIGHT = 18
ROW_HEIGHT = 24
BAR_HEIGHT = 14
TARGET_COLOUR = "#d63384"
# One colour per tier, from basic to leading.
SERIES_COLOURS = ("#6c757d", "#0d6efd", "#198754", "#fd7e14")


@dataclass(frozen=True)
class Marker:
    """A vertical line across every bar at ``value`` (a target), labelled on the axis."""

    value: float
    label: str


def _svg(title: str, height: float, body: str, description: str = "") -> str:
    aria = _text(f"{title}. {description}" if description else title)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="score-chart dashboard-chart" '
        f'viewBox="0 0 {WIDTH} {_number(height)}" role="img" aria-label="{aria}" '
        f'preserveAspectRatio="xMinYMin meet" font-family="system-ui, sans-serif" '
        f'font-size="12" fill="{TEXT_COLOUR}">'
        f"<title>{_text(title)}</title>"
        + (f"<desc>{_text(description)}</desc>" if description else "")
        + '<text class="title" x="6" y="18" font-size="14" font-weight="bold">'
        + f"{_text(title)}</text>"
        + body
        + "</svg>"
    )


def _format(value: float, unit: str) -> str:
    if unit == "%":
        return f"{value:.1f}%"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:.1f}"


def bars_svg(
    rows: Sequence[tuple[str, float | None]],
    *,
    title: str,
    unit: str = "",
    max_value: float | None = None,
    markers: Sequence[Marker] = (),
    description: str = "",
    empty_label: str = "–",
) -> str:
    """Horizontal bars, one per ``(label, value)``; a value of None draws no bar and shows
    ``empty_label``. The scale runs to ``max_value`` (default: the largest value or marker)."""
    values = [value for _label, value in rows if value is not None]
    top = max_value or max([*values, *(marker.value for marker in markers), 1.0])

    def x_of(value: float) -> float:
        return PLOT_LEFT + min(max(value, 0.0), top) / top * PLOT_WIDTH

    parts: list[str] = []
    y = float(TITLE_HEIGHT + AXIS_HEIGHT)
    for label, value in rows:
        text_y = _number(y + ROW_HEIGHT * 0.7)
        shown = _fit(label, PLOT_LEFT - 14)
        parts.append(
            f'<text class="label" x="6" y="{text_y}">{_text(shown)}'
            + (f"<title>{_text(label)}</title>" if shown != label else "")
            + "</text>"
        )
        if value is not None:
            bar_y = _number(y + (ROW_HEIGHT - BAR_HEIGHT) / 2)
            parts.append(
                f'<rect class="bar" x="{PLOT_LEFT}" y="{bar_y}" '
                f'width="{_number(x_of(value) - PLOT_LEFT)}" height="{BAR_HEIGHT}" '
                f'fill="{BAR_COLOUR}" data-value="{value}">'
                f"<title>{_text(label)}: {_text(_format(value, unit))}</title></rect>"
            )
        parts.append(
            f'<text class="value" x="{PLOT_LEFT + PLOT_WIDTH + 6}" y="{text_y}">'
            f"{_text(_format(value, unit) if value is not None else empty_label)}</text>"
        )
        y += ROW_HEIGHT
    bottom = y
    grid = []
    for step in range(6):
        tick = top * step / 5
        x = _number(x_of(tick))
        grid.append(
            f'<line class="grid" x1="{x}" x2="{x}" y1="{TITLE_HEIGHT + AXIS_HEIGHT - 4}" '
            f'y2="{_number(bottom)}" stroke="{GRID_COLOUR}" stroke-width="1"/>'
            f'<text class="tick" x="{x}" y="{TITLE_HEIGHT + AXIS_HEIGHT - 6}" '
            f'text-anchor="middle">{_text(_format(round(tick, 1), unit))}</text>'
        )
    for index, marker in enumerate(markers):
        x = _number(x_of(marker.value))
        label_y = _number(bottom + 16 + 14 * (index % 2))  # neighbouring targets alternate
        grid.append(
            f'<line class="target" x1="{x}" x2="{x}" y1="{TITLE_HEIGHT + AXIS_HEIGHT - 2}" '
            f'y2="{_number(bottom + 4)}" stroke="{TARGET_COLOUR}" stroke-width="2" '
            f'stroke-dasharray="4 3" data-value="{marker.value}">'
            f"<title>{_text(marker.label)}</title></line>"
            f'<text class="target-label" x="{x}" y="{label_y}" '
            f'text-anchor="middle" fill="{TARGET_COLOUR}">{_text(marker.label)}</text>'
        )
    height = bottom + (22 + 14 * (len(markers) > 1) if markers else 6)
    return _svg(title, height, "".join(grid) + "".join(parts), description)


def columns_svg(
    columns: Sequence[tuple[str, Sequence[int]]],
    *,
    series: Sequence[str],
    title: str,
    description: str = "",
) -> str:
    """Stacked columns, one per ``(label, values)`` with a value per series (tiers), and a
    legend; the total is written above each column."""
    plot_top = TITLE_HEIGHT + AXIS_HEIGHT + 8
    plot_height = 180.0
    left = 50.0
    width = WIDTH - left - 10
    slot = width / max(len(columns), 1)
    column_width = min(slot * 0.6, 70)
    top = max([sum(values) for _label, values in columns] + [1])
    parts: list[str] = []
    for step in range(5):
        tick = top * step / 4
        y = plot_top + plot_height - tick / top * plot_height
        parts.append(
            f'<line class="grid" x1="{_number(left)}" x2="{_number(left + width)}" '
            f'y1="{_number(y)}" y2="{_number(y)}" stroke="{GRID_COLOUR}" stroke-width="1"/>'
            f'<text class="tick" x="{_number(left - 6)}" y="{_number(y + 4)}" '
            f'text-anchor="end">{_text(_format(round(tick), ""))}</text>'
        )
    for index, (label, values) in enumerate(columns):
        x = left + slot * index + (slot - column_width) / 2
        base = plot_top + plot_height
        for series_index, value in enumerate(values):
            if not value:
                continue
            height = value / top * plot_height
            base -= height
            parts.append(
                f'<rect class="bar" x="{_number(x)}" y="{_number(base)}" '
                f'width="{_number(column_width)}" height="{_number(height)}" '
                f'fill="{SERIES_COLOURS[series_index % len(SERIES_COLOURS)]}" '
                f'data-value="{value}"><title>{_text(label)} · '
                f"{_text(series[series_index])}: {value:,}</title></rect>"
            )
        centre = _number(x + column_width / 2)
        parts.append(
            f'<text class="value" x="{centre}" y="{_number(base - 4)}" text-anchor="middle">'
            f"{sum(values):,}</text>"
            f'<text class="label" x="{centre}" y="{_number(plot_top + plot_height + 16)}" '
            f'text-anchor="middle">{_text(label)}</text>'
        )
    legend_y = plot_top + plot_height + 40
    x_legend = left
    for series_index, name in enumerate(series):
        parts.append(
            f'<rect x="{_number(x_legend)}" y="{_number(legend_y - 10)}" width="14" height="10" '
            f'fill="{SERIES_COLOURS[series_index % len(SERIES_COLOURS)]}"/>'
            f'<text x="{_number(x_legend + 20)}" y="{_number(legend_y)}">{_text(name)}</text>'
        )
        x_legend += 140
    return _svg(title, legend_y + 10, "".join(parts), description)


@dataclass(frozen=True)
class Box:
    """One row of a box plot: the peers' five figures (None: withheld, drawn as a note) and
    the factory's own value, drawn as a diamond."""

    label: str
    own: float | None
    minimum: float | None = None
    q1: float | None = None
    median: float | None = None
    q3: float | None = None
    maximum: float | None = None


OWN_COLOUR = "#d63384"
BOX_FILL = "#cfe2ff"


def box_chart_svg(
    rows: Sequence[Box],
    *,
    title: str,
    max_value: float = 5.0,
    own_label: str,
    withheld_label: str,
    description: str = "",
) -> str:
    """Horizontal box plots, one per row (whiskers from the minimum to the maximum, a box from
    the first to the third quartile, a line at the median) with the factory's own value as a
    diamond; a row without figures shows ``withheld_label``. Scale 0 to ``max_value``."""

    def x_of(value: float) -> float:
        return PLOT_LEFT + min(max(value, 0.0), max_value) / max_value * PLOT_WIDTH

    parts: list[str] = []
    y = float(TITLE_HEIGHT + AXIS_HEIGHT)
    for row in rows:
        middle = y + ROW_HEIGHT / 2
        text_y = _number(y + ROW_HEIGHT * 0.7)
        shown = _fit(row.label, PLOT_LEFT - 14)
        parts.append(
            f'<text class="label" x="6" y="{text_y}">{_text(shown)}'
            + (f"<title>{_text(row.label)}</title>" if shown != row.label else "")
            + "</text>"
        )
        figures = (row.minimum, row.q1, row.median, row.q3, row.maximum)
        if all(value is not None for value in figures):
            low, q1, median, q3, high = (x_of(float(v)) for v in figures)  # type: ignore[arg-type]
            top, bottom = middle - BAR_HEIGHT / 2, middle + BAR_HEIGHT / 2
            summary = " · ".join(f"{float(v):.2f}" for v in figures)  # type: ignore[arg-type]
            parts.append(
                f'<g class="box"><title>{_text(row.label)}: {_text(summary)}</title>'
                f'<line class="whisker" x1="{_number(low)}" x2="{_number(high)}" '
                f'y1="{_number(middle)}" y2="{_number(middle)}" stroke="{TEXT_COLOUR}"/>'
                f'<line x1="{_number(low)}" x2="{_number(low)}" y1="{_number(top + 3)}" '
                f'y2="{_number(bottom - 3)}" stroke="{TEXT_COLOUR}"/>'
                f'<line x1="{_number(high)}" x2="{_number(high)}" y1="{_number(top + 3)}" '
                f'y2="{_number(bottom - 3)}" stroke="{TEXT_COLOUR}"/>'
                f'<rect class="bar" x="{_number(q1)}" y="{_number(top)}" '
                f'width="{_number(max(q3 - q1, 1))}" height="{BAR_HEIGHT}" fill="{BOX_FILL}" '
                f'stroke="{BAR_COLOUR}"/>'
                f'<line class="median" x1="{_number(median)}" x2="{_number(median)}" '
                f'y1="{_number(top)}" y2="{_number(bottom)}" stroke="{BAR_COLOUR}" '
                f'stroke-width="2"/></g>'
            )
        else:
            parts.append(
                f'<text class="withheld" x="{PLOT_LEFT + 6}" y="{text_y}" fill="#6c757d">'
                f"{_text(withheld_label)}</text>"
            )
        if row.own is not None:
            x = x_of(row.own)
            points = " ".join(
                f"{_number(px)},{_number(py)}"
                for px, py in ((x, middle - 6), (x + 6, middle), (x, middle + 6), (x - 6, middle))
            )
            parts.append(
                f'<polygon class="own" points="{points}" fill="{OWN_COLOUR}" '
                f'data-value="{row.own}"><title>{_text(own_label)}: {row.own:.2f}</title>'
                "</polygon>"
            )
        parts.append(
            f'<text class="value" x="{PLOT_LEFT + PLOT_WIDTH + 6}" y="{text_y}">'
            f"{_text(f'{row.own:.2f}' if row.own is not None else '–')}</text>"
        )
        y += ROW_HEIGHT
    bottom_y = y
    grid = []
    for step in range(int(max_value) + 1):
        tick_x = _number(x_of(float(step)))
        grid.append(
            f'<line class="grid" x1="{tick_x}" x2="{tick_x}" '
            f'y1="{TITLE_HEIGHT + AXIS_HEIGHT - 4}" '
            f'y2="{_number(bottom_y)}" stroke="{GRID_COLOUR}" stroke-width="1"/>'
            f'<text class="tick" x="{tick_x}" y="{TITLE_HEIGHT + AXIS_HEIGHT - 6}" '
            f'text-anchor="middle">{step}</text>'
        )
    legend_y = bottom_y + 18
    legend = (
        f'<polygon points="{PLOT_LEFT},{_number(legend_y - 4)} {PLOT_LEFT + 5},'
        f"{_number(legend_y + 1)} {PLOT_LEFT},{_number(legend_y + 6)} {PLOT_LEFT - 5},"
        f'{_number(legend_y + 1)}" fill="{OWN_COLOUR}"/>'
        f'<text x="{PLOT_LEFT + 12}" y="{_number(legend_y + 5)}">{_text(own_label)}</text>'
    )
    return _svg(title, legend_y + 14, "".join(grid) + "".join(parts) + legend, description)
