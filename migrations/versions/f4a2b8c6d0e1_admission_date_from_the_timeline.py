"""admission date of member schools without one: from the timeline, else the admission ceremony

Revision ID: f4a2b8c6d0e1
Revises: e3f1a7c9b5d2
Create Date: 2026-12-02 11:00:00.000000

"""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f4a2b8c6d0e1'
down_revision = 'e3f1a7c9b5d2'
branch_labels = None
depends_on = None

BERLIN = ZoneInfo('Europe/Berlin')

schools = sa.table(
    'schools',
    sa.column('id', sa.Integer),
    sa.column('status', sa.String),
    sa.column('admitted_on', sa.Date),
    sa.column('ceremony_date', sa.Date),
)
events = sa.table(
    'school_events',
    sa.column('school_id', sa.Integer),
    sa.column('kind', sa.String),
    sa.column('to_status', sa.String),
    sa.column('created_at', sa.DateTime(timezone=True)),
)


def _local_day(value):
    if isinstance(value, str):  # SQLite without the app's type: an ISO text
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(BERLIN).date()


def upgrade():
    # "Mitglied seit" shows the admission date. A member school without one gets the day its status was last set to
    # "aufgenommen" (in Berlin's calendar), or else the day of its admission ceremony.
    conn = op.get_bind()
    missing = conn.execute(
        sa.select(schools.c.id, schools.c.ceremony_date).where(
            schools.c.status == 'aufgenommen', schools.c.admitted_on.is_(None)
        )
    ).all()
    for school_id, ceremony_date in missing:
        admitted = conn.execute(
            sa.select(sa.func.max(events.c.created_at)).where(
                events.c.school_id == school_id, events.c.kind == 'status', events.c.to_status == 'aufgenommen'
            )
        ).scalar()
        day = _local_day(admitted) if admitted is not None else ceremony_date
        if day is not None:
            conn.execute(schools.update().where(schools.c.id == school_id).values(admitted_on=day))


def downgrade():
    # The dates filled in cannot be told apart from entered ones; they stay.
    pass
