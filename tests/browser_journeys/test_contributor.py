"""A new NGO registers, comments on three provisions, attaches a PDF, saves, edits,
submits and reads its receipt: in Chromium, through the pages as they render."""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from reportlab.pdfgen import canvas
from sqlalchemy import select

from consult_app.accounts.models import Organisation, OrgCategory
from consult_app.core import mail
from consult_app.extensions import db
from consult_app.submissions.models import Attachment, Submission, SubmissionStatus
from tests.browser_journeys.conftest import LiveServer
from tests.browser_journeys.journey import Journey
from tests.conftest import PASSWORD, make_consultation

pytestmark = pytest.mark.browser


def small_pdf(path: Path) -> Path:
    """A real one-page PDF, as an NGO would attach its written submission."""
    buffer = io.BytesIO()
    document = canvas.Canvas(buffer)
    document.drawString(72, 720, "Written submission of Friends of Solidarity")
    document.drawString(72, 700, "We support the draft, with the amendments proposed online.")
    document.showPage()
    document.save()
    path.write_bytes(buffer.getvalue())
    return path


def confirmation_link(live_server: LiveServer, address: str) -> str:
    """The link of the last message sent to ``address`` (the served app's mail outbox)."""
    with live_server.app.app_context():
        messages = [m for m in mail.outbox() if address in str(m["To"])]
    assert messages, f"no message was sent to {address}"
    body = messages[-1].get_body(preferencelist=("plain",))
    assert body is not None
    links = re.findall(r"https?://\S+", body.get_content())
    assert links, "the message holds no link"
    # The address of the platform as configured; the journey follows it on the served one.
    return urlsplit(links[-1]).path


def test_new_ngo_registers_comments_edits_submits_and_reads_its_receipt(
    journey: Journey, live_server: LiveServer, tmp_path: Path
) -> None:
    consultation = make_consultation()
    articles = [p for p in consultation.version.provisions if p.kind.value == "article"]
    db.session.commit()
    page = journey.goto("/")

    # Register the organisation and the account.
    journey.click(page.locator(".site-header").get_by_role("link", name="Register"))
    page.get_by_label("Full name").fill("Amina Diallo")
    page.get_by_label("E-mail address").fill("amina@friends-of-solidarity.org")
    page.get_by_label("Job title").fill("Advocacy officer")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_label("Register a new organisation").check()
    page.get_by_label("Name of the organisation").fill("Friends of Solidarity")
    page.get_by_label("Category").select_option(label="Civil society organisation / NGO")
    journey.button("Create my account")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your mailbox")

    # The account is created when the link in the message is opened and confirmed.
    journey.goto(confirmation_link(live_server, "amina@friends-of-solidarity.org"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your address")
    journey.button("Confirm and create my account")
    expect(page.locator(".flashes")).to_contain_text("Your account is ready")

    # Start the submission from the consultation.
    journey.link(consultation.title)
    journey.link("Take part")
    journey.button("Start our submission")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Friends of Solidarity")

    # 1. Article 1, with a proposed amendment.
    journey.link(f"Add a comment on {articles[0].label}")
    page.get_by_label("Position").select_option(label="Support with amendments")
    page.get_by_label("Comment", exact=True).fill("The right should be realised without delay.")
    wording = page.get_by_label("Proposed wording (optional)")
    expect(wording).to_contain_text("Everyone has the right to the thing in article 1.")
    wording.fill(
        "1. Everyone has the right to the thing in article 1, without delay.\n"
        "2. States shall take measures to that end."
    )
    journey.button("Save the comment")
    expect(page.locator(".flashes")).to_contain_text(f"Your comment on {articles[0].label}")

    # 2. Article 2, on its second paragraph.
    journey.click(
        page.locator(f"#provision-{articles[1].id}").get_by_role(
            "link", name="Comment on paragraph 2"
        )
    )
    expect(page.get_by_label("Paragraph")).to_have_value(str(articles[1].paragraphs[1].id))
    page.get_by_label("Position").select_option(label="Oppose")
    page.get_by_label("Comment", exact=True).fill("Paragraph 2 adds nothing to paragraph 1.")
    journey.button("Save the comment")

    # 3. Article 3, a comment; the written submission goes with it as a PDF attachment.
    journey.link(f"Add a comment on {articles[2].label}")
    page.get_by_label("Position").select_option(label="Support")
    page.get_by_label("Comment", exact=True).fill("See our written submission, attached.")
    journey.button("Save the comment")
    pdf = small_pdf(tmp_path / "written-submission.pdf")
    page.locator("input[type=file]").set_input_files(str(pdf))
    journey.button("Attach")
    expect(page.locator("#attachments")).to_contain_text("written-submission.pdf")

    # General remarks, saved.
    page.get_by_role("textbox", name="General remarks").fill(
        "Friends of Solidarity welcomes the draft."
    )
    journey.click(page.locator("#details").get_by_role("button", name="Save", exact=True))

    # Edit the first comment.
    journey.click(page.locator(f"#provision-{articles[0].id}").get_by_role("link", name="Edit"))
    page.get_by_label("Comment", exact=True).fill(
        "The right should be realised without delay, for everyone."
    )
    journey.button("Save the comment")
    expect(page.locator(f"#provision-{articles[0].id}")).to_contain_text("for everyone")

    # Submit: the receipt is shown.
    journey.click(page.locator("#submit").get_by_role("button", name="Submit"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Receipt of a submission")
    receipt = page.locator(".receipt")
    expect(receipt).to_contain_text("Friends of Solidarity")
    expect(receipt).to_contain_text("written-submission.pdf")
    expect(receipt.locator("tfoot")).to_contain_text("3")
    remarks = page.get_by_role("heading", name="General remarks as received")
    expect(remarks).to_be_visible()
    expect(receipt.locator(".general-remarks")).to_have_text(
        "Friends of Solidarity welcomes the draft."
    )

    db.session.expire_all()
    organisation = db.session.scalars(
        select(Organisation).where(Organisation.name == "Friends of Solidarity")
    ).one()
    assert organisation.category is OrgCategory.NGO
    submission = db.session.scalars(
        select(Submission).where(Submission.organisation_id == organisation.id)
    ).one()
    assert submission.status is SubmissionStatus.SUBMITTED
    assert submission.receipt_number and submission.receipt_number in receipt.inner_text()
    comments = sorted(submission.comments, key=lambda c: c.provision.position)
    assert [c.provision_id for c in comments] == [a.id for a in articles[:3]]
    assert "without delay" in (comments[0].proposed_wording or "")
    assert comments[0].body.endswith("for everyone.")
    assert comments[1].paragraph_id == articles[1].paragraphs[1].id
    assert submission.general_remarks == "Friends of Solidarity welcomes the draft."
    attachment = db.session.scalars(
        select(Attachment).where(Attachment.submission_id == submission.id)
    ).one()
    assert attachment.display_name == "written-submission.pdf"
