"""withdrawn school invitations: a withdrawn or replaced link explains itself

Revision ID: e3f1a7c9b5d2
Revises: 4e8b1f6a2c73
Create Date: 2026-12-02 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e3f1a7c9b5d2'
down_revision = '4e8b1f6a2c73'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('school_invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('school_invitations', schema=None) as batch_op:
        batch_op.drop_column('withdrawn_at')
