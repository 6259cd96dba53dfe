"""The public event pages, their filters and schema.org data, the calendars (.ics of one event, the public feed, a
coordinator's private subscription) and the next events on the start page and an office's page."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from courage_hub.core.db import utcnow
from courage_hub.events.models import (
    Audience,
    CalendarToken,
    Event,
    EventKind,
    EventRegistration,
    EventState,
    RegistrationStatus,
)
from courage_hub.extensions import db

from .conftest import count_queries, login, post_form

BERLIN = ZoneInfo("Europe/Berlin")


def make_event(region=None, land=None, **fields) -> Event:
    """A published event of ``region`` (default: Kreis Soest) or of ``land``, starting in ten days at 15:00 Berlin."""
    from .factories import default_region

    if land is None and region is None:
        region = default_region()
    start = fields.pop("start", None) or datetime.combine(
        date.today() + timedelta(days=10), datetime.min.time().replace(hour=15), BERLIN
    )
    values = {
        "uid": f"{uuid.uuid4()}@courage-hub.test",
        "region_id": region.id if region is not None else None,
        "land": land,
        "title": "Regionaltreffen Frühjahr",
        "kind": EventKind.REGIONALTREFFEN,
        "audience": Audience.BOTH,
        "starts_at": start.astimezone(UTC),
        "ends_at": (start + timedelta(hours=2, minutes=30)).astimezone(UTC),
        "place_name": "Kreishaus Soest",
        "address": "Hoher Weg 1–3\n59494 Soest",
        "state": EventState.PUBLISHED,
        "published_at": utcnow(),
    }
    values.update(fields)
    event = Event(**values)
    db.session.add(event)
    db.session.commit()
    return event


def register(event, school, status=RegistrationStatus.CONFIRMED, pupils=10, adults=2) -> EventRegistration:
    registration = EventRegistration(
        event_id=event.id, school_id=school.id, pupils=pupils, adults=adults, status=status
    )
    db.session.add(registration)
    db.session.commit()
    return registration


def signed_in(app, users, role: str):
    """A client of its own, signed in as ``role`` (anonymous: not signed in)."""
    client = app.test_client()
    if role != "anonymous":
        login(client, users[role])
    return client


def html(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def calendar(response) -> Calendar:
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.data)


def vevents(cal: Calendar) -> list:
    return list(cal.walk("VEVENT"))


def summaries(response) -> list[str]:
    return [str(item["SUMMARY"]) for item in vevents(calendar(response))]


def jsonld_of(page: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert match, "no JSON-LD block"
    return json.loads(match.group(1))


# --- list, archive, filters --------------------------------------------------------------------------------------


def test_upcoming_list_shows_published_and_cancelled_events_soonest_first_and_hides_drafts_and_past(client, users):
    soon = make_event(title="Bald: Fortbildung", start=datetime(2031, 3, 2, 10, tzinfo=BERLIN))
    later = make_event(title="Später: Aktionstag", start=datetime(2031, 5, 2, 10, tzinfo=BERLIN))
    make_event(title="Abgesagtes Treffen", state=EventState.CANCELLED, start=datetime(2031, 4, 1, 10, tzinfo=BERLIN))
    make_event(title="Geheimer Entwurf", state=EventState.DRAFT, published_at=None)
    make_event(title="Vergangenes Treffen", start=datetime(2020, 1, 10, 10, tzinfo=BERLIN))
    page = html(client, "/veranstaltungen/")
    assert page.index(soon.title) < page.index("Abgesagtes Treffen") < page.index(later.title)
    assert "Geheimer Entwurf" not in page and "Vergangenes Treffen" not in page
    assert "3 Veranstaltungen gefunden" in page


def test_archive_shows_past_events_newest_first(client, users):
    make_event(title="Treffen 2019", start=datetime(2019, 6, 1, 10, tzinfo=BERLIN))
    make_event(title="Treffen 2021", start=datetime(2021, 6, 1, 10, tzinfo=BERLIN))
    make_event(title="Kommendes Treffen", start=datetime(2031, 6, 1, 10, tzinfo=BERLIN))
    make_event(title="Alter Entwurf", state=EventState.DRAFT, start=datetime(2020, 6, 1, 10, tzinfo=BERLIN))
    page = html(client, "/veranstaltungen/archiv")
    assert page.index("Treffen 2021") < page.index("Treffen 2019")
    assert "Kommendes Treffen" not in page and "Alter Entwurf" not in page


def test_filters_by_kind_audience_month_and_office_with_its_land(client, users):
    unna = users["region_unna"]
    make_event(
        title="Workshop Mai",
        kind=EventKind.WORKSHOP,
        audience=Audience.PUPILS,
        start=datetime(2031, 5, 20, 9, tzinfo=BERLIN),
    )
    make_event(
        title="Fortbildung Juni",
        kind=EventKind.FORTBILDUNG,
        audience=Audience.COORDINATORS,
        start=datetime(2031, 6, 3, 9, tzinfo=BERLIN),
    )
    make_event(region=unna, title="Treffen in Unna", start=datetime(2031, 5, 21, 9, tzinfo=BERLIN))
    late = datetime(2031, 5, 31, 23, 30, tzinfo=BERLIN)
    make_event(
        land="NW",
        title="Landestreffen NRW",
        kind=EventKind.LANDESTREFFEN,
        start=late,
        ends_at=(late + timedelta(minutes=20)).astimezone(UTC),
    )
    make_event(land="SN", title="Landestreffen Sachsen", start=datetime(2031, 5, 10, 9, tzinfo=BERLIN))

    def titles(query: str) -> set[str]:
        page = html(client, "/veranstaltungen/" + query)
        found = {
            t
            for t in (
                "Workshop Mai",
                "Fortbildung Juni",
                "Treffen in Unna",
                "Landestreffen NRW",
                "Landestreffen Sachsen",
            )
            if t in page
        }
        return found

    assert titles("?art=workshop") == {"Workshop Mai"}
    # "Coordinators and pupils" (the default of the others) is for pupils too.
    assert titles("?zielgruppe=coordinators") == {
        "Fortbildung Juni",
        "Treffen in Unna",
        "Landestreffen NRW",
        "Landestreffen Sachsen",
    }
    # May in Berlin: the Land meeting starts at 23:30 on 31 May (21:30 UTC) and still belongs to May.
    assert titles("?monat=2031-05&region=kreis-unna") == {"Treffen in Unna", "Landestreffen NRW"}
    assert titles("?monat=2031-06") == {"Fortbildung Juni"}
    assert titles("?region=kreis-soest&art=landestreffen") == {"Landestreffen NRW"}


@pytest.mark.parametrize(
    "query",
    ["?art=party", "?zielgruppe=alle", "?monat=2031-13", "?monat=morgen", "?region=atlantis", "?land=XX", "?seite=abc"],
)
def test_unknown_filter_values_are_ignored(client, users, query):
    make_event(title="Treffen für alle")
    page = html(client, "/veranstaltungen/" + query)
    assert "Treffen für alle" in page and "1 Veranstaltung gefunden" in page


def test_filters_stay_in_the_pagination_links(client, users):
    for n in range(21):
        make_event(title=f"Workshop {n}", kind=EventKind.WORKSHOP, start=datetime(2031, 5, 1 + n, 9, tzinfo=BERLIN))
    page = html(client, "/veranstaltungen/?art=workshop&monat=2031-05")
    next_link = re.search(r'href="([^"]*)" rel="next"', page).group(1).replace("&amp;", "&")
    assert "art=workshop" in next_link and "monat=2031-05" in next_link and "seite=2" in next_link
    assert "Workshop 20" in html(client, next_link)


def test_list_queries_do_not_grow_with_the_events(client, users):
    make_event(capacity=30)
    small = count_queries(client, "/veranstaltungen/")
    for n in range(10):
        event = make_event(title=f"Treffen {n}", capacity=20)
        register(event, users["school_a"])
    assert count_queries(client, "/veranstaltungen/") == small


# --- one event ---------------------------------------------------------------------------------------------------


def test_detail_shows_date_place_map_link_audience_seats_deadline_contact_and_markdown(client, users):
    event = make_event(
        title="Regionaltreffen im Kreishaus",
        start=datetime(2031, 5, 13, 15, tzinfo=BERLIN),
        capacity=40,
        max_seats_per_school=8,
        registration_deadline=datetime(2031, 5, 6, 12, tzinfo=BERLIN).astimezone(UTC),
        contact_name="Aylin Demir",
        contact_email="demir@kreis-soest.example",
        contact_phone="02921 30-1234",
        description="Wir sprechen über **Zivilcourage**.<script>alert(1)</script>",
        online_url="https://meet.example/geheim",
    )
    register(event, users["school_a"], pupils=20, adults=8)
    page = html(client, f"/veranstaltungen/{event.id}")
    assert "Dienstag, 13. Mai 2031, 15:00–17:30 Uhr" in page
    assert "Kreishaus Soest" in page and "Hoher Weg 1–3" in page
    assert 'href="https://www.openstreetmap.org/search?query=Hoher+Weg+1%E2%80%933%2C+59494+Soest"' in page
    assert 'rel="noopener noreferrer"' in page and "<iframe" not in page
    assert "<dt>Für wen</dt><dd>Koordinator*innen und Schüler*innen</dd>" in page
    assert "noch 12 Plätze frei" in page and "höchstens 8 Plätze pro Schule" in page
    assert '<dt>Anmeldung bis</dt><dd><time datetime="2031-05-06T12:00+02:00">06.05.31, 12:00</time>' in page
    assert "Aylin Demir" in page and "mailto:demir@kreis-soest.example" in page
    assert "<strong>Zivilcourage</strong>" in page and "<script>alert" not in page
    assert "meet.example/geheim" not in page  # the online link is for registered schools only
    assert '<meta name="description" content="Wir sprechen über Zivilcourage.' in page


def test_all_day_and_multi_day_events_are_worded_as_such(client, users):
    one = make_event(
        title="Aktionstag",
        all_day=True,
        start=datetime(2031, 5, 13, tzinfo=BERLIN),
        ends_at=datetime(2031, 5, 14, tzinfo=BERLIN).astimezone(UTC),
    )
    days = make_event(
        title="Seminar",
        all_day=True,
        start=datetime(2031, 5, 13, tzinfo=BERLIN),
        ends_at=datetime(2031, 5, 16, tzinfo=BERLIN).astimezone(UTC),
    )
    timed = make_event(
        title="Fahrt",
        start=datetime(2031, 5, 13, 9, tzinfo=BERLIN),
        ends_at=datetime(2031, 5, 14, 17, tzinfo=BERLIN).astimezone(UTC),
    )
    assert "Dienstag, 13. Mai 2031 (ganztägig)" in html(client, f"/veranstaltungen/{one.id}")
    assert "Dienstag, 13. Mai 2031 bis Donnerstag, 15. Mai 2031 (ganztägig)" in html(
        client, f"/veranstaltungen/{days.id}"
    )
    assert "Dienstag, 13. Mai 2031, 09:00 Uhr bis Mittwoch, 14. Mai 2031, 17:00 Uhr" in html(
        client, f"/veranstaltungen/{timed.id}"
    )


def test_a_full_event_offers_the_waiting_list(client, users):
    event = make_event(capacity=12)
    register(event, users["school_b"], pupils=10, adults=2)
    assert "ausgebucht – Warteliste" in html(client, f"/veranstaltungen/{event.id}")


def test_a_cancelled_event_says_so_with_its_reason(client, users):
    event = make_event(state=EventState.CANCELLED, cancel_reason="Die Referentin ist erkrankt.")
    page = html(client, f"/veranstaltungen/{event.id}")
    assert "Diese Veranstaltung wurde abgesagt." in page and "Die Referentin ist erkrankt." in page
    assert jsonld_of(page)["eventStatus"] == "https://schema.org/EventCancelled"


def test_json_ld_describes_the_event(client, users):
    event = make_event(
        title="Regionaltreffen <Frühjahr>",
        start=datetime(2031, 5, 13, 15, tzinfo=BERLIN),
        capacity=40,
        online_url="https://meet.example/geheim",
        contact_email="ki@kreis-soest.example",
    )
    page = html(client, f"/veranstaltungen/{event.id}")
    data = jsonld_of(page)
    assert data["@type"] == "Event" and data["name"] == "Regionaltreffen <Frühjahr>"
    assert data["startDate"] == "2031-05-13T15:00+02:00" and data["endDate"] == "2031-05-13T17:30+02:00"
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert data["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    place, online = data["location"]
    assert place["@type"] == "Place" and place["address"]["streetAddress"] == "Hoher Weg 1–3, 59494 Soest"
    assert online["@type"] == "VirtualLocation" and online["url"].endswith(f"/veranstaltungen/{event.id}")
    assert data["organizer"]["name"] == "KI Kreis Soest" and data["organizer"]["url"].endswith("/regionen/kreis-soest")
    assert data["maximumAttendeeCapacity"] == 40
    assert "meet.example" not in json.dumps(data)
    assert "<Frühjahr>" not in page.split('type="application/ld+json">')[1].split("</script>")[0]


def test_json_ld_of_an_all_day_land_event_has_dates_and_the_land_coordination(client, users):
    event = make_event(
        land="NW",
        all_day=True,
        start=datetime(2031, 5, 13, tzinfo=BERLIN),
        address="",
        place_name="",
        ends_at=datetime(2031, 5, 15, tzinfo=BERLIN).astimezone(UTC),
    )
    data = jsonld_of(html(client, f"/veranstaltungen/{event.id}"))
    assert (data["startDate"], data["endDate"]) == ("2031-05-13", "2031-05-14")
    assert data["organizer"]["name"] == "Landeskoordination Nordrhein-Westfalen"
    assert data["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode" and "location" not in data


@pytest.mark.parametrize(
    ("role", "status"), [("anonymous", 404), ("coord_a", 404), ("ki_unna", 404), ("land_nrw", 404), ("ki", 200)]
)
def test_drafts_are_seen_only_by_the_staff_who_manage_them(app, users, role, status):
    event = make_event(title="Entwurf Regionaltreffen", state=EventState.DRAFT, published_at=None)
    client = signed_in(app, users, role)
    assert client.get(f"/veranstaltungen/{event.id}").status_code == status
    assert client.get(f"/veranstaltungen/{event.id}.ics").status_code == status
    assert "Entwurf Regionaltreffen" not in client.get("/veranstaltungen/").get_data(as_text=True)


def test_the_online_link_is_shown_only_to_coordinators_of_a_confirmed_school(app, users):
    event = make_event(online_url="https://meet.example/raum-42")
    register(event, users["school_a"])
    register(event, users["school_b"], status=RegistrationStatus.WAITING)
    shown = {}
    for role in ("anonymous", "coord_a", "coord_b", "coord_c", "ki"):
        page = signed_in(app, users, role).get(f"/veranstaltungen/{event.id}").get_data(as_text=True)
        shown[role] = "https://meet.example/raum-42" in page
    assert shown == {"anonymous": False, "coord_a": True, "coord_b": False, "coord_c": False, "ki": True}


def test_coordinators_of_schools_the_event_is_for_find_the_registration_link(app, users):
    event = make_event()
    coord_a, coord_c = signed_in(app, users, "coord_a"), signed_in(app, users, "coord_c")
    register_link = f'href="/veranstaltungen/{event.id}/anmelden"'
    assert register_link in coord_a.get(f"/veranstaltungen/{event.id}").get_data(as_text=True)
    # School C is in Kreis Unna: Kreis Soest's meeting is not for it.
    assert register_link not in coord_c.get(f"/veranstaltungen/{event.id}").get_data(as_text=True)
    closed = make_event(registration_deadline=utcnow() - timedelta(hours=1))
    page = coord_a.get(f"/veranstaltungen/{closed.id}").get_data(as_text=True)
    assert f'/veranstaltungen/{closed.id}/anmelden"' not in page and "Die Anmeldung ist geschlossen." in page


# --- calendars ---------------------------------------------------------------------------------------------------


def test_the_event_file_round_trips_uid_times_time_zone_and_umlauts(client, users):
    event = make_event(
        title="Fortbildung „Zivilcourage“ für Lehrkräfte",
        place_name="Bürgerhaus Möhnesee",
        address="Körbecker Straße 5, 59519 Möhnesee",
        start=datetime(2031, 1, 15, 9, tzinfo=BERLIN),
    )
    response = client.get(f"/veranstaltungen/{event.id}.ics")
    assert "max-age" in response.headers["Cache-Control"]
    (item,) = vevents(calendar(response))
    assert str(item["UID"]) == event.uid
    assert item["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert item.decoded("DTSTART") == datetime(2031, 1, 15, 9, tzinfo=BERLIN)
    assert item.decoded("DTEND") == datetime(2031, 1, 15, 11, 30, tzinfo=BERLIN)
    assert str(item["SUMMARY"]) == "Fortbildung „Zivilcourage“ für Lehrkräfte"
    assert str(item["LOCATION"]) == "Bürgerhaus Möhnesee, Körbecker Straße 5, 59519 Möhnesee"
    assert "BEGIN:VTIMEZONE" in response.get_data(as_text=True)


def test_an_all_day_event_file_has_dates(client, users):
    event = make_event(
        all_day=True,
        start=datetime(2031, 5, 13, tzinfo=BERLIN),
        ends_at=datetime(2031, 5, 15, tzinfo=BERLIN).astimezone(UTC),
    )
    (item,) = vevents(calendar(client.get(f"/veranstaltungen/{event.id}.ics")))
    assert item.decoded("DTSTART") == date(2031, 5, 13) and item.decoded("DTEND") == date(2031, 5, 15)


def test_the_public_feed_follows_the_filters_and_leaves_out_drafts_and_old_events(client, users):
    make_event(title="Workshop Übermorgen", kind=EventKind.WORKSHOP)
    make_event(title="Treffen Ärger vermeiden")
    make_event(region=users["region_unna"], title="Treffen in Unna")
    make_event(title="Entwurf", state=EventState.DRAFT)
    make_event(title="Uralt", start=datetime(2020, 1, 1, 10, tzinfo=BERLIN))
    response = client.get("/veranstaltungen/feed.ics")
    assert "max-age" in response.headers["Cache-Control"]
    assert set(summaries(response)) == {"Workshop Übermorgen", "Treffen Ärger vermeiden", "Treffen in Unna"}
    assert summaries(client.get("/veranstaltungen/feed.ics?art=workshop")) == ["Workshop Übermorgen"]
    assert summaries(client.get("/veranstaltungen/feed.ics?region=kreis-unna")) == ["Treffen in Unna"]
    assert summaries(client.get("/veranstaltungen/feed.ics?monat=2020-01")) == []


def test_an_empty_feed_is_still_a_calendar(client, users):
    assert vevents(calendar(client.get("/veranstaltungen/feed.ics"))) == []


def subscribe(client) -> str:
    """Make a subscription URL on the account's calendar page; returns its path."""
    response = post_form(client, "/konto/kalender", {"action": "create"})
    assert response.status_code == 302 and response.headers["Location"] == "/konto/kalender"
    page = client.get("/konto/kalender").get_data(as_text=True)
    url = re.search(r'id="subscription-url" value="([^"]+)"', page).group(1)
    return "/" + url.split("/", 3)[3]


