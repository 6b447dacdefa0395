"""report settings: the masthead of the consensus report and its word limit

Revision ID: e5a2c7d9b41f
Revises: 2b20e5e1ac0d
Create Date: 2026-11-30 10:00:00

One row per consultation, filled by the secretariat on the exports page: the report's own
symbol, the body (Human Rights Council or General Assembly), session, agenda item, date,
original language, title, subtitle, summary box and the word limit of the main body.
"""
from alembic import op
import sqlalchemy as sa

revision = 'e5a2c7d9b41f'
down_revision = '2b20e5e1ac0d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_settings',
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('symbol', sa.String(length=60), nullable=True),
    sa.Column('body', sa.Enum('human_rights_council', 'general_assembly', name='reportbody', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('session', sa.String(length=120), nullable=True),
    sa.Column('session_dates', sa.String(length=120), nullable=True),
    sa.Column('agenda_item', sa.String(length=20), nullable=True),
    sa.Column('agenda_title', sa.String(length=500), nullable=True),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('original_language', sa.String(length=8), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=True),
    sa.Column('subtitle', sa.String(length=300), nullable=True),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('word_limit', sa.Integer(), nullable=False),
    sa.Column('lock_version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint("original_language IN ('ar', 'zh', 'en', 'fr', 'ru', 'es')", name=op.f('ck_report_settings_original_language_un')),
    sa.CheckConstraint('word_limit BETWEEN 500 AND 100000', name=op.f('ck_report_settings_word_limit_range')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_report_settings_consultation_id_consultations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_settings')),
    sa.UniqueConstraint('consultation_id', name=op.f('uq_report_settings_consultation_id'))
    )


def downgrade():
    op.drop_table('report_settings')
