"""The dashboard's charts as drawn by Chromium: no label cut by the edge of its chart or
running into a bar, a cell or a value, in English, Arabic (mirrored) and Russian (long)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.browser_journeys.journey import Journey
from tests.browser_journeys.worlds import busy_world

pytestmark = pytest.mark.browser

MEASURE = """(svg) => {
    const box = (el) => { const r = el.getBoundingClientRect();
        return {left: r.left, right: r.right, top: r.top, bottom: r.bottom,
                text: el.textContent.trim(), rotated: el.hasAttribute('transform')}; };
    return {
        id: svg.id,
        frame: box(svg),
        texts: [...svg.querySelectorAll(':scope > text')].map(box),
        shapes: [...svg.querySelectorAll(':scope > rect')].map(box),
    };
}"""


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return (
        min(a["right"], b["right"]) - max(a["left"], b["left"]) > 0.5
        and min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > 0.5
    )


def _problems(chart: dict[str, Any]) -> list[str]:
    frame, found = chart["frame"], []
    for text in chart["texts"]:
        if (
            text["left"] < frame["left"] - 0.5
            or text["right"] > frame["right"] + 0.5
            or text["top"] < frame["top"] - 0.5
            or text["bottom"] > frame["bottom"] + 0.5
        ):
            found.append(f"{chart['id']}: {text['text']!r} is cut by the edge of the chart")
        for shape in chart["shapes"]:
            if _overlap(text, shape):
                found.append(f"{chart['id']}: {text['text']!r} runs into a bar or cell")
                break
    level = [t for t in chart["texts"] if not t["rotated"]]
    for i, first in enumerate(level):
        for second in level[i + 1 :]:
            if _overlap(first, second):
                found.append(f"{chart['id']}: {first['text']!r} overlaps {second['text']!r}")
    return found


@pytest.mark.parametrize("language", ["en", "ar", "ru"])
def test_chart_labels_are_whole_and_clear_of_the_bars(
    new_journey: Callable[..., Journey], language: str
) -> None:
    world = busy_world()
    journey = new_journey()
    journey.goto(f"/?lang={language}")
    page = journey.goto(f"/consultations/{world.id}/dashboard")
    charts = [svg.evaluate(MEASURE) for svg in page.locator("svg.chart").all()]
    assert [c["id"] for c in charts] == [
        "chart-states",
        "chart-categories",
        "chart-days",
        "chart-heat",
    ]
    assert all(c["texts"] for c in charts)
    problems = [p for chart in charts for p in _problems(chart)]
    assert not problems, "\n".join(problems)

    # Right to left, the labels stand on the right of the bars; left to right, on the left.
    states = charts[0]
    label, bar = states["texts"][0], states["shapes"][0]
    if language == "ar":
        assert label["left"] >= bar["right"]
    else:
        assert label["right"] <= bar["left"]
