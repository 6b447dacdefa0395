"""Secrets and public address: nothing written in the code signs a session, and links in
e-mails never follow a request's Host header (issue 13, findings 2 and 5)."""

from __future__ import annotations

import os
import stat

import pytest
from flask.sessions import SecureCookieSessionInterface

from consult_app import create_app
from consult_app.config import ConfigError, DevelopmentConfig, TestingConfig

GOOD_KEY = "x" * 16 + "-another-long-random-secret-key-for-tests"


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("SECRET_KEY", "PUBLIC_URL", "ALLOWED_HOSTS", "CONSULT_ENV", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_no_secret_key_is_written_in_the_code():
    assert DevelopmentConfig.SECRET_KEY is None
    assert TestingConfig.SECRET_KEY is None


def test_development_makes_a_random_key_once_per_instance_folder(clean_env, tmp_path):
    first = create_app(None, INSTANCE_PATH=str(tmp_path / "a"))  # CONSULT_ENV unset
    again = create_app(None, INSTANCE_PATH=str(tmp_path / "a"))
    other = create_app(None, INSTANCE_PATH=str(tmp_path / "b"))
    key = first.config["SECRET_KEY"]
    assert len(key) >= 32
    assert again.config["SECRET_KEY"] == key  # sessions survive a restart
    assert other.config["SECRET_KEY"] != key
    path = tmp_path / "a" / "secret_key"
    assert path.read_text().strip() == key
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_a_session_signed_with_the_old_code_key_is_refused(clean_env, tmp_path):
    app = create_app(None, INSTANCE_PATH=str(tmp_path))
    forged_app = create_app(None, INSTANCE_PATH=str(tmp_path / "elsewhere"))
    forged_app.config["SECRET_KEY"] = "dev-only-not-secret"
    serializer = SecureCookieSessionInterface().get_signing_serializer(forged_app)
    cookie = serializer.dumps({"_user_id": "1", "_fresh": True})
    client = app.test_client()
    client.set_cookie("session", cookie)
    with client.session_transaction() as session:
        assert "_user_id" not in session


@pytest.mark.parametrize(
    "key", ["dev-only-not-secret", "testing-only", "changeme", "short-key", "s3cret-from-env"]
)
def test_production_refuses_short_or_known_keys(clean_env, tmp_path, key):
    clean_env.setenv("SECRET_KEY", key)
    clean_env.setenv("PUBLIC_URL", "https://consultations.example.org")
    with pytest.raises(ConfigError):
        create_app("production", INSTANCE_PATH=str(tmp_path))


def test_production_requires_a_public_url(clean_env, tmp_path):
    clean_env.setenv("SECRET_KEY", GOOD_KEY)
    with pytest.raises(ConfigError, match="PUBLIC_URL"):
        create_app("production", INSTANCE_PATH=str(tmp_path))
    clean_env.setenv("PUBLIC_URL", "consultations.example.org")  # no scheme
    with pytest.raises(ConfigError, match="PUBLIC_URL"):
        create_app("production", INSTANCE_PATH=str(tmp_path))


def test_production_refuses_requests_for_unknown_hosts(clean_env, tmp_path):
    clean_env.setenv("SECRET_KEY", GOOD_KEY)
    clean_env.setenv("PUBLIC_URL", "https://consultations.example.org")
    clean_env.setenv("ALLOWED_HOSTS", "internal.example.org")
    app = create_app(
        "production", INSTANCE_PATH=str(tmp_path), SQLALCHEMY_DATABASE_URI="sqlite://"
    )
    client = app.test_client()
    assert client.get("/healthz", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/healthz", headers={"Host": "consultations.example.org"}).status_code != 400
    assert client.get("/healthz", headers={"Host": "internal.example.org"}).status_code != 400


def test_session_cookies_are_httponly_samesite_and_secure_in_production(client) -> None:
    """ASVS 3.4.1-3.4.3: the cookies a sign-in sets."""
    from consult_app.config import ProductionConfig
    from consult_app.extensions import db
    from tests.conftest import PASSWORD, make_user

    make_user(email="cookie@example.org")
    db.session.commit()
    response = client.post(
        "/account/login",
        data={"email": "cookie@example.org", "password": PASSWORD, "remember": "y"},
    )
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies
    for cookie in cookies:
        assert "HttpOnly" in cookie, cookie
    session = next(c for c in cookies if c.startswith("session="))
    assert "SameSite=Lax" in session
    assert ProductionConfig.SESSION_COOKIE_SECURE and ProductionConfig.REMEMBER_COOKIE_SECURE
