"""Cooperation partners, their offers, the areas they serve, their accounts, and schools' requests for an offer."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime, utcnow
from ..extensions import db
from ..regions.models import Region
from ..schools.models import School


def _enum(cls: type[enum.Enum], length: int = 20) -> Enum:
    return Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class Partner(db.Model):
    """An organisation or an individual speaker. ``region_id`` is the office that maintains the entry and reviews the
    partner's own changes; the areas it serves are ``nationwide``, its Länder and its regions."""

    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(60))
    summary: Mapped[str] = mapped_column(String(500), default="")  # the short description on cards
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown
    nationwide: Mapped[bool] = mapped_column(Boolean, default=False)
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str] = mapped_column(String(60), default="")
    address: Mapped[str] = mapped_column(String(500), default="")
    website: Mapped[str | None] = mapped_column(String(500))
    logo_filename: Mapped[str | None] = mapped_column(String(64))
    # Changes the partner proposed from its account, waiting for the region's review (the live entry stays as it is).
    proposal: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    proposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    review_reason: Mapped[str] = mapped_column(Text, default="")  # why the last proposal was returned
    # Set when the office no longer lists the partner: its pages and offers are gone from the public.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    region: Mapped[Region] = relationship(lazy="raise")
    topics: Mapped[list[PartnerTopic]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="PartnerTopic.topic"
    )
    served_regions: Mapped[list[PartnerRegion]] = relationship(lazy="raise", cascade="all, delete-orphan")
    served_lands: Mapped[list[PartnerLand]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="PartnerLand.land"
    )
    offers: Mapped[list[Offer]] = relationship(back_populates="partner", lazy="raise")

    @property
    def is_public(self) -> bool:
        return self.archived_at is None

    @property
    def topic_names(self) -> list[str]:
        return [t.topic for t in self.topics]

    def __repr__(self) -> str:
        return f"<Partner {self.id} {self.name!r}>"


class PartnerTopic(db.Model):
    __tablename__ = "partner_topics"

    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(80), primary_key=True)


class PartnerRegion(db.Model):
    """A region whose schools the partner serves."""

    __tablename__ = "partner_regions"
    __table_args__ = (Index("ix_partner_regions_region", "region_id", "partner_id"),)

    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"), primary_key=True)


class PartnerLand(db.Model):
    """A Land whose schools the partner serves (every region of it)."""

    __tablename__ = "partner_lands"
    __table_args__ = (Index("ix_partner_lands_land", "land", "partner_id"),)

    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True)
    land: Mapped[str] = mapped_column(String(2), primary_key=True)


