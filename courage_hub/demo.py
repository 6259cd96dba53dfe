"""Demo data: a believable network of fictional schools in Kreis Soest and four more regions (or, for benchmarks,
many generated regions over the 16 Länder), and the demo accounts of every role.

Idempotent: running it again adds only what is missing. Size options fill thousands of rows quickly with bulk
inserts, for benchmarks.
"""

from __future__ import annotations

import os
import random
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

from flask import current_app
from PIL import Image, ImageDraw
from sqlalchemy import func, insert, select, text

from .auth.models import Role, User
from .core.db import utcnow, write_transaction
from .core.passwords import hash_password
from .core.text import slugify
from .events.demo import seed_events
from .extensions import db
from .materials.demo import seed_materials
from .regions.demo import DEMO_REGION_COUNT, DEMO_REGIONS, SOEST_POSTCODE, ensure_demo_regions
from .regions.models import Region, RegionStaff
from .schools.models import (
    PREPARING_STATUSES,
    STATUS_ORDER,
    Approval,
    Ballot,
    EventKind,
    Membership,
    Patron,
    School,
    SchoolEvent,
    SchoolStatus,
)
from .schools.vocab import municipalities

DEFAULT_PASSWORD = "Courage-Demo-2026"  # noqa: S105 - documented demo password
# The demo staff accounts come with their second factor already set up from this (documented) secret.
DEFAULT_TOTP_SECRET = "JBSWY3DPEHPK3PXP"  # noqa: S105 - documented demo secret


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    role: Role
    school_index: int | None = None  # coordinators: the n-th school of Kreis Soest
    region_index: int | None = None  # regional staff: the n-th demo office (0: Kreis Soest, 1: Kreis Unna)
    land: str | None = None  # Land staff: the Land's code


DEMO_ACCOUNTS = (
    DemoAccount("admin@example.org", "Alex Admin", Role.ADMIN),
    DemoAccount("ki@example.org", "Kim Integration", Role.KI_STAFF, region_index=0),
    DemoAccount("ki-unna@example.org", "Deniz Kaya", Role.KI_STAFF, region_index=1),
    DemoAccount("land-nrw@example.org", "Ruth Lange", Role.LAND_STAFF, land="NW"),
    DemoAccount("bund@example.org", "Jan Brandt", Role.NATIONAL_STAFF),
    DemoAccount("koordination@example.org", "Sam Schulkoordination", Role.COORDINATOR, 0),
    DemoAccount("koordination2@example.org", "Robin Koordination", Role.COORDINATOR, 1),
)


@dataclass(frozen=True)
class DemoLogin:
    """A demo account as ``flask demo-logins`` prints it."""

    email: str
    role: str  # in words, e.g. "Landeskoordination"
    covers: str  # the region, Land or schools it works for
    second_factor: bool


def demo_accounts() -> list[DemoLogin]:
    """The demo accounts that exist in the database, with the region, Land or school each one covers."""
    from .regions.vocab import LAENDER, land_name

    emails = [account.email for account in DEMO_ACCOUNTS]
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails)))}
    offices: dict[int, list[str]] = {}
    for user_id, name in db.session.execute(
        select(RegionStaff.user_id, Region.name).join(Region).order_by(Region.id)
    ).all():
        offices.setdefault(user_id, []).append(name)
    schools: dict[int, list[str]] = {}
    for user_id, name in db.session.execute(
        select(Membership.user_id, School.name).join(School).order_by(School.id)
    ).all():
        schools.setdefault(user_id, []).append(name)
    logins = []
    for account in DEMO_ACCOUNTS:
        user = users.get(account.email)
        if user is None:
            continue
        covers = {
            Role.ADMIN: "alle Regionen",
            Role.KI_STAFF: ", ".join(offices.get(user.id, [])),
            Role.LAND_STAFF: f"alle Regionen in {land_name(user.land)}",
            Role.NATIONAL_STAFF: f"bundesweit, alle {len(LAENDER)} Länder",
            Role.COORDINATOR: ", ".join(schools.get(user.id, [])),
        }[user.role]
        logins.append(DemoLogin(user.email, str(user.role.label), covers, user.second_factor_required))
    return logins


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


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD


def demo_totp_secret() -> str:
    """The second-factor secret of the demo staff accounts (base32, for an authenticator app)."""
    return (os.environ.get("DEMO_TOTP_SECRET") or DEFAULT_TOTP_SECRET).replace(" ", "").upper()


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


def _school_rows(batch: SchoolBatch, existing: set[str], used_slugs: set[str], rng: random.Random) -> list[dict]:
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


