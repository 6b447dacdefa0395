"""export_jobs.language: the language an export is written in

Revision ID: b3f1c7a2d954
Revises: 5d3c9a7e1f20
Create Date: 2026-12-04 21:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'b3f1c7a2d954'
down_revision = '5d3c9a7e1f20'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        'export_jobs',
        sa.Column('language', sa.String(length=8), server_default='en', nullable=False),
    )


def downgrade():
    op.drop_column('export_jobs', 'language')