class PartnerMember(db.Model):
    """An account (role Partner) that keeps a partner's entries current and answers its requests."""

    __tablename__ = "partner_members"
    __table_args__ = (UniqueConstraint("user_id", "partner_id", name="uq_partner_members_user_partner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OfferState(enum.StrEnum):
    REVIEW = "review"  # entered by the partner, waiting for the region's review
    PUBLISHED = "published"
    REJECTED = "rejected"  # returned to the partner with a reason
    ARCHIVED = "archived"  # no longer offered

    @property
    def label(self) -> str:
        return str(OFFER_STATE_LABELS[self])


OFFER_STATE_LABELS = {
    OfferState.REVIEW: _l("In review"),
    OfferState.PUBLISHED: _l("Published"),
    OfferState.REJECTED: _l("Returned for changes"),
    OfferState.ARCHIVED: _l("No longer offered"),
}


class Offer(db.Model):
    """A workshop, talk, exhibition … of a partner that schools can ask for."""

    __tablename__ = "offers"
    __table_args__ = (
        Index("ix_offers_state_title", "state", "title", "id"),
        Index("ix_offers_partner_state", "partner_id", "state"),
        CheckConstraint("grade_min IS NULL OR grade_max IS NULL OR grade_min <= grade_max", name="grades_ordered"),
        CheckConstraint("group_min IS NULL OR group_max IS NULL OR group_min <= group_max", name="group_size_ordered"),
        CheckConstraint("cost_cents IS NULL OR cost_cents >= 0", name="cost_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    format: Mapped[str] = mapped_column(String(60), index=True)
    audience: Mapped[str] = mapped_column(String(20), default="pupils")
    grade_min: Mapped[int | None] = mapped_column(Integer)
    grade_max: Mapped[int | None] = mapped_column(Integer)
    group_min: Mapped[int | None] = mapped_column(Integer)
    group_max: Mapped[int | None] = mapped_column(Integer)
    duration: Mapped[str] = mapped_column(String(100), default="")  # "90 Minuten", "ein Schultag"
    cost_kind: Mapped[str] = mapped_column(String(20), default="free")  # vocab.COSTS
    cost_cents: Mapped[int | None] = mapped_column(Integer)  # with cost_kind "amount"
    cost_note: Mapped[str] = mapped_column(String(300), default="")  # "pro Klasse", "Fahrtkosten extra"
    languages: Mapped[str] = mapped_column(String(300), default="Deutsch")  # comma-separated
    accessibility: Mapped[str] = mapped_column(Text, default="")
    at_school: Mapped[bool] = mapped_column(Boolean, default=False)
    at_partner: Mapped[bool] = mapped_column(Boolean, default=False)
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown
    # What the full-text index reads besides title and description: the partner's name, topics, format and
    # languages (kept by services.refresh_keywords whenever one of them changes).
    keywords: Mapped[str] = mapped_column(String(1000), default="")
    available_until: Mapped[date | None] = mapped_column(Date)  # NULL: open-ended
    state: Mapped[OfferState] = mapped_column(_enum(OfferState), default=OfferState.REVIEW)
    review_reason: Mapped[str] = mapped_column(Text, default="")
    proposal: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    proposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    partner: Mapped[Partner] = relationship(back_populates="offers", lazy="raise")
    topics: Mapped[list[OfferTopic]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="OfferTopic.topic"
    )

    @property
    def topic_names(self) -> list[str]:
        return [t.topic for t in self.topics]

    @property
    def language_list(self) -> list[str]:
        return [part.strip() for part in self.languages.split(",") if part.strip()]

    @property
    def places(self) -> list[str]:
        """Codes of vocab.PLACES, in that order."""
        return [
            code
            for code, flag in (("school", self.at_school), ("partner", self.at_partner), ("online", self.online))
            if flag
        ]

    def is_current(self, today: date) -> bool:
        """Published and not expired (the partner of a current offer is not archived: checked by the caller)."""
        return self.state == OfferState.PUBLISHED and (self.available_until is None or self.available_until >= today)

    def __repr__(self) -> str:
        return f"<Offer {self.id} {self.title!r}>"


class OfferTopic(db.Model):
    __tablename__ = "offer_topics"
    __table_args__ = (Index("ix_offer_topics_topic", "topic", "offer_id"),)

    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(80), primary_key=True)


class RequestStatus(enum.StrEnum):
    """angefragt → zugesagt / abgesagt → durchgeführt; the school may withdraw an open request."""

    REQUESTED = "requested"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    DONE = "done"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return str(REQUEST_STATUS_LABELS[self])


REQUEST_STATUS_LABELS = {
    RequestStatus.REQUESTED: _l("Requested"),
    RequestStatus.ACCEPTED: _l("Accepted"),
    RequestStatus.DECLINED: _l("Declined"),
    RequestStatus.DONE: _l("Carried out"),
    RequestStatus.WITHDRAWN: _l("Withdrawn"),
}


class OfferRequest(db.Model):
    """A school's request for an offer. Deleted with the school (like its other data); the school's region sees it.

    It names the school and the coordinator who asked, never pupils.
    """

    __tablename__ = "offer_requests"
    __table_args__ = (
        Index("ix_offer_requests_partner_status", "partner_id", "status", "created_at"),
        Index("ix_offer_requests_school", "school_id", "created_at"),
        Index("ix_offer_requests_offer", "offer_id", "status"),
        CheckConstraint("group_size IS NULL OR group_size > 0", name="group_size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    preferred_dates: Mapped[str] = mapped_column(String(500), default="")
    group_size: Mapped[int | None] = mapped_column(Integer)
    grade: Mapped[str] = mapped_column(String(40), default="")  # "9", "9–10", "Q1"
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[RequestStatus] = mapped_column(_enum(RequestStatus), default=RequestStatus.REQUESTED)
    response_note: Mapped[str] = mapped_column(Text, default="")  # the partner's note with an answer
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The activity report made from it ("turn into a report").
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    offer: Mapped[Offer] = relationship(lazy="raise")
    partner: Mapped[Partner] = relationship(lazy="raise")
    school: Mapped[School] = relationship(lazy="raise")

    @property
    def is_open(self) -> bool:
        return self.status in (RequestStatus.REQUESTED, RequestStatus.ACCEPTED)
