"""activity feed index per school year

Revision ID: 5b7e2f4c9a10
Revises: 23cc42aac44e
Create Date: 2026-11-26 00:45:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5b7e2f4c9a10'
down_revision = '23cc42aac44e'
branch_labels = None
depends_on = None


def upgrade():
    # The feed filtered by school year walks this index newest first and stops after one page.
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.create_index('ix_activities_year_feed', ['state', 'school_year', 'start_date', 'id'], unique=False)
    if op.get_bind().dialect.name == 'sqlite':
        # Without statistics for the new index next to those of the others, SQLite would prefer it for the
        # unfiltered feed too and sort 200,000 rows; ANALYZE gives it the numbers to choose well.
        op.execute('ANALYZE activities')


def downgrade():
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_index('ix_activities_year_feed')