def test_the_private_feed_holds_the_coordinators_schools_events_with_online_links(users, login_as):
    mine = make_event(title="Treffen mit Anmeldung", online_url="https://meet.example/raum-7")
    waiting = make_event(title="Workshop auf der Warteliste")
    other = make_event(title="Treffen der anderen Schule")
    cancelled_registration = make_event(title="Abgemeldetes Treffen")
    register(mine, users["school_a"])
    register(waiting, users["school_a"], status=RegistrationStatus.WAITING)
    register(other, users["school_b"])
    register(cancelled_registration, users["school_a"], status=RegistrationStatus.CANCELLED)
    client = login_as("coord_a")
    path = subscribe(client)
    assert re.fullmatch(r"/kalender/[A-Za-z0-9_-]{40,}\.ics", path)
    client.post("/abmelden", data={"csrf_token": ""})
    anonymous = client.application.test_client()  # a calendar app: no session
    response = anonymous.get(path)
    assert response.headers["Cache-Control"] == "private, no-store"
    items = {str(item["SUMMARY"]): item for item in vevents(calendar(response))}
    assert set(items) == {"Treffen mit Anmeldung", "Workshop auf der Warteliste"}
    assert "https://meet.example/raum-7" in str(items["Treffen mit Anmeldung"]["LOCATION"])
    assert str(items["Treffen mit Anmeldung"]["UID"]) == mine.uid


