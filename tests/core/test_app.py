from __future__ import annotations

import pytest

from consult_app import create_app
from consult_app.config import ConfigError, normalise_database_url


def test_home_page_renders(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Consultations on draft texts" in response.data


def test_security_headers(client):
    response = client.get("/")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_health(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert b"does not exist" in response.data


def test_json_errors_for_json_clients(client):
    response = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404


def test_production_refuses_to_start_without_secret(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        create_app("production", INSTANCE_PATH=str(tmp_path))


def test_production_takes_settings_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "s3cret-from-env")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example/consult")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    app = create_app("production", INSTANCE_PATH=str(tmp_path))
    assert app.config["SECRET_KEY"] == "s3cret-from-env"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/consult"
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_default_database_is_sqlite_in_instance_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app("development", INSTANCE_PATH=str(tmp_path))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/consult_app.sqlite"


def test_normalise_database_url():
    assert normalise_database_url("postgresql://x/y") == "postgresql+psycopg://x/y"
    assert normalise_database_url("sqlite:///a.db") == "sqlite:///a.db"


def test_trusted_proxies_give_the_real_client_address(monkeypatch, tmp_path):
    from flask import request

    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    app = create_app("testing", INSTANCE_PATH=str(tmp_path), SQLALCHEMY_DATABASE_URI="sqlite://")

    @app.get("/whoami")
    def whoami():
        return request.remote_addr or ""

    response = app.test_client().get("/whoami", headers={"X-Forwarded-For": "203.0.113.9"})
    assert response.get_data(as_text=True) == "203.0.113.9"
