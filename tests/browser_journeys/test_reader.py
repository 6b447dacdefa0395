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


def test_reader_sees_the_written_submissions_and_the_contributors(journey: Journey) -> None:
    """The public record on the consultation's page: the documents published with their
    authors' consent (downloaded), and the contributors under the headings of United
    Nations lists, in their order; nothing of an organisation that asked not to be named."""
    from consult_app.accounts.models import OrgCategory, RegionalGroup
    from consult_app.submissions import attachments as attachment_ops
    from consult_app.submissions import commenting, submitting
    from consult_app.submissions import operations as ops
    from tests.conftest import make_org, make_user
    from tests.submissions.conftest import pdf_bytes

    consultation = make_consultation()
    article = next(p for p in consultation.version.provisions if p.kind.value == "article")

    def contribute(org, document=None, consent=True, publishable=True):
        author = make_user(organisation=org)
        submission = ops.start_submission(author, consultation)
        commenting.add_comment(
            author, submission, article,
            commenting.CommentFields(position=Position.SUPPORT, body=f"{org.name} supports it."),
        )  # fmt: skip
        if document:
            attachment_ops.add_attachment(
                author, submission, document, pdf_bytes(document), publish_consent=consent
            )
        if not publishable:
            ops.update_submission_details(
                author, submission, ops.SubmissionDetails(publishable=False)
            )
        submitting.submit_submission(author, submission, submission.lock_version)

    contribute(make_org("Civic Voices Network", OrgCategory.NGO), "Joint NGO paper.pdf")
    contribute(
        make_org("Republic of Example", OrgCategory.MEMBER_STATE, RegionalGroup.GRULAC),
        "Note verbale.pdf",
        consent=False,
    )
    contribute(make_org("Shared Risk Office", OrgCategory.UN_ENTITY))
    contribute(make_org("Quiet Industries", OrgCategory.BUSINESS), "Industry.pdf",
               publishable=False)  # fmt: skip
    db.session.commit()

    page = journey.goto(f"/consultations/{consultation.id}")
    written = page.locator("#written-submissions")
    expect(written.get_by_role("heading", name="Written submissions")).to_be_visible()
    row = written.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Joint NGO paper.pdf")
    expect(row).to_contain_text("Civic Voices Network")
    expect(row).to_contain_text("Civil society organisation / NGO")
    expect(written).not_to_contain_text("Note verbale.pdf")
    with page.expect_download() as download:
        row.get_by_role("link", name="Joint NGO paper.pdf").click()
    assert download.value.suggested_filename == "Joint_NGO_paper.pdf"

    contributors = page.locator("#contributors")
    headings = contributors.locator("h4")
    expect(headings).to_have_count(3)
    assert [h.split(" (")[0] for h in headings.all_inner_texts()] == [
        "States Members of the United Nations",
        "United Nations entities, funds, programmes and specialized agencies",
        "Other non-governmental organizations",
    ]
    expect(contributors).to_contain_text("Republic of Example")
    expect(page.locator("main")).not_to_contain_text("Quiet Industries")
    expect(page.locator("main")).not_to_contain_text("Industry.pdf")

    # On a phone the record fits the window: the table stacks.
    page.set_viewport_size({"width": 390, "height": 844})
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, width
    expect(row).to_contain_text("Joint NGO paper.pdf")