def _seed_process(rows: list[dict], rng: random.Random) -> int:
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
ACTIVITY_TEMPLATES = (
    (
        "Gedenkveranstaltung",
        "Gedenken an die Novemberpogrome",
        ["Erinnerungskultur und Gedenken", "Antisemitismus"],
        (11, 9),
        "Am 9. November lasen Schüler*innen auf dem Schulhof die Namen der jüdischen Familien aus unserem Ort vor, "
        "die 1938 verfolgt wurden. Danach legten sie Blumen an den Stolpersteinen in der Nachbarschaft nieder.",
    ),
    (
        "Gedenkveranstaltung",
        "Gedenkstunde zum Holocaust-Gedenktag",
        ["Erinnerungskultur und Gedenken", "Antisemitismus"],
        (1, 27),
        "Zum Jahrestag der Befreiung von Auschwitz gestalteten die Geschichtskurse eine Gedenkstunde mit Texten, "
        "Musik und einer Schweigeminute für alle Opfer des Nationalsozialismus.",
    ),
    (
        "Schulfest/Aktionstag",
        "Aktionstag zum Internationalen Tag gegen Rassismus",
        ["Rassismus", "Antischwarzer Rassismus"],
        (3, 21),
        "Am 21. März gab es in allen Klassen Stationen zu Alltagsrassismus, eine Menschenkette um die Schule und "
        "eine Fotowand mit Botschaften gegen Rassismus.",
    ),
    (
        "Ausstellung",
        "Ausstellung zum Internationalen Tag der Roma",
        ["Antiziganismus (Rassismus gegen Sinti und Roma)", "Erinnerungskultur und Gedenken"],
        (4, 8),
        "Die Courage-AG zeigte zum 8. April eine Ausstellung über die Geschichte der Sinti und Roma in Westfalen und "
        "sprach mit Besucher*innen über Vorurteile, die bis heute wirken.",
    ),
    (
        "Schulfest/Aktionstag",
        "Regenbogentag gegen Homo- und Transfeindlichkeit",
        ["Homo- und Transfeindlichkeit", "Vielfalt und Religionen"],
        (5, 17),
        "Zum 17. Mai hissten Schüler*innen die Regenbogenflagge, die SV lud zu einer Gesprächsrunde mit einem "
        "queeren Jugendverband ein.",
    ),
    (
        "Theater/Kunst/Musik",
        "Theaterstück zum Weltflüchtlingstag",
        ["Flucht und Migration"],
        (6, 20),
        "Die Theater-AG spielte Szenen aus Interviews mit Menschen, die nach Deutschland geflüchtet sind, und "
        "sprach danach mit dem Publikum über das Ankommen in einer neuen Schule.",
    ),
    (
        "Projekttag/Projektwoche",
        "Projektwoche „Vielfalt macht uns stark“",
        ["Rassismus", "Vielfalt und Religionen"],
        None,
        "Eine Woche lang arbeiteten alle Jahrgänge in Projektgruppen zu Herkunft, Religion und Sprache. Zum Abschluss "
        "stellten die Gruppen ihre Ergebnisse den Eltern vor.",
    ),
    (
        "Workshop",
        "Workshop: Gegenrede gegen Hass im Netz",
        ["Hate Speech und Desinformation", "Mobbing und Cybermobbing"],
        None,
        "Mit Referent*innen einer Medienberatung übten die Schüler*innen, Hasskommentare zu erkennen, zu melden und "
        "sachlich zu widersprechen.",
    ),
    (
        "Fahrt/Exkursion",
        "Fahrt zum NS-Dokumentationszentrum Köln",
        ["Erinnerungskultur und Gedenken", "Rechtsextremismus"],
        None,
        "Die Schüler*innen besuchten das EL-DE-Haus, sahen die Inschriften in den Gefängniszellen und sprachen "
        "anschließend darüber, wie Ausgrenzung damals begann.",
    ),
    (
        "Courage-AG",
        "Courage-AG überarbeitet die Schulordnung",
        ["Demokratie und Zivilcourage"],
        None,
        "Die Courage-AG sammelte Vorschläge aus allen Klassen und brachte einen Absatz gegen Diskriminierung in die "
        "Schulkonferenz ein, der dort angenommen wurde.",
    ),
    (
        "Wettbewerb",
        "Plakatwettbewerb „Respekt!“",
        ["Sexismus", "Homo- und Transfeindlichkeit"],
        None,
        "Über 60 Plakate wurden eingereicht; eine Jury aus Schüler*innen wählte die besten aus, die nun im Foyer "
        "hängen.",
    ),
    (
        "Zeitzeugengespräch",
        "Gespräch mit einer Zeitzeugin",
        ["Erinnerungskultur und Gedenken"],
        None,
        "Eine Zeitzeugin erzählte von ihrer Kindheit im Versteck. Die Schüler*innen hatten ihre Fragen vorher im "
        "Unterricht vorbereitet.",
    ),
    (
        "Workshop",
        "Argumentationstraining gegen Stammtischparolen",
        ["Rechtsextremismus", "Demokratie und Zivilcourage"],
        None,
        "In Rollenspielen übten die Teilnehmenden, auf rassistische Sprüche in Familie, Verein und Bus zu reagieren.",
    ),
    (
        "Workshop",
        "Workshop: Muslimfeindlichkeit begegnen",
        ["Muslimfeindlichkeit", "Vielfalt und Religionen"],
        None,
        "Gemeinsam mit einer Moscheegemeinde aus der Nachbarschaft sprachen die Schüler*innen über Vorurteile und "
        "eigene Erfahrungen.",
    ),
    (
        "Projekttag/Projektwoche",
        "Projekttag Barrierefreiheit",
        ["Ableismus (Behindertenfeindlichkeit)"],
        None,
        "Mit Rollstuhl und Augenbinde erkundeten die Klassen das Schulgebäude und schrieben eine Liste der Barrieren "
        "an die Schulleitung.",
    ),
    (
        "Fortbildung",
        "Fortbildung für das Kollegium: diskriminierungssensibel unterrichten",
        ["Rassismus", "Klassismus"],
        None,
        "Ein Nachmittag für Lehrkräfte und Schulsozialarbeit mit dem KI: Beispiele aus Schulbüchern, Sprache im "
        "Unterricht und Anlaufstellen bei Diskriminierung.",
    ),
)
# Who ran a report, so that the same kind of project at many schools still reads as each school's own.
GROUPS = (
    "der Klasse {grade}a",
    "der Klasse {grade}b",
    "der Klasse {grade}c",
    "des Jahrgangs {grade}",
    "der SV",
    "der Courage-AG",
    "der Geschichts-AG",
    "der Oberstufe",
)


