"""Server-rendered SVG charts: plain strings, every piece of text escaped.

Each chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` referenced by
``aria-labelledby``; pages put a data table with the same figures after it. Colours are
presentation attributes (not ``style``), so the Content-Security-Policy needs nothing
inline, and every cell or bar also carries its value in a ``<title>`` tooltip.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

BAR_COLOUR = "#1f5f8b"
GRID_COLOUR = "#cccccc"
TEXT_COLOUR = "#222222"
EMPTY_COLOUR = "#eeeeee"
FONT = 'font-family="sans-serif" font-size="12"'


def _e(text: object) -> str:
    return str(escape(str(text)))


def _open(chart_id: str, width: int, height: int, title: str, description: str) -> list[str]:
    cid = _e(chart_id)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{cid}" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{cid}-title {cid}-desc">',
        f'<title id="{cid}-title">{_e(title)}</title>',
        f'<desc id="{cid}-desc">{_e(description)}</desc>',
    ]


def bar_chart(
    chart_id: str, title: str, description: str, items: Sequence[tuple[str, int]],
    *, width: int = 640, label_width: int = 260,
) -> Markup:
    """Horizontal bars, one per ``(label, value)``."""
    row = 24
    height = max(row * len(items) + 20, 40)
    largest = max((v for _label, v in items), default=0) or 1
    bar_space = width - label_width - 60
    parts = _open(chart_id, width, height, title, description)
    for i, (label, value) in enumerate(items):
        y = 10 + i * row
        length = round(bar_space * value / largest)
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end" fill="{TEXT_COLOUR}" '
            f"{FONT}>{_e(label)}</text>"
        )
        parts.append(
            f'<rect x="{label_width}" y="{y + 3}" width="{length}" height="{row - 8}" '
            f'fill="{BAR_COLOUR}"><title>{_e(label)}: {value}</title></rect>'
        )
        parts.append(
            f'<text x="{label_width + length + 4}" y="{y + 15}" fill="{TEXT_COLOUR}" '
            f"{FONT}>{value}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text was escaped by _e


def column_chart(
    chart_id: str, title: str, description: str, items: Sequence[tuple[str, int]],
    *, height: int = 220,
) -> Markup:
    """Vertical columns over time (one per ``(label, value)``, e.g. per day)."""
    column = 22 if len(items) < 40 else 10
    width = max(len(items) * column + 60, 200)
    plot = height - 50
    largest = max((v for _label, v in items), default=0) or 1
    parts = _open(chart_id, width, height, title, description)
    parts.append(
        f'<line x1="40" y1="{10 + plot}" x2="{width - 10}" y2="{10 + plot}" '
        f'stroke="{GRID_COLOUR}"/>'
    )
    parts.append(f'<text x="36" y="20" text-anchor="end" fill="{TEXT_COLOUR}" {FONT}>'
                 f"{largest}</text>")
    for i, (label, value) in enumerate(items):
        x = 44 + i * column
        h = round(plot * value / largest)
        parts.append(
            f'<rect x="{x}" y="{10 + plot - h}" width="{column - 4}" height="{h}" '
            f'fill="{BAR_COLOUR}"><title>{_e(label)}: {value}</title></rect>'
        )
    if items:
        parts.append(f'<text x="44" y="{height - 20}" fill="{TEXT_COLOUR}" {FONT}>'
                     f"{_e(items[0][0])}</text>")
        parts.append(f'<text x="{width - 10}" y="{height - 6}" text-anchor="end" '
                     f'fill="{TEXT_COLOUR}" {FONT}>{_e(items[-1][0])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text was escaped by _e


@dataclass(frozen=True)
class HeatCell:
    """A cell: net support from -1 (all oppose) to 1 (all support), or None (no position)."""

    value: float | None
    text: str  # what the cell means in words (tooltip), e.g. "Support (3 of 4)"


def net_colour(value: float | None) -> str:
    """Red (opposition) through pale yellow to green (support); grey without positions."""
    if value is None:
        return EMPTY_COLOUR
    value = max(-1.0, min(1.0, value))
    if value >= 0:
        start, end = (255, 247, 188), (26, 152, 80)
        t = value
    else:
        start, end = (255, 247, 188), (215, 48, 39)
        t = -value
    r, g, b = (round(s + (e - s) * t) for s, e in zip(start, end, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def heat_map(
    chart_id: str, title: str, description: str,
    rows: Sequence[str], columns: Sequence[str], cells: Sequence[Sequence[HeatCell]],
) -> Markup:
    """A grid of provisions (rows) by stakeholder columns, coloured by net support."""
    cell_w, cell_h, label_w, head_h = 46, 22, 160, 150
    width = label_w + cell_w * len(columns) + 10
    height = head_h + cell_h * len(rows) + 40
    parts = _open(chart_id, width, height, title, description)
    for j, column in enumerate(columns):
        x = label_w + j * cell_w + cell_w // 2
        parts.append(
            f'<text transform="translate({x},{head_h - 6}) rotate(-60)" fill="{TEXT_COLOUR}" '
            f"{FONT}>{_e(column)}</text>"
        )
    for i, row in enumerate(rows):
        y = head_h + i * cell_h
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" fill="{TEXT_COLOUR}" '
            f"{FONT}>{_e(row)}</text>"
        )
        for j, cell in enumerate(cells[i]):
            x = label_w + j * cell_w
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" '
                f'fill="{net_colour(cell.value)}"><title>{_e(row)}, {_e(columns[j])}: '
                f"{_e(cell.text)}</title></rect>"
            )
    legend_y = head_h + cell_h * len(rows) + 12
    for k, (value, label) in enumerate(((-1.0, "-1"), (0.0, "0"), (1.0, "+1"))):
        x = label_w + k * 60
        parts.append(
            f'<rect x="{x}" y="{legend_y}" width="14" height="14" fill="{net_colour(value)}"/>'
            f'<text x="{x + 18}" y="{legend_y + 12}" fill="{TEXT_COLOUR}" {FONT}>'
            f"{_e(label)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text was escaped by _e
