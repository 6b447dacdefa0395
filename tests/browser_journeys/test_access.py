"""The same paths by keyboard alone, and with JavaScript switched off."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from consult_app.accounts.models import User
from consult_app.extensions import db
from consult_app.submissions import operations as submission_ops
from consult_app.submissions.models import Comment, Submission, SubmissionStatus
from tests.browser_journeys.journey import Journey
from tests.conftest import PASSWORD, make_consultation, make_user

pytestmark = pytest.mark.browser


def _focused(locator: Locator) -> bool:
    return bool(locator.evaluate("element => element === document.activeElement"))


def tab_to(page: Page, locator: Locator, limit: int = 120) -> None:
    """Press Tab until ``locator`` has the focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if _focused(locator):
            return
    raise AssertionError(f"{locator} never got the focus in {limit} presses of Tab")


def _contributor_with_a_draft() -> tuple[User, Submission]:
    consultation = make_consultation()
    user = make_user(email="delegate@example.org")
    submission = submission_ops.start_submission(user, consultation)
    db.session.commit()
    return user, submission


def test_sign_in_and_save_a_comment_by_keyboard_alone(journey: Journey) -> None:
    user, submission = _contributor_with_a_draft()
    article = next(
        p for p in submission.consultation.version.provisions if p.kind.value == "article"
    )
    page = journey.goto("/")

    # The first Tab reaches the skip link, shown when focused.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert _focused(skip)
    expect(skip).to_be_in_viewport()

    tab_to(page, page.locator(".site-header").get_by_role("link", name="Sign in"))
    journey.press("Enter")
    tab_to(page, page.get_by_label("E-mail address"))
    page.keyboard.type(user.email)
    page.keyboard.press("Tab")
    assert _focused(page.get_by_label("Password"))
    page.keyboard.type(PASSWORD)
    tab_to(page, page.locator("main").get_by_role("button", name="Sign in"))
    journey.press("Enter")
    expect(page.locator(".flashes")).to_contain_text("You are signed in")

    tab_to(page, page.get_by_role("link", name="Our submissions"))
    journey.press("Enter")
    tab_to(page, page.get_by_role("link", name=submission.consultation.title))
    journey.press("Enter")
    tab_to(page, page.get_by_role("link", name=f"Add a comment on {article.label}"))
    journey.press("Enter")

    tab_to(page, page.get_by_label("Position"))
    # A closed list box changes its choice with the arrow keys.
    for _ in range(3):
        if page.get_by_label("Position").input_value() == "support":
            break
        page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Position")).to_have_value("support")
    tab_to(page, page.get_by_label("Comment", exact=True))
    page.keyboard.type("Typed without a mouse.")
    tab_to(page, page.get_by_role("button", name="Save the comment"))
    journey.press("Enter")
    expect(page.locator(".flashes")).to_contain_text(f"Your comment on {article.label}")

    db.session.expire_all()
    comment = db.session.scalars(
        select(Comment).where(Comment.submission_id == submission.id)
    ).one()
    assert comment.body == "Typed without a mouse."
    assert comment.position.value == "support"


def test_read_comment_and_submit_without_javascript(
    new_journey: Callable[..., Journey],
) -> None:
    user, submission = _contributor_with_a_draft()
    consultation = submission.consultation
    article = next(p for p in consultation.version.provisions if p.kind.value == "article")
    journey = new_journey(java_script_enabled=False)
    page = journey.goto("/")

    # Read, as anyone.
    journey.link(consultation.title)
    journey.click(page.locator(f"h3 a[href$='/provisions/{article.id}']"))
    expect(page.get_by_role("heading", level=1)).to_have_text(article.full_label)

    # Sign in, comment and submit.
    journey.click(page.locator(".site-header").get_by_role("link", name="Sign in"))
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    journey.click(page.locator("main").get_by_role("button", name="Sign in"))
    journey.link("Our submissions")
    journey.link(consultation.title)
    journey.link(f"Add a comment on {article.label}")
    page.get_by_label("Position").select_option(label="No position")
    page.get_by_label("Comment", exact=True).fill("Written with JavaScript switched off.")
    journey.button("Save the comment")
    journey.click(page.locator("#submit").get_by_role("button", name="Submit"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Receipt of a submission")

    db.session.expire_all()
    stored = db.session.get(Submission, submission.id)
    assert stored is not None and stored.status is SubmissionStatus.SUBMITTED
    assert [c.body for c in stored.comments] == ["Written with JavaScript switched off."]
