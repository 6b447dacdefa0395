"""import_jobs: files of offline submissions imported in the background

Revision ID: f4c2a8e61b37
Revises: a7c3e91b5d02
Create Date: 2026-12-05 00:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'f4c2a8e61b37'
down_revision = 'a7c3e91b5d02'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'import_jobs',
        sa.Column('consultation_id', sa.Integer(), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.Enum('queued', 'running', 'succeeded', 'failed', name='importstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
        sa.Column('stage', sa.Enum('waiting', 'reading', 'checking', 'writing', 'done', name='importstage', native_enum=False, create_constraint=True, length=32), nullable=False),
        sa.Column('dry_run', sa.Boolean(), nullable=False),
        sa.Column('file_key', sa.String(length=255), nullable=True),
        sa.Column('file_name', sa.String(length=255), nullable=False),
        sa.Column('file_size', sa.Integer(), nullable=False),
        sa.Column('rows_total', sa.Integer(), nullable=False),
        sa.Column('rows_done', sa.Integer(), nullable=False),
        sa.Column('result', sa.JSON(), nullable=True),
        sa.Column('errors', sa.JSON(), nullable=True),
        sa.Column('error_count', sa.Integer(), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.CheckConstraint('rows_done >= 0 AND rows_total >= 0', name=op.f('ck_import_jobs_rows_positive')),
        sa.CheckConstraint("(status != 'succeeded') OR (result IS NOT NULL AND finished_at IS NOT NULL)", name=op.f('ck_import_jobs_succeeded_has_result')),
        sa.CheckConstraint("(status != 'failed') OR ((error IS NOT NULL OR error_count > 0) AND finished_at IS NOT NULL)", name=op.f('ck_import_jobs_failed_has_reason')),
        sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_import_jobs_consultation_id_consultations')),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_import_jobs_requested_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_jobs')),
    )
    op.create_index('ix_import_jobs_consultation', 'import_jobs', ['consultation_id', 'id'], unique=False)
    op.create_index('ix_import_jobs_status', 'import_jobs', ['status', 'updated_at'], unique=False)


def downgrade():
    op.drop_index('ix_import_jobs_status', table_name='import_jobs')
    op.drop_index('ix_import_jobs_consultation', table_name='import_jobs')
    op.drop_table('import_jobs')
