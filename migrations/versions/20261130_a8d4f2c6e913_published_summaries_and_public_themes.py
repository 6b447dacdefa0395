"""published summaries kept apart from drafts; themes internal unless public

Revision ID: a8d4f2c6e913
Revises: 7066d0699ffd
Create Date: 2026-11-30 10:00:00

``summary_drafts.published_text`` (with when and by whom) is what the public reads: a
summary is public only once the secretariat publishes it, and stays as published until the
next publication. ``themes.public``: themes are internal labels unless marked public; only
public themes are named in published figures and summaries. Existing themes start internal.
"""
from alembic import op
import sqlalchemy as sa

revision = 'a8d4f2c6e913'
down_revision = '7066d0699ffd'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('summary_drafts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('published_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('published_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_summary_drafts_published_by_id_users'), 'users',
            ['published_by_id'], ['id'],
        )
        batch_op.create_check_constraint(
            'published_has_date', '(published_text IS NULL) OR (published_at IS NOT NULL)'
        )
    op.add_column(
        'themes',
        sa.Column('public', sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade():
    with op.batch_alter_table('themes', schema=None) as batch_op:
        batch_op.drop_column('public')
    with op.batch_alter_table('summary_drafts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_summary_drafts_published_has_date'), type_='check')
        batch_op.drop_constraint(
            batch_op.f('fk_summary_drafts_published_by_id_users'), type_='foreignkey'
        )
        batch_op.drop_column('published_by_id')
        batch_op.drop_column('published_at')
        batch_op.drop_column('published_text')
