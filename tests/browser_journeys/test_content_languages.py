"""Content in several languages through the rendered pages: the secretariat gives the
consultation's title and a public theme in French, a French reader reads them; a delegate's
comment form offers a language; the queue filters by it. Screenshots of the new forms are
left in ``test-artifacts/languages/``."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page
from sqlalchemy import select

from consult_app.extensions import db
from consult_app.review.models import Theme
from consult_app.submissions.models import Comment
from consult_app.texts.importer import parse_document
from consult_app.texts.languages import align, save_translation
from consult_app.texts.operations import import_text
from tests.browser_journeys.conftest import ARTIFACTS
from tests.browser_journeys.journey import Journey
from tests.browser_journeys.worlds import busy_world
from tests.conftest import PASSWORD
from tests.texts.multilingual import TEXTS

pytestmark = pytest.mark.browser

SHOTS = ARTIFACTS / "languages"


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_secretariat_gives_the_content_in_french_and_arabic_readers_read_it(
    new_journey: Callable[..., Journey],
) -> None:
    world = busy_world()
    theme = Theme(consultation_id=world.id, name="Financing of cooperation", public=True)
    db.session.add(theme)
    db.session.commit()
    journey = new_journey()
    journey.sign_in(world.secretariat.email, PASSWORD, world.secretariat.totp_secret)
    page = journey.goto(f"/consultations/{world.id}")
    journey.link("Languages of the consultation's content")
    _shot(page, "content-languages")
    journey.link("Edit the French version")
    page.get_by_label("Title").fill("Consultation sur le projet de déclaration")
    page.get_by_label("Financing of cooperation").fill("Financement de la coopération")
    _shot(page, "content-language-form-fr")
    journey.button("Save this language version")
    assert "Consultation sur le projet de déclaration" not in page.content()  # list page
    journey.link("Edit the Arabic version")
    page.get_by_label("Title").fill("مشاورة بشأن مشروع الإعلان")
    assert page.get_by_label("Title").get_attribute("dir") == "rtl"
    _shot(page, "content-language-form-ar")
    journey.button("Save this language version")

    reader = new_journey(locale="fr-FR")
    french = reader.goto(f"/consultations/{world.id}")
    assert french.locator("h1").inner_text() == "Consultation sur le projet de déclaration"
    arabic = reader.goto(f"/consultations/{world.id}?lang=ar")
    assert arabic.locator("h1").inner_text() == "مشاورة بشأن مشروع الإعلان"
    _shot(arabic, "consultation-ar")


def test_the_comment_form_offers_a_language_and_the_queue_filters_by_it(
    new_journey: Callable[..., Journey],
) -> None:
    world = busy_world()
    journey = new_journey()
    journey.sign_in(world.contributor.email, PASSWORD)
    article = world.articles[0]
    page = journey.goto(f"/submissions/{world.draft.id}/provisions/{article.id}/comment?lang=fr")
    select_box = page.locator("select[name=language]")
    assert select_box.input_value() == "fr"  # the reader's language, offered
    page.locator("select[name=position]").select_option("support")
    page.locator("textarea[name=body]").fill("Los Estados deben garantizar este derecho.")
    select_box.select_option("es")
    _shot(page, "comment-form-language")
    journey.click(page.locator("main form [name=submit]"))
    comment = db.session.scalars(select(Comment).order_by(Comment.id.desc())).first()
    assert comment is not None and comment.language == "es"

    secretariat = new_journey()
    secretariat.sign_in(world.secretariat.email, PASSWORD, world.secretariat.totp_secret)
    queue = secretariat.goto(f"/review/{world.id}/queue")
    queue.get_by_label("Language of the comment").select_option("en")
    secretariat.button("Show")
    assert "language=en" in queue.url
    _shot(queue, "queue-language-filter")


def test_the_language_versions_page_lists_the_provisions_to_update(
    new_journey: Callable[..., Journey],
) -> None:
    world = busy_world()
    version = import_text(
        None, parse_document(TEXTS["en"].encode("utf-8"), "en.txt"), title="Draft declaration"
    )
    for language, text in (
        ("fr", TEXTS["fr"]),
        ("ar", TEXTS["ar"]),
        ("fr", TEXTS["fr"].replace("Les États rendent compte", "Les États rendent vite compte")),
    ):
        result = parse_document(text.encode("utf-8"), f"{language}.txt")
        save_translation(None, version, language, result, align(version, result, language))
    db.session.commit()
    journey = new_journey()
    journey.sign_in(world.secretariat.email, PASSWORD, world.secretariat.totp_secret)
    page = journey.goto(f"/texts/versions/{version.id}/languages")
    rows = page.locator(".update-flags tbody tr")
    assert rows.count() == 2  # Article 2 in Arabic and in English (the original)
    _shot(page, "language-versions-to-update")
