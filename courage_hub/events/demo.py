"""Demo events in every demo region: past ones with the attendance marked, upcoming ones of every kind (one of them
full, with a waiting list), and the Landestreffen NRW. Dates follow the day of seeding.

Idempotent like the rest of the demo: an event is found again by its calendar UID (made of its key and its region),
so seeding again adds only what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from ..core.schoolyear import BERLIN, local_today
from ..extensions import db
from ..regions.models import Region, RegionMunicipality
from ..schools.models import Approval, School
from .models import Audience, Event, EventKind, EventRegistration, EventState, RegistrationStatus

ADULTS = (
    "Anna Becker",
    "Murat Demir",
    "Julia Hoffmann",
    "Stefan Krüger",
    "Leyla Aydın",
    "Thomas Schäfer",
    "Katharina Wolf",
    "Jonas Neumann",
    "Miriam Schulz",
    "Daniel Richter",
)
DEMO_UID = "demo-{key}-{where}@courage-hub.demo"


@dataclass(frozen=True)
class DemoEvent:
    key: str
    title: str
    kind: EventKind
    audience: Audience
    days: int  # from the day of seeding (negative: in the past)
    start: time | None  # None: all day
    hours: float = 2
    capacity: int | None = None
    per_school: int | None = None
    place: str = ""
    online: bool = False
    description: str = ""


def _region_events(area: str, town: str) -> list[DemoEvent]:
    return [
        DemoEvent(
            "regionaltreffen-vorher",
            f"Regionaltreffen {area}: Austausch der Courage-AGs",
            EventKind.REGIONALTREFFEN,
            Audience.BOTH,
            -45,
            time(15, 0),
            2.5,
            place="office",
            description=(
                "Die Courage-AGs stellen einander ihre Projekte vor, wir planen gemeinsam das nächste Schulhalbjahr. "
                "Für Getränke und einen kleinen Imbiss ist gesorgt."
            ),
        ),
        DemoEvent(
            "aktionstag",
            f"Aktionstag „Gesicht zeigen“ in {town}",
            EventKind.AKTIONSTAG,
            Audience.PUPILS,
            -120,
            None,
            place="Rathausplatz",
            description="Courage-Schulen gestalten Stände, Mitmach-Aktionen und ein Bühnenprogramm in der Innenstadt.",
        ),
        DemoEvent(
            "fortbildung",
            "Fortbildung: Argumentieren gegen Stammtischparolen",
            EventKind.FORTBILDUNG,
            Audience.COORDINATORS,
            18,
            time(14, 0),
            3,
            capacity=20,
            per_school=3,
            place="Volkshochschule",
            description=(
                "Für Lehrkräfte und Schulsozialarbeit: Wie reagiere ich im Unterricht und auf dem Schulhof auf "
                "rassistische und menschenfeindliche Sprüche? Mit Übungen aus dem Alltag."
            ),
        ),
        DemoEvent(
            "workshop",
            "Workshop für Schüler*innen: Hass im Netz erkennen und widersprechen",
            EventKind.WORKSHOP,
            Audience.PUPILS,
            30,
            time(9, 0),
            4,
            capacity=24,
            per_school=12,
            place="Jugendzentrum",
            description=(
                "Ein Vormittag für Courage-AGs ab Klasse 8: Hassrede erkennen, melden und Gegenrede üben – mit "
                "Trainer*innen aus der Medienpädagogik."
            ),
        ),
        DemoEvent(
            "regionaltreffen-naechstes",
            f"Regionaltreffen {area}",
            EventKind.REGIONALTREFFEN,
            Audience.BOTH,
            60,
            time(16, 0),
            2,
            place="office",
            online=True,
            description="Auch online möglich: Den Link erhalten angemeldete Schulen mit der Bestätigung.",
        ),
    ]


LANDESTREFFEN = DemoEvent(
    "landestreffen",
    "Landestreffen NRW der Courage-Schulen",
    EventKind.LANDESTREFFEN,
    Audience.BOTH,
    50,
    time(10, 0),
    6,
    capacity=200,
    per_school=6,
    description=(
        "Courage-Schulen aus ganz Nordrhein-Westfalen treffen sich zu Workshops, einem Markt der Möglichkeiten und "
        "dem Austausch mit den Regionalkoordinationen."
    ),
)


def _times(spec: DemoEvent, today: date) -> tuple[datetime, datetime, bool]:
    day = today + timedelta(days=spec.days)
    if spec.start is None:
        start = datetime.combine(day, time(), BERLIN)
        return start.astimezone(UTC), datetime.combine(day + timedelta(days=1), time(), BERLIN).astimezone(UTC), True
    start = datetime.combine(day, spec.start, BERLIN).astimezone(UTC)
    return start, start + timedelta(hours=spec.hours), False


def _event(spec: DemoEvent, today: date, uid: str, place: tuple[str, str], **where) -> Event:
    start, end, all_day = _times(spec, today)
    event = Event(
        uid=uid,
        title=spec.title,
        kind=spec.kind,
        audience=spec.audience,
        starts_at=start,
        ends_at=end,
        all_day=all_day,
        place_name=place[0],
        address=place[1],
        online_url=f"https://meet.example.org/{uid.split('@')[0]}" if spec.online else None,
        description=spec.description,
        capacity=spec.capacity,
        max_seats_per_school=spec.per_school,
        registration_deadline=start - timedelta(days=3) if spec.days > 3 else None,
        contact_name="Team der Regionalkoordination",
        state=EventState.PUBLISHED,
        published_at=start - timedelta(days=60),
        **where,
    )
    db.session.add(event)
    db.session.flush()
    return event


def _register(event: Event, school: School, pupils: int, adults: int, n: int, **fields) -> None:
    names = ", ".join(ADULTS[(n + k) % len(ADULTS)] for k in range(adults))
    db.session.add(
        EventRegistration(
            event_id=event.id,
            school_id=school.id,
            pupils=pupils,
            adults=adults,
            adult_names=names,
            status=fields.pop("status", RegistrationStatus.CONFIRMED),
            queued_at=event.starts_at - timedelta(days=30 - n),
            **fields,
        )
    )


def _places(region: Region, town: str) -> dict[str, tuple[str, str]]:
    office_lines = [line.strip() for line in (region.contact_address or "").splitlines() if line.strip()]
    office = (office_lines[0], ", ".join(office_lines[1:])) if len(office_lines) > 1 else (region.name, town)
    return {
        "office": office,
        "Rathausplatz": ("Rathausplatz", town),
        "Volkshochschule": (f"Volkshochschule {town}", f"Am Markt 4, {town}"),
        "Jugendzentrum": (f"Jugendzentrum {town}", f"Bahnhofstraße 12, {town}"),
    }


def _fill(spec: DemoEvent, event: Event, schools: list[School]) -> None:
    """Registrations as a real event has them: past ones with attendance, the workshop full with a waiting list."""
    if spec.key == "regionaltreffen-vorher":
        for n, school in enumerate(schools[:5]):
            _register(event, school, 4, 1, n, attended=n != 3)
    elif spec.key == "aktionstag":
        for n, school in enumerate(schools[1:4]):
            _register(event, school, 15, 2, n, attended=True)
    elif spec.key == "fortbildung":
        for n, school in enumerate(schools[:3]):
            _register(event, school, 0, 2 if n == 0 else 1, n, note="vegetarisches Essen, bitte" if n == 1 else "")
    elif spec.key == "workshop":
        for n, school in enumerate(schools[:4]):
            waiting = n >= 2 and len(schools) > 2
            _register(
                event,
                school,
                10,
                2,
                n,
                status=RegistrationStatus.WAITING if waiting else RegistrationStatus.CONFIRMED,
                note="Eine Schülerin nutzt einen Rollstuhl." if n == 0 else "",
            )
    elif spec.key == "regionaltreffen-naechstes":
        for n, school in enumerate(schools[2:4]):
            _register(event, school, 2, 1, n)


def _region_schools(region_id: int) -> list[School]:
    return list(
        db.session.scalars(
            select(School)
            .where(School.region_id == region_id, School.approval == Approval.APPROVED)
            .order_by(School.schulnummer)
            .limit(6)
        )
    )


def seed_events(region_ids: list[int], today: date | None = None) -> int:
    """The demo events of ``region_ids`` and the Landestreffen NRW (call inside a write transaction); returns how
    many events were added."""
    today = today or local_today()
    regions = list(db.session.scalars(select(Region).where(Region.id.in_(region_ids)).order_by(Region.id)))
    known = set(db.session.scalars(select(Event.uid).where(Event.uid.like("demo-%"))))
    added = 0
    for region in regions:
        town = (
            db.session.scalar(
                select(RegionMunicipality.name)
                .where(RegionMunicipality.region_id == region.id)
                .order_by(RegionMunicipality.name)
            )
            or region.area
        )
        places = _places(region, town)
        schools = None
        for spec in _region_events(region.area, town):
            uid = DEMO_UID.format(key=spec.key, where=region.slug)
            if uid in known:
                continue
            event = _event(spec, today, uid, places[spec.place], region_id=region.id)
            event.contact_email = region.contact_email
            schools = schools if schools is not None else _region_schools(region.id)
            _fill(spec, event, schools)
            added += 1
    uid = DEMO_UID.format(key=LANDESTREFFEN.key, where="nw")
    if uid not in known and any(region.land == "NW" for region in regions):
        event = _event(
            LANDESTREFFEN,
            today,
            uid,
            ("Dietrich-Keuning-Haus", "Leopoldstraße 50–58, 44147 Dortmund"),
            land="NW",
        )
        event.contact_name = "Landeskoordination NRW"
        for n, region in enumerate(r for r in regions if r.land == "NW"):
            for school in _region_schools(region.id)[:1]:
                _register(event, school, 4, 2, n)
        added += 1
    return added
