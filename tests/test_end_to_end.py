"""The README's promise, end to end through the real pages and forms with CSRF on:
a new delegate registers, comments on three articles (one with an amendment), submits,
and reads the receipt."""

from __future__ import annotations

import re

from sqlalchemy import select

from consult_app.core.mail import outbox as mail_outbox
from consult_app.submissions.models import Submission, SubmissionStatus
from tests.accounts.helpers import confirm_registration
from tests.browser import Browser


def test_register_comment_on_three_articles_submit_and_read_receipt(app, csrf_app, client):
    mail_outbox(app).clear()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "load"]).exit_code == 0

    browser = Browser(client)
    browser.get("/")
    browser.follow("Register")
    form = browser.form("/account/register")
    browser.submit(
        form,
        name="Ana Delegate",
        email="ana@mission.example",
        password="a long enough password",
        confirm="a long enough password",
        organisation_mode="new",
        org_name="Permanent Mission of Testland",
        org_category="member_state",
        org_regional_group="grulac",
    )
    assert browser.status == 200, browser.html[:2000]
    assert "Check your mailbox" in browser.html
    (message,) = [m for m in mail_outbox(app) if m["To"] == "ana@mission.example"]
    confirm_registration(browser, message)
    assert "Ana Delegate" in browser.html  # signed in

    browser.get("/consultations/")
    browser.follow("Global consultation on the revised draft declaration")
    browser.follow("Take part")
    browser.submit(browser.form("/participate/"))
    assert browser.status == 200
    submission_page = browser.url

    for number, amend in (("1", False), ("4", True), ("7", False)):
        browser.get(submission_page)
        links = [href for href, text in browser.links if "comment" in text.lower()]
        assert links, browser.html[:3000]
        target = next(
            href for href, text in browser.links
            if re.search(rf"Article {number}\b", text) and "comment" in text.lower()
        )
        browser.get(target)
        form = browser.form("/comment")
        values = {
            "position": "support_with_amendments" if amend else "support",
            "kind": "substantive",
            "body": f"Our delegation comments on article {number}.",
        }
        if amend:
            values["proposed_wording"] = form.fields["proposed_wording"][0].replace(
                "shall", "should"
            ) or "States should cooperate."
            values["rationale"] = "Softer wording is more likely to find consensus."
        browser.submit(form, **values)
        assert browser.status == 200, browser.html[:2000]

    browser.get(submission_page)
    assert browser.html.count("Our delegation comments on article") == 3
    assert "<del>" in browser.html and "<ins>" in browser.html  # the amendment as a redline
    browser.press("submit-submit")
    assert browser.status == 200

    submission = db_submission(app)
    assert submission.status is SubmissionStatus.SUBMITTED
    browser.get(f"/submissions/{submission.id}/receipt")
    assert browser.status == 200
    assert submission.receipt_number in browser.html
    assert "UTC" in browser.html


def db_submission(app) -> Submission:
    from consult_app.extensions import db

    return db.session.scalars(
        select(Submission).join(Submission.organisation).where(
            Submission.organisation.has(name="Permanent Mission of Testland")
        )
    ).one()
