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


def _boxes(page: Page) -> dict[str, dict[str, float]]:
    return dict(
        page.evaluate(
            """() => {
                const box = (selector) => {
                    const r = document.querySelector(selector).getBoundingClientRect();
                    return {left: r.left, right: r.right};
                };
                const main = document.querySelector('main');
                const style = getComputedStyle(main);
                const r = main.getBoundingClientRect();
                return {
                    brand: box('.brand'),
                    first_link: box('.main-nav li:first-child a'),
                    last_link: box('.main-nav li:last-child a'),
                    heading: box('main h1'),
                    content: {left: r.left + parseFloat(style.paddingLeft),
                              right: r.right - parseFloat(style.paddingRight)},
                };
            }"""
        )
    )


def test_arabic_pages_are_mirrored(new_journey: Callable[..., Journey]) -> None:
    consultation = make_consultation()
    article = next(p for p in consultation.version.provisions if p.kind.value == "article")
    db.session.commit()
    path = f"/consultations/{consultation.id}/provisions/{article.id}"
    journey = new_journey()
    middle = 1280 / 2

    page = journey.goto(path + "?lang=en")
    english = _boxes(page)
    assert english["brand"]["right"] < middle
    assert english["first_link"]["left"] < english["last_link"]["left"]
    assert abs(english["heading"]["left"] - english["content"]["left"]) <= 1

    page = journey.goto(path + "?lang=ar")
    assert _language(page) == ("ar", "rtl")
    arabic = _boxes(page)
    assert arabic["brand"]["left"] > middle
    assert arabic["first_link"]["left"] > arabic["last_link"]["left"]
    assert abs(arabic["heading"]["right"] - arabic["content"]["right"]) <= 1
    # The same distance from the other edge: a mirror image.
    assert abs((1280 - arabic["brand"]["right"]) - english["brand"]["left"]) <= 1
