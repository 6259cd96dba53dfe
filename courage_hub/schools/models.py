"""Schools of the network and the coordinators who act for them."""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, Date, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..core.db import UTCDateTime, utcnow
from ..core.rules import Equals, IsTrue, OneOf, hybrid_rule
from ..extensions import db
from ..regions.models import Region
from .process import ballot_passes


class SchoolStatus(enum.StrEnum):
    """Where a school stands in the SOR-SMC joining process (no expiry, no loss of title)."""

    INTERESSE = "interesse"
    VORBEREITUNG = "vorbereitung"
    ABSTIMMUNG_ERFOLGREICH = "abstimmung_erfolgreich"
    ANTRAG_GESTELLT = "antrag_gestellt"
    AUFGENOMMEN = "aufgenommen"
    AUSGETRETEN = "ausgetreten"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])


STATUS_LABELS = {
    SchoolStatus.INTERESSE: _l("Interested"),
    SchoolStatus.VORBEREITUNG: _l("Preparing"),
    SchoolStatus.ABSTIMMUNG_ERFOLGREICH: _l("Ballot passed"),
    SchoolStatus.ANTRAG_GESTELLT: _l("Application submitted"),
    SchoolStatus.AUFGENOMMEN: _l("Member school"),
    SchoolStatus.AUSGETRETEN: _l("Left the network"),
}


PUBLIC_STATUSES = (SchoolStatus.AUFGENOMMEN,)
PREPARING_STATUSES = (
    SchoolStatus.INTERESSE,
    SchoolStatus.VORBEREITUNG,
    SchoolStatus.ABSTIMMUNG_ERFOLGREICH,
    SchoolStatus.ANTRAG_GESTELLT,
)
STATUS_ORDER = (
    SchoolStatus.INTERESSE,
    SchoolStatus.VORBEREITUNG,
    SchoolStatus.ABSTIMMUNG_ERFOLGREICH,
    SchoolStatus.ANTRAG_GESTELLT,
    SchoolStatus.AUFGENOMMEN,
)


class Approval(enum.StrEnum):
    """Whether the KI has accepted a registration; only approved schools are public."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


def _enum(cls: type[enum.Enum], length: int = 30) -> Enum:
    return Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class School(db.Model):
    __tablename__ = "schools"
    __table_args__ = (
        Index("ix_schools_public_listing", "approval", "status", "name"),
        Index("ix_schools_municipality", "municipality"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(220), unique=True)
    schulnummer: Mapped[str] = mapped_column(String(6), unique=True)
    school_type: Mapped[str] = mapped_column(String(80))
    municipality: Mapped[str] = mapped_column(String(80))
    # The regional office that looks after the school: chosen from its municipality, staff may move it.
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="RESTRICT"), index=True)
    street: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(5), default="")
    public_email: Mapped[str | None] = mapped_column(String(254))
    website: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(String(4000), default="")
    # The school agrees to be listed publicly while it is still preparing.
    show_while_preparing: Mapped[bool] = mapped_column(Boolean, default=False)
    logo_filename: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[SchoolStatus] = mapped_column(_enum(SchoolStatus), default=SchoolStatus.INTERESSE)
    approval: Mapped[Approval] = mapped_column(_enum(Approval, 20), default=Approval.PENDING)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    application_date: Mapped[date | None] = mapped_column(Date)
    admitted_on: Mapped[date | None] = mapped_column(Date)
    ceremony_date: Mapped[date | None] = mapped_column(Date)
    ceremony_held: Mapped[bool] = mapped_column(Boolean, default=False)
    ceremony_note: Mapped[str] = mapped_column(String(2000), default="")
    # Internal flag of the KI, never shown publicly.
    needs_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    needs_contact_reason: Mapped[str] = mapped_column(String(500), default="")
    # Optimistic locking of the profile: every profile save increments it (see services.update_profile).
    profile_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    region: Mapped[Region] = relationship(lazy="raise")
    memberships: Mapped[list[Membership]] = relationship(back_populates="school", lazy="raise")
    patron: Mapped[Patron | None] = relationship(back_populates="school", lazy="raise", uselist=False)

    # Shown in the public directory and with a public profile: approved by the KI, and admitted, or preparing with
    # the school's consent to be listed. Pending, rejected and departed schools are never public.
    is_public = hybrid_rule(
        Equals("approval", Approval.APPROVED)
        & (OneOf("status", PUBLIC_STATUSES) | (IsTrue("show_while_preparing") & OneOf("status", PREPARING_STATUSES))),
        "Shown in the public directory and with a public profile (Python and SQL).",
    )

    def __repr__(self) -> str:
        return f"<School {self.schulnummer} {self.name!r}>"


class Membership(db.Model):
    """A coordinator acts for a school through a membership; one person may coordinate several schools."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "school_id", name="uq_memberships_user_school"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(lazy="raise")
    school: Mapped[School] = relationship(back_populates="memberships", lazy="raise")


class Ballot(db.Model):
    """The result of a school's ballot: totals only, never names."""

    __tablename__ = "ballots"
    __table_args__ = (
        CheckConstraint("eligible > 0", name="eligible_positive"),
        CheckConstraint("yes >= 0 AND no >= 0 AND invalid >= 0", name="counts_not_negative"),
        CheckConstraint("yes + no + invalid <= eligible", name="counts_within_eligible"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    eligible: Mapped[int] = mapped_column(Integer)
    yes: Mapped[int] = mapped_column(Integer)
    no: Mapped[int] = mapped_column(Integer)
    invalid: Mapped[int] = mapped_column(Integer)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def share_percent(self) -> float:
        """Yes votes as a percentage of everyone eligible (not of the votes cast)."""
        return 100.0 * self.yes / self.eligible

    @property
    def passed(self) -> bool:
        return ballot_passes(self.yes, self.eligible)


class Patron(db.Model):
    """The school's Pate/Patin: a public figure or organisation supporting it."""

    __tablename__ = "patrons"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    confirmed_on: Mapped[date | None] = mapped_column(Date)
    show_publicly: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    school: Mapped[School] = relationship(back_populates="patron", lazy="raise")


class EventKind(enum.StrEnum):
    STATUS = "status"
    REGISTRATION = "registration"
    BALLOT = "ballot"
    PATRON = "patron"
    APPLICATION = "application"
    CEREMONY = "ceremony"
    CONTACT_FLAG = "contact_flag"
    COORDINATORS = "coordinators"
    REMINDER = "reminder"
    MESSAGE = "message"  # a coordinator's message to the KI ("Kontakt zur Koordination"), internal
    EVENT = "event"  # an event registration, cancellation or attendance
    REGION = "region"  # handed over to another regional office, internal


class SchoolEvent(db.Model):
    """One entry of a school's timeline: every status change (from, to, who, when, note) and other milestones."""

    __tablename__ = "school_events"
    __table_args__ = (Index("ix_school_events_school_created", "school_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    kind: Mapped[EventKind] = mapped_column(_enum(EventKind, 20))
    from_status: Mapped[SchoolStatus | None] = mapped_column(_enum(SchoolStatus))
    to_status: Mapped[SchoolStatus | None] = mapped_column(_enum(SchoolStatus))
    note: Mapped[str] = mapped_column(Text, default="")
    # Only KI staff see internal entries (e.g. the contact flag).
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User | None] = relationship(lazy="raise")


class SchoolInvitation(db.Model):
    """A single-use invitation to coordinate a school (7 days); may hand over from a leaving coordinator."""

    __tablename__ = "school_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    replaces_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when the school withdraws the invitation or sends a new one in its place: the link then explains that.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    school: Mapped[School] = relationship(lazy="raise")
