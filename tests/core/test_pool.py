"""Pooled connections are pinged after a rest only (core/pool.py), and a connection the
server dropped is replaced, not handed to a request."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from consult_app import create_app
from consult_app.config import normalise_database_url
from consult_app.extensions import db

POSTGRES = normalise_database_url(os.environ.get("TEST_DATABASE_URL", ""))
needs_postgres = pytest.mark.skipif(
    not POSTGRES.startswith("postgresql"), reason="needs TEST_DATABASE_URL on PostgreSQL"
)


def _app(tmp_path, url, idle):
    return create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=url,
        INSTANCE_PATH=str(tmp_path),
        DATABASE_PING_IDLE_SECONDS=idle,
    )


def _backend_pid(app):
    with app.app_context():
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        db.session.rollback()
        db.session.remove()
    return pid


def _terminate(pid):
    # From a connection of its own, as the server would on a restart.
    other = create_app("testing", SQLALCHEMY_DATABASE_URI=POSTGRES)
    with other.app_context():
        db.session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def _count_pings(app):
    pings = []
    with app.app_context():
        dialect = db.engine.dialect
    original = dialect.do_ping

    def counted(dbapi_connection):
        pings.append(1)
        return original(dbapi_connection)

    dialect.do_ping = counted  # type: ignore[method-assign]
    return pings


def test_sqlite_connections_are_never_pinged(tmp_path):
    app = _app(tmp_path, f"sqlite:///{tmp_path / 'ping.sqlite'}", 0.0)
    assert "pool_pre_ping" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    pings = _count_pings(app)
    for _ in range(3):
        with app.app_context():
            assert db.session.execute(text("SELECT 1")).scalar_one() == 1
            db.session.remove()
    assert pings == []


@needs_postgres
def test_a_connection_used_a_moment_ago_is_not_pinged(tmp_path):
    app = _app(tmp_path, POSTGRES, 3600.0)
    pings = _count_pings(app)
    first = _backend_pid(app)  # a new connection: pinged once (it was never checked in)
    second = _backend_pid(app)
    third = _backend_pid(app)
    assert first == second == third  # the same pooled connection, handed out again
    assert len(pings) == 1


@needs_postgres
def test_a_rested_connection_is_pinged_and_replaced_when_dropped(tmp_path):
    app = _app(tmp_path, POSTGRES, 0.0)  # every connection counts as rested
    pings = _count_pings(app)
    pid = _backend_pid(app)
    _terminate(pid)
    # The ping finds the dropped connection: the request gets a fresh one and succeeds.
    assert _backend_pid(app) != pid
    assert len(pings) >= 2


@needs_postgres
def test_a_connection_dropped_between_requests_fails_one_statement_then_recovers(tmp_path):
    app = _app(tmp_path, POSTGRES, 3600.0)
    pid = _backend_pid(app)
    _terminate(pid)
    with app.app_context():
        with pytest.raises(OperationalError):
            db.session.execute(text("SELECT 1"))
        db.session.rollback()
        db.session.remove()
    # SQLAlchemy recognised the disconnect and discarded the pool's connections.
    assert _backend_pid(app) != pid


def test_the_rest_before_a_ping_comes_from_the_environment(monkeypatch):
    from consult_app.config import Config, ConfigError

    monkeypatch.setenv("DATABASE_PING_IDLE_SECONDS", "2.5")
    assert Config.from_env()["DATABASE_PING_IDLE_SECONDS"] == 2.5
    for wrong in ("soon", "-1", "inf", "nan"):
        monkeypatch.setenv("DATABASE_PING_IDLE_SECONDS", wrong)
        with pytest.raises(ConfigError, match="DATABASE_PING_IDLE_SECONDS"):
            Config.from_env()
