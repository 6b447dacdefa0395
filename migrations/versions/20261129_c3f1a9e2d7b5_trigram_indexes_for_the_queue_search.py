"""trigram indexes for the review queue's free-text search (PostgreSQL)

Revision ID: c3f1a9e2d7b5
Revises: 4ab289ad87b4
Create Date: 2026-11-29 20:55:00

On PostgreSQL: the extension pg_trgm and a GIN trigram index on each searched comment
column, so that ``ILIKE '%text%'`` reads the index instead of every comment. pg_trgm is a
trusted extension (PostgreSQL 13 and later): the database owner may create it. Where it
cannot be created the indexes are skipped with a warning (the search still works, by
reading the comments) and this revision is recorded all the same. SQLite: nothing.
"""
import logging

from alembic import op
import sqlalchemy as sa

revision = 'c3f1a9e2d7b5'
down_revision = '4ab289ad87b4'
branch_labels = None
depends_on = None

logger = logging.getLogger("alembic.runtime.migration")

COLUMNS = ("body", "proposed_wording", "rationale")


def _has_pg_trgm(bind) -> bool:
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as error:
        logger.warning("pg_trgm could not be created (%s): the queue's free-text search "
                       "will read the comments instead of trigram indexes", error.orig)
        return False
    return True


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql" or not _has_pg_trgm(bind):
        return
    for column in COLUMNS:
        op.create_index(
            f"ix_comments_{column}_trgm", "comments", [column],
            postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"},
        )


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for column in COLUMNS:
        op.execute(f"DROP INDEX IF EXISTS ix_comments_{column}_trgm")
    # The extension stays: other objects may use it, and it holds no data.
