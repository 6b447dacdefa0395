from __future__ import annotations

import pytest
from sqlalchemy import select

from consult_app.accounts.models import User
from consult_app.core.audit import AuditEntry
from consult_app.extensions import db
from tests.accounts.helpers import csrf_token_from
from tests.conftest import PASSWORD, login, make_user

NEW_PASSWORD = "another long password"


def _reload(user):
    db.session.expire_all()
    return db.session.get(User, user.id)


def _profile(**changes):
    data = {
        "name": "New Name",
        "job_title": "Counsellor",
        "timezone": "Europe/Zurich",
        "locale": "fr",
    }
    data.update(changes)
    return data


def test_profile_requires_sign_in(client):
    response = client.get("/account/profile")
    assert response.status_code == 302
    assert "/account/login?next=" in response.headers["Location"]
    assert client.post("/account/profile", data=_profile()).status_code == 302
    assert client.post("/account/profile/password", data={}).status_code == 302


def test_profile_page_shows_details(client):
    user = make_user(email="me@example.org")
    login(client, user)
    response = client.get("/account/profile")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "me@example.org" in text
    assert "Europe/Zurich" in text
    assert "Français" in text


def test_profile_update(client):
    user = make_user()
    login(client, user)
    response = client.post("/account/profile", data=_profile())
    assert response.status_code == 302
    user = _reload(user)
    assert (user.name, user.job_title, user.timezone, user.locale) == (
        "New Name",
        "Counsellor",
        "Europe/Zurich",
        "fr",
    )
    entry = db.session.scalar(select(AuditEntry))
    assert entry.action == "update_profile"
    assert entry.before["timezone"] == "UTC"
    assert entry.after["timezone"] == "Europe/Zurich"


def test_profile_browser_language(client):
    user = make_user()
    user.locale = "ru"
    login(client, user)
    assert client.post("/account/profile", data=_profile(locale="")).status_code == 302
    assert _reload(user).locale is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "Not a valid choice"),
        ({"timezone": ""}, "This field is required."),
        ({"locale": "de"}, "Not a valid choice"),
        ({"name": ""}, "This field is required."),
        ({"name": "x" * 201}, "Field cannot be longer than 200 characters."),
    ],
)
def test_profile_validation_errors(client, changes, message):
    user = make_user()
    login(client, user)
    response = client.post("/account/profile", data=_profile(**changes))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    user = _reload(user)
    assert (user.name, user.timezone, user.locale) == ("Test User", "UTC", None)
    assert db.session.scalar(select(AuditEntry)) is None


def test_change_password(client):
    user = make_user()
    login(client, user)
    response = client.post(
        "/account/profile/password",
        data={
            "pw-current_password": PASSWORD,
            "pw-password": NEW_PASSWORD,
            "pw-confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    user = _reload(user)
    assert user.check_password(NEW_PASSWORD)
    assert NEW_PASSWORD not in user.password_hash
    entry = db.session.scalar(select(AuditEntry))
    assert entry.action == "change_password"
    assert entry.before is None and entry.after is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {
                "pw-current_password": "not my password",
                "pw-password": NEW_PASSWORD,
                "pw-confirm": NEW_PASSWORD,
            },
            "The current password is not correct.",
        ),
        (
            {"pw-current_password": PASSWORD, "pw-password": "short", "pw-confirm": "short"},
            "between 10 and 200 characters",
        ),
        (
            {
                "pw-current_password": PASSWORD,
                "pw-password": NEW_PASSWORD,
                "pw-confirm": "other words here",
            },
            "The two passwords do not match.",
        ),
    ],
)
def test_change_password_validation(client, data, message):
    user = make_user()
    login(client, user)
    response = client.post("/account/profile/password", data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _reload(user).check_password(PASSWORD)


def test_profile_csrf(csrf_app):
    client = csrf_app.test_client()
    user = make_user()
    login(client, user)
    assert client.post("/account/profile", data=_profile()).status_code == 400
    assert _reload(user).name == "Test User"
    response = client.post(
        "/account/profile/password",
        data={
            "pw-current_password": PASSWORD,
            "pw-password": NEW_PASSWORD,
            "pw-confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 400
    assert _reload(user).check_password(PASSWORD)
    # With the token of the page, the same change goes through.
    page = client.get("/account/profile")
    response = client.post(
        "/account/profile", data={**_profile(), "csrf_token": csrf_token_from(page)}
    )
    assert response.status_code == 302
    assert _reload(user).name == "New Name"
