"""outbox mail attachments: a mail may carry one file (e.g. an event's calendar entry)

Revision ID: 5b7d9f1e3a6c
Revises: 34fa3c9648b0
Create Date: 2026-12-02 16:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b7d9f1e3a6c'
down_revision = '34fa3c9648b0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_mails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attachment_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('attachment_type', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('attachment', sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_mails', schema=None) as batch_op:
        batch_op.drop_column('attachment')
        batch_op.drop_column('attachment_type')
        batch_op.drop_column('attachment_name')
