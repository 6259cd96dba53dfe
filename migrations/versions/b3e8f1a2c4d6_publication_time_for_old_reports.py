"""publication time for old reports

Revision ID: b3e8f1a2c4d6
Revises: 9a4e6b3c2d18
Create Date: 2026-12-02 01:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3e8f1a2c4d6'
down_revision = '9a4e6b3c2d18'
branch_labels = None
depends_on = None

activities = sa.table(
    'activities',
    sa.column('state', sa.String),
    sa.column('published_at', sa.DateTime(timezone=True)),
    sa.column('created_at', sa.DateTime(timezone=True)),
)


def upgrade():
    # The Atom feed tells when each report was published. A report that has been public (published, or taken
    # offline by the KI since) but has no publication time gets the time it was written: most reports are published
    # with their first save, and a later change (updated_at) would make an old report look new to subscribers.
    op.execute(
        activities.update()
        .where(activities.c.published_at.is_(None), activities.c.state != 'draft')
        .values(published_at=activities.c.created_at)
    )


def downgrade():
    # The times filled in cannot be told apart from real ones; they stay (they are correct enough either way).
    pass
