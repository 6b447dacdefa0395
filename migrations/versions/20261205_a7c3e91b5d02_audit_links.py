"""audit_links: entries of the audit chain known only by their link

A consultation imported from an archive (``flask ops import-consultation``) brings its own
audit entries in full and, for every other entry of the source's chain, only its id,
previous hash and hash, so that the chain verifies from the genesis hash.

Revision ID: a7c3e91b5d02
Revises: 1be271572efd
Create Date: 2026-12-05 00:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c3e91b5d02'
down_revision = '1be271572efd'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_links',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_links')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_links_hash'))
    )


def downgrade():
    op.drop_table('audit_links')
