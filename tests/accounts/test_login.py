from __future__ import annotations

import re

import pytest
from werkzeug.security import check_password_hash

from consult_app.accounts.models import Role, User
from consult_app.extensions import db
from tests.accounts.helpers import csrf_token_from
from tests.conftest import PASSWORD, login, make_user


def _login(client, email, password=PASSWORD, **extra):
    return client.post("/account/login", data={"email": email, "password": password, **extra})


def test_login_page_renders(client):
    response = client.get("/account/login")
    assert response.status_code == 200
    assert b'name="email"' in response.data
    assert b"Forgot your password?" in response.data


def test_login_success_signs_in_and_records_time(client):
    user = make_user(email="delegate@example.org")
    db.session.commit()
    response = _login(client, "Delegate@Example.org ")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    with client.session_transaction() as session:
        assert session["_user_id"].split(":")[0] == str(user.id)
    db.session.expire_all()
    assert db.session.get(User, user.id).last_login_at is not None
    # Signed in: the profile page opens.
    assert client.get("/account/profile").status_code == 200


def test_remember_me_sets_cookie(client):
    make_user(email="remember@example.org")
    db.session.commit()
    response = _login(client, "remember@example.org", remember="y")
    assert response.status_code == 302
    assert "remember_token=" in ";".join(response.headers.getlist("Set-Cookie"))


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("known@example.org", "wrong password here"),
        ("nobody@example.org", PASSWORD),
    ],
)
def test_login_failure_is_generic(client, email, password):
    make_user(email="known@example.org")
    db.session.commit()
    response = _login(client, email, password)
    assert response.status_code == 200
    assert b"The e-mail address or the password is not correct." in response.data
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_login_missing_fields(client):
    response = client.post("/account/login", data={"email": "", "password": ""})
    assert response.status_code == 200
    assert b"Please correct the errors below." in response.data
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_inactive_user_cannot_login(client):
    user = make_user(email="gone@example.org")
    user.active = False
    db.session.commit()
    response = _login(client, "gone@example.org")
    assert response.status_code == 200
    assert b"The e-mail address or the password is not correct." in response.data
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_deactivated_user_session_no_longer_works(client):
    user = make_user()
    login(client, user)
    assert client.get("/account/profile").status_code == 200
    user.active = False
    db.session.commit()
    response = client.get("/account/profile")
    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]


def test_login_follows_safe_next(client):
    make_user(email="next@example.org")
    db.session.commit()
    response = client.post(
        "/account/login?next=/account/profile%3Ftab%3D1",
        data={"email": "next@example.org", "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/profile?tab=1"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example.org/",
        "https://evil.example.org/",
        "http:/evil.example.org",
        "/\\evil.example.org",
        "javascript:alert(1)",
        "evil.example.org",
        "/\n/evil.example.org",
        "\t//evil.example.org",
        " //evil.example.org",
        "///evil.example.org",
    ],
)
def test_login_refuses_open_redirect(client, target):
    make_user(email="redirect@example.org")
    db.session.commit()
    response = client.post(
        "/account/login",
        query_string={"next": target},
        data={"email": "redirect@example.org", "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def _form_action(response):
    match = re.search(r'<form method="post" action="([^"]*)"', response.get_data(as_text=True))
    assert match
    return match.group(1)


def test_login_form_keeps_only_safe_next(client):
    page = client.get("/account/login", query_string={"next": "//evil.example.org"})
    assert _form_action(page) == "/account/login"
    page = client.get("/account/login", query_string={"next": "/texts/"})
    assert _form_action(page) == "/account/login?next=/texts/"


def test_signed_in_user_visiting_login_is_redirected(client):
    login(client, make_user())
    response = client.get("/account/login")
    assert response.status_code == 302


def test_logout_is_post_only(client):
    user = make_user()
    login(client, user)
    assert client.get("/account/logout").status_code == 405
    with client.session_transaction() as session:
        assert session["_user_id"].split(":")[0] == str(user.id)
    response = client.post("/account/logout")
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_logout_when_anonymous_just_redirects(client):
    assert client.post("/account/logout").status_code == 302


def test_login_rate_limited(client, rate_limited):
    make_user(email="limited@example.org")
    db.session.commit()
    for _ in range(3):
        assert _login(client, "limited@example.org", "wrong password here").status_code == 200
    response = _login(client, "limited@example.org", PASSWORD)
    assert response.status_code == 429
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_login_csrf_refused(csrf_app):
    client = csrf_app.test_client()
    make_user(email="csrf@example.org")
    db.session.commit()
    response = _login(client, "csrf@example.org")
    assert response.status_code == 400
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_login_with_csrf_token_works(csrf_app):
    client = csrf_app.test_client()
    make_user(email="token@example.org")
    db.session.commit()
    token = csrf_token_from(client.get("/account/login"))
    response = _login(client, "token@example.org", csrf_token=token)
    assert response.status_code == 302


def test_logout_csrf_refused(csrf_app):
    client = csrf_app.test_client()
    user = make_user()
    login(client, user)
    assert client.post("/account/logout").status_code == 400
    with client.session_transaction() as session:
        assert session["_user_id"].split(":")[0] == str(user.id)


def test_password_hashed_not_stored_in_clear():
    user = make_user(role=Role.SECRETARIAT)
    assert PASSWORD not in user.password_hash
    assert check_password_hash(user.password_hash, PASSWORD)


def test_login_required_page_round_trip(client):
    make_user(email="roundtrip@example.org")
    db.session.commit()
    bounce = client.get("/account/profile")
    assert bounce.status_code == 302
    login_url = bounce.headers["Location"]
    response = client.post(login_url, data={"email": "roundtrip@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/profile"
