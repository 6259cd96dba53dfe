"""factory_boy factories for the models."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import factory
from factory.alchemy import SQLAlchemyModelFactory
from sqlalchemy import select

from courage_hub.activities.models import Activity, ActivityState, ActivityTopic
from courage_hub.auth.models import Role, User, role_requires_second_factor
from courage_hub.core.db import utcnow
from courage_hub.core.passwords import hash_password
from courage_hub.core.schoolyear import school_year_of
from courage_hub.core.text import slugify
from courage_hub.events.models import Audience, Event, EventKind, EventRegistration, EventState, RegistrationStatus
from courage_hub.extensions import db
from courage_hub.materials.models import Material, MaterialLevel, MaterialState, MaterialTopic
from courage_hub.partners.models import (
    Offer,
    OfferRequest,
    OfferState,
    OfferTopic,
    Partner,
    PartnerLand,
    PartnerMember,
    PartnerRegion,
    PartnerTopic,
    RequestStatus,
)
from courage_hub.regions.models import Region, RegionMunicipality, RegionStaff
from courage_hub.schools.models import Approval, Membership, School, SchoolStatus

PASSWORD = "Testpasswort-fuer-alle"
# Staff accounts must sign in with a second factor: the factory enrols this secret for them.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
__all__ = [
    "PASSWORD",
    "TOTP_SECRET",
    "ActivityFactory",
    "Approval",
    "EventFactory",
    "EventRegistrationFactory",
    "MaterialFactory",
    "MaterialState",
    "MembershipFactory",
    "OfferFactory",
    "OfferRequestFactory",
    "OfferState",
    "PartnerFactory",
    "PartnerLand",
    "RegionFactory",
    "RequestStatus",
    "Role",
    "SchoolFactory",
    "SchoolStatus",
    "UserFactory",
    "partner_account",
]


class _Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


SOEST_MUNICIPALITIES = (
    "Anröchte", "Bad Sassendorf", "Ense", "Erwitte", "Geseke", "Lippetal", "Lippstadt", "Möhnesee", "Rüthen",
    "Soest", "Warstein", "Welver", "Werl", "Wickede (Ruhr)",
)  # fmt: skip


class RegionFactory(_Base):
    """A region with its municipalities: ``RegionFactory(area="Kreis Unna", municipalities=["Unna", "Kamen"])``."""

    class Meta:
        model = Region

    area = factory.Sequence(lambda n: f"Kreis {n}")
    name = factory.LazyAttribute(lambda o: f"KI {o.area}")
    slug = factory.LazyAttribute(lambda o: slugify(o.area))
    land = "NW"

    @factory.post_generation
    def municipalities(self, create, extracted, **kwargs):
        for town in extracted or ():
            db.session.add(RegionMunicipality(region_id=self.id, name=town))
        if create and extracted:
            db.session.commit()


def default_region() -> Region:
    """Kreis Soest, the region a test gets unless it asks for another (created on first use)."""
    region = db.session.scalar(select(Region).where(Region.slug == "kreis-soest"))
    return region or RegionFactory(area="Kreis Soest", slug="kreis-soest", municipalities=SOEST_MUNICIPALITIES)


class UserFactory(_Base):
    class Meta:
        model = User

    name = factory.Sequence(lambda n: f"Person {n}")
    email = factory.Sequence(lambda n: f"person{n}@schule.example")
    role = Role.COORDINATOR
    password_hash = factory.LazyFunction(lambda: hash_password(PASSWORD))
    is_active = True
    email_confirmed_at = factory.LazyFunction(utcnow)
    totp_secret = factory.LazyAttribute(lambda o: TOTP_SECRET if role_requires_second_factor(o.role) else None)
    totp_confirmed_at = factory.LazyAttribute(lambda o: utcnow() if o.totp_secret else None)
    land = factory.LazyAttribute(lambda o: "NW" if o.role == Role.LAND_STAFF else None)

    @factory.post_generation
    def regions(self, create, extracted, **kwargs):
        """Regional staff work in ``regions`` (default: Kreis Soest)."""
        if not create or self.role != Role.KI_STAFF:
            return
        for region in extracted if extracted is not None else [default_region()]:
            db.session.add(RegionStaff(user_id=self.id, region_id=region.id))
        db.session.commit()


class SchoolFactory(_Base):
    class Meta:
        model = School

    name = factory.Sequence(lambda n: f"Realschule Nummer {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    schulnummer = factory.Sequence(lambda n: f"{170000 + n:06d}")
    school_type = "Gesamtschule"
    municipality = "Lippstadt"
    region = factory.LazyFunction(default_region)
    status = SchoolStatus.AUFGENOMMEN
    approval = Approval.APPROVED


class MembershipFactory(_Base):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    school = factory.SubFactory(SchoolFactory)


class ActivityFactory(_Base):
    class Meta:
        model = Activity

    school = factory.SubFactory(SchoolFactory)
    title = factory.Sequence(lambda n: f"Projekt {n}")
    start_date = factory.LazyFunction(date.today)
    school_year = factory.LazyAttribute(lambda o: school_year_of(o.start_date))
    activity_type = "Workshop"
    description = "Ein Workshop gegen Diskriminierung."
    counts_as_project = True
    state = ActivityState.PUBLISHED
    published_at = factory.LazyFunction(utcnow)

    @factory.post_generation
    def topics(obj, create, extracted, **kwargs):
        if not create:
            return
        for topic in extracted or ["Rassismus"]:
            db.session.add(ActivityTopic(activity_id=obj.id, topic=topic))
        db.session.commit()


class MaterialFactory(_Base):
    """A published link material of a school (pass ``school=None`` for the KI's own)."""

    class Meta:
        model = Material

    school = factory.SubFactory(SchoolFactory)
    region_id = factory.LazyAttribute(lambda o: o.school.region_id if o.school else default_region().id)
    title = factory.Sequence(lambda n: f"Arbeitsblatt {n}")
    description = "Ein Arbeitsblatt für den Unterricht."
    attribution = "SV der Schule"
    licence = "cc-by"
    language = "de"
    material_type = "Arbeitsblatt"
    link_url = "https://www.example.org/material"
    state = MaterialState.PUBLISHED
    published_at = factory.LazyFunction(utcnow)

    @factory.post_generation
    def topics(obj, create, extracted, **kwargs):
        if not create:
            return
        for topic in extracted or ["Rassismus"]:
            db.session.add(MaterialTopic(material_id=obj.id, topic=topic))
        db.session.commit()

    @factory.post_generation
    def levels(obj, create, extracted, **kwargs):
        if not create:
            return
        for level in extracted or ["Sekundarstufe I"]:
            db.session.add(MaterialLevel(material_id=obj.id, level=level))
        db.session.commit()


def _next_week_at(hour: int):
    """A time next week in Berlin, as UTC (events in the tests lie ahead unless a test says otherwise)."""
    from datetime import UTC, datetime

    from courage_hub.core.schoolyear import BERLIN

    day = date.today() + timedelta(days=7)
    return datetime(day.year, day.month, day.day, hour, tzinfo=BERLIN).astimezone(UTC)


class EventFactory(_Base):
    """A published regional meeting of Kreis Soest next week, 14:00–17:00 Berlin time, 30 seats (pass
    ``region=None, land="NW"`` for a Land event, ``state=EventState.DRAFT`` for a draft)."""

    class Meta:
        model = Event

    uid = factory.LazyFunction(lambda: f"event-{uuid.uuid4().hex}@courage-hub.test")
    region = factory.LazyFunction(default_region)
    land = None
    title = factory.Sequence(lambda n: f"Regionaltreffen Nummer {n}")
    kind = EventKind.REGIONALTREFFEN
    audience = Audience.BOTH
    starts_at = factory.LazyFunction(lambda: _next_week_at(14))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=3))
    all_day = False
    place_name = "Stadthalle Lippstadt"
    address = "Am Rathaus 1, 59555 Lippstadt"
    online_url = None
    description = "Austausch der Schulen über ihre Projekte."
    capacity = 30
    max_seats_per_school = None
    registration_deadline = None
    contact_name = "Team der Koordination"
    contact_email = "koordination@example.org"
    state = EventState.PUBLISHED
    published_at = factory.LazyFunction(utcnow)


