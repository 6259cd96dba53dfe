"""The KI's view of one school: internal notes, reminder deliveries and the school's materials.

The rest of the KI's view of the Kreis is split by topic: ``dashboard`` (key figures), ``schools_table``, and
``contact_needed`` ("Kontakt nötig").
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..auth.models import User
from ..core import audit
from ..core.db import write_transaction
from ..extensions import db
from ..schools.models import School
from .models import ReminderDelivery, SchoolNote


def notes(school: School) -> list[SchoolNote]:
    return list(
        db.session.scalars(
            select(SchoolNote)
            .where(SchoolNote.school_id == school.id)
            .options(selectinload(SchoolNote.author))
            .order_by(SchoolNote.created_at.desc(), SchoolNote.id.desc())
        )
    )


def add_note(school: School, author: User, text: str) -> SchoolNote:
    """Record an internal note of KI staff about a school (never shown to the school, never exported)."""
    with write_transaction():
        note = SchoolNote(school_id=school.id, author_id=author.id, text=text.strip())
        db.session.add(note)
        db.session.flush()
        audit.record("note.create", school, summary=school.name, after={"note_id": note.id}, user=author)
    return note


def deliveries(school: School, limit: int = 20) -> list[ReminderDelivery]:
    return list(
        db.session.scalars(
            select(ReminderDelivery)
            .where(ReminderDelivery.school_id == school.id)
            .order_by(ReminderDelivery.sent_at.desc())
            .limit(limit)
        )
    )


def school_materials(school: School, limit: int = 50) -> list:
    from ..materials.models import Material

    return list(
        db.session.scalars(
            select(Material).where(Material.school_id == school.id).order_by(Material.created_at.desc()).limit(limit)
        )
    )
