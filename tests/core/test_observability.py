"""Readiness, request ids, JSON logs, metrics, and the 503 page while the database is away."""

from __future__ import annotations

import json
import logging

import pytest
from flask import Flask

from consult_app import create_app
from consult_app.core.observability import JsonFormatter, RequestIdFilter

# Nothing listens on port 1: connecting is refused at once.
UNREACHABLE_PG = "postgresql+psycopg://root@127.0.0.1:1/none?connect_timeout=2"
UNREACHABLE_REDIS = "redis://127.0.0.1:1/5"


def _app(tmp_path, **overrides) -> Flask:
    return create_app("testing", INSTANCE_PATH=str(tmp_path), **overrides)


def test_ready_when_the_database_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "skipped"},
    }


def test_not_ready_without_the_database(tmp_path):
    app = _app(tmp_path, SQLALCHEMY_DATABASE_URI=UNREACHABLE_PG)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"].startswith("failed")


def test_not_ready_without_redis(app, tmp_path):
    other = _app(
        tmp_path,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=UNREACHABLE_REDIS,
    )
    response = other.test_client().get("/readyz")
    assert response.status_code == 503
    checks = response.get_json()["checks"]
    assert checks["database"] == "ok"
    assert checks["redis"].startswith("failed")


def test_database_away_is_a_clear_503_page(tmp_path):
    app = _app(tmp_path, SQLALCHEMY_DATABASE_URI=UNREACHABLE_PG)
    client = app.test_client()
    response = client.get("/")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert b"The service is briefly unavailable" in response.data
    assert b"<html" in response.data

    response = client.get("/", headers={"Accept": "application/json"})
    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["status"] == 503
    assert error["title"] == "The service is briefly unavailable"

    response = client.get("/api/v1/consultations")
    assert response.status_code == 503
    assert response.get_json()["error"]["status"] == 503


def test_request_id_taken_from_the_proxy_or_generated(client):
    response = client.get("/healthz", headers={"X-Request-ID": "abc-123.proxy"})
    assert response.headers["X-Request-ID"] == "abc-123.proxy"

    generated = client.get("/healthz").headers["X-Request-ID"]
    assert len(generated) == 32
    assert generated != client.get("/healthz").headers["X-Request-ID"]

    # Anything odd in the header is replaced, never echoed.
    odd = client.get("/healthz", headers={"X-Request-ID": "<script>"}).headers["X-Request-ID"]
    assert odd != "<script>" and len(odd) == 32


def test_json_log_line_carries_the_request_id(app):
    record = logging.LogRecord(
        "consult_app.test", logging.WARNING, __file__, 1, "hello %s", ("world",), None
    )
    with app.test_request_context("/", headers={"X-Request-ID": "req-42"}):
        from flask import g

        g.request_id = "req-42"
        RequestIdFilter().filter(record)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "hello world"
    assert entry["request_id"] == "req-42"
    assert entry["level"] == "WARNING"


def test_json_logging_configured_from_the_environment(tmp_path, monkeypatch, capfd):
    monkeypatch.setenv("LOG_FORMAT", "json")
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        app = _app(tmp_path, SQLALCHEMY_DATABASE_URI=UNREACHABLE_PG)
        app.test_client().get("/readyz", headers={"X-Request-ID": "from-proxy-1"})
        lines = [
            json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")
        ]
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    access = [line for line in lines if line["logger"] == "consult_app.access"]
    assert access and access[-1]["request_id"] == "from-proxy-1"
    assert access[-1]["status"] == 503
    assert access[-1]["endpoint"] == "core.ready"


TOKEN = "metrics-token-for-the-tests-0123456789"
SCRAPER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def scraped(app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)


def test_metrics(client, scraped):
    client.get("/healthz")
    response = client.get("/metrics", headers=SCRAPER)
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    text = response.get_data(as_text=True)
    assert 'consult_http_request_duration_seconds_bucket{endpoint="core.health"' in text
    assert "consult_export_queue_depth 0.0" in text


def test_metrics_count_export_jobs_by_status(client, scraped):
    from consult_app.accounts.models import Role
    from consult_app.exports.models import ExportFormat, ExportJob, ExportKind, JobStatus
    from consult_app.extensions import db
    from tests.conftest import make_consultation, make_user

    consultation = make_consultation()
    user = make_user(role=Role.SECRETARIAT)
    db.session.add(
        ExportJob(
            consultation=consultation,
            kind=ExportKind.COMPILATION,
            format=ExportFormat.XLSX,
            status=JobStatus.QUEUED,
            progress=0,
            requested_by_id=user.id,
        )
    )
    db.session.commit()
    text = client.get("/metrics", headers=SCRAPER).get_data(as_text=True)
    assert 'consult_export_jobs{status="queued"} 1.0' in text
    # Without Redis the queue is the queued rows of the database.
    assert "consult_export_queue_depth 1.0" in text


def test_metrics_refused_without_the_token(client, scraped):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    assert client.get("/metrics", headers={"Authorization": TOKEN}).status_code == 404
    assert client.get("/metrics", headers=SCRAPER).status_code == 200


def test_metrics_closed_outside_development_without_settings(client):
    """Testing and production: no token, no networks -> nobody."""
    assert client.get("/metrics").status_code == 404


def test_metrics_open_in_development_only_without_settings(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_OPEN", True)  # DevelopmentConfig
    assert client.get("/metrics").status_code == 200
    # A token set in development is required there too.
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    assert client.get("/metrics").status_code == 404


def test_metrics_from_allowed_networks(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_ALLOWED_NETWORKS", ["10.1.0.0/16"])
    inside = client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    outside = client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert (inside.status_code, outside.status_code) == (200, 404)


def test_metrics_settings_from_the_environment(monkeypatch):
    from consult_app.config import Config, ConfigError, DevelopmentConfig, ProductionConfig

    monkeypatch.setenv("METRICS_TOKEN", " abc ")
    monkeypatch.setenv("METRICS_ALLOWED_NETWORKS", "10.0.0.0/8, 127.0.0.1")
    values = Config.from_env()
    assert values["METRICS_TOKEN"] == "abc"
    assert values["METRICS_ALLOWED_NETWORKS"] == ["10.0.0.0/8", "127.0.0.1/32"]
    assert DevelopmentConfig.METRICS_OPEN and not ProductionConfig.METRICS_OPEN
    monkeypatch.setenv("METRICS_ALLOWED_NETWORKS", "not-a-network")
    with pytest.raises(ConfigError):
        Config.from_env()
