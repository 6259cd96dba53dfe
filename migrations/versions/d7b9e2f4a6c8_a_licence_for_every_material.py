"""a licence for every material

Revision ID: d7b9e2f4a6c8
Revises: c5a7d9e1f3b2
Create Date: 2026-12-02 01:20:00.000000

"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd7b9e2f4a6c8'
down_revision = 'c5a7d9e1f3b2'
branch_labels = None
depends_on = None

# The licence codes as they are today (a migration must not change when the vocabulary does later).
KNOWN_LICENCES = ('cc0', 'cc-by', 'cc-by-sa', 'cc-by-nc', 'cc-by-nc-sa', 'arr')
# The author never granted more than viewing and linking: the most restrictive licence is the only safe one.
DEFAULT_LICENCE = 'arr'

materials = sa.table(
    'materials',
    sa.column('id', sa.Integer),
    sa.column('title', sa.String),
    sa.column('licence', sa.String),
    sa.column('licence_assumed', sa.Boolean),
)
audit_entries = sa.table(
    'audit_entries',
    sa.column('created_at', sa.DateTime(timezone=True)),
    sa.column('user_email', sa.String),
    sa.column('action', sa.String),
    sa.column('object_type', sa.String),
    sa.column('object_id', sa.Integer),
    sa.column('summary', sa.String),
    sa.column('before', sa.JSON),
    sa.column('after', sa.JSON),
)


def upgrade():
    # ADD COLUMN without rebuilding the table on SQLite, so that the full-text triggers stay.
    op.add_column('materials', sa.Column('licence_assumed', sa.Boolean(), server_default=sa.false(), nullable=False))
    bind = op.get_bind()
    missing = sa.or_(materials.c.licence.is_(None), materials.c.licence.not_in(KNOWN_LICENCES))
    rows = bind.execute(sa.select(materials.c.id, materials.c.title, materials.c.licence).where(missing)).all()
    if not rows:
        return
    bind.execute(materials.update().where(missing).values(licence=DEFAULT_LICENCE, licence_assumed=True))
    # The KI sees these materials in its review queue (licence_assumed) and the audit log keeps what was there.
    now = datetime.now(UTC)
    if bind.dialect.name == 'sqlite':
        now = now.replace(tzinfo=None)  # stored as naive UTC, like the app's UTCDateTime
    bind.execute(
        audit_entries.insert(),
        [
            {
                'created_at': now,
                'user_email': '',
                'action': 'material.licence_assumed',
                'object_type': 'materials',
                'object_id': row.id,
                'summary': (row.title or '')[:500],
                'before': {'licence': row.licence},
                'after': {'licence': DEFAULT_LICENCE},
            }
            for row in rows
        ],
    )


def downgrade():
    # The filled-in licences stay (the audit log has the old values); only the marker goes.
    # Native DROP COLUMN (SQLite 3.35+): rebuilding the table would lose its full-text triggers.
    op.drop_column('materials', 'licence_assumed')
