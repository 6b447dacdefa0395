"""An anonymous reader reads the consultation, a provision and its published comments."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from consult_app.extensions import db
from consult_app.submissions.models import Position
from tests.browser_journeys.journey import Journey
from tests.conftest import make_consultation
from tests.consultations.factories import make_comment, make_submission

pytestmark = pytest.mark.browser


def test_anonymous_reader_reads_the_consultation_and_a_provision(journey: Journey) -> None:
    consultation = make_consultation()
    article = next(p for p in consultation.version.provisions if p.kind.value == "article")
    make_comment(
        make_submission(consultation),
        article,
        body="The delegation welcomes the article.",
        position=Position.SUPPORT_WITH_AMENDMENTS,
        proposed_wording="Everyone has the right to the thing in article 1, without delay.",
    )
    db.session.commit()

    page = journey.goto("/")
    journey.link(consultation.title)
    expect(page.get_by_role("heading", level=1)).to_have_text(consultation.title)
    expect(page.get_by_text("Everyone has the right to the thing in article 1.")).to_be_visible()

    journey.link(article.full_label)
    expect(page.get_by_role("heading", level=1)).to_have_text(article.full_label)
    expect(page.get_by_text("1 published comment")).to_be_visible()
    expect(page.get_by_text("The delegation welcomes the article.")).to_be_visible()
    expect(page.locator(".redline ins")).to_contain_text("without delay")

    journey.link("Next:")
    journey.link("Whole text")
    expect(page.get_by_role("heading", level=1)).to_have_text(consultation.title)