def test_only_the_hash_of_the_token_is_stored_and_a_new_one_revokes_the_old(users, login_as):
    client = login_as("coord_a")
    first = subscribe(client)
    raw = first.removeprefix("/kalender/").removesuffix(".ics")
    stored = db.session.scalars(db.select(CalendarToken)).all()
    assert len(stored) == 1 and raw not in stored[0].token_hash and len(stored[0].token_hash) == 64
    second = subscribe(client)
    assert client.get(first).status_code == 404 and client.get(second).status_code == 200
    page = client.get("/konto/kalender").get_data(as_text=True)
    assert second.removeprefix("/kalender/").removesuffix(".ics") not in page  # shown only once


def test_a_deleted_subscription_dies(users, login_as):
    client = login_as("coord_a")
    path = subscribe(client)
    response = post_form(client, "/konto/kalender", {"action": "delete"})
    assert response.status_code == 302
    assert client.get(path).status_code == 404
    assert db.session.scalar(db.select(db.func.count(CalendarToken.id))) == 0


def test_a_switched_off_account_has_no_feed(users, login_as):
    path = subscribe(login_as("coord_a"))
    users["coord_a"].is_active = False
    db.session.commit()
    assert login_as("anonymous").application.test_client().get(path).status_code == 404


def test_unknown_tokens_are_not_found(client, users):
    assert client.get("/kalender/abc.ics").status_code == 404
    assert client.get("/kalender/" + "x" * 300 + ".ics").status_code == 404


