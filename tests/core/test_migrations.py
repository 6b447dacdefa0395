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
from consult_app.core.models import only_for_dialect
from consult_app.extensions import db
from consult_app.summaries.counts import compare


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
        context = MigrationContext.configure(
            conn,
            opts={"compare_type": True,
                  "include_object": only_for_dialect(conn.dialect.name)},
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_downgrade_and_upgrade_again(migration_app):
    upgrade()
    downgrade(revision="base")
    names = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert names == set()
    upgrade()
    assert "comments" in inspect(db.engine).get_table_names()


def test_existing_rows_are_carried_forward(migration_app):
    """Comments get their consultation, attachments their display name, and the figures'
    counts are filled from the comments on upgrade."""
    upgrade(revision="d07349505b3f")
    statements = [
        "INSERT INTO organisations (id, name, category, ecosoc_status, verification_status)"
        " VALUES (1, 'Org', 'ngo', false, 'pending')",
        "INSERT INTO instruments (id, title) VALUES (1, 'Instrument')",
        "INSERT INTO text_versions (id, instrument_id, title, status)"
        " VALUES (1, 1, 'Draft', 'draft')",
        "INSERT INTO provisions (id, version_id, position, kind, number)"
        " VALUES (1, 1, 1, 'article', '1')",
        "INSERT INTO consultations (id, version_id, title, opens_at, closes_at, timezone,"
        " eligible_categories, publication_mode, publish_submissions, allow_attribution)"
        " VALUES (7, 1, 'C', '2026-01-01 00:00:00+00', '2026-02-01 00:00:00+00', 'UTC',"
        " '[]', 'immediate', true, true)",
        "INSERT INTO submissions (id, consultation_id, organisation_id, status, channel,"
        " on_behalf_kind, publishable, revision_count, has_unsubmitted_changes, lock_version)"
        " VALUES (1, 7, 1, 'draft', 'online', 'none', true, 0, false, 1)",
        "INSERT INTO comments (id, submission_id, provision_id, position, kind, body,"
        " moderation_status, is_public, lock_version)"
        " VALUES (1, 1, 1, 'support', 'general', 'Fine', 'pending', false, 1)",
        "INSERT INTO comments (id, submission_id, provision_id, position, kind, body,"
        " proposed_wording, moderation_status, is_public, lock_version) VALUES"
        " (2, 1, 1, 'support_with_amendments', 'drafting', 'Better', 'New words', 'published',"
        " false, 1)",
        "INSERT INTO comments (id, submission_id, provision_id, position, kind, body,"
        " moderation_status, withdrawn_at, is_public, lock_version)"
        " VALUES (3, 1, 1, 'oppose', 'general', 'No', 'published', '2026-01-02 00:00:00+00',"
        " false, 1)",
        "INSERT INTO comments (id, submission_id, provision_id, position, kind, body,"
        " proposed_wording, moderation_status, withheld_reason, is_public, lock_version)"
        " VALUES (4, 1, 1, 'support_with_amendments', 'general', 'Spam', 'New words',"
        " 'withheld', 'spam', false, 1)",
        "INSERT INTO attachments (id, submission_id, filename, content_type, size, sha256, data)"
        " VALUES (1, 1, 'letter.pdf', 'application/pdf', 4, 'x', :data)",
    ]
    with db.engine.begin() as conn:
        for statement in statements:
            params = {"data": b"%PDF"} if ":data" in statement else {}
            conn.execute(text(statement), params)
    upgrade(revision="b8c16dfee145")
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO themes (id, consultation_id, name, active)"
                          " VALUES (5, 7, 'Theme', true)"))
        conn.execute(text("INSERT INTO comment_themes (comment_id, theme_id)"
                          " VALUES (1, 5), (2, 5), (3, 5)"))
    upgrade()
    with db.engine.connect() as conn:
        assert set(conn.execute(text("SELECT consultation_id FROM comments")).scalars()) == {7}
        assert conn.execute(text("SELECT display_name FROM attachments")).scalar_one() == (
            "letter.pdf"
        )
        # The counts are filled from the existing comments: the withdrawn one and the one
        # withheld as spam count nowhere, the pending one only for the secretariat.
        counts = conn.execute(text("SELECT * FROM comment_counts")).mappings().one()
        assert (counts["consultation_id"], counts["provision_id"], counts["submission_id"]) == (
            7, 1, 1)
        nonzero = {k: v for k, v in counts.items() if k.startswith(("published_", "counted_"))
                   and v}
        assert nonzero == {"published_support_with_amendments": 1, "counted_support": 1,
                           "counted_support_with_amendments": 1}
        amendment = conn.execute(text(
            "SELECT published, counted, published_first_id, counted_first_id"
            " FROM amendment_counts")).one()
        assert tuple(amendment) == (1, 1, 2, 2)
        theme = conn.execute(text(
            "SELECT theme_id, published, counted FROM theme_counts")).one()
        assert tuple(theme) == (5, 1, 2)
    # The triggers are in place: a new published comment is counted at once.
    with db.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO comments (id, submission_id, consultation_id, provision_id, position,"
            " kind, body, moderation_status, is_public, lock_version)"
            " VALUES (9, 1, 7, 1, 'oppose', 'general', 'Later', 'published', false, 1)"))
        assert conn.execute(text(
            "SELECT published_oppose FROM comment_counts")).scalar_one() == 1
    assert compare() == []
