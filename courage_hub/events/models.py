"""Events of a region or a Land, schools' registrations with a waiting list, coordinators' calendar tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime, utcnow
from ..extensions import db
from ..regions.models import Region
from ..schools.models import School


def _enum(cls: type[enum.Enum], length: int = 30) -> Enum:
    return Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class EventKind(enum.StrEnum):
    REGIONALTREFFEN = "regionaltreffen"
    LANDESTREFFEN = "landestreffen"
    FORTBILDUNG = "fortbildung"
    WORKSHOP = "workshop"  # Workshop für Schüler*innen
    AKTIONSTAG = "aktionstag"
    TITELVERLEIHUNG = "titelverleihung"
    SONSTIGES = "sonstiges"

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self])


KIND_LABELS = {
    EventKind.REGIONALTREFFEN: _l("Regional meeting"),
    EventKind.LANDESTREFFEN: _l("Land meeting"),
    EventKind.FORTBILDUNG: _l("Training"),
    EventKind.WORKSHOP: _l("Workshop for pupils"),
    EventKind.AKTIONSTAG: _l("Action day"),
    EventKind.TITELVERLEIHUNG: _l("Title award ceremony"),
    EventKind.SONSTIGES: _l("Other"),
}


class Audience(enum.StrEnum):
    COORDINATORS = "coordinators"
    PUPILS = "pupils"
    BOTH = "both"

    @property
    def label(self) -> str:
        return str(AUDIENCE_LABELS[self])


AUDIENCE_LABELS = {
    Audience.COORDINATORS: _l("Coordinators and teachers"),
    Audience.PUPILS: _l("Pupils"),
    Audience.BOTH: _l("Coordinators and pupils"),
}


class EventState(enum.StrEnum):
    """Draft → published → cancelled; "past" follows from the end time and is never stored."""

    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class Event(db.Model):
    """An event of one region (its regional staff) or of one Land (its Land staff): exactly one of the two is set."""

    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("(region_id IS NULL) <> (land IS NULL)", name="region_or_land"),
        CheckConstraint("ends_at >= starts_at", name="ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        CheckConstraint("max_seats_per_school IS NULL OR max_seats_per_school > 0", name="per_school_positive"),
        Index("ix_events_state_starts", "state", "starts_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The calendar UID: stable for the event's life, so that updates and cancellations replace the same entry.
    uid: Mapped[str] = mapped_column(String(80), unique=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id", ondelete="RESTRICT"), index=True)
    land: Mapped[str | None] = mapped_column(String(2), index=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[EventKind] = mapped_column(_enum(EventKind))
    audience: Mapped[Audience] = mapped_column(_enum(Audience, 20), default=Audience.BOTH)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # All-day events cover whole days in Berlin (starts_at at 00:00, ends_at at 00:00 of the day after the last).
    all_day: Mapped[bool] = mapped_column(Boolean, default=False)
    place_name: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(500), default="")
    # Shown to registered schools only.
    online_url: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    # Seats in all (pupils and adults); NULL: no limit.
    capacity: Mapped[int | None] = mapped_column(Integer)
    max_seats_per_school: Mapped[int | None] = mapped_column(Integer)
    registration_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str] = mapped_column(String(60), default="")
    state: Mapped[EventState] = mapped_column(_enum(EventState, 20), default=EventState.DRAFT)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    # The iCalendar SEQUENCE: raised with every change that the registered schools' calendars must follow.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    # Optimistic locking of the staff's edit form.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    region: Mapped[Region | None] = relationship(lazy="raise")
    registrations: Mapped[list[EventRegistration]] = relationship(back_populates="event", lazy="raise")

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.title!r}>"


class RegistrationStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITING = "waiting"  # on the waiting list, moved up in the order of ``queued_at`` when seats free up
    CANCELLED = "cancelled"


class EventRegistration(db.Model):
    """A school's registration for an event: numbers of pupils and adults, the adults' names (never pupils')."""

    __tablename__ = "event_registrations"
    __table_args__ = (
        UniqueConstraint("event_id", "school_id", name="uq_event_registrations_event_school"),
        CheckConstraint("pupils >= 0 AND adults >= 0 AND pupils + adults > 0", name="seats_positive"),
        Index("ix_event_registrations_event_status", "event_id", "status", "queued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    pupils: Mapped[int] = mapped_column(Integer, default=0)
    adults: Mapped[int] = mapped_column(Integer, default=1)
    adult_names: Mapped[str] = mapped_column(String(1000), default="")
    note: Mapped[str] = mapped_column(String(1000), default="")
    status: Mapped[RegistrationStatus] = mapped_column(_enum(RegistrationStatus, 20))
    # The place on the waiting list: when the registration (or its last enlargement) came in.
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Marked by staff after the event: True came, False did not, NULL not recorded yet.
    attended: Mapped[bool | None] = mapped_column(Boolean)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship(back_populates="registrations", lazy="raise")
    school: Mapped[School] = relationship(lazy="raise")

    @property
    def seats(self) -> int:
        return self.pupils + self.adults


class CalendarToken(db.Model):
    """A coordinator's private calendar subscription (the events their schools registered for); revocable.

    Only the token's SHA-256 hash is stored; a new token replaces the old one.
    """

    __tablename__ = "calendar_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