# Who held a remembrance day: most often the whole school, else a group (so that titles of a year stay unique).
REMEMBRANCE_GROUPS = (
    "",
    "",
    " der SV",
    " der Courage-AG",
    " der Oberstufe",
    " der Geschichts-AG",
    " der Theater-AG",
    " des Jahrgangs 10",
)


def _activity_title(base: str, fixed: tuple[int, int] | None, start: date, rng: random.Random, used: set[str]) -> str:
    """A title not used yet: remembrance days carry their year, other reports the group that ran them."""
    for _ in range(40):
        if fixed:
            group = rng.choice(REMEMBRANCE_GROUPS)
            title = f"{base} {start.year}{group}"
        else:
            title = f"{base} {rng.choice(GROUPS).format(grade=rng.randrange(5, 11))}"
        if title not in used:
            break
    used.add(title)
    return title


def _activity_start(fixed: tuple[int, int] | None, first_day: date, last_day: date, rng: random.Random) -> date:
    """A day in [first_day, last_day]: the remembrance day itself, or a school day outside the summer holidays."""
    if fixed:
        days = [date(year, *fixed) for year in range(first_day.year, last_day.year + 1)]
        days = [day for day in days if first_day <= day <= last_day] or [last_day]
        return rng.choice(days)
    while True:
        day = first_day + timedelta(days=rng.randrange((last_day - first_day).days + 1))
        if day.month not in (7, 8) and day.weekday() < 5:
            return day


