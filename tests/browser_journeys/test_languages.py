"""The language chosen with the switcher stays over the next clicks, in each UN language;
Arabic pages are right to left, their layout mirrored."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page

from consult_app.extensions import db
from tests.browser_journeys.journey import Journey
from tests.conftest import make_consultation

pytestmark = pytest.mark.browser

# What each language's switcher link says, and a browser asking for another language.
LANGUAGES = {
    "ar": ("العربية", "fr-FR"),
    "zh": ("中文", "fr-FR"),
    "en": ("English", "fr-FR"),
    "fr": ("Français", "es-ES"),
    "ru": ("Русский", "fr-FR"),
    "es": ("Español", "fr-FR"),
}


def _language(page: Page) -> tuple[str, str]:
    root = page.locator("html")
    return root.get_attribute("lang") or "", root.get_attribute("dir") or ""


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_chosen_language_stays_over_three_clicks(
    new_journey: Callable[..., Journey], code: str
) -> None:
    consultation = make_consultation()
    article = next(p for p in consultation.version.provisions if p.kind.value == "article")
    db.session.commit()
    name, browser_language = LANGUAGES[code]
    journey = new_journey(locale=browser_language)
    page = journey.goto("/")
    assert _language(page)[0] == browser_language[:2]

    journey.click(page.locator(".languages").get_by_role("link", name=name, exact=True))
    direction = "rtl" if code == "ar" else "ltr"
    assert _language(page) == (code, direction)

    # Three clicks, none of them carrying the language in its address.
    journey.click(page.locator(".site-header a[href='/consultations/']"))
    assert _language(page) == (code, direction)
    journey.click(page.get_by_role("link", name=consultation.title))
    assert _language(page) == (code, direction)
    journey.click(page.locator(f"h3 a[href$='/provisions/{article.id}']"))
    assert _language(page) == (code, direction)
    assert "lang=" not in page.url