class EventRegistrationFactory(_Base):
    """A confirmed registration of a school for an event: 10 pupils and 2 adults."""

    class Meta:
        model = EventRegistration

    event = factory.SubFactory(EventFactory)
    school = factory.SubFactory(SchoolFactory)
    pupils = 10
    adults = 2
    adult_names = "Frau Özdemir\nHerr Müller"
    status = RegistrationStatus.CONFIRMED
    queued_at = factory.LazyFunction(utcnow)


class PartnerFactory(_Base):
    """A memorial site maintained by Kreis Soest's office that serves Kreis Soest (pass ``regions=[...]`` for the
    regions it serves, ``nationwide=True`` for the whole network)."""

    class Meta:
        model = Partner

    region = factory.LazyFunction(default_region)
    name = factory.Sequence(lambda n: f"Gedenkstätte Nummer {n}")
    kind = "Gedenkstätte/Erinnerungsort"
    summary = "Führungen und Workshops zur Geschichte des Nationalsozialismus."
    description = "Die Gedenkstätte bietet Schulen **Führungen** und Workshops an."
    nationwide = False
    contact_name = "Bildungsteam"
    contact_email = factory.Sequence(lambda n: f"bildung{n}@gedenkstaette.example")
    website = "https://www.gedenkstaette.example"

    @factory.post_generation
    def topics(obj, create, extracted, **kwargs):
        if not create:
            return
        for topic in extracted or ["Erinnerungskultur und Gedenken"]:
            db.session.add(PartnerTopic(partner_id=obj.id, topic=topic))
        db.session.commit()

    @factory.post_generation
    def regions(obj, create, extracted, **kwargs):
        """The regions it serves (default: the region that maintains it)."""
        if not create:
            return
        for region_id in [r.id for r in extracted] if extracted is not None else [obj.region_id]:
            db.session.add(PartnerRegion(partner_id=obj.id, region_id=region_id))
        db.session.commit()


