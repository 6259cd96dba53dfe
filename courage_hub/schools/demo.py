"""Demo schools: fictional names, types and statuses per region, and the joining process behind each status
(ballots, patrons, approvals and the timeline)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

from sqlalchemy import insert, select

from ..core.db import utcnow
from ..core.text import slugify
from ..extensions import db
from .models import (
    PREPARING_STATUSES,
    STATUS_ORDER,
    Approval,
    Ballot,
    EventKind,
    Patron,
    School,
    SchoolEvent,
    SchoolStatus,
)

# Fictional name parts: "<type> <place word> <municipality>".
PLACE_WORDS = (
    "am Lindenhof",
    "am Mühlenbach",
    "am Sonnenhang",
    "an der Eichenallee",
    "am Rosengarten",
    "im Grünen Winkel",
    "am Wall",
    "an der Aue",
    "am Hellweg",
    "am Kirchberg",
    "an den Teichen",
    "am Sälzerplatz",
    "im Wiesengrund",
    "am Brunnen",
    "an der Lindenstraße",
    "am Haarstrang",
)
# Elsewhere the Soest landmarks give way to places every town has.
SOEST_PLACES = ("am Hellweg", "am Sälzerplatz", "am Haarstrang")
OTHER_PLACE_WORDS = (
    *(word for word in PLACE_WORDS if word not in SOEST_PLACES),
    "am Stadtpark",
    "am Schlossberg",
    "an der Mühle",
)
TYPE_WEIGHTS = (
    ("Grundschule", 30),
    ("Hauptschule", 4),
    ("Realschule", 10),
    ("Sekundarschule", 8),
    ("Gesamtschule", 10),
    ("Gymnasium", 14),
    ("Förderschule", 5),
    ("Berufskolleg", 6),
    ("Weiterbildungskolleg", 1),
    ("Primus-Schule", 1),
    ("Freie Waldorfschule / Ersatzschule", 1),
)
STATUS_WEIGHTS = (
    (SchoolStatus.AUFGENOMMEN, 60),
    (SchoolStatus.ANTRAG_GESTELLT, 6),
    (SchoolStatus.ABSTIMMUNG_ERFOLGREICH, 6),
    (SchoolStatus.VORBEREITUNG, 12),
    (SchoolStatus.INTERESSE, 12),
    (SchoolStatus.AUSGETRETEN, 4),
)


@dataclass(frozen=True)
class SchoolBatch:
    """The schools to seed in one region: ``count`` of them, Schulnummern from ``first_number`` on."""

    region_id: int
    towns: tuple[str, ...]
    count: int
    first_number: int
    postcode: str
    # Kreis Soest: its first two schools are the demo coordinators' (admitted, in Lippstadt and Soest).
    demo_coordinators: bool = False


def school_rows(batch: SchoolBatch, existing: set[str], used_slugs: set[str], rng: random.Random) -> list[dict]:
    towns = batch.towns
    places = PLACE_WORDS if batch.demo_coordinators else OTHER_PLACE_WORDS
    types, type_w = zip(*TYPE_WEIGHTS, strict=True)
    statuses, status_w = zip(*STATUS_WEIGHTS, strict=True)
    rows = []
    now = utcnow()
    for i in range(batch.count):
        number = f"{batch.first_number + i:06d}"
        if number in existing:
            continue
        if batch.demo_coordinators and i < 2:
            school_type, town, status = (
                ("Gesamtschule", "Lippstadt", SchoolStatus.AUFGENOMMEN)
                if i == 0
                else (
                    "Gymnasium",
                    "Soest",
                    SchoolStatus.AUFGENOMMEN,
                )
            )
        else:
            school_type = rng.choices(types, type_w)[0]
            town = towns[i % len(towns)] if i < 3 * len(towns) else rng.choice(towns)
            status = rng.choices(statuses, status_w)[0]
            if not batch.demo_coordinators:
                if i == 0:
                    status = SchoolStatus.AUFGENOMMEN  # every region has an admitted school with reports
                elif _pending(i):
                    status = SchoolStatus.INTERESSE  # a fresh registration
        for shift in range(len(places)):
            name = f"{school_type} {places[(i * 7 + shift) % len(places)]} {town}"
            if slugify(name) not in used_slugs:
                break
        slug = base = slugify(name)
        n = 2
        while slug in used_slugs:
            slug, n = f"{base}-{n}", n + 1
        used_slugs.add(slug)
        admitted_on = None
        if status in (SchoolStatus.AUFGENOMMEN, SchoolStatus.AUSGETRETEN):
            admitted_on = date(2018 + rng.randrange(8), rng.randrange(1, 13), rng.randrange(1, 28))
        rows.append(
            {
                "admitted_on": admitted_on,
                "application_date": admitted_on - timedelta(days=60) if admitted_on else None,
                "show_while_preparing": status in PREPARING_STATUSES and rng.random() < 0.5,
                "ceremony_date": admitted_on + timedelta(days=45) if admitted_on else None,
                "ceremony_held": admitted_on is not None,
                "name": name,
                "slug": slug,
                "schulnummer": number,
                "school_type": school_type,
                "municipality": town,
                "region_id": batch.region_id,
                "street": f"Schulstraße {1 + i % 80}",
                "postcode": batch.postcode,
                "status": status,
                # A few fresh registrations wait in the office's queue.
                "approval": Approval.PENDING if _pending(i) else Approval.APPROVED,
                "description": SCHOOL_DESCRIPTIONS[i % len(SCHOOL_DESCRIPTIONS)] if status in PUBLIC_LIKE else "",
                "created_at": now,
                "updated_at": now,
            }
        )
    return rows


def _pending(i: int) -> bool:
    return i >= 2 and i % 17 == 5


PUBLIC_LIKE = (SchoolStatus.AUFGENOMMEN, *PREPARING_STATUSES)
SCHOOL_DESCRIPTIONS = (
    "Unsere **Courage-AG** trifft sich jeden Donnerstag in der Mittagspause. Jedes Jahr gestalten wir das Gedenken "
    "am 9. November und einen Aktionstag zum 21. März.",
    "Bei uns lernen Kinder aus über 20 Ländern. Wir wollen, dass sich alle willkommen fühlen – und schauen hin, "
    "wenn jemand ausgegrenzt wird.",
    "Die SV organisiert Workshops zu Zivilcourage und Hass im Netz. Unsere Patin begleitet uns seit der Aufnahmefeier.",
    "Wir arbeiten mit der Gedenkstätte in der Nachbarstadt zusammen und laden jedes Jahr Zeitzeug*innen oder "
    "ihre Nachkommen ein.",
    "Schüler*innen der Oberstufe bilden jüngere Jahrgänge als *Courage-Scouts* aus: Sie erkennen Mobbing und "
    "wissen, wo es Hilfe gibt.",
)
PATRON_NAMES = (
    ("Bürgermeisterin der Stadt", "Stadtverwaltung"),
    ("Bürgermeister der Gemeinde", "Gemeindeverwaltung"),
    ("Sportverein Blau-Weiß e. V.", "Sportverein"),
    ("Jugendtheater Hellweg", "Theatergruppe"),
    ("Landtagsabgeordnete des Wahlkreises", "Landtag NRW"),
    ("Musikschule der Region", "Musikschule"),
)


def seed_process(rows: list[dict], rng: random.Random) -> int:
    """Ballots, patrons and a timeline for each new school, inserted in bulk."""
    ids = dict(
        db.session.execute(
            select(School.schulnummer, School.id).where(School.schulnummer.in_([r["schulnummer"] for r in rows]))
        ).all()
    )
    ballots, patrons, events = [], [], []
    for row in rows:
        school_id, status = ids[row["schulnummer"]], row["status"]
        reached = STATUS_ORDER.index(status) if status in STATUS_ORDER else len(STATUS_ORDER) - 1
        start = datetime(2018, 1, 15, 9, tzinfo=UTC) + timedelta(days=rng.randrange(0, 2600))
        events.append(_event(school_id, EventKind.REGISTRATION, start, note="Registrierung (Demo)"))
        moment = start
        for previous, step in pairwise(STATUS_ORDER[: reached + 1]):
            moment += timedelta(days=rng.randrange(20, 120))
            events.append(_event(school_id, EventKind.STATUS, moment, from_status=previous, to_status=step))
        if status == SchoolStatus.AUSGETRETEN:
            moment += timedelta(days=400)
            events.append(
                _event(
                    school_id,
                    EventKind.STATUS,
                    moment,
                    from_status=SchoolStatus.AUFGENOMMEN,
                    to_status=status,
                    note="Austritt auf eigenen Wunsch",
                )
            )
        if reached >= 1:
            name, organisation = PATRON_NAMES[school_id % len(PATRON_NAMES)]
            patrons.append(
                {
                    "school_id": school_id,
                    "name": name,
                    "organisation": organisation,
                    "confirmed_on": start.date() + timedelta(days=30),
                    "show_publicly": reached >= 4,
                    "updated_at": moment,
                }
            )
        if reached >= 2 or (reached == 1 and rng.random() < 0.4):
            eligible = rng.randrange(250, 1600)
            share = rng.uniform(0.72, 0.93) if reached >= 2 else rng.uniform(0.45, 0.69)
            yes = int(eligible * share)
            no = rng.randrange(0, eligible - yes + 1)
            invalid = rng.randrange(0, eligible - yes - no + 1)
            ballots.append(
                {
                    "school_id": school_id,
                    "held_on": start.date() + timedelta(days=90),
                    "eligible": eligible,
                    "yes": yes,
                    "no": no,
                    "invalid": invalid,
                    "recorded_at": moment,
                }
            )
    for table, data in ((Ballot, ballots), (Patron, patrons), (SchoolEvent, events)):
        if data:
            db.session.execute(insert(table), data)
    return len(ballots) + len(patrons) + len(events)


def _event(school_id: int, kind: EventKind, at: datetime, **fields) -> dict:
    return {
        "school_id": school_id,
        "kind": kind,
        "created_at": at,
        "note": fields.pop("note", ""),
        "internal": False,
        "from_status": fields.pop("from_status", None),
        "to_status": fields.pop("to_status", None),
    }


# (type, title, topics, fixed day (month, day) or None, description). Remembrance and action days fall on their date.
