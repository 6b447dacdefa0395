"""Secretariat and admin accounts sign in with a second factor: a TOTP code or a single-use
recovery code (issue 13 #7). Contributors may turn it on."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from consult_app.accounts import two_factor
from consult_app.accounts.models import RecoveryCode, Role, User, UserSession
from consult_app.core.audit import AuditEntry
from consult_app.extensions import db
from tests.accounts.helpers import totp_code
from tests.browser import Browser
from tests.conftest import PASSWORD, login, make_user

WRONG = "This code is not correct"


def _reload(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def _sessions(user: User) -> int:
    return db.session.scalar(
        select(func.count(UserSession.id)).where(UserSession.user_id == user.id)
    )


def _signed_in(client) -> bool:
    return client.get("/account/profile").status_code == 200


def _password_step(client, user: User, next_url: str = "") -> Browser:
    browser = Browser(client)
    browser.get("/account/login" + (f"?next={next_url}" if next_url else ""))
    browser.submit(browser.form("/account/login"), email=user.email, password=PASSWORD)
    return browser


def _secret_on(browser: Browser) -> str:
    """The key the set-up page shows in text (what a person types into the app)."""
    match = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', browser.html)
    assert match, browser.html
    return match.group(1).replace(" ", "")


def _audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_secretariat_sets_up_the_second_factor_through_the_forms(app, client):
    user = make_user(role=Role.SECRETARIAT, two_factor=False)
    db.session.commit()
    browser = _password_step(client, user, next_url="/verification/")
    assert browser.url == "/account/two-step/setup"
    # The QR code is inline SVG; the key is also given in text.
    assert "<svg" in browser.html and "<script" not in browser.html
    secret = _secret_on(browser)
    # Nothing is signed in yet, nothing is kept in the database.
    assert _sessions(user) == 0
    assert not _signed_in(client)
    assert _reload(user).totp_secret is None
    browser.get("/account/two-step/setup")  # a reload shows the same key
    assert _secret_on(browser) == secret
    # Someone else with the password gets another key, which the owner's setup ignores.
    intruder = _password_step(app.test_client(), user)
    assert _secret_on(intruder) != secret

    browser.submit(browser.form("/account/two-step/setup"), code="000000")
    assert WRONG in browser.html
    assert not _reload(user).two_factor_enabled and _sessions(user) == 0

    browser.submit(browser.form("/account/two-step/setup"), code=totp_code(secret))
    assert "Two-step sign-in is on" in browser.html
    codes = re.findall(r"<code>([a-z2-9]{4}(?:-[a-z2-9]{4}){3})</code>", browser.html)
    assert len(codes) == 10 and len(set(codes)) == 10
    user = _reload(user)
    assert user.two_factor_enabled
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not any(
        c in h or c.replace("-", "") in h for c in codes for h in stored
    )
    assert _sessions(user) == 1 and user.totp_secret == secret
    assert [e.actor_id for e in _audit("enable_two_factor")] == [user.id]
    browser.follow("I have kept my recovery codes")
    assert browser.url == "/verification/" and browser.status == 200


def test_sign_in_asks_for_the_code_after_the_password(client):
    user = make_user(role=Role.ADMIN)
    db.session.commit()
    browser = _password_step(client, user, next_url="/admin/users")
    assert browser.url == "/account/two-step/code"
    assert _sessions(user) == 0
    assert client.get("/admin/users").status_code == 302  # not signed in yet
    browser.submit(browser.form("/account/two-step/code"), code=totp_code(user.totp_secret))
    assert browser.url == "/admin/users" and browser.status == 200
    assert "You are signed in" in browser.html
    assert _sessions(user) == 1

    # The same code cannot be used twice (seen over a shoulder, say).
    browser.client.post("/account/logout")
    browser = _password_step(client, user)
    browser.submit(browser.form("/account/two-step/code"), code=totp_code(user.totp_secret))
    assert WRONG in browser.html
    assert _sessions(user) == 0
    # The next one is accepted.
    browser.submit(
        browser.form("/account/two-step/code"), code=totp_code(user.totp_secret, steps_ahead=1)
    )
    assert "You are signed in" in browser.html


def test_a_recovery_code_signs_in_once(client):
    user = make_user(role=Role.SECRETARIAT)
    db.session.flush()
    codes = two_factor._new_recovery_codes(user)
    db.session.commit()
    browser = _password_step(client, user)
    browser.submit(browser.form("/account/two-step/code"), code=codes[3].upper().replace("-", " "))
    assert "You signed in with a recovery code; 9 are left." in browser.html
    assert _sessions(user) == 1
    assert len(_audit("use_recovery_code")) == 1

    client.post("/account/logout")
    browser = _password_step(client, user)
    browser.submit(browser.form("/account/two-step/code"), code=codes[3])
    assert WRONG in browser.html
    assert _sessions(user) == 0
    assert two_factor.recovery_codes_left(_reload(user)) == 9


@pytest.mark.parametrize("code", ["123456", "abcd-efgh-jkmn-pqrs", "", "9" * 41, "12345\x00"])
def test_wrong_codes_are_refused(client, code):
    user = make_user(role=Role.SECRETARIAT)
    db.session.commit()
    browser = _password_step(client, user)
    form = browser.form("/account/two-step/code")
    response = client.post("/account/two-step/code", data=form.data(code=code))
    assert response.status_code in (200, 400)
    assert _sessions(user) == 0
    assert not _signed_in(client)


def test_wrong_codes_are_throttled_per_account(app, client, rate_limited):
    user = make_user(role=Role.SECRETARIAT)
    db.session.commit()
    browser = _password_step(client, user)
    for _ in range(3):
        browser.submit(browser.form("/account/two-step/code"), code="000000")
        assert WRONG in browser.html
    browser.submit(browser.form("/account/two-step/code"), code=totp_code(user.totp_secret))
    assert browser.status == 429
    assert "Too many wrong codes" in browser.html
    assert _sessions(user) == 0


def test_the_password_step_alone_expires(app, client):
    user = make_user(role=Role.SECRETARIAT)
    db.session.commit()
    browser = _password_step(client, user)
    app.config["TWO_FACTOR_PENDING_SECONDS"] = -1
    try:
        browser.submit(browser.form("/account/two-step/code"), code=totp_code(user.totp_secret))
    finally:
        app.config["TWO_FACTOR_PENDING_SECONDS"] = 300
    assert "Your sign-in has expired" in browser.html
    assert _sessions(user) == 0


def _get_routes(app) -> list[str]:
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith("/static")
    )


def test_secretariat_without_second_factor_reaches_no_secretariat_page(app, client):
    """Whether its session predates the rule or it stops after the password, a secretariat
    account without a second factor sees only what an anonymous visitor sees."""
    anonymous = app.test_client()
    user = make_user(role=Role.SECRETARIAT, two_factor=False)
    old_session = app.test_client()
    login(old_session, user)
    _password_step(client, user)
    for url in _get_routes(app):
        expected = anonymous.get(url).status_code
        assert old_session.get(url).status_code == expected, url
        if not url.startswith("/account/two-step/"):  # where the password step leads
            assert client.get(url).status_code == expected, url
    for url in ("/verification/", "/admin/users", "/admin/organisations"):
        assert old_session.get(url).status_code == 302
        assert client.get(url).status_code == 302


def test_promotion_to_secretariat_needs_a_second_factor(app, client):
    contributor = make_user()
    admin = make_user(role=Role.ADMIN)
    login(client, contributor)
    from consult_app.accounts import operations as ops

    ops.change_role(admin, contributor, Role.SECRETARIAT)
    db.session.commit()
    assert client.get("/verification/").status_code == 302


def test_admin_resets_a_second_factor(app, client):
    admin = make_user(role=Role.ADMIN)
    target = make_user(role=Role.SECRETARIAT, email="lost.phone@example.org")
    db.session.flush()
    two_factor._new_recovery_codes(target)
    target_client = app.test_client()
    login(target_client, target)
    login(client, admin)
    browser = Browser(client)
    browser.get("/admin/users")
    browser.submit(browser.form(f"/admin/users/{target.id}/two-step/reset"))
    assert "is reset" in browser.html
    target = _reload(target)
    assert not target.two_factor_enabled and target.totp_secret is None
    assert db.session.scalar(select(func.count(RecoveryCode.id))) == 0
    assert _sessions(target) == 0
    assert not _signed_in(target_client)
    (entry,) = _audit("reset_two_factor")
    assert entry.actor_id == admin.id and entry.object_id == target.id
    # Its next sign-in goes through the set-up page again.
    assert _password_step(app.test_client(), target).url == "/account/two-step/setup"
    # An administrator does not reset their own.
    assert client.post(f"/admin/users/{admin.id}/two-step/reset").status_code == 403
    # Nor does anyone else.
    other = app.test_client()
    login(other, make_user(role=Role.SECRETARIAT))
    assert other.post(f"/admin/users/{admin.id}/two-step/reset").status_code == 403
    assert _reload(admin).two_factor_enabled


def test_contributor_turns_it_on_and_off_in_the_profile(app, client):
    user = make_user()
    login(client, user)
    browser = Browser(client)
    browser.get("/account/profile")
    browser.follow("Set up two-step sign-in")
    secret = _secret_on(browser)
    browser.submit(browser.form("/account/two-step/setup"), code=totp_code(secret))
    assert "Two-step sign-in is on" in browser.html
    assert _reload(user).two_factor_enabled

    # Signing in now asks for a code.
    other = app.test_client()
    assert _password_step(other, user).url == "/account/two-step/code"

    browser.get("/account/profile")
    browser.submit(browser.form("/account/two-step/disable"), **{"tf-password": "wrong one"})
    assert "two-step sign-in stays on" in browser.html
    assert _reload(user).two_factor_enabled
    browser.submit(browser.form("/account/two-step/disable"), **{"tf-password": PASSWORD})
    assert "Two-step sign-in is off" in browser.html
    assert not _reload(user).two_factor_enabled
    assert [
        e.action
        for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.object_id == user.id).order_by(AuditEntry.id)
        )
        if "two_factor" in e.action
    ] == ["enable_two_factor", "disable_two_factor"]


def test_secretariat_cannot_turn_it_off(client):
    user = make_user(role=Role.SECRETARIAT)
    login(client, user)
    page = client.get("/account/profile").get_data(as_text=True)
    assert "/account/two-step/disable" not in page
    response = client.post("/account/two-step/disable", data={"tf-password": PASSWORD})
    assert response.status_code == 403
    assert _reload(user).two_factor_enabled


def test_command_line_resets_the_only_administrators_second_factor(app):
    admin = make_user(role=Role.ADMIN, email="only.admin@example.org")
    db.session.commit()
    result = app.test_cli_runner().invoke(
        args=["users", "reset-two-factor", "--email", "ONLY.ADMIN@example.org"]
    )
    assert result.exit_code == 0, result.output
    assert not _reload(admin).two_factor_enabled
    (entry,) = _audit("reset_two_factor")
    assert entry.actor_id is None
    result = app.test_cli_runner().invoke(
        args=["users", "reset-two-factor", "--email", "nobody@example.org"]
    )
    assert result.exit_code != 0 and "No account" in result.output