def test_the_account_page_leads_coordinators_to_their_calendar(users, login_as):
    assert 'href="/konto/kalender"' in login_as("coord_a").get("/konto").get_data(as_text=True)


# --- start page and office page ----------------------------------------------------------------------------------


def test_start_page_shows_the_next_three_public_events(client, users):
    for n, title in enumerate(("Erstes", "Zweites", "Drittes", "Viertes")):
        make_event(title=f"{title} Treffen", start=datetime(2031, 3, 1 + n, 10, tzinfo=BERLIN))
    make_event(title="Früher Entwurf", state=EventState.DRAFT, start=datetime(2031, 2, 1, 10, tzinfo=BERLIN))
    page = html(client, "/")
    section = page.split('id="events-heading"')[1].split("</section>")[0]
    assert "Nächste Veranstaltungen" in page
    assert section.index("Erstes") < section.index("Zweites") < section.index("Drittes")
    assert "Viertes" not in section and "Früher Entwurf" not in section


def test_office_page_shows_its_own_and_its_lands_next_events(client, users):
    make_event(region=users["region_unna"], title="Treffen in Unna")
    make_event(land="NW", title="Landestreffen NRW")
    make_event(title="Treffen in Soest")
    make_event(land="SN", title="Landestreffen Sachsen")
    page = html(client, "/regionen/kreis-unna")
    section = page.split('id="events-heading"')[1].split("</section>")[0]
    assert "Treffen in Unna" in section and "Landestreffen NRW" in section
    assert "Treffen in Soest" not in section and "Sachsen" not in section


def test_office_page_queries_do_not_grow_with_its_events(client, users):
    small = count_queries(client, "/regionen/kreis-soest")
    for n in range(5):
        make_event(title=f"Treffen {n}")
        make_event(land="NW", title=f"Landestreffen {n}")
    assert count_queries(client, "/regionen/kreis-soest") == small
