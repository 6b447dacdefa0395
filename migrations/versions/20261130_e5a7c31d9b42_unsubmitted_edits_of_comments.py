"""unsubmitted edits of comments, kept apart from the submitted wording

Revision ID: e5a7c31d9b42
Revises: 7ed28215bee1
Create Date: 2026-11-30 09:00:00

``comments.unsubmitted_edit`` holds what the authors changed in a comment of a submitted
submission until they submit again; the other columns keep the wording last submitted,
which the public, the secretariat and the figures go on seeing. A plain ADD COLUMN (no
table rebuild on SQLite, so the count triggers on ``comments`` stay).
"""
from alembic import op
import sqlalchemy as sa

revision = 'e5a7c31d9b42'
down_revision = '7ed28215bee1'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('comments', sa.Column('unsubmitted_edit', sa.JSON(), nullable=True))


def downgrade():
    op.drop_column('comments', 'unsubmitted_edit')
