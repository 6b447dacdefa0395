"""audit_append reads the chain's head through the primary key (enable_seqscan off for it)

A connection keeps the function's plans for its life; one planned while audit_entries was
small read every entry and sorted them on each call, ever slower as the chain grew.

Revision ID: e7a2c4d91b30
Revises: c3d9e4a1f702
Create Date: 2026-12-05 13:30:00.000000

"""
from alembic import op

from consult_app.core.audit import APPEND_FUNCTION

# revision identifiers, used by Alembic.
revision = 'e7a2c4d91b30'
down_revision = 'c3d9e4a1f702'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER FUNCTION {APPEND_FUNCTION} SET enable_seqscan = off")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER FUNCTION {APPEND_FUNCTION} RESET enable_seqscan")
