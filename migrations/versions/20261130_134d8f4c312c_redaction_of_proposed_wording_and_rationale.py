"""redaction of the proposed wording and the rationale of a comment

Revision ID: 134d8f4c312c
Revises: 28a1d173d3a3
Create Date: 2026-11-30 10:00:00

Two nullable columns beside comments.redacted_body: what the public reads instead of
the proposed wording and of the rationale ('' where it reads none). Adding nullable columns
needs no table rebuild on SQLite, so the count triggers on comments stay in place.
"""
from alembic import op
import sqlalchemy as sa

revision = '134d8f4c312c'
down_revision = '28a1d173d3a3'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('comments', sa.Column('redacted_proposed_wording', sa.Text(), nullable=True))
    op.add_column('comments', sa.Column('redacted_rationale', sa.Text(), nullable=True))


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+): a batch rebuild would drop the count triggers.
    op.drop_column('comments', 'redacted_rationale')
    op.drop_column('comments', 'redacted_proposed_wording')
