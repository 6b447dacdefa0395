"""Migrations: one head, `upgrade head` gives exactly the models' schema, and down/up works."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from consult_app import ROOT, create_app
from consult_app.config import normalise_database_url
from consult_app.extensions import db


def _migration_database_url(tmp: str) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return "sqlite:///" + os.path.join(tmp, "migrations.sqlite")
    parsed = make_url(normalise_database_url(url))
    name = f"{parsed.database}_migrations"
    admin = create_engine(parsed, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


@pytest.fixture
def migration_app() -> Iterator[Flask]:
    with tempfile.TemporaryDirectory() as tmp:
        application = create_app(
            "testing", SQLALCHEMY_DATABASE_URI=_migration_database_url(tmp), INSTANCE_PATH=tmp
        )
        with application.app_context():
            yield application
            db.session.remove()
            db.engine.dispose()


def test_single_head():
    script = ScriptDirectory(str(ROOT / "migrations"))
    assert len(script.get_heads()) == 1


def test_every_revision_has_a_descriptive_name():
    script = ScriptDirectory(str(ROOT / "migrations"))
    for revision in script.walk_revisions():
        assert revision.doc and len(revision.doc.strip()) > 3, revision.revision


def test_upgrade_gives_the_models_schema(migration_app):
    upgrade()
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_downgrade_and_upgrade_again(migration_app):
    upgrade()
    downgrade(revision="base")
    names = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert names == set()
    upgrade()
    assert "comments" in inspect(db.engine).get_table_names()
