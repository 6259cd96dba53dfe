"""activity index for the contact rule

Revision ID: 7c1d9e2b4f60
Revises: 5b7e2f4c9a10
Create Date: 2026-11-26 01:10:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '7c1d9e2b4f60'
down_revision = '5b7e2f4c9a10'
branch_labels = None
depends_on = None


def upgrade():
    # The Kontakt-nötig rule asks per school whether a report was published in the last 12 months.
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.create_index('ix_activities_school_published', ['school_id', 'state', 'published_at'], unique=False)
    if op.get_bind().dialect.name == 'sqlite':
        # Statistics for the new index next to the others, so that SQLite keeps choosing well (see 5b7e2f4c9a10).
        op.execute('ANALYZE activities')


def downgrade():
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_index('ix_activities_school_published')
