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


def test_two_languages_side_by_side_without_javascript_mirrored_in_arabic(
    new_journey: Callable[..., Journey],
) -> None:
    """A reader of the Arabic pages shows the French version beside the text: the picker is
    a form (no JavaScript), the columns pair each paragraph, the first column (the reader's
    language; here the English original with its note, the article has no Arabic version)
    on the right, the French on the left, each in its own direction."""
    import os

    from consult_app.texts.models import (
        ParagraphTranslation,
        ProvisionTranslation,
        TextVersionTranslation,
    )

    consultation = make_consultation()
    version = consultation.version
    article = next(p for p in version.provisions if p.kind.value == "article")
    db.session.add(TextVersionTranslation(version=version, language="fr"))
    translation = ProvisionTranslation(provision=article, language="fr", title="Le droit")
    db.session.add(translation)
    for paragraph in article.paragraphs:
        db.session.add(
            ParagraphTranslation(
                provision_translation=translation,
                paragraph=paragraph,
                text=f"Texte français du paragraphe {paragraph.label}.",
            )
        )
    db.session.commit()
    journey = new_journey(java_script_enabled=False)
    page = journey.goto(f"/consultations/{consultation.id}/provisions/{article.id}?lang=ar")
    assert _language(page) == ("ar", "rtl")
    page.locator("#compare-language").select_option("fr")
    page = journey.click(page.locator(".compare-form button"))
    assert "compare=fr" in page.url
    heads = page.locator(".parallel-head")
    assert heads.count() == 2
    first, second = heads.nth(0).bounding_box(), heads.nth(1).bounding_box()
    assert first is not None and second is not None
    assert first["x"] > second["x"]  # mirrored: the reader's column on the right
    assert heads.nth(0).get_attribute("dir") == "ltr"  # the English original
    assert heads.nth(0).locator(".language-fallback").count() == 1
    # What the page says about the columns is in the page's language and direction.
    assert heads.nth(0).locator(".parallel-language").get_attribute("dir") == "rtl"
    assert heads.nth(0).locator(".language-fallback").get_attribute("lang") == "ar"
    french = page.locator('p.parallel-cell[lang="fr"]')
    assert french.count() == 2
    assert french.nth(0).get_attribute("dir") == "ltr"
    assert "Texte français du paragraphe 1." in french.nth(0).inner_text()
    # Each column's heading in its own language.
    assert heads.nth(1).locator(".provision-label").inner_text() == "Article 1. Le droit"
    assert heads.nth(0).locator(".provision-label").inner_text().startswith("Article 1.")
    # Each French paragraph sits on the same row as its English original.
    english = page.locator('p.parallel-cell[lang="en"]')
    for n in range(2):
        left, right = french.nth(n).bounding_box(), english.nth(n).bounding_box()
        assert left is not None and right is not None
        assert abs(left["y"] - right["y"]) <= 1 and left["x"] < right["x"]
    if os.environ.get("KEEP_EXPORTS"):
        page.screenshot(path=os.path.join(os.environ["KEEP_EXPORTS"], "side-by-side-ar.png"),
                        full_page=True)  # fmt: skip
