"""full-text index for activity reports

Revision ID: 9a4e6b3c2d18
Revises: 7c1d9e2b4f60
Create Date: 2026-11-26 01:30:00.000000

"""
from alembic import op

from courage_hub.activities.search import ACTIVITIES


# revision identifiers, used by Alembic.
revision = '9a4e6b3c2d18'
down_revision = '7c1d9e2b4f60'
branch_labels = None
depends_on = None


def upgrade():
    # The feed's search was a LIKE scan (350 ms for a rare word at 200,000 reports); FTS5 / tsvector like materials.
    ACTIVITIES.create(op.get_bind())


def downgrade():
    ACTIVITIES.drop(op.get_bind())
