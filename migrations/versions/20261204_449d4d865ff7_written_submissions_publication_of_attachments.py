"""written submissions: publication consent and moderation of attachments

The public record lists the attachments their authors agreed to publish and the
secretariat published. Existing attachments carry no consent: they stay unpublished.

Revision ID: 449d4d865ff7
Revises: b3f1c7a2d954
Create Date: 2026-12-04 21:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '449d4d865ff7'
down_revision = 'b3f1c7a2d954'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('publish_consent', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                'moderation_status',
                sa.Enum(
                    'pending', 'published', 'withheld',
                    name='moderationstatus', native_enum=False, create_constraint=True, length=32,
                ),
                server_default='pending',
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column('withheld_reason', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('moderated_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column('moderated_at', sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_attachments_moderated_by_id_users'), 'users', ['moderated_by_id'], ['id']
        )
        batch_op.create_check_constraint(
            'withheld_has_reason',
            "(moderation_status != 'withheld') OR (withheld_reason IS NOT NULL)",
        )


def downgrade():
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_attachments_withheld_has_reason'), type_='check')
        batch_op.drop_constraint(
            batch_op.f('fk_attachments_moderated_by_id_users'), type_='foreignkey'
        )
        batch_op.drop_column('moderated_at')
        batch_op.drop_column('moderated_by_id')
        batch_op.drop_column('withheld_reason')
        batch_op.drop_constraint(batch_op.f('ck_attachments_moderationstatus'), type_='check')
        batch_op.drop_column('moderation_status')
        batch_op.drop_column('publish_consent')
