"""Demo activity reports: believable projects, remembrance days and trips of the demo schools, a few with photos."""

from __future__ import annotations

import random
import secrets
from datetime import UTC, date, datetime, timedelta

from PIL import Image, ImageDraw
from sqlalchemy import func, insert, select

from ..core.db import utcnow
from ..core.schoolyear import bounds, current_school_year, local_today, school_year_of
from ..core.uploads import upload_root
from ..extensions import db
from ..schools.models import School, SchoolStatus
from .models import Activity, ActivityFile, ActivityState, ActivityTopic

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


def seed_activities(count: int, rng: random.Random, with_photos: int = 12) -> int:
    """Bulk-insert ``count`` reports of admitted schools across several school years."""

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

    if not existing:
        return 0
    return db.session.scalar(select(Activity.id).order_by(Activity.id).offset(existing - 1).limit(1)) or 0
