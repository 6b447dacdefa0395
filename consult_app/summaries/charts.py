"""Server-rendered SVG charts: plain strings, every piece of text escaped.

Each chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` referenced by
``aria-labelledby``; pages put a data table with the same figures after it. Colours are
presentation attributes (not ``style``), so the Content-Security-Policy needs nothing
inline, and every cell or bar also carries its value in a ``<title>`` tooltip.

Labels get the room they need: their width is estimated from their characters (generously,
for the widest sans-serif fonts), so that no label is cut or runs into a bar, whatever the
language. The drawing is laid out left to right and, for a right-to-left page
(``rtl=True``), mirrored: labels on the right, bars growing to the left. The SVG itself is
always ``direction="ltr"``, so that the page's direction does not move its anchors.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

BAR_COLOUR = "#1f5f8b"
GRID_COLOUR = "#b1b4b6"
TEXT_COLOUR = "#0b0c0c"
EMPTY_COLOUR = "#eeeeee"
FONT_SIZE = 12
FONT = f'font-family="sans-serif" font-size="{FONT_SIZE}"'
# Rotation of the heat map's column labels, in degrees from the horizontal.
COLUMN_LABEL_ANGLE = 60


def _e(text: object) -> str:
    return str(escape(str(text)))


def text_width(text: str, size: int = FONT_SIZE) -> int:
    """A generous estimate of the width of ``text`` in pixels, in a sans-serif font."""
    ems = 0.0
    for char in text:
        if unicodedata.east_asian_width(char) in ("W", "F"):
            ems += 1.0  # Chinese characters are square
        elif unicodedata.combining(char):
            continue
        elif char in " .,:;'!|()-/":
            ems += 0.35
        elif char.isupper() or char in "mwMW@%":
            ems += 0.75
        else:
            ems += 0.6
    return math.ceil(ems * size)


@dataclass(frozen=True)
class _Canvas:
    """Coordinates are given left to right; a right-to-left canvas mirrors them."""

    width: int
    rtl: bool

    def x(self, x: float) -> float:
        return self.width - x if self.rtl else x

    def rect_x(self, x: float, w: float) -> float:
        return self.width - x - w if self.rtl else x

    def anchor(self, anchor: str) -> str:
        if not self.rtl or anchor == "middle":
            return anchor
        return "end" if anchor == "start" else "start"


def _n(value: float) -> str:
    return f"{value:g}"


def _open(chart_id: str, width: int, height: int, title: str, description: str) -> list[str]:
    cid = _e(chart_id)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{cid}" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" direction="ltr" '
        f'aria-labelledby="{cid}-title {cid}-desc">',
        f'<title id="{cid}-title">{_e(title)}</title>',
        f'<desc id="{cid}-desc">{_e(description)}</desc>',
    ]


def _text(canvas: _Canvas, x: float, y: float, anchor: str, text: object) -> str:
    return (
        f'<text x="{_n(canvas.x(x))}" y="{_n(y)}" text-anchor="{canvas.anchor(anchor)}" '
        f'fill="{TEXT_COLOUR}" {FONT}>{_e(text)}</text>'
    )


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    items: Sequence[tuple[str, int]],
    *,
    bar_space: int = 360,
    rtl: bool = False,
) -> Markup:
    """Horizontal bars, one per ``(label, value)``: label, bar, then the value."""
    row = 24
    gap = 8
    height = max(row * len(items) + 20, 40)
    largest = max((v for _label, v in items), default=0) or 1
    label_width = max((text_width(label) for label, _v in items), default=0) + 2 * gap
    value_width = text_width(str(largest)) + 2 * gap
    width = label_width + bar_space + value_width
    canvas = _Canvas(width, rtl)
    parts = _open(chart_id, width, height, title, description)
    for i, (label, value) in enumerate(items):
        y = 10 + i * row
        length = round(bar_space * value / largest)
        parts.append(_text(canvas, label_width - gap, y + 15, "end", label))
        parts.append(
            f'<rect x="{_n(canvas.rect_x(label_width, length))}" y="{y + 3}" width="{length}" '
            f'height="{row - 8}" fill="{BAR_COLOUR}"><title>{_e(label)}: {value}</title></rect>'
        )
        parts.append(_text(canvas, label_width + length + gap / 2, y + 15, "start", value))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text was escaped by _e


def column_chart(
    chart_id: str,
    title: str,
    description: str,
    items: Sequence[tuple[str, int]],
    *,
    height: int = 220,
    rtl: bool = False,
) -> Markup:
    """Vertical columns over time (one per ``(label, value)``, e.g. per day)."""
    column = 22 if len(items) < 40 else 10
    axis = text_width(str(max((v for _label, v in items), default=0))) + 12
    first = text_width(items[0][0]) if items else 0
    last = text_width(items[-1][0]) if items else 0
    plot_width = len(items) * column
    # The first label starts under the first column, the last one ends under the last.
    width = axis + max(plot_width, first + last + 16 if len(items) > 1 else first) + 10
    width = max(width, 200)
    plot = height - 50
    largest = max((v for _label, v in items), default=0) or 1
    canvas = _Canvas(width, rtl)
    parts = _open(chart_id, width, height, title, description)
    parts.append(
        f'<line x1="{_n(canvas.x(axis - 4))}" y1="{10 + plot}" x2="{_n(canvas.x(width - 10))}" '
        f'y2="{10 + plot}" stroke="{GRID_COLOUR}"/>'
    )
    parts.append(_text(canvas, axis - 8, 20, "end", largest))
    for i, (label, value) in enumerate(items):
        x = axis + i * column
        h = round(plot * value / largest)
        parts.append(
            f'<rect x="{_n(canvas.rect_x(x, column - 4))}" y="{10 + plot - h}" '
            f'width="{column - 4}" height="{h}" fill="{BAR_COLOUR}">'
            f"<title>{_e(label)}: {value}</title></rect>"
        )
    if items:
        parts.append(_text(canvas, axis, height - 22, "start", items[0][0]))
        if len(items) > 1:
            parts.append(_text(canvas, width - 10, height - 8, "end", items[-1][0]))
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
    chart_id: str,
    title: str,
    description: str,
    rows: Sequence[str],
    columns: Sequence[str],
    cells: Sequence[Sequence[HeatCell]],
    *,
    rtl: bool = False,
) -> Markup:
    """A grid of provisions (rows) by stakeholder columns, coloured by net support.

    Column labels are written at an angle above their column; the space above the grid
    (and beside it, where the last labels lean out) is as large as the longest label needs.
    """
    cell_w, cell_h, gap = 46, 22, 8
    sin, cos = (
        math.sin(math.radians(COLUMN_LABEL_ANGLE)),
        math.cos(math.radians(COLUMN_LABEL_ANGLE)),
    )
    label_w = max((text_width(row) for row in rows), default=0) + 2 * gap
    column_widths = [text_width(column) for column in columns]
    head_h = math.ceil(max(column_widths, default=0) * sin + FONT_SIZE * cos) + 2 * gap
    grid_right = label_w + cell_w * len(columns)
    # A label starts at the middle of its column and leans towards the end of the line.
    reach = max(
        (
            label_w + j * cell_w + cell_w / 2 + w * cos + FONT_SIZE
            for j, w in enumerate(column_widths)
        ),
        default=0,
    )
    width = math.ceil(max(grid_right + gap, reach, label_w + 200))
    height = head_h + cell_h * len(rows) + 40
    canvas = _Canvas(width, rtl)
    parts = _open(chart_id, width, height, title, description)
    for j, column in enumerate(columns):
        x = canvas.x(label_w + j * cell_w + cell_w / 2)
        # Mirrored: the label leans the other way, ending where it would have started.
        rotation, anchor = (COLUMN_LABEL_ANGLE, "end") if rtl else (-COLUMN_LABEL_ANGLE, "start")
        parts.append(
            f'<text transform="translate({_n(x)},{head_h - gap}) rotate({rotation})" '
            f'text-anchor="{anchor}" fill="{TEXT_COLOUR}" {FONT}>{_e(column)}</text>'
        )
    for i, row in enumerate(rows):
        y = head_h + i * cell_h
        parts.append(_text(canvas, label_w - gap, y + 15, "end", row))
        for j, cell in enumerate(cells[i]):
            x = label_w + j * cell_w
            parts.append(
                f'<rect x="{_n(canvas.rect_x(x, cell_w - 2))}" y="{y}" width="{cell_w - 2}" '
                f'height="{cell_h - 2}" fill="{net_colour(cell.value)}"><title>{_e(row)}, '
                f"{_e(columns[j])}: {_e(cell.text)}</title></rect>"
            )
    legend_y = head_h + cell_h * len(rows) + 12
    for k, (value, label) in enumerate(((-1.0, "-1"), (0.0, "0"), (1.0, "+1"))):
        x = label_w + k * 60
        parts.append(
            f'<rect x="{_n(canvas.rect_x(x, 14))}" y="{legend_y}" width="14" height="14" '
            f'fill="{net_colour(value)}"/>'
        )
        parts.append(_text(canvas, x + 18, legend_y + 12, "start", label))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text was escaped by _e
