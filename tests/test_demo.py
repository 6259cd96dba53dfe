"""The demo network looks like a real one to a KI officer: no repeated or numbered titles, remembrance days on their
date, links titled after the site they open, a licence on every material, and dates and downloads spread over years;
five regions with their own schools, reports and materials, and a demo login for every role."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from statistics import median
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from courage_hub.activities.models import Activity, ActivityState
from courage_hub.auth.models import Role, User
from courage_hub.core.db import utcnow
from courage_hub.demo import demo_totp_secret, school_counts, seed_demo
from courage_hub.materials.models import Material, MaterialState
from courage_hub.materials.vocab import LICENCES
from courage_hub.regions.demo import generated_lands
from courage_hub.regions.models import Region, RegionMunicipality, RegionStaff
from courage_hub.regions.vocab import LAENDER
from courage_hub.schools.models import Approval, School

NUMBERED = re.compile(r"\(\d+\)")
# Words a title must contain for a link to the site (host) it opens.
SITE_WORDS = {
    "www.bpb.de": ("bpb", "Bundeszentrale"),
    "www.annefrank.de": ("Anne Frank",),
    "www.klicksafe.de": ("klicksafe",),
    "www.sintiundroma.org": ("Sinti und Roma", "Dokumentationszentrum"),
    "www.schule-ohne-rassismus.org": ("Schule ohne Rassismus", "SOR-SMC"),
}
FIXED_DAYS = {
    "Novemberpogrome": (11, 9),
    "Holocaust-Gedenktag": (1, 27),
    "Internationalen Tag gegen Rassismus": (3, 21),
    "Internationalen Tag der Roma": (4, 8),
    "Homo- und Transfeindlichkeit": (5, 17),
    "Weltflüchtlingstag": (6, 20),
}


@pytest.fixture
def demo(app, db):
    seed_demo(schools=35, activities=150, materials=80)
    return {
        "schools": list(db.session.scalars(select(School))),
        "activities": list(db.session.scalars(select(Activity))),
        "materials": list(db.session.scalars(select(Material))),
    }


def repeated(titles) -> list[str]:
    return [title for title, n in Counter(titles).items() if n > 1]


def test_demo_titles_are_unique_and_carry_no_running_numbers(demo):
    for kind, attribute in (("schools", "name"), ("activities", "title"), ("materials", "title")):
        titles = [getattr(row, attribute) for row in demo[kind]]
        assert repeated(titles) == [], kind
        assert [t for t in titles if NUMBERED.search(t)] == [], kind


def test_demo_remembrance_days_fall_on_their_date(demo):
    checked = 0
    for activity in demo["activities"]:
        for words, (month, day) in FIXED_DAYS.items():
            if words in activity.title:
                assert (activity.start_date.month, activity.start_date.day) == (month, day), activity.title
                checked += 1
    assert checked >= 10


def test_demo_reports_happen_in_school_time_and_are_written_afterwards(demo):
    for activity in demo["activities"]:
        assert activity.start_date <= date.today()
        if activity.state == ActivityState.PUBLISHED:
            assert activity.published_at.date() >= activity.start_date


def test_demo_links_are_titled_after_the_site_they_open(demo):
    links = [m for m in demo["materials"] if m.link_url]
    assert len(links) > 20
    for material in links:
        words = SITE_WORDS[urlsplit(material.link_url).hostname]
        assert any(w.lower() in material.title.lower() for w in words), (material.title, material.link_url)


def test_every_demo_material_has_a_known_licence(demo):
    assert all(m.licence in LICENCES for m in demo["materials"])


def test_demo_publication_dates_and_downloads_spread_over_the_years(demo):
    published = [m for m in demo["materials"] if m.state == MaterialState.PUBLISHED]
    assert len({m.published_at.year for m in published}) >= 4
    assert len({a.published_at.year for a in demo["activities"] if a.published_at}) >= 4
    now = utcnow()
    old = [m.download_count for m in published if (now - m.published_at).days > 2 * 365]
    new = [m.download_count for m in published if (now - m.published_at).days < 180]
    assert old and new and median(old) > median(new)
    assert max(m.download_count for m in published) < 5000
    assert all(m.download_count == 0 for m in demo["materials"] if m.state == MaterialState.REVIEW)


# --- regions: the five demo offices, the demo logins of every role, generated offices for benchmarks ----------

DEMO_AREAS = {
    "Kreis Soest": ("NW", 14),
    "Kreis Unna": ("NW", 10),
    "Hochsauerlandkreis": ("NW", 12),
    "Stadt Hamm": ("NW", 1),
    "Stadt Leipzig": ("SN", 1),
}


def regions_by_area(db) -> dict[str, Region]:
    return {
        region.area: region
        for region in db.session.scalars(select(Region).options(selectinload(Region.municipalities)))
    }


def per_region(db, model, region_column) -> dict[int, int]:
    return dict(db.session.execute(select(region_column, func.count(model.id)).group_by(region_column)).all())


def test_demo_has_five_regions_with_their_municipalities(demo, db):
    regions = regions_by_area(db)
    assert {area: (r.land, len(r.municipalities)) for area, r in regions.items()} == DEMO_AREAS
    assert {town.name for town in regions["Kreis Unna"].municipalities} == {
        "Bergkamen",
        "Bönen",
        "Fröndenberg/Ruhr",
        "Holzwickede",
        "Kamen",
        "Lünen",
        "Schwerte",
        "Selm",
        "Unna",
        "Werne",
    }
    assert "Eslohe (Sauerland)" in {town.name for town in regions["Hochsauerlandkreis"].municipalities}
    assert [town.name for town in regions["Stadt Hamm"].municipalities] == ["Hamm"]
    assert [town.name for town in regions["Stadt Leipzig"].municipalities] == ["Leipzig"]
    # Kreis Soest is the first region, the one the settings describe.
    assert min(regions.values(), key=lambda r: r.id).area == "Kreis Soest"
    # Every office has a public page to show: address, e-mail, opening hours and an introduction.
    for area, region in regions.items():
        assert region.address_lines and region.opening_hours and region.introduction, area
        assert area == "Kreis Soest" or region.contact_email.endswith("@example.org")


def test_every_demo_school_lies_in_a_municipality_of_its_region(demo, db):
    towns = dict(db.session.execute(select(RegionMunicipality.name, RegionMunicipality.region_id)).all())
    for school in demo["schools"]:
        assert towns[school.municipality] == school.region_id, school.name


def test_every_demo_region_has_schools_reports_and_materials(demo, db):
    regions = regions_by_area(db)
    schools = per_region(db, School, School.region_id)
    reports = dict(
        db.session.execute(
            select(School.region_id, func.count(Activity.id)).join(Activity.school).group_by(School.region_id)
        ).all()
    )
    materials = per_region(db, Material, Material.region_id)
    for area, region in regions.items():
        assert schools.get(region.id, 0) >= 8 and reports.get(region.id) and materials.get(region.id), area
    assert schools[regions["Kreis Soest"].id] == 35  # as many as before there were regions
    statuses = {s.status for s in demo["schools"] if s.region_id == regions["Kreis Unna"].id}
    assert len(statuses) >= 3
    waiting = [s for s in demo["schools"] if s.region_id == regions["Kreis Unna"].id and s.approval == Approval.PENDING]
    assert waiting, "a registration waits in Kreis Unna's queue"
    # A school's material belongs to the school's region; the KI's own materials to an office of the demo.
    region_of = {school.id: school.region_id for school in demo["schools"]}
    for material in demo["materials"]:
        if material.school_id is not None:
            assert material.region_id == region_of[material.school_id], material.title


def test_demo_logins_cover_their_region_land_or_the_whole_country(demo, db):
    regions = regions_by_area(db)
    users = {user.email: user for user in db.session.scalars(select(User))}
    staff_regions: dict[int, set[int]] = {}
    for user_id, region_id in db.session.execute(select(RegionStaff.user_id, RegionStaff.region_id)):
        staff_regions.setdefault(user_id, set()).add(region_id)
    expected = {
        "admin@example.org": (Role.ADMIN, None, set()),
        "ki@example.org": (Role.KI_STAFF, None, {regions["Kreis Soest"].id}),
        "ki-unna@example.org": (Role.KI_STAFF, None, {regions["Kreis Unna"].id}),
        "land-nrw@example.org": (Role.LAND_STAFF, "NW", set()),
        "bund@example.org": (Role.NATIONAL_STAFF, None, set()),
        "koordination@example.org": (Role.COORDINATOR, None, set()),
        "koordination2@example.org": (Role.COORDINATOR, None, set()),
        "partner@example.org": (Role.PARTNER, None, set()),
    }
    assert {email: (u.role, u.land, staff_regions.get(u.id, set())) for email, u in users.items()} == expected
    for email, user in users.items():
        # Staff sign in with the documented second factor; coordinators and partners with their password.
        assert user.has_second_factor == (user.role not in (Role.COORDINATOR, Role.PARTNER)), email
        assert user.totp_secret in (None, demo_totp_secret())


def test_seeding_the_demo_again_adds_nothing(demo, db):
    def counts():
        return [db.session.scalar(select(func.count()).select_from(m)) for m in (Region, User, School, Material)]

    before = counts()
    added = seed_demo(schools=35, activities=150, materials=80)
    assert set(added.values()) == {0}
    assert counts() == before


def test_more_regions_spread_the_schools_over_several_laender(app, db):
    seed_demo(regions=8, schools=80, activities=300, materials=60)
    regions = list(db.session.scalars(select(Region).options(selectinload(Region.municipalities))))
    assert len(regions) == 8
    generated = [r for r in regions if r.area not in DEMO_AREAS]
    assert len(generated) == 3 and len({r.land for r in generated}) > 1
    schools = per_region(db, School, School.region_id)
    assert set(schools) == {r.id for r in regions}
    # 80 spread evenly: 10 each, but Kreis Unna and the Hochsauerlandkreis keep their 12 and 14.
    assert sorted(schools.values()) == [10] * 6 + [12, 14]
    towns = dict(db.session.execute(select(RegionMunicipality.name, RegionMunicipality.region_id)).all())
    for name, municipality, region_id in db.session.execute(select(School.name, School.municipality, School.region_id)):
        assert towns[municipality] == region_id, name
    reports = dict(
        db.session.execute(
            select(School.region_id, func.count(Activity.id)).join(Activity.school).group_by(School.region_id)
        ).all()
    )
    assert set(reports) == set(schools)
    assert set(seed_demo(regions=8, schools=80, activities=300, materials=60).values()) == {0}


def test_national_demo_size_spreads_4400_schools_over_every_land():
    counts = school_counts(4400, 120)
    assert len(counts) == 120 and sum(counts) == 4400 and max(counts) - min(counts) <= 1
    lands = Counter(generated_lands(115))
    assert set(lands) == set(LAENDER)
    assert lands.most_common(1)[0][0] == "NW"
    # The five demo offices keep their sizes in the small demo.
    assert school_counts(35, 5) == [35, 12, 14, 9, 10]


def test_every_demo_region_has_upcoming_and_past_events_with_registrations(demo, db):
    from courage_hub.events.models import Event, EventKind, EventRegistration, RegistrationStatus

    now = utcnow()
    events = list(db.session.scalars(select(Event)))
    for region in db.session.scalars(select(Region)):
        own = [e for e in events if e.region_id == region.id]
        assert any(e.starts_at > now for e in own) and any(e.ends_at < now for e in own), region.area
        assert len({e.kind for e in own}) >= 4, region.area
        assert all(region.area in e.title or e.kind != EventKind.REGIONALTREFFEN for e in own)
    (landestreffen,) = [e for e in events if e.land is not None]
    assert landestreffen.land == "NW" and landestreffen.kind == EventKind.LANDESTREFFEN
    assert not repeated(e.uid for e in events)

    registrations = list(db.session.scalars(select(EventRegistration)))
    by_event = {e.id: [r for r in registrations if r.event_id == e.id] for e in events}
    for event in events:
        confirmed = sum(r.seats for r in by_event[event.id] if r.status == RegistrationStatus.CONFIRMED)
        assert event.capacity is None or confirmed <= event.capacity, event.title  # never overbooked
        past = event.ends_at < now
        assert all((r.attended is not None) == past for r in by_event[event.id]), event.title
    full = [e for e in events if any(r.status == RegistrationStatus.WAITING for r in by_event[e.id])]
    assert full and all(
        sum(r.seats for r in by_event[e.id] if r.status == RegistrationStatus.CONFIRMED) == e.capacity for e in full
    )
    assert any(r.attended is False for r in registrations)  # someone did not come
    assert all(r.pupils + r.adults > 0 and len(r.adult_names.split(", ")) == r.adults for r in registrations)
    assert len(events) == 5 * 5 + 1

    assert seed_demo(schools=35, activities=150, materials=80)["events"] == 0
    assert db.session.scalar(select(func.count()).select_from(Event)) == len(events)


def test_demo_partners_and_offers_spread_over_the_regions_and_the_journey_finds_its_workshop(demo, db, client):
    """About 30 partners with 60 offers, in every demo office and some for a Land or the whole country; the partner
    account keeps a Kreis Soest partner whose free workshop on antisemitism covers grade 9; requests in every
    state, the finished ones linked to a published report that names the partner."""
    from courage_hub.partners.coverage import serves
    from courage_hub.partners.models import Offer, OfferRequest, Partner, PartnerMember, RequestStatus

    partners = list(
        db.session.scalars(
            select(Partner).options(selectinload(Partner.served_regions), selectinload(Partner.served_lands))
        )
    )
    offers = list(db.session.scalars(select(Offer).options(selectinload(Offer.topics))))
    assert 25 <= len(partners) <= 40 and 50 <= len(offers) <= 70
    assert repeated(p.name for p in partners) == [] and repeated(o.title for o in offers) == []
    regions = regions_by_area(db)
    for area, region in regions.items():
        serving = [
            p
            for p in partners
            if serves(
                p, region.id, region.land, {r.region_id for r in p.served_regions}, {x.land for x in p.served_lands}
            )
        ]
        assert len(serving) >= 5, area
        assert any(p.region_id == region.id for p in partners), area  # every office keeps partners of its own
    assert any(p.nationwide for p in partners) and any(p.served_lands for p in partners)
    assert all(p.website.endswith(".example") and p.contact_email.endswith(".example") for p in partners)

    soest = regions["Kreis Soest"]
    (member,) = db.session.scalars(select(PartnerMember).join(User).where(User.email == "partner@example.org")).all()
    kept = db.session.get(Partner, member.partner_id)
    assert kept.region_id == soest.id
    journey = [
        o
        for o in offers
        if o.partner_id == kept.id
        and o.format == "Workshop"
        and o.cost_kind == "free"
        and "Antisemitismus" in o.topic_names
        and (o.grade_min or 1) <= 9 <= (o.grade_max or 13)
    ]
    assert journey
    page = client.get("/angebote/?thema=Antisemitismus&format=Workshop&kosten=free&stufe=9&region=kreis-soest")
    assert journey[0].title in page.get_data(as_text=True)

    requests = list(db.session.scalars(select(OfferRequest)))
    assert {r.status for r in requests} == set(RequestStatus)
    assert not [r for r in requests if r.offer_id == journey[0].id and r.is_open]  # the journey can ask for it
    done = [r for r in requests if r.status == RequestStatus.DONE]
    for request in done:
        activity = db.session.get(Activity, request.activity_id)
        assert activity.state == ActivityState.PUBLISHED and activity.partner_id == request.partner_id
        assert activity.school_id == request.school_id
    assert seed_demo(schools=35, activities=150, materials=80)["offers"] == 0
    assert db.session.scalar(select(func.count()).select_from(OfferRequest)) == len(requests)
