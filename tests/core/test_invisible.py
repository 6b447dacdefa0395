"""Bidirectional controls and stray zero-width characters are dropped from what is shown;
the marks and joiners right-to-left and joining scripts need are kept."""

from __future__ import annotations

import pytest
from flask import Flask, render_template_string
from markupsafe import Markup

from consult_app.core.invisible import finalize, strip_invisible
from consult_app.core.templating import paragraphs

RLO, PDF, LRI, PDI, RLE = "\u202e", "\u202c", "\u2066", "\u2069", "\u202b"
ZWSP, ZWNJ, ZWJ, WJ, BOM = "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"
LRM, RLM, ALM = "\u200e", "\u200f", "\u061c"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"We {RLO}troppus ton od{PDF} agree.", "We troppus ton od agree."),
        (f"{LRI}Article 3{PDI} {RLE}x{PDF}", "Article 3 x"),
        (f"a{ZWSP}b{WJ}c{BOM}d", "abcd"),
        (f"sup{ZWNJ}port{ZWJ}ed", "supported"),  # between Latin letters they join nothing
        (f"{ZWJ}start and end{ZWNJ}", "start and end"),
        # Kept: direction marks, Persian and Arabic joiners, emoji sequences.
        (f"نؤيد المادة 3{RLM}.", f"نؤيد المادة 3{RLM}."),
        (f"«שלום»{LRM} and {ALM}١٢", f"«שלום»{LRM} and {ALM}١٢"),
        (f"می{ZWNJ}خواهم", f"می{ZWNJ}خواهم"),
        (f"\u0644{ZWJ}\u0627", f"\u0644{ZWJ}\u0627"),  # lam, ZWJ, alef
        (f"क्{ZWNJ}ष", f"क्{ZWNJ}ष"),
        (f"\U0001f468{ZWJ}\U0001f469{ZWJ}\U0001f467", f"\U0001f468{ZWJ}\U0001f469{ZWJ}\U0001f467"),
        (f"\u2764\ufe0f{ZWJ}\U0001f525", f"\u2764\ufe0f{ZWJ}\U0001f525"),
        # An override inside Arabic text goes, the Arabic stays.
        (f"نؤيد {RLO}المادة{PDF}", "نؤيد المادة"),
        ("plain ASCII", "plain ASCII"),
        ("Déclaration, 第三条", "Déclaration, 第三条"),
    ],
)
def test_strip_invisible(text: str, expected: str) -> None:
    assert strip_invisible(text) == expected


def test_finalize_keeps_markup_markup() -> None:
    value = Markup(f"<p>a{RLO}b</p>")
    cleaned = finalize(value)
    assert isinstance(cleaned, Markup) and cleaned == Markup("<p>ab</p>")
    assert finalize(f"x{ZWSP}y") == "xy" and not isinstance(finalize(f"x{ZWSP}y"), Markup)
    assert finalize(3) == 3 and finalize(None) is None
    same = "déjà"
    assert finalize(same) is same


def test_templates_output_no_override_and_paragraphs_take_their_direction(app: Flask) -> None:
    with app.test_request_context():
        html = render_template_string(
            "<h1>{{ name }}</h1>{{ body|paragraphs }}{{ _('Reason: %(r)s', r=reason) }}",
            name=f"Republic of {RLO}dnaltseT",
            body=f"نؤيد المادة 3{RLM}.\n\nWe {LRI}agree{PDI}.",
            reason=f"{RLE}spam{PDF}",
        )
    for char in (RLO, LRI, PDI, RLE, PDF):
        assert char not in html
    assert "<h1>Republic of dnaltseT</h1>" in html
    assert f'<p dir="auto">نؤيد المادة 3{RLM}.</p><p dir="auto">We agree.</p>' in html
    assert "Reason: spam" in html
    assert str(paragraphs("a")) == '<p dir="auto">a</p>'
