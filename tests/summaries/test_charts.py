"""The SVG charts leave room for their labels, whatever the language, and mirror for
right-to-left pages (what Chromium draws is checked in tests/browser_journeys)."""

from __future__ import annotations

import math
import re

from consult_app.summaries import charts
from consult_app.summaries.charts import HeatCell, text_width

LONG = "Группа государств Латинской Америки и Карибского бассейна"


def _texts(svg: str) -> list[tuple[float, str, str]]:
    return [
        (float(x), anchor, text)
        for x, anchor, text in re.findall(
            r'<text x="([\d.]+)" y="[\d.]+" text-anchor="(\w+)"[^>]*>([^<]*)</text>', svg
        )
    ]


def _rects(svg: str) -> list[tuple[float, float]]:
    return [
        (float(x), float(w))
        for x, w in re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', svg)
    ]


def _width(svg: str) -> float:
    match = re.search(r'<svg [^>]*width="(\d+)"', svg)
    assert match is not None
    return float(match.group(1))


def test_text_width_grows_with_the_text_and_counts_wide_characters() -> None:
    assert text_width("Western European and other States") > text_width("African States")
    assert text_width("中文中文") > text_width("abcd")
    assert text_width("") == 0


def test_bar_labels_fit_before_their_bars() -> None:
    items = [("African States", 3), (LONG, 12)]
    svg = str(charts.bar_chart("c", "Title", "Description", items))
    assert 'direction="ltr"' in svg
    labels = [t for t in _texts(svg) if t[2] in ("African States", LONG)]
    bars = _rects(svg)
    for (x, anchor, text), (bar_x, _w) in zip(labels, bars, strict=True):
        assert anchor == "end"
        assert x - text_width(text) >= 0  # not cut by the left edge
        assert x < bar_x  # and clear of its bar
    values = [t for t in _texts(svg) if t[2] in ("3", "12")]
    for (x, _anchor, value), (bar_x, w) in zip(values, bars, strict=True):
        assert x > bar_x + w and x + text_width(value) <= _width(svg)


def test_bar_chart_right_to_left_is_a_mirror_image() -> None:
    items = [("الدول الأفريقية", 3), ("دول أوروبا الغربية ودول أخرى", 2)]
    ltr = str(charts.bar_chart("c", "T", "D", items))
    rtl = str(charts.bar_chart("c", "T", "D", items, rtl=True))
    width = _width(rtl)
    assert width == _width(ltr)
    for (x1, w1), (x2, w2) in zip(_rects(ltr), _rects(rtl), strict=True):
        assert w1 == w2 and x2 == width - x1 - w1
    for (x1, a1, t1), (x2, a2, t2) in zip(_texts(ltr), _texts(rtl), strict=True):
        assert t1 == t2 and x2 == width - x1
        assert {a1, a2} == {"start", "end"}
    # Labels stand right of the bars.
    label_x = _texts(rtl)[0][0]
    bar_x, bar_w = _rects(rtl)[0]
    assert label_x > bar_x + bar_w


def test_heat_map_has_room_for_its_column_labels() -> None:
    columns = ["African States", LONG]
    cells = [[HeatCell(1.0, "Support"), HeatCell(None, "no position")]]
    svg = str(charts.heat_map("h", "T", "D", ["Article 1"], columns, cells))
    head = re.search(r"translate\([\d.]+,([\d.]+)\) rotate\(-60\)", svg)
    assert head is not None
    baseline = float(head.group(1))
    # The longest label, written at 60 degrees from its column, stays below the top edge
    assert baseline - text_width(LONG) * math.sin(math.radians(60)) >= 0
    # and inside the right edge.
    x = [float(v) for v in re.findall(r"translate\(([\d.]+),", svg)]
    assert x[1] + text_width(LONG) * math.cos(math.radians(60)) <= _width(svg)
    rtl = str(charts.heat_map("h", "T", "D", ["Article 1"], columns, cells, rtl=True))
    assert "rotate(60)" in rtl and 'text-anchor="end"' in rtl


def test_a_single_day_is_labelled_once() -> None:
    svg = str(charts.column_chart("d", "T", "D", [("2026-01-10", 4)]))
    assert svg.count(">2026-01-10</text>") == 1
    svg = str(charts.column_chart("d", "T", "D", [("2026-01-10", 4), ("2026-01-11", 1)]))
    assert svg.count(">2026-01-10</text>") == 1 and svg.count(">2026-01-11</text>") == 1
