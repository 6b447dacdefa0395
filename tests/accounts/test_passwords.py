"""Common, leaked and personal passwords are refused wherever a password is chosen
(issue 13 #7): registration, password change, reset and the command line."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from consult_app.accounts import operations as ops
from consult_app.accounts.models import User
from consult_app.accounts.passwords import common_passwords, password_problem
from consult_app.extensions import db
from tests.browser import Browser
from tests.conftest import PASSWORD, login, make_org, make_user

COMMON_MESSAGE = "This password is among the most common ones"
PERSONAL_MESSAGE = "The password must not contain your name or your e-mail address."


@pytest.mark.parametrize(
    "password",
    [
        "password123",
        "Password123!",
        "1234567890",
        "qwertyuiop",
        "iloveyou2026",
        "2024dragon!!",
        "aaaaaaaaaaaa",
        "abababababab",
    ],
)
def test_common_passwords_are_refused(password):
    assert password_problem(password, email="x@example.org", name="X") is not None
    assert COMMON_MESSAGE in str(password_problem(password, email=None, name=None))


@pytest.mark.parametrize(
    ("password", "email", "name"),
    [
        ("ana.delegate-2026", "ana.delegate@mission.example", "Someone Else"),
        ("my Delegate key!", "ana.delegate@mission.example", "Someone Else"),
        ("hello Fernández 99", "x@example.org", "María Fernández"),
        ("mariafernandez!!", "x@example.org", "María Fernandez"),
        ("bob is my name ok", "bob@example.org", "Robert Smith"),
    ],
)
def test_passwords_with_the_persons_name_or_address_are_refused(password, email, name):
    assert str(password_problem(password, email=email, name=name)) == PERSONAL_MESSAGE


@pytest.mark.parametrize(
    "password", [PASSWORD, "a long enough password", "Tuesday lantern 47 okapi"]
)
def test_good_passwords_pass(password):
    assert password_problem(password, email="ana.delegate@mission.example", name="Ana Li") is None


def test_the_bundled_list_is_large_and_lower_case():
    listed = common_passwords()
    assert len(listed) >= 25_000
    assert "password123" in listed and "correct horse battery staple" not in listed
    assert all(word == word.lower() for word in list(listed)[:1000])


def _register(client, password, email="ana.delegate@mission.example"):
    org = make_org("Existing NGO")
    db.session.commit()
    browser = Browser(client)
    browser.get("/account/register")
    browser.submit(
        browser.form("/account/register"),
        name="Ana Delegate",
        email=email,
        password=password,
        confirm=password,
        organisation_mode="existing",
        organisation_id=str(org.id),
    )
    return browser


@pytest.mark.parametrize(
    ("password", "message"),
    [("password123", COMMON_MESSAGE), ("Delegate of 2026", PERSONAL_MESSAGE)],
)
def test_registration_refuses_weak_passwords(client, mail, password, message):
    browser = _register(client, password)
    assert browser.status == 200
    assert message in browser.html
    assert db.session.scalar(select(func.count(User.id))) == 0
    assert mail == []


def test_password_change_refuses_a_common_password(client):
    user = make_user(email="ana.delegate@mission.example")
    login(client, user)
    browser = Browser(client)
    browser.get("/account/profile")
    browser.submit(
        browser.form("/account/profile/password"),
        **{
            "pw-current_password": PASSWORD,
            "pw-password": "password123",
            "pw-confirm": "password123",
        },
    )
    assert COMMON_MESSAGE in browser.html
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password(PASSWORD)


def test_password_reset_refuses_the_persons_name(client):
    user = make_user(email="ana.delegate@mission.example")
    db.session.commit()
    token = ops.make_reset_token(user)
    browser = Browser(client)
    browser.get(f"/account/password/reset/{token}")
    browser.submit(
        browser.form("/account/password/reset/"),
        password="Delegate forever 1",
        confirm="Delegate forever 1",
    )
    assert PERSONAL_MESSAGE in browser.html
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password(PASSWORD)


def test_command_line_refuses_a_common_password(app):
    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "create",
            "--email",
            "admin@example.org",
            "--name",
            "Admin",
            "--role",
            "admin",
            "--password",
            "password123",
        ]
    )
    assert result.exit_code != 0
    assert "most common" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0
