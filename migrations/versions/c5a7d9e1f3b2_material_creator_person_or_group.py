"""material creator: a person or a group

Revision ID: c5a7d9e1f3b2
Revises: b3e8f1a2c4d6
Create Date: 2026-12-02 01:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5a7d9e1f3b2'
down_revision = 'b3e8f1a2c4d6'
branch_labels = None
depends_on = None


def upgrade():
    # AMB names the creator as a Person or an Organization. Until now a school's material was always a "Person",
    # although the form suggests the school's name and most are made by groups (SV, class, Courage-AG): existing
    # materials become a group; a material made by one person is marked so when it is next edited.
    # (ADD COLUMN without rebuilding the table on SQLite, so that the full-text triggers stay.)
    op.add_column(
        'materials', sa.Column('creator_is_person', sa.Boolean(), server_default=sa.false(), nullable=False)
    )


def downgrade():
    # Native DROP COLUMN (SQLite 3.35+): rebuilding the table would lose its full-text triggers.
    op.drop_column('materials', 'creator_is_person')
