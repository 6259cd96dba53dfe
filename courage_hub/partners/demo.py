"""Demo cooperation partners and their offers (``demo_partners.toml``), the demo partner account's partner, and a
few schools' requests in every state; for benchmarks, as many generated partners and offers as asked for.

Idempotent like the rest of the demo: a partner is found again by its name, an offer by its partner and title, a
request by its offer and school; generated offers fill up to the total asked for.
"""

from __future__ import annotations

import random
import tomllib
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from ..activities.models import Activity
from ..activities.services import FEED_ORDER
from ..auth.models import User
from ..core.db import utcnow
from ..core.schoolyear import local_today
from ..extensions import db
from ..schools.models import School
from .coverage import keywords_for
from .demo_generated import generate_offers
from .models import (
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

CATALOG = Path(__file__).with_name("demo_partners.toml")
ACCOUNT_EMAIL = "partner@example.org"  # the demo account of role Partner (courage_hub/demo.py)
# The partner it keeps, and that partner's free workshop on antisemitism for grades 8–10 in Kreis Soest: the offer a
# coordinator finds and asks for in the browser journey (so no demo request of a demo school waits for it).
ACCOUNT_PARTNER = "Begegnungsstätte Alte Synagoge am Hellweg"
JOURNEY_OFFER = "Workshop: Antisemitismus erkennen und widersprechen"


@cache
def catalog() -> list[dict[str, Any]]:
    with CATALOG.open("rb") as f:
        return tomllib.load(f)["partner"]


def seed_partners(region_ids: list[int], offers: int, rng: random.Random, today: date | None = None) -> tuple[int, int]:
    """The demo partners of the offices ``region_ids`` (Kreis Soest first) with their offers, topped up with
    generated ones to ``offers`` in all; the demo partner account's membership and the demo requests (call inside a
    write transaction). Returns how many partners and offers were added."""
    today = today or local_today()
    known = set(db.session.scalars(select(Partner.name)))
    partners = offers_added = 0
    for k, spec in enumerate(catalog()):
        if spec["office"] >= len(region_ids) or spec["name"] in known:
            continue
        offers_added += _add_partner(spec, region_ids, today, age_days=700 - 20 * k)
        partners += 1
    present = db.session.scalar(select(func.count()).select_from(Offer)) or 0
    if offers > present:
        generated_partners, generated_offers = generate_offers(offers - present, rng, today)
        partners, offers_added = partners + generated_partners, offers_added + generated_offers
    db.session.flush()
    _link_account()
    _seed_requests(region_ids)
    return partners, offers_added


def _add_partner(spec: dict[str, Any], region_ids: list[int], today: date, age_days: int) -> int:
    """One partner of the catalogue with its topics, areas and offers; returns how many offers it got."""
    created = utcnow() - timedelta(days=age_days)
    domain = spec["domain"]
    partner = Partner(
        region_id=region_ids[spec["office"]],
        name=spec["name"],
        kind=spec["kind"],
        summary=spec["summary"],
        description=spec["description"],
        nationwide=spec.get("nationwide", False),
        contact_name=spec.get("contact_name", "Bildungsteam"),
        contact_email=f"{spec.get('mailbox', 'bildung')}@{domain}.example",
        contact_phone=spec["phone"],
        address=spec["address"],
        website=f"https://www.{domain}.example",
        created_at=created,
        updated_at=created,
    )
    db.session.add(partner)
    db.session.flush()
    for topic in spec["topics"]:
        db.session.add(PartnerTopic(partner_id=partner.id, topic=topic))
    for office in spec.get("serves", ()):
        if office < len(region_ids):
            db.session.add(PartnerRegion(partner_id=partner.id, region_id=region_ids[office]))
    for land in spec.get("lands", ()):
        db.session.add(PartnerLand(partner_id=partner.id, land=land))
    for n, item in enumerate(spec.get("offer", ())):
        published = created + timedelta(days=3 + 30 * n)
        review = item.get("state") == "review"
        offer = Offer(
            partner_id=partner.id,
            title=item["title"],
            format=item["format"],
            audience=item.get("audience", "pupils"),
            grade_min=item.get("grade_min"),
            grade_max=item.get("grade_max"),
            group_min=item.get("group_min"),
            group_max=item.get("group_max"),
            duration=item.get("duration", ""),
            cost_kind=item.get("cost", "free"),
            cost_cents=item.get("cents"),
            cost_note=item.get("cost_note", ""),
            languages=item.get("languages", "Deutsch"),
            accessibility=item.get("accessibility", ""),
            at_school="school" in item.get("places", ["school"]),
            at_partner="partner" in item.get("places", ["school"]),
            online="online" in item.get("places", ["school"]),
            description=item["description"],
            keywords=keywords_for(partner.name, item["topics"], item["format"], item.get("languages", "Deutsch")),
            available_until=today - timedelta(days=30) if item.get("expired") else None,
            state=OfferState.REVIEW if review else OfferState.PUBLISHED,
            published_at=None if review else published,
            proposed_at=utcnow() - timedelta(days=2) if review else None,
            created_at=published,
            updated_at=published,
        )
        db.session.add(offer)
        db.session.flush()
        for topic in item["topics"]:
            db.session.add(OfferTopic(offer_id=offer.id, topic=topic))
    return len(spec.get("offer", ()))


def _link_account() -> None:
    """The demo partner account keeps the partner of the browser journey."""
    user_id = db.session.scalar(select(User.id).where(User.email == ACCOUNT_EMAIL))
    partner_id = db.session.scalar(select(Partner.id).where(Partner.name == ACCOUNT_PARTNER))
    if user_id is None or partner_id is None:
        return
    if db.session.scalar(select(PartnerMember.id).where(PartnerMember.user_id == user_id)) is None:
        db.session.add(PartnerMember(partner_id=partner_id, user_id=user_id))


# --- requests --------------------------------------------------------------------------------------------------

# (partner, offer, Schulnummer of a demo coordinator's school, status, days ago, note, the partner's answer)
OPEN_REQUESTS = (
    (
        ACCOUNT_PARTNER,
        "Führung: Jüdisches Leben am Hellweg",
        "190000",
        RequestStatus.REQUESTED,
        3,
        "Wir bereiten den Besuch im Geschichtsunterricht vor; zwei Schüler*innen nutzen einen Rollstuhl.",
        "",
    ),
    (
        ACCOUNT_PARTNER,
        "Fortbildung: Antisemitismus im Schulalltag begegnen",
        "190001",
        RequestStatus.ACCEPTED,
        20,
        "Für das ganze Kollegium, gern an einem Mittwochnachmittag.",
        "Gern! Wir kommen am ersten Mittwoch nach den Ferien um 14 Uhr und bringen das Material mit.",
    ),
    (
        "Mobile Beratung gegen Rechtsextremismus Hellweg-Sauerland",
        "Argumentationstraining gegen rechte Parolen",
        "190001",
        RequestStatus.DECLINED,
        40,
        "Für die Jahrgangsstufe 10 vor der Studienfahrt.",
        "Im gewünschten Zeitraum sind wir leider ausgebucht. Ab Februar haben wir wieder Termine frei.",
    ),
    (
        "Theaterwerkstatt Möhnesee e. V.",
        "Forumtheater-Workshop: Eingreifen üben",
        "190000",
        RequestStatus.WITHDRAWN,
        60,
        "Für die Klasse 7b.",
        "",
    ),
)
# Requests that were carried out and turned into a published report: (partner, offer, the report's title begins
# with, demo office of its school).
DONE_REQUESTS = (
    (
        "Mobile Beratung gegen Rechtsextremismus Hellweg-Sauerland",
        "Argumentationstraining gegen rechte Parolen",
        "Argumentationstraining gegen Stammtischparolen",
        0,
    ),
    (
        "Selin Aksoy-Brandt, Referentin für Religionen und Vielfalt",
        "Workshop: Muslimfeindlichkeit begegnen",
        "Workshop: Muslimfeindlichkeit begegnen",
        0,
    ),
    (
        "Medienwerkstatt Lünen",
        "Workshop: Fakes und Hetze im Netz erkennen",
        "Workshop: Gegenrede gegen Hass im Netz",
        1,
    ),
)


def _offer_of(partner_name: str, title: str) -> Offer | None:
    return db.session.scalar(
        select(Offer)
        .join(Partner, Partner.id == Offer.partner_id)
        .where(Partner.name == partner_name, Offer.title == title)
    )


def _requested(offer_id: int, school_id: int) -> bool:
    return (
        db.session.scalar(
            select(OfferRequest.id).where(OfferRequest.offer_id == offer_id, OfferRequest.school_id == school_id)
        )
        is not None
    )


def _carried_out(offer_id: int) -> bool:
    return (
        db.session.scalar(
            select(OfferRequest.id).where(OfferRequest.offer_id == offer_id, OfferRequest.status == RequestStatus.DONE)
        )
        is not None
    )


def _seed_requests(region_ids: list[int]) -> None:
    """Requests of the demo coordinators' schools in every open and closed state, and requests of other schools
    that were carried out, each linked to a published report of that school which now names the partner."""
    now = utcnow()
    schools = {
        s.schulnummer: s for s in db.session.scalars(select(School).where(School.schulnummer.in_(["190000", "190001"])))
    }
    coordinators = {
        "190000": db.session.scalar(select(User.id).where(User.email == "koordination@example.org")),
        "190001": db.session.scalar(select(User.id).where(User.email == "koordination2@example.org")),
    }
    answerer = db.session.scalar(select(User.id).where(User.email == ACCOUNT_EMAIL))
    for partner_name, title, number, status, days, note, answer in OPEN_REQUESTS:
        offer, school = _offer_of(partner_name, title), schools.get(number)
        if offer is None or school is None or _requested(offer.id, school.id):
            continue
        asked = now - timedelta(days=days)
        answered = asked + timedelta(days=2) if answer else None
        db.session.add(
            OfferRequest(
                offer_id=offer.id,
                partner_id=offer.partner_id,
                school_id=school.id,
                requested_by_id=coordinators[number],
                preferred_dates="Vormittags, in den nächsten zwei Monaten",
                group_size=26,
                grade="9" if offer.audience != "teachers" else "",
                note=note,
                status=status,
                response_note=answer,
                answered_at=answered,
                answered_by_id=answerer if answered and partner_name == ACCOUNT_PARTNER else None,
                created_at=asked,
                updated_at=answered or asked,
            )
        )
    for partner_name, title, report_title, office in DONE_REQUESTS:
        offer = _offer_of(partner_name, title)
        if offer is None or office >= len(region_ids) or _carried_out(offer.id):
            continue
        activity = db.session.scalar(
            select(Activity)
            .join(School, School.id == Activity.school_id)
            .where(
                School.region_id == region_ids[office],
                Activity.is_public,
                Activity.partner_id.is_(None),
                Activity.title.like(report_title + "%"),
            )
            .order_by(*FEED_ORDER)
            .limit(1)
        )
        if activity is None or _requested(offer.id, activity.school_id):
            continue
        held = activity.start_date
        activity.partner_id, activity.offer_id, activity.partners = offer.partner_id, offer.id, partner_name
        db.session.add(
            OfferRequest(
                offer_id=offer.id,
                partner_id=offer.partner_id,
                school_id=activity.school_id,
                preferred_dates=f"Rund um den {held:%d.%m.%Y}",
                group_size=activity.participants if activity.participants and activity.participants < 100 else 25,
                grade="9",
                note="Gern als Teil unserer Projektwoche.",
                status=RequestStatus.DONE,
                response_note="Wir freuen uns auf Ihre Klasse!",
                answered_at=_at(held, -25),
                done_at=_at(held, 0),
                activity_id=activity.id,
                created_at=_at(held, -30),
                updated_at=_at(held, 0),
            )
        )


def _at(day: date, days: int) -> datetime:
    """Noon UTC ``days`` after ``day`` (negative: before), never in the future."""
    return min(datetime.combine(day + timedelta(days=days), time(12), UTC), utcnow())
