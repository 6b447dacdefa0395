"""The administrator manages accounts: changes a role, deactivates and activates an account,
through the Accounts page in Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from consult_app.accounts.models import Role, User
from consult_app.extensions import db
from tests.browser_journeys.journey import Journey
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser


def test_admin_changes_a_role_deactivates_and_activates_an_account(journey: Journey) -> None:
    admin = make_user(role=Role.ADMIN, email="admin@example.org")
    delegate = make_user(email="delegate@example.org")
    delegate.name = "Dana Delegate"
    db.session.commit()

    page = journey.sign_in(admin.email, PASSWORD, admin.totp_secret)
    journey.link("Accounts", exact=True)
    expect(page.get_by_role("heading", level=1)).to_have_text("Accounts")

    # Find the account with the search field, then change its role.
    page.get_by_label("Name, e-mail or organisation").fill("delegate@example.org")
    journey.click(page.locator("form.filters").get_by_role("button"))
    row = page.get_by_role("row", name="Dana Delegate")
    row.get_by_label("Role of Dana Delegate").select_option(label="Secretariat")
    journey.click(row.get_by_role("button", name="Change role"))
    expect(page.locator(".flashes")).to_contain_text("Dana Delegate is now: Secretariat.")
    db.session.expire_all()
    assert db.session.get(User, delegate.id).role is Role.SECRETARIAT  # type: ignore[union-attr]

    # Deactivate it, then activate it again.
    row = page.get_by_role("row", name="Dana Delegate")
    journey.click(row.get_by_role("button", name="Deactivate"))
    expect(page.locator(".flashes")).to_contain_text("The account of Dana Delegate is deactivated.")
    row = page.get_by_role("row", name="Dana Delegate")
    expect(row).to_contain_text("Deactivated")
    db.session.expire_all()
    assert db.session.get(User, delegate.id).active is False  # type: ignore[union-attr]

    journey.click(row.get_by_role("button", name="Activate"))
    expect(page.locator(".flashes")).to_contain_text(
        "The account of Dana Delegate is active again."
    )
    expect(page.get_by_role("row", name="Dana Delegate")).not_to_contain_text("Deactivated")
    db.session.expire_all()
    assert db.session.get(User, delegate.id).active is True  # type: ignore[union-attr]
