"""Sign-out, password change and reset really end sessions; remember-me lasts weeks; reset
links come from PUBLIC_URL, never from the Host header (issue 13, findings 2 and 3).

Each test copies the cookies of a signed-in browser into a second client, the way an
attacker replays a stolen cookie, and shows the copy stops working.
"""

from __future__ import annotations

from datetime import UTC, timedelta

from sqlalchemy import func, select

from consult_app.accounts.models import User, UserSession
from consult_app.core.models import utcnow
from consult_app.extensions import db
from tests.accounts.helpers import reset_link
from tests.browser import Browser
from tests.conftest import PASSWORD, make_user

NEW_PASSWORD = "a brand new password 2026"


def _sign_in(app, user, remember=False) -> Browser:
    browser = Browser(app.test_client())
    browser.get("/account/login")
    values = {"email": user.email, "password": PASSWORD}
    if remember:
        values["remember"] = "y"
    browser.submit(browser.form("/account/login"), **values)
    assert "You are signed in" in browser.html
    return browser


def _copy(app, browser: Browser):
    """A second client holding the same cookies (a stolen copy)."""
    thief = app.test_client()
    for cookie in browser.client._cookies.values():
        thief.set_cookie(cookie.key, cookie.value)
    return thief


def _is_signed_in(client) -> bool:
    response = client.get("/account/profile")
    return response.status_code == 200


def _sessions(user) -> int:
    return db.session.scalar(
        select(func.count(UserSession.id)).where(UserSession.user_id == user.id)
    )


def test_sign_out_ends_the_copied_session(app, csrf_app):
    user = make_user()
    db.session.commit()
    browser = _sign_in(app, user)
    thief = _copy(app, browser)
    assert _is_signed_in(thief)
    browser.submit(browser.form("/account/logout"))
    assert "You are signed out" in browser.html
    assert not _is_signed_in(thief)
    assert _sessions(user) == 0


def test_sign_out_ends_a_copied_remember_me_cookie_too(app, csrf_app):
    user = make_user()
    db.session.commit()
    browser = _sign_in(app, user, remember=True)
    remember = browser.client.get_cookie("remember_token")
    assert remember is not None
    # The remember-me cookie alone (no session cookie) opens the account...
    thief = app.test_client()
    thief.set_cookie("remember_token", remember.value)
    assert _is_signed_in(thief)
    # ...until the owner signs out.
    browser.submit(browser.form("/account/logout"))
    thief = app.test_client()
    thief.set_cookie("remember_token", remember.value)
    assert not _is_signed_in(thief)


def test_remember_me_lasts_weeks_not_a_year(app, csrf_app):
    user = make_user()
    db.session.commit()
    browser = _sign_in(app, user, remember=True)
    cookie = browser.client.get_cookie("remember_token")
    assert cookie.expires is not None
    expires = cookie.expires if cookie.expires.tzinfo else cookie.expires.replace(tzinfo=UTC)
    lifetime = expires - utcnow()
    assert timedelta(days=13) < lifetime <= timedelta(days=14, minutes=1)
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    assert row.remember is True
    assert row.expires_at - utcnow() <= timedelta(days=14)


def test_expired_session_no_longer_opens_the_account(app):
    user = make_user()
    db.session.commit()
    browser = _sign_in(app, user)
    for row in db.session.scalars(select(UserSession)):
        row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert not _is_signed_in(browser.client)


def test_password_change_ends_every_other_session(app, csrf_app):
    user = make_user()
    db.session.commit()
    laptop = _sign_in(app, user)
    phone = _sign_in(app, user)
    stolen = _copy(app, laptop)
    laptop.get("/account/profile")
    laptop.submit(
        laptop.form("/account/profile/password"),
        **{"pw-current_password": PASSWORD, "pw-password": NEW_PASSWORD,
           "pw-confirm": NEW_PASSWORD},
    )
    assert "Your password has been changed" in laptop.html
    assert not _is_signed_in(phone.client)
    # The device that changed it stays signed in; a copy of its cookie does too (same
    # session): that device can sign out to end it.
    assert _is_signed_in(laptop.client)
    assert _is_signed_in(stolen)
    assert _sessions(user) == 1


def test_password_reset_ends_every_session(app, csrf_app, mail):
    user = make_user(email="reset.me@example.org")
    db.session.commit()
    browser = _sign_in(app, user)
    anonymous = Browser(app.test_client())
    anonymous.get("/account/password/reset")
    anonymous.submit(anonymous.form("/account/password/reset"), email=user.email)
    link = reset_link(mail[-1])
    anonymous.get(link)
    anonymous.submit(anonymous.form("/account/password/reset/"), password=NEW_PASSWORD,
                     confirm=NEW_PASSWORD)
    assert "Your password has been changed" in anonymous.html
    assert not _is_signed_in(browser.client)
    assert _sessions(user) == 0


def test_sign_out_everywhere(app, csrf_app):
    user = make_user()
    db.session.commit()
    first = _sign_in(app, user, remember=True)
    second = _sign_in(app, user)
    second.get("/account/profile")
    second.submit(second.form("/account/sessions/end-all"))
    assert "You are signed out on every device" in second.html
    assert not _is_signed_in(first.client)
    assert not _is_signed_in(second.client)
    assert _sessions(user) == 0


def test_deactivation_ends_every_session(app):
    from consult_app.accounts import operations as ops
    from consult_app.accounts.models import Role
    from tests.conftest import make_user as mk

    user = make_user()
    admin = mk(role=Role.ADMIN)
    db.session.commit()
    browser = _sign_in(app, user)
    ops.set_active(admin, user, False)
    ops.set_active(admin, user, True)
    db.session.commit()
    assert not _is_signed_in(browser.client)


def test_an_old_style_cookie_with_a_bare_id_opens_nothing(app, client):
    user = make_user()
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
    assert not _is_signed_in(client)


def test_reset_link_ignores_the_host_header(app, client, mail):
    app.config["PUBLIC_URL"] = "https://consultations.example.org"
    try:
        make_user(email="victim@example.org")
        db.session.commit()
        client.post(
            "/account/password/reset",
            data={"email": "victim@example.org"},
            headers={"Host": "evil.example"},
        )
        body = mail[-1].get_content()
        assert "https://consultations.example.org/account/password/reset/" in body
        assert "evil.example" not in body
    finally:
        app.config["PUBLIC_URL"] = None


def test_sign_in_stores_only_a_hash_of_the_token(app):
    user = make_user()
    db.session.commit()
    browser = _sign_in(app, user)
    with browser.client.session_transaction() as session:
        token = session["_user_id"].split(":", 1)[1]
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    assert token not in row.token_hash and len(row.token_hash) == 64
    assert isinstance(db.session.get(User, user.id), User)