def partner_account(partner: Partner, **kwargs) -> User:
    """An account (role Partner) that keeps ``partner``'s entries."""
    user = UserFactory(role=Role.PARTNER, **kwargs)
    db.session.add(PartnerMember(partner_id=partner.id, user_id=user.id))
    db.session.commit()
    return user


class OfferFactory(_Base):
    """A published, free workshop on antisemitism for grades 8–10 at the school (``state=OfferState.REVIEW`` for one
    waiting for review)."""

    class Meta:
        model = Offer

    partner = factory.SubFactory(PartnerFactory)
    title = factory.Sequence(lambda n: f"Workshop Nummer {n}")
    format = "Workshop"
    audience = "pupils"
    grade_min = 8
    grade_max = 10
    group_min = 10
    group_max = 30
    duration = "180 Minuten"
    cost_kind = "free"
    languages = "Deutsch"
    at_school = True
    description = "Ein Workshop über Antisemitismus heute."
    keywords = "Antisemitismus Workshop Deutsch"
    state = OfferState.PUBLISHED
    published_at = factory.LazyFunction(utcnow)

    @factory.post_generation
    def topics(obj, create, extracted, **kwargs):
        if not create:
            return
        for topic in extracted or ["Antisemitismus"]:
            db.session.add(OfferTopic(offer_id=obj.id, topic=topic))
        db.session.commit()


class OfferRequestFactory(_Base):
    """An open request of a school for an offer."""

    class Meta:
        model = OfferRequest

    offer = factory.SubFactory(OfferFactory)
    partner_id = factory.LazyAttribute(lambda o: o.offer.partner_id)
    school = factory.SubFactory(SchoolFactory)
    preferred_dates = "Zweite Märzhälfte, vormittags"
    group_size = 25
    grade = "9"
    note = "Wir bereiten den Besuch im Unterricht vor."
    status = RequestStatus.REQUESTED
