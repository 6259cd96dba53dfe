"""Schools of the network and the coordinators who act for them."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..core.db import UTCDateTime, utcnow
from ..extensions import db


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
    street: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(5), default="")
    public_email: Mapped[str | None] = mapped_column(String(254))
    website: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(String(4000), default="")
    status: Mapped[SchoolStatus] = mapped_column(_enum(SchoolStatus), default=SchoolStatus.INTERESSE)
    approval: Mapped[Approval] = mapped_column(_enum(Approval, 20), default=Approval.PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    memberships: Mapped[list[Membership]] = relationship(back_populates="school", lazy="raise")

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
