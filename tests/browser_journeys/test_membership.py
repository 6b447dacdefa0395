"""A new member of a State's delegation asks to act for the State, is approved by the
secretariat, and then sees the State's submission: in Chromium, through the pages."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from consult_app.accounts.models import MembershipStatus, OrgCategory, RegionalGroup, Role, User
from consult_app.extensions import db
from consult_app.submissions.models import Position
from tests.browser_journeys.conftest import LiveServer
from tests.browser_journeys.journey import Journey
from tests.browser_journeys.test_contributor import confirmation_link
from tests.browser_journeys.worlds import _submit
from tests.conftest import PASSWORD, make_consultation, make_org, make_user

pytestmark = pytest.mark.browser


def test_new_member_asks_to_join_a_state_and_is_approved_by_the_secretariat(
    new_journey: Callable[..., Journey], live_server: LiveServer
) -> None:
    consultation = make_consultation()
    articles = [p for p in consultation.version.provisions if p.kind.value == "article"]
    state = make_org("Republic of Testing", OrgCategory.MEMBER_STATE, RegionalGroup.GRULAC)
    _, submission = _submit(consultation, state, [(articles[0], Position.SUPPORT, None)])
    officer = make_user(role=Role.SECRETARIAT, email="officer@example.org")
    db.session.commit()
    receipt_number = submission.receipt_number
    assert receipt_number

    # The new member registers for the State, already on the platform.
    member = new_journey()
    page = member.goto("/account/register")
    page.get_by_label("Full name").fill("Carlos Mendes")
    page.get_by_label("E-mail address").fill("carlos@mission-testing.example")
    page.get_by_label("Job title").fill("Second secretary")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_label("My organisation is already registered").check()
    page.get_by_label("Organisation", exact=True).select_option(label="Republic of Testing")
    member.button("Create my account")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your mailbox")
    member.goto(confirmation_link(live_server, "carlos@mission-testing.example"))
    member.button("Confirm and create my account")
    expect(page.locator(".flashes")).to_contain_text(
        "your request to act for Republic of Testing has been sent"
    )

    # Until the request is approved, nothing of the State shows.
    page = member.goto("/submissions/")
    expect(page.locator("main")).not_to_contain_text(receipt_number)
    db.session.expire_all()
    carlos = db.session.scalars(
        select(User).where(User.email == "carlos@mission-testing.example")
    ).one()
    assert carlos.organisation_id == state.id
    assert carlos.membership_status is MembershipStatus.REQUESTED

    # The secretariat approves it: Verification, then Requests to act for an organisation.
    secretariat = new_journey()
    page = secretariat.sign_in(officer.email, PASSWORD, officer.totp_secret)
    secretariat.link("Verification", exact=True)
    secretariat.link("Requests to act for an organisation")
    request = page.locator("section", has_text="Carlos Mendes")
    expect(request).to_contain_text("carlos@mission-testing.example")
    expect(request).to_contain_text("Republic of Testing")
    request.get_by_label("Note (required to decline; sent to the person)").fill(
        "Named in the note verbale of 3 December."
    )
    secretariat.click(request.get_by_role("button", name="Approve"))
    expect(page.locator(".flashes")).to_contain_text(
        "Carlos Mendes can now act for Republic of Testing."
    )
    expect(page.locator("main")).to_contain_text("No request is waiting.")

    db.session.expire_all()
    carlos = db.session.get_one(User, carlos.id)
    assert carlos.membership_status is MembershipStatus.CONFIRMED
    assert carlos.membership_decided_by_id == officer.id

    # The member now sees the State's submission.
    page = member.goto("/")
    member.link("Our submissions")
    expect(page.locator("main")).to_contain_text(receipt_number)
    expect(page.locator("main")).to_contain_text("Republic of Testing")
