"""Server-side SVG charts for the assessment report. Pure: no ORM, no request, no JavaScript.

The SVG is built as text with every label escaped, sized by its viewBox so that it scales to its
container, and readable by assistive technology (``role="img"``, ``<title>``, ``aria-label``).
The report shows the same numbers in tables, which are the text alternative.
"""

from __future__ import annotations

import math
from html import escape

# Geometry, in viewBox units.
WIDTH = 800
LABEL_WIDTH = 270  # left column for the row labels
VALUE_WIDTH = 60  # right column for the value labels
PLOT_LEFT = LABEL_WIDTH
PLOT_WIDTH = WIDTH - LABEL_WIDTH - VALUE_WIDTH
TITLE_HEIGHT = 28
AXIS_HEIGHT = 18
ROW_HEIGHT = 24
BAR_HEIGHT = 14
LEGEND_HEIGHT = 26
BOTTOM_PADDING = 6

BAR_COLOUR = "#0d6efd"
PREVIOUS_COLOUR = "#d63384"
GRID_COLOUR = "#ced4da"
TEXT_COLOUR = "#212529"


def _text(value: object) -> str:
    """Escape text for an XML text node or a double-quoted attribute."""
    return escape(str(value), quote=True)


def _number(value: float) -> str:
    """A coordinate with at most two decimals and no trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _fit(label: str, available: float, font_size: float = 12) -> str:
    """``label`` shortened with an ellipsis to fit ``available`` units (estimated widths: a
    CJK character is one em wide, anything else about 0.55 em)."""
    width = 0.0
    for index, char in enumerate(label):
        width += font_size * (1.0 if ord(char) >= 0x2E80 else 0.55)
        if width > available:
            return label[: max(index - 1, 0)] + "…"
    return label


def _clamp(value: float, max_value: float) -> float:
    if math.isnan(value):
        return 0.0
    return min(max(value, 0.0), max_value)


def _ticks(max_value: float) -> list[float]:
    """Gridlines at each whole number up to ``max_value`` (each level 0..5 by default); five
    even steps when that would be too many lines."""
    if max_value <= 10 and float(max_value).is_integer():
        return [float(i) for i in range(int(max_value) + 1)]
    return [max_value * i / 5 for i in range(6)]


def bar_chart_svg(
    rows: list[tuple[str, float]],
    *,
    max_value: float = 5.0,
    title: str,
    previous: dict[str, float] | None = None,
    groups: dict[str, str] | None = None,
    description: str = "",
    current_label: str = "This assessment",
    previous_label: str = "Previous assessment",
) -> str:
    """Horizontal bars, one per ``(label, value)`` row, on a 0..``max_value`` scale.

    ``previous`` maps a row label to the previous assessment's value, drawn as a marker on the
    row. ``groups`` maps a row label to a group name (a sub-domain to its domain): a heading is
    drawn where the group changes, so rows should come ordered by group; a row without a group
    is drawn flush left, outside any group. ``description``,
    ``current_label`` and ``previous_label`` are shown as given (the caller translates them).
    """
    if max_value <= 0:
        raise ValueError("max_value must be positive")
    previous = previous or {}
    groups = groups or {}
    show_legend = any(label in previous for label, _value in rows)

    def x_of(value: float) -> float:
        return PLOT_LEFT + _clamp(value, max_value) / max_value * PLOT_WIDTH

    parts: list[str] = []
    y = TITLE_HEIGHT + AXIS_HEIGHT
    current_group: str | None = None
    for label, value in rows:
        group = groups.get(label)
        if group is None:
            current_group = None
        elif group != current_group:
            current_group = group
            parts.append(
                f'<text class="group" x="6" y="{_number(y + ROW_HEIGHT * 0.7)}" '
                f'font-weight="bold">{_text(group)}</text>'
            )
            y += ROW_HEIGHT
        bar_y = y + (ROW_HEIGHT - BAR_HEIGHT) / 2
        text_y = _number(y + ROW_HEIGHT * 0.7)
        width = x_of(value) - PLOT_LEFT
        indent = 18 if group is not None else 6
        shown = _fit(label, PLOT_LEFT - indent - 8)
        parts.append(
            f'<text class="label" x="{indent}" y="{text_y}">{_text(shown)}'
            + (f"<title>{_text(label)}</title>" if shown != label else "")
            + "</text>"
        )
        parts.append(
            f'<rect class="bar" x="{PLOT_LEFT}" y="{_number(bar_y)}" width="{_number(width)}" '
            f'height="{BAR_HEIGHT}" fill="{BAR_COLOUR}" data-value="{value:.2f}">'
            f"<title>{_text(label)}: {value:.2f}</title></rect>"
        )
        parts.append(
            f'<text class="value" x="{PLOT_LEFT + PLOT_WIDTH + 6}" y="{text_y}">{value:.2f}</text>'
        )
        if label in previous:
            before = previous[label]
            marker_x = _number(x_of(before))
            parts.append(
                f'<line class="previous" x1="{marker_x}" x2="{marker_x}" '
                f'y1="{_number(bar_y - 3)}" y2="{_number(bar_y + BAR_HEIGHT + 3)}" '
                f'stroke="{PREVIOUS_COLOUR}" stroke-width="3" data-value="{before:.2f}">'
                f"<title>{_text(previous_label)} · {_text(label)}: {before:.2f}</title></line>"
            )
        y += ROW_HEIGHT
    plot_bottom = y

    grid: list[str] = []
    for tick in _ticks(max_value):
        x = _number(x_of(tick))
        grid.append(
            f'<line class="grid" x1="{x}" x2="{x}" y1="{TITLE_HEIGHT + AXIS_HEIGHT - 4}" '
            f'y2="{_number(plot_bottom)}" stroke="{GRID_COLOUR}" stroke-width="1"/>'
            f'<text class="tick" x="{x}" y="{TITLE_HEIGHT + AXIS_HEIGHT - 6}" '
            f'text-anchor="middle">{_number(tick)}</text>'
        )

    legend: list[str] = []
    height = plot_bottom + BOTTOM_PADDING
    if show_legend:
        legend_y = plot_bottom + 18
        legend.append(
            f'<g class="legend"><rect x="{PLOT_LEFT}" y="{legend_y - 10}" width="14" '
            f'height="10" fill="{BAR_COLOUR}"/>'
            f'<text x="{PLOT_LEFT + 20}" y="{legend_y}">{_text(current_label)}</text>'
            f'<line x1="{PLOT_LEFT + 200}" x2="{PLOT_LEFT + 200}" y1="{legend_y - 12}" '
            f'y2="{legend_y + 2}" stroke="{PREVIOUS_COLOUR}" stroke-width="3"/>'
            f'<text x="{PLOT_LEFT + 208}" y="{legend_y}">{_text(previous_label)}</text></g>'
        )
        height = plot_bottom + LEGEND_HEIGHT + BOTTOM_PADDING

    aria = _text(f"{title}. {description}" if description else title)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="score-chart" '
        f'viewBox="0 0 {WIDTH} {_number(height)}" role="img" aria-label="{aria}" '
        f'preserveAspectRatio="xMinYMin meet" font-family="system-ui, sans-serif" '
        f'font-size="12" fill="{TEXT_COLOUR}">'
        f"<title>{_text(title)}</title>"
        + (f"<desc>{_text(description)}</desc>" if description else "")
        + '<text class="title" x="6" y="18" font-size="14" font-weight="bold">'
        + f"{_text(title)}</text>"
        + "".join(grid)
        + "".join(parts)
        + "".join(legend)
        + "</svg>"
    )