def _demo_image(rng: random.Random) -> Image.Image:
    """An abstract picture (no people) for demo reports."""
    image = Image.new("RGB", (1200, 900), tuple(rng.randrange(60, 200) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(0, 1100), rng.randrange(0, 800)
        size = rng.randrange(60, 400)
        draw.ellipse((x, y, x + size, y + size), fill=tuple(rng.randrange(0, 256) for _ in range(3)))
    return image


def _seed_activities(count: int, rng: random.Random, with_photos: int = 12) -> int:
    """Bulk-insert ``count`` reports of admitted schools across several school years."""
    from .activities.models import Activity, ActivityFile, ActivityState, ActivityTopic
    from .core.schoolyear import bounds, current_school_year, local_today, school_year_of
    from .core.uploads import upload_root

    existing = db.session.scalar(select(func.count()).select_from(Activity)) or 0
    missing = count - existing
    school_ids = list(db.session.scalars(select(School.id).where(School.status == SchoolStatus.AUFGENOMMEN)))
    if missing <= 0 or not school_ids:
        return 0
    now = utcnow()
    first_day = bounds(current_school_year() - 6)[0]
    last_day = local_today()
    used = set(db.session.scalars(select(Activity.title)))
    rows, topics_of = [], []
    for i in range(missing):
        kind, base, topics, fixed, description = ACTIVITY_TEMPLATES[rng.randrange(len(ACTIVITY_TEMPLATES))]
        start = _activity_start(fixed, first_day, last_day, rng)
        # Written up a few days afterwards, at a believable time of day.
        written = datetime(start.year, start.month, start.day, 15, tzinfo=UTC) + timedelta(
            days=rng.randrange(1, 10), minutes=rng.randrange(0, 300)
        )
        written = min(written, now)
        draft = i % 10 == 9
        topics_of.append(topics)
        rows.append(
            {
                "school_id": school_ids[(i * 7919) % len(school_ids)],
                "title": _activity_title(base, fixed, start, rng, used),
                "start_date": start,
                "school_year": school_year_of(start),
                "activity_type": kind,
                "counts_as_project": kind not in ("Fortbildung", "Regionaltreffen", "Sonstiges"),
                "description": description,
                "groups": "",
                "participants": rng.randrange(15, 40) if kind == "Workshop" else rng.randrange(25, 400),
                "partners": "",
                "links": "",
                "photo_consent": True,
                "moderation_reason": "",
                "version": 1,
                "state": ActivityState.DRAFT if draft else ActivityState.PUBLISHED,
                "published_at": None if draft else written,
                "created_at": written,
                "updated_at": written,
            }
        )
    for chunk in range(0, len(rows), 5000):
        db.session.execute(insert(Activity), rows[chunk : chunk + 5000])
    new = db.session.execute(
        select(Activity.id, Activity.title).where(Activity.id > existing_max(existing)).order_by(Activity.id)
    ).all()
    topic_rows = [
        {"activity_id": aid, "topic": t} for (aid, _title), ts in zip(new, topics_of, strict=True) for t in ts
    ]
    for chunk in range(0, len(topic_rows), 10000):
        db.session.execute(insert(ActivityTopic), topic_rows[chunk : chunk + 10000])
    files = []
    for aid, title in new[:with_photos]:
        image = _demo_image(rng)
        names = []
        for size in ((1600, 1600), (480, 480)):
            copy = image.copy()
            copy.thumbnail(size)
            name = secrets.token_hex(16) + ".webp"
            copy.save(upload_root() / name, format="WEBP", quality=80)
            names.append(name)
        files.append(
            {
                "activity_id": aid,
                "kind": "photo",
                "storage_name": names[0],
                "thumb_name": names[1],
                "original_name": "bild.webp",
                "content_type": "image/webp",
                "size": (upload_root() / names[0]).stat().st_size,
                "sha256": "",
                "position": 0,
                "alt_text": f"Farbige Kreise als Illustration zu „{title}“",
                "created_at": now,
            }
        )
    if files:
        db.session.execute(insert(ActivityFile), files)
    return missing


def existing_max(existing: int) -> int:
    """Ids below which activities existed before this run (ids grow monotonically in the demo database)."""
    from .activities.models import Activity

    if not existing:
        return 0
    return db.session.scalar(select(Activity.id).order_by(Activity.id).offset(existing - 1).limit(1)) or 0


SOEST_FIRST_NUMBER, REGION_FIRST_NUMBER, REGION_NUMBERS = 190000, 200000, 1000
MAX_REGIONS = (1_000_000 - REGION_FIRST_NUMBER) // REGION_NUMBERS


def school_counts(schools: int, regions: int) -> list[int]:
    """How many schools each of the first ``regions`` demo offices gets.

    Up to the five offices of the demo, Kreis Soest gets ``schools`` and the others their own handful; with more
    offices the ``schools`` spread evenly over all of them (the five keep at least their handful, Kreis Soest at
    least the two demo coordinators' schools)."""
    if regions <= DEMO_REGION_COUNT:
        return [max(schools, 2), *(spec.schools for spec in DEMO_REGIONS[: regions - 1])]
    share, extra = divmod(schools, regions)
    counts = [share + (k < extra) for k in range(regions)]
    counts[0] = max(counts[0], 2)
    for k, spec in enumerate(DEMO_REGIONS, start=1):
        counts[k] = max(counts[k], spec.schools)
    return counts


def _school_batches(schools: int, regions: int) -> list[SchoolBatch]:
    """One batch per office; each office has its own range of Schulnummern, so that seeding again finds them."""
    counts = school_counts(schools, regions)
    if counts[0] > REGION_FIRST_NUMBER - SOEST_FIRST_NUMBER or max(counts[1:], default=0) > REGION_NUMBERS:
        raise ValueError(f"at most {REGION_NUMBERS} demo schools per region")
    batches = []
    for k, ((region, spec), count) in enumerate(zip(ensure_demo_regions(regions), counts, strict=True)):
        if spec is None:
            towns = municipalities(current_app.config["KREIS_NAME"])
            batches.append(SchoolBatch(region.id, towns, count, SOEST_FIRST_NUMBER, SOEST_POSTCODE, True))
        else:
            first = REGION_FIRST_NUMBER + (k - 1) * REGION_NUMBERS
            batches.append(SchoolBatch(region.id, spec.municipalities, count, first, spec.postcode))
    return batches


def _seed_accounts(demo_schools: dict[str, School], region_ids: list[int]) -> tuple[int, int]:
    """The demo accounts (those whose region exists) and the coordinators' memberships; returns how many of each
    were added."""
    accounts = memberships = 0
    password_hash = hash_password(demo_password())
    for account in DEMO_ACCOUNTS:
        if account.region_index is not None and account.region_index >= len(region_ids):
            continue
        user = db.session.scalar(select(User).where(User.email == account.email))
        if user is None:
            user = User(
                email=account.email,
                name=account.name,
                role=account.role,
                land=account.land,
                password_hash=password_hash,
                email_confirmed_at=utcnow(),
            )
            if user.second_factor_required:
                user.totp_secret, user.totp_confirmed_at = demo_totp_secret(), utcnow()
            db.session.add(user)
            db.session.flush()
            if account.region_index is not None:
                db.session.add(RegionStaff(user_id=user.id, region_id=region_ids[account.region_index]))
            accounts += 1
        if account.school_index is not None:
            school = demo_schools[f"{SOEST_FIRST_NUMBER + account.school_index:06d}"]
            exists = db.session.scalar(
                select(Membership.id).where(Membership.user_id == user.id, Membership.school_id == school.id)
            )
            if exists is None:
                db.session.add(Membership(user_id=user.id, school_id=school.id))
                memberships += 1
    return accounts, memberships


def seed_demo(
    schools: int = 35, seed: int = 2026, activities: int = 0, materials: int = 0, regions: int = DEMO_REGION_COUNT
) -> dict[str, int]:
    """Fill the demo network of ``regions`` offices (Kreis Soest first, see ``school_counts`` for ``schools``);
    returns how many rows of each kind were added."""
    if not 1 <= regions <= MAX_REGIONS:
        raise ValueError(f"the demo has 1 to {MAX_REGIONS} regions")
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    kinds = ("regions", "accounts", "schools", "process_rows", "memberships", "activities", "materials", "events")
    added = dict.fromkeys(kinds, 0)
    with write_transaction():
        regions_before = db.session.scalar(select(func.count()).select_from(Region)) or 0
        batches = _school_batches(schools, regions)
        added["regions"] = (db.session.scalar(select(func.count()).select_from(Region)) or 0) - regions_before
        existing = set(db.session.scalars(select(School.schulnummer)))
        used_slugs = set(db.session.scalars(select(School.slug)))
        rows = []
        for batch in batches:
            # Kreis Soest draws from the main generator, as before there were regions; each other office from
            # its own, so that its schools do not depend on how many the others have.
            own = rng if batch.demo_coordinators else random.Random(f"{seed}:{batch.first_number}")  # noqa: S311
            rows += _school_rows(batch, existing, used_slugs, own)
        for chunk in range(0, len(rows), 2000):
            db.session.execute(insert(School), rows[chunk : chunk + 2000])
        if rows:
            added["schools"] = len(rows)
            added["process_rows"] = _seed_process(rows, rng)
        demo_schools = {
            s.schulnummer: s
            for s in db.session.scalars(select(School).where(School.schulnummer.in_(["190000", "190001"])))
        }
        added["accounts"], added["memberships"] = _seed_accounts(demo_schools, [b.region_id for b in batches])
        added["activities"] = _seed_activities(activities, rng)
        added["materials"] = seed_materials(materials, rng)
        added["events"] = seed_events([b.region_id for b in batches])
    if any(added.values()):
        # Fresh statistics after bulk loads, so that the planners pick the feed and listing indexes.
        with write_transaction():
            db.session.execute(text("ANALYZE"))
    return added
