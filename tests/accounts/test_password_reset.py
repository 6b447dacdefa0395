from __future__ import annotations

from sqlalchemy import select

from consult_app.accounts import operations as ops
from consult_app.accounts.models import User
from consult_app.core.audit import AuditEntry
from consult_app.extensions import db
from tests.accounts.helpers import reset_link
from tests.conftest import PASSWORD, make_user

NEW_PASSWORD = "a brand new password"
SAME_ANSWER = b"If an account uses this address, we have sent it a link"


def _reload(user):
    db.session.expire_all()
    return db.session.get(User, user.id)


def test_request_page_renders(client):
    response = client.get("/account/password/reset")
    assert response.status_code == 200
    assert b'name="email"' in response.data


def test_request_sends_link_to_known_address(client, mail):
    user = make_user(email="known@example.org")
    db.session.commit()
    response = client.post(
        "/account/password/reset", data={"email": "KNOWN@example.org"}, follow_redirects=True
    )
    assert response.status_code == 200
    assert SAME_ANSWER in response.data
    assert len(mail) == 1
    assert mail[0]["To"] == "known@example.org"
    assert "/account/password/reset/" in mail[0].get_content()
    assert _reload(user).check_password(PASSWORD)


def test_request_for_unknown_address_answers_the_same(client, mail):
    response = client.post(
        "/account/password/reset", data={"email": "nobody@example.org"}, follow_redirects=True
    )
    assert response.status_code == 200
    assert SAME_ANSWER in response.data
    assert mail == []


def test_request_for_inactive_account_sends_nothing(client, mail):
    user = make_user(email="inactive@example.org")
    user.active = False
    db.session.commit()
    response = client.post(
        "/account/password/reset", data={"email": "inactive@example.org"}, follow_redirects=True
    )
    assert SAME_ANSWER in response.data
    assert mail == []


def test_request_validation_error(client, mail):
    response = client.post("/account/password/reset", data={"email": ""})
    assert response.status_code == 200
    assert b"Please correct the errors below." in response.data
    assert mail == []


def test_reset_with_link_sets_password_once(client, mail):
    user = make_user(email="reset@example.org")
    db.session.commit()
    client.post("/account/password/reset", data={"email": "reset@example.org"})
    path = reset_link(mail[0])

    assert client.get(path).status_code == 200
    response = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/login"
    user = _reload(user)
    assert user.check_password(NEW_PASSWORD)
    assert not user.check_password(PASSWORD)
    assert db.session.scalar(select(AuditEntry.action)) == "reset_password"

    # The same link a second time: refused, nothing changes.
    again = client.post(
        path, data={"password": "yet another password", "confirm": "yet another password"}
    )
    assert again.status_code == 400
    assert b"This link does not work" in again.data
    assert _reload(user).check_password(NEW_PASSWORD)


def test_reset_validation_errors_change_nothing(client):
    user = make_user()
    db.session.commit()
    path = f"/account/password/reset/{ops.make_reset_token(user)}"
    response = client.post(path, data={"password": "short", "confirm": "short"})
    assert response.status_code == 200
    assert b"between 10 and 200 characters" in response.data
    response = client.post(path, data={"password": NEW_PASSWORD, "confirm": "different password"})
    assert b"The two passwords do not match." in response.data
    assert _reload(user).check_password(PASSWORD)


def test_expired_token_refused(client, app):
    user = make_user()
    db.session.commit()
    token = ops.make_reset_token(user)
    saved = app.config["PASSWORD_RESET_MAX_AGE"]
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    try:
        response = client.post(
            f"/account/password/reset/{token}",
            data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        )
    finally:
        app.config["PASSWORD_RESET_MAX_AGE"] = saved
    assert response.status_code == 400
    assert b"This link does not work" in response.data
    assert _reload(user).check_password(PASSWORD)


def test_tampered_and_garbage_tokens_refused(client):
    user = make_user()
    db.session.commit()
    token = ops.make_reset_token(user)
    for bad in (token[:-2] + "xx", "garbage", "a" * 600, "%00"):
        response = client.get(f"/account/password/reset/{bad}")
        assert response.status_code == 400
        assert b"This link does not work" in response.data


def test_token_signed_with_other_salt_refused(client, app):
    from itsdangerous import URLSafeTimedSerializer

    user = make_user()
    db.session.commit()
    forged = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="something-else").dumps(
        {"uid": user.id, "fp": "x"}
    )
    assert client.get(f"/account/password/reset/{forged}").status_code == 400


def test_token_dies_when_password_changes(client):
    user = make_user()
    db.session.commit()
    token = ops.make_reset_token(user)
    user.set_password("changed in the meantime")
    db.session.commit()
    assert client.get(f"/account/password/reset/{token}").status_code == 400


def test_token_refused_for_deactivated_user(client):
    user = make_user()
    token = ops.make_reset_token(user)
    user.active = False
    db.session.commit()
    assert client.get(f"/account/password/reset/{token}").status_code == 400


def test_reset_request_rate_limited(client, rate_limited, mail):
    for _ in range(3):
        client.post("/account/password/reset", data={"email": "x@example.org"})
    assert (
        client.post("/account/password/reset", data={"email": "x@example.org"}).status_code == 429
    )


def test_reset_csrf_refused(csrf_app, mail):
    client = csrf_app.test_client()
    user = make_user(email="csrf-reset@example.org")
    db.session.commit()
    assert client.post("/account/password/reset", data={"email": user.email}).status_code == 400
    assert mail == []
    path = f"/account/password/reset/{ops.make_reset_token(user)}"
    response = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 400
    assert _reload(user).check_password(PASSWORD)


def test_mail_failure_answers_the_same(client, app, caplog):
    make_user(email="unlucky@example.org")
    db.session.commit()
    saved = app.config["MAIL_BACKEND"]
    app.config["MAIL_BACKEND"] = "pigeon"
    try:
        response = client.post(
            "/account/password/reset", data={"email": "unlucky@example.org"}, follow_redirects=True
        )
    finally:
        app.config["MAIL_BACKEND"] = saved
    assert response.status_code == 200
    assert SAME_ANSWER in response.data
    assert "could not send the password reset mail" in caplog.text
