"""audit entries appended by one function call on PostgreSQL (audit_append)

Revision ID: c3d9e4a1f702
Revises: f4c2a8e61b37
Create Date: 2026-12-05 03:30:00.000000

"""
from alembic import op

from consult_app.core.audit import APPEND_FUNCTION_SQL, DROP_APPEND_FUNCTION_SQL

# revision identifiers, used by Alembic.
revision = 'c3d9e4a1f702'
down_revision = 'f4c2a8e61b37'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_FUNCTION_SQL)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(DROP_APPEND_FUNCTION_SQL)
