"""footnotes of a version, and its front matter apart from the chapeau

Revision ID: 895aac8b794d
Revises: 134d8f4c312c
Create Date: 2026-11-30 09:00:00

text_versions.front_matter holds the text before the preamble (the title as printed, a
resolution's part before its annex); text_versions.chapeau now holds only the subject that
opens the preamble ("The States Parties to the present Convention,"), shown below the
"Preamble" heading. The chapeau of existing versions was all the text before the preamble:
it moves to front_matter, so that they read as before.

footnotes: the footnotes of a version, each with where its call stands (a text of the
version, or a part of a provision or of one of its paragraphs) and the offset of the call.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '895aac8b794d'
down_revision = '134d8f4c312c'
branch_labels = None
depends_on = None

PLACES = ('front_matter', 'chapeau', 'proclamation', 'closing', 'part_heading', 'title',
          'intro', 'text')


def upgrade():
    with op.batch_alter_table('text_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('front_matter', sa.Text(), nullable=True))
    op.execute("UPDATE text_versions SET front_matter = chapeau, chapeau = NULL")

    op.create_table(
        'footnotes',
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('provision_id', sa.Integer(), nullable=True),
        sa.Column('paragraph_id', sa.Integer(), nullable=True),
        sa.Column('place', sa.Enum(*PLACES, name='footnoteplace', native_enum=False,
                                   create_constraint=True, length=32), nullable=True),
        sa.Column('call_at', sa.Integer(), nullable=True),
        sa.Column('label', sa.String(length=20), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True),
                  server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True),
                  server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.CheckConstraint("paragraph_id IS NULL OR place = 'text'",
                           name=op.f('ck_footnotes_paragraph_is_text')),
        sa.ForeignKeyConstraint(['paragraph_id'], ['paragraphs.id'],
                                name=op.f('fk_footnotes_paragraph_id_paragraphs')),
        sa.ForeignKeyConstraint(['provision_id'], ['provisions.id'],
                                name=op.f('fk_footnotes_provision_id_provisions')),
        sa.ForeignKeyConstraint(['version_id'], ['text_versions.id'],
                                name=op.f('fk_footnotes_version_id_text_versions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_footnotes')),
        sa.UniqueConstraint('version_id', 'position',
                            name=op.f('uq_footnotes_version_id_position')),
    )
    with op.batch_alter_table('footnotes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_footnotes_provision_id'), ['provision_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_footnotes_version_id'), ['version_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('footnotes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_footnotes_version_id'))
        batch_op.drop_index(batch_op.f('ix_footnotes_provision_id'))
    op.drop_table('footnotes')
    # The text before the preamble goes back into the chapeau, which held it all.
    op.execute(
        "UPDATE text_versions SET chapeau = CASE "
        "WHEN front_matter IS NULL THEN chapeau "
        "WHEN chapeau IS NULL THEN front_matter "
        "ELSE front_matter || '\n\n' || chapeau END"
    )
    with op.batch_alter_table('text_versions', schema=None) as batch_op:
        batch_op.drop_column('front_matter')
