"""Generated cooperation partners and offers for benchmarks at network size: about a dozen offers per partner, the
partners named after the municipalities of every region, some of them serving a whole Land or the whole country."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from sqlalchemy import insert, select

from ..core.db import utcnow
from ..core.vocab import TOPICS
from ..extensions import db
from ..regions.models import Region, RegionMunicipality
from .coverage import keywords_for
from .models import Offer, OfferState, OfferTopic, Partner, PartnerLand, PartnerRegion, PartnerTopic
from .vocab import FORMATS

OFFERS_PER_GENERATED_PARTNER = 12

GENERATED_KINDS = (
    ("Geschichtswerkstatt", "Gedenkstätte/Erinnerungsort"),
    ("Jugendbildungswerk", "Jugendarbeit"),
    ("Beratungsstelle gegen Diskriminierung", "Beratungsstelle"),
    ("Theaterprojekt", "Theater/Film/Medien"),
    ("Medienwerkstatt", "Theater/Film/Medien"),
    ("Demokratiewerkstatt", "Politische Bildung"),
    ("Begegnungszentrum", "Verein/Initiative"),
)
GENERATED_TITLES = (
    "{format} zu {topic}",
    "{format}: {topic} verstehen",
    "{format} für die Courage-AG: {topic}",
    "{format}: Gemeinsam gegen {topic}",
)


def generate_offers(count: int, rng: random.Random, today: date) -> tuple[int, int]:
    """``count`` more offers of generated partners (about a dozen each) in the municipalities of every region;
    bulk inserts, for benchmarks at network size."""
    towns = db.session.execute(
        select(RegionMunicipality.name, RegionMunicipality.region_id, Region.land)
        .join(Region, Region.id == RegionMunicipality.region_id)
        .order_by(RegionMunicipality.region_id, RegionMunicipality.name)
    ).all()
    taken = set(db.session.scalars(select(Partner.name)))
    wanted = -(-count // OFFERS_PER_GENERATED_PARTNER)
    rows, areas = [], []
    for n in range(len(towns) * len(GENERATED_KINDS)):
        if len(rows) == wanted:
            break
        town, region_id, land = towns[n % len(towns)]
        prefix, kind = GENERATED_KINDS[(n // len(towns)) % len(GENERATED_KINDS)]
        name = f"{prefix} {town}"
        if name in taken:
            continue
        taken.add(name)
        rows.append(_partner_row(name, kind, region_id, n))
        areas.append((region_id, land, n))
    if not rows:
        return 0, 0
    db.session.execute(insert(Partner), rows)
    ids = dict(
        db.session.execute(select(Partner.name, Partner.id).where(Partner.name.in_([r["name"] for r in rows]))).all()
    )
    partner_ids = [ids[row["name"]] for row in rows]
    db.session.execute(
        insert(PartnerRegion),
        [{"partner_id": pid, "region_id": rid} for pid, (rid, _l, _n) in zip(partner_ids, areas, strict=True)],
    )
    lands = [
        {"partner_id": pid, "land": land} for pid, (_r, land, n) in zip(partner_ids, areas, strict=True) if n % 10 == 3
    ]
    if lands:
        db.session.execute(insert(PartnerLand), lands)
    db.session.execute(
        insert(PartnerTopic),
        [{"partner_id": pid, "topic": TOPICS[i % len(TOPICS)]} for i, pid in enumerate(partner_ids)],
    )
    offer_rows, offer_topics = [], []
    for i in range(count):
        partner_id = partner_ids[i % len(partner_ids)]
        name = rows[i % len(partner_ids)]["name"]
        topics = rng.sample(TOPICS, 2)
        format_ = FORMATS[rng.randrange(len(FORMATS))]
        offer_rows.append(_offer_row(partner_id, name, format_, topics, i, rng, today))
        offer_topics.append(topics)
    db.session.execute(insert(Offer), offer_rows)
    new = db.session.execute(select(Offer.id).order_by(Offer.id.desc()).limit(count)).scalars().all()[::-1]
    topic_rows = [{"offer_id": oid, "topic": t} for oid, ts in zip(new, offer_topics, strict=True) for t in ts]
    db.session.execute(insert(OfferTopic), topic_rows)
    return len(rows), count


def _partner_row(name: str, kind: str, region_id: int, n: int) -> dict[str, Any]:
    now = utcnow()
    slug = f"partner-{n}"
    return {
        "region_id": region_id,
        "name": name,
        "kind": kind,
        "summary": f"{name}: Workshops und Projekttage für Schulen der Region.",
        "description": "Wir arbeiten seit Jahren mit Schulen und kommen gern zu Ihnen.",
        "nationwide": n % 40 == 7,
        "contact_name": "Bildungsteam",
        "contact_email": f"bildung@{slug}.example",
        "contact_phone": "",
        "address": "",
        "website": f"https://www.{slug}.example",
        "review_reason": "",
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }


def _offer_row(
    partner_id: int, partner_name: str, format_: str, topics: list[str], i: int, rng: random.Random, today: date
) -> dict[str, Any]:
    now = utcnow()
    low = rng.randrange(1, 12)
    cost = ("free", "free", "amount", "on_request")[i % 4]
    title = GENERATED_TITLES[i % len(GENERATED_TITLES)].format(format=format_, topic=topics[0])
    return {
        "partner_id": partner_id,
        "title": title,
        "format": format_,
        "audience": "pupils",
        "grade_min": low,
        "grade_max": min(13, low + rng.randrange(1, 5)),
        "group_min": 10,
        "group_max": 30,
        "duration": "180 Minuten",
        "cost_kind": cost,
        "cost_cents": 20000 if cost == "amount" else None,
        "cost_note": "",
        "languages": "Deutsch",
        "accessibility": "",
        "at_school": True,
        "at_partner": i % 3 == 0,
        "online": i % 5 == 0,
        "description": f"{title}: ein Angebot von {partner_name} mit Übungen, Gesprächen und Material.",
        "keywords": keywords_for(partner_name, topics, format_, "Deutsch"),
        # Every 20th has ended, every 25th waits for review: the list filters them out.
        "available_until": today - timedelta(days=10) if i % 20 == 19 else None,
        "state": OfferState.REVIEW if i % 25 == 24 else OfferState.PUBLISHED,
        "review_reason": "",
        "published_at": now,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }
