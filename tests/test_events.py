"""Events: staff create, edit, publish and cancel; schools register with a waiting list; mails carry calendar files."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
from icalendar import Calendar
from sqlalchemy import select

from courage_hub.core.db import EditConflict, utcnow
from courage_hub.core.mail import build_message, outbox_messages, send_mail
from courage_hub.core.models import AuditEntry, OutboxMail
from courage_hub.core.schoolyear import BERLIN
from courage_hub.events import services
from courage_hub.events.models import Event, EventRegistration, EventState, RegistrationStatus
from courage_hub.events.services import RegistrationRefused, Seats
from courage_hub.schools.models import EventKind, SchoolEvent

from . import factories
from .conftest import csrf_token, post_form

UMLAUT_TITLE = "Regionaltreffen für Schüler*innen in Möhnesee – Größe zählt"


def sent_mails() -> list[EmailMessage]:
    return [BytesParser(policy=policy.default).parsebytes(path.read_bytes()) for path in outbox_messages()]


def mails_to(address: str) -> list[EmailMessage]:
    return [mail for mail in sent_mails() if mail["To"] == address]


def calendar_of(mail: EmailMessage) -> Calendar | None:
    """The mail's .ics attachment, parsed with icalendar (None without one)."""
    for part in mail.iter_attachments():
        if part.get_content_type() == "text/calendar":
            return Calendar.from_ical(part.get_payload(decode=True))
    return None


def vevent_of(calendar: Calendar):
    events = [c for c in calendar.walk() if c.name == "VEVENT"]
    assert len(events) == 1
    return events[0]


def assert_round_trips(calendar: Calendar, event: Event, method: str) -> None:
    """UID, times with TZID Europe/Berlin, the method and the umlauts survive the trip through a calendar file."""
    assert str(calendar["METHOD"]) == method
    assert any(c.name == "VTIMEZONE" and str(c["TZID"]) == "Europe/Berlin" for c in calendar.walk())
    item = vevent_of(calendar)
    assert str(item["UID"]) == event.uid
    assert item["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert item.decoded("DTSTART") == event.starts_at
    assert item.decoded("DTEND") == event.ends_at
    assert str(item["SUMMARY"]) == event.title


@pytest.fixture
def event(users, db):
    return factories.EventFactory(title=UMLAUT_TITLE, capacity=20, online_url="https://meet.example.org/treffen")


def _seats(pupils: int, adults: int = 0, names: str = "") -> Seats:
    return Seats(pupils=pupils, adults=adults, adult_names=names)


def _coordinated_school(name: str, **kwargs):
    school = factories.SchoolFactory(name=name, **kwargs)
    coordinator = factories.UserFactory(email=f"{school.slug}@schule.example")
    factories.MembershipFactory(user=coordinator, school=school)
    return school, coordinator


# --- the outbox carries attachments --------------------------------------------------------------------------------


def test_an_outbox_mail_delivers_its_attachment_with_the_calendar_method(app, db):
    send_mail(
        "a@schule.example",
        "Termin",
        "Hallo",
        attachment=("termin.ics", "text/calendar; method=REQUEST; charset=utf-8", b"BEGIN:VCALENDAR\r\n"),
    )
    (mail,) = sent_mails()
    (part,) = list(mail.iter_attachments())
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "REQUEST"
    assert part.get_filename() == "termin.ics"
    assert part.get_payload(decode=True) == b"BEGIN:VCALENDAR\r\n"
    row = db.session.scalar(select(OutboxMail))
    assert row.attachment is None and row.body == ""  # emptied once delivered


def test_a_mail_without_attachment_stays_a_plain_text_mail(app, db):
    row = OutboxMail(to_addr="a@schule.example", subject="S", body="Text", created_at=utcnow(), id=7)
    assert build_message(row).get_content_type() == "text/plain"


# --- registration and the waiting list -----------------------------------------------------------------------------


def test_a_registration_is_confirmed_with_a_calendar_entry_that_round_trips(users, event, db):
    school, coordinator = users["school_a"], users["coord_a"]
    registration = services.register(event, school, coordinator, _seats(12, 2, "Frau Özdemir\nHerr Jäger"))
    assert registration.status == RegistrationStatus.CONFIRMED
    (mail,) = mails_to(coordinator.email)
    assert "Regionaltreffen für Schüler*innen" in mail["Subject"]
    assert "12" in mail.get_body(("plain",)).get_content()
    calendar = calendar_of(mail)
    assert_round_trips(calendar, event, "REQUEST")
    assert "https://meet.example.org/treffen" in str(vevent_of(calendar)["LOCATION"])  # registered: the link
    assert "Lippstadt" in str(vevent_of(calendar)["LOCATION"])
    timeline = db.session.scalars(select(SchoolEvent).where(SchoolEvent.school_id == school.id)).all()
    assert [entry.kind for entry in timeline] == [EventKind.EVENT]
    assert UMLAUT_TITLE in timeline[0].note


def test_a_full_event_takes_schools_onto_the_waiting_list_and_moves_them_up_in_order(users, event, db):
    a, coord_a = users["school_a"], users["coord_a"]
    b, coord_b = users["school_b"], users["coord_b"]
    c, coord_c = _coordinated_school("Hauptschule Rüthen")
    first = services.register(event, a, coord_a, _seats(12))
    second = services.register(event, b, coord_b, _seats(10))
    third = services.register(event, c, coord_c, _seats(10))
    assert [r.status for r in (first, second, third)] == [RegistrationStatus.CONFIRMED] + [
        RegistrationStatus.WAITING
    ] * 2
    assert services.waiting_position(second) == 1 and services.waiting_position(third) == 2
    (waiting_mail,) = mails_to(coord_b.email)
    assert calendar_of(waiting_mail) is None  # no calendar entry until the seat is certain

    services.change_registration(first, coord_a, _seats(11))  # 9 free: the first in line needs 10
    assert db.session.get(EventRegistration, second.id).status == RegistrationStatus.WAITING
    services.cancel_registration(first, coord_a)  # 20 free: both move up, the earlier one first
    assert db.session.get(EventRegistration, second.id).status == RegistrationStatus.CONFIRMED
    assert db.session.get(EventRegistration, third.id).status == RegistrationStatus.CONFIRMED
    moved = mails_to(coord_b.email)[-1]
    assert "Platz" in moved["Subject"] or "frei" in moved.get_body(("plain",)).get_content()
    assert_round_trips(calendar_of(moved), event, "REQUEST")
    cancelled = mails_to(coord_a.email)[-1]
    assert_round_trips(calendar_of(cancelled), event, "CANCEL")
    assert services.confirmed_seats(event) == 20


def test_the_first_in_line_that_does_not_fit_lets_a_smaller_one_move_up(users, event, db):
    a, b = users["school_a"], users["school_b"]
    c, coord_c = _coordinated_school("Hauptschule Rüthen")
    first = services.register(event, a, users["coord_a"], _seats(15))
    big = services.register(event, b, users["coord_b"], _seats(12))
    small = services.register(event, c, coord_c, _seats(8))
    assert big.status == small.status == RegistrationStatus.WAITING
    services.change_registration(first, users["coord_a"], _seats(10))  # 10 free: 12 does not fit, 8 does
    assert db.session.get(EventRegistration, big.id).status == RegistrationStatus.WAITING
    assert db.session.get(EventRegistration, small.id).status == RegistrationStatus.CONFIRMED
    assert services.waiting_position(db.session.get(EventRegistration, big.id)) == 1


def test_a_school_may_not_take_more_than_the_seats_per_school(users, db):
    event = factories.EventFactory(capacity=50, max_seats_per_school=10)
    with pytest.raises(RegistrationRefused, match="10"):
        services.register(event, users["school_a"], users["coord_a"], _seats(9, 2))
    assert db.session.scalar(select(EventRegistration)) is None
    registration = services.register(event, users["school_a"], users["coord_a"], _seats(8, 2))
    with pytest.raises(RegistrationRefused):
        services.change_registration(registration, users["coord_a"], _seats(10, 1))
    assert db.session.get(EventRegistration, registration.id).seats == 10


def test_a_confirmed_school_keeps_its_seats_when_it_asks_for_more_than_are_free(users, event, db):
    registration = services.register(event, users["school_a"], users["coord_a"], _seats(10))
    services.register(event, users["school_b"], users["coord_b"], _seats(8))
    with pytest.raises(RegistrationRefused, match="2"):
        services.change_registration(registration, users["coord_a"], _seats(13))
    kept = db.session.get(EventRegistration, registration.id)
    assert kept.status == RegistrationStatus.CONFIRMED and kept.pupils == 10


def test_after_the_deadline_nobody_registers_changes_or_cancels(users, db):
    event = factories.EventFactory(capacity=30)
    registration = services.register(event, users["school_a"], users["coord_a"], _seats(5))
    event.registration_deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(RegistrationRefused):
        services.register(event, users["school_b"], users["coord_b"], _seats(5))
    with pytest.raises(RegistrationRefused):
        services.change_registration(registration, users["coord_a"], _seats(6))
    with pytest.raises(RegistrationRefused):
        services.cancel_registration(registration, users["coord_a"])
    assert db.session.get(EventRegistration, registration.id).status == RegistrationStatus.CONFIRMED


def test_a_school_registers_again_after_cancelling_and_queues_anew(users, event, db):
    registration = services.register(event, users["school_a"], users["coord_a"], _seats(5))
    services.cancel_registration(registration, users["coord_a"])
    again = services.register(event, users["school_a"], users["coord_a"], _seats(6, 1))
    assert again.id == registration.id and again.status == RegistrationStatus.CONFIRMED and again.seats == 7
    with pytest.raises(RegistrationRefused):
        services.register(event, users["school_a"], users["coord_a"], _seats(1))


def test_drafts_and_cancelled_events_take_no_registrations(users, db):
    for state in (EventState.DRAFT, EventState.CANCELLED):
        event = factories.EventFactory(state=state)
        with pytest.raises(RegistrationRefused):
            services.register(event, users["school_a"], users["coord_a"], _seats(1))


# --- staff changes reach the schools' calendars --------------------------------------------------------------------


def _data_of(event: Event, **changes) -> services.EventData:
    fields = {name: getattr(event, name) for name in services.EventData.__dataclass_fields__}
    return services.EventData(**{**fields, **changes})


def test_a_new_time_mails_an_update_with_the_same_uid_and_a_higher_sequence(users, event, db):
    services.register(event, users["school_a"], users["coord_a"], _seats(12, 2))
    services.register(event, users["school_b"], users["coord_b"], _seats(10))  # waiting: told as well
    uid, sequence = event.uid, event.sequence
    later = event.starts_at + timedelta(days=1)
    assert services.update_event(
        event, users["ki"], _data_of(event, starts_at=later, ends_at=later + timedelta(hours=2)), event.version
    )
    event = db.session.get(Event, event.id)
    assert event.uid == uid and event.sequence == sequence + 1
    for coordinator in (users["coord_a"], users["coord_b"]):
        update = mails_to(coordinator.email)[-1]
        calendar = calendar_of(update)
        assert_round_trips(calendar, event, "REQUEST")
        assert int(vevent_of(calendar)["SEQUENCE"]) == sequence + 1
        assert (
            calendar_of(mails_to(coordinator.email)[0]) is None
            or int(vevent_of(calendar_of(mails_to(coordinator.email)[0]))["SEQUENCE"]) == sequence
        )
    count = len(sent_mails())
    assert not services.update_event(event, users["ki"], _data_of(event, description="Neu: Kuchen"), event.version)
    assert len(sent_mails()) == count  # the description is no calendar change


def test_a_stale_edit_is_refused_and_overwrites_nothing(users, event, db):
    version = event.version
    services.update_event(event, users["ki"], _data_of(event, title="Erste Fassung"), version)
    with pytest.raises(EditConflict):
        services.update_event(event, users["ki"], _data_of(event, title="Zweite Fassung"), version)
    assert db.session.get(Event, event.id, populate_existing=True).title == "Erste Fassung"


def test_cancelling_an_event_mails_the_reason_and_a_cancel_entry_to_every_registered_school(users, event, db):
    services.register(event, users["school_a"], users["coord_a"], _seats(15))
    services.register(event, users["school_b"], users["coord_b"], _seats(10))  # waiting
    c, coord_c = _coordinated_school("Hauptschule Rüthen")
    gone = services.register(event, c, coord_c, _seats(1))
    services.cancel_registration(gone, coord_c)
    told = services.cancel_event(event, users["ki"], "Der Saal ist überflutet – wir melden uns.")
    assert told == 2
    event = db.session.get(Event, event.id)
    assert event.state == EventState.CANCELLED
    for coordinator in (users["coord_a"], users["coord_b"]):
        mail = mails_to(coordinator.email)[-1]
        assert "überflutet" in mail.get_body(("plain",)).get_content()
        calendar = calendar_of(mail)
        assert_round_trips(calendar, event, "CANCEL")
        assert str(vevent_of(calendar)["STATUS"]) == "CANCELLED"
    assert all("Abgesagt" not in m["Subject"] for m in mails_to(coord_c.email)[2:])  # withdrawn: not told again
    assert len(mails_to(coord_c.email)) == 2  # its confirmation and its own cancellation
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "event.cancel"))
    assert entry.region_id == event.region_id and entry.object_id == event.id


def test_publishing_is_audited_for_the_region_and_a_land_event_for_nobodys_region(users, db):
    draft = factories.EventFactory(state=EventState.DRAFT)
    assert services.publish_event(draft, users["ki"])
    assert not services.publish_event(draft, users["ki"])
    land_event = factories.EventFactory(state=EventState.DRAFT, region=None, land="NW")
    services.publish_event(land_event, users["land_nrw"])
    entries = {
        e.object_id: e for e in db.session.scalars(select(AuditEntry).where(AuditEntry.action == "event.publish"))
    }
    assert entries[draft.id].region_id == draft.region_id
    assert entries[land_event.id].region_id is None


# --- staff pages ---------------------------------------------------------------------------------------------------

FORM = {
    "kind": "regionaltreffen",
    "title": "Regionaltreffen Frühjahr",
    "audience": "both",
    "start_date": "2031-03-27",
    "start_time": "14:00",
    "end_date": "",
    "end_time": "17:30",
    "place_name": "Kreishaus Soest",
    "address": "Hoher Weg 1\n59494 Soest",
    "online_url": "",
    "description": "**Programm** folgt",
    "capacity": "40",
    "max_seats_per_school": "12",
    "deadline_date": "2031-03-20",
    "contact_name": "Frau Beispiel",
    "contact_email": "treffen@kreis-soest.example",
    "contact_phone": "02921 30-0",
}


def test_staff_create_a_draft_in_berlin_time_and_publish_it(users, login_as, db):
    client = login_as("ki")
    response = post_form(client, "/koordination/veranstaltungen/neu", FORM)
    assert response.status_code == 302
    event = db.session.scalar(select(Event))
    assert event.state == EventState.DRAFT and event.region_id == users["school_a"].region_id
    # 27 March 2031 is before the switch to summer time (30 March): 14:00 in Berlin is 13:00 UTC.
    assert event.starts_at == datetime(2031, 3, 27, 13, 0, tzinfo=UTC)
    assert event.ends_at == datetime(2031, 3, 27, 16, 30, tzinfo=UTC)
    assert event.registration_deadline.astimezone(BERLIN).date() == date(2031, 3, 20)
    listing = client.get("/koordination/veranstaltungen/").get_data(as_text=True)
    assert "Regionaltreffen Frühjahr" in listing and "Entwurf" in listing
    assert post_form(client, f"/koordination/veranstaltungen/{event.id}/veroeffentlichen").status_code == 302
    assert db.session.get(Event, event.id, populate_existing=True).state == EventState.PUBLISHED


def test_an_all_day_event_covers_whole_berlin_days(users, login_as, db):
    client = login_as("ki")
    form = {
        **FORM,
        "all_day": "y",
        "start_time": "",
        "end_time": "",
        "end_date": "2031-07-02",
        "start_date": "2031-07-01",
    }
    assert post_form(client, "/koordination/veranstaltungen/neu", form).status_code == 302
    event = db.session.scalar(select(Event))
    assert event.all_day
    assert event.starts_at == datetime(2031, 6, 30, 22, 0, tzinfo=UTC)  # midnight in summer time
    assert event.ends_at == datetime(2031, 7, 2, 22, 0, tzinfo=UTC)


def test_the_event_form_explains_its_errors_in_german_and_keeps_the_input(users, login_as, db):
    client = login_as("ki")
    form = {
        **FORM,
        "title": "Treffen mit Ümläuten",
        "end_time": "13:00",
        "place_name": "",
        "max_seats_per_school": "99",
    }
    response = post_form(client, "/koordination/veranstaltungen/neu", form)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="error-summary"' in text
    assert "Das Ende muss nach dem Beginn liegen." in text
    assert "Treffen mit Ümläuten" in text
    assert db.session.scalar(select(Event)) is None


def test_a_stale_edit_shows_the_conflict_page(users, login_as, db):
    event = factories.EventFactory()
    client = login_as("ki")
    page = client.get(f"/koordination/veranstaltungen/{event.id}/bearbeiten").get_data(as_text=True)
    assert f'value="{event.version}"' in page
    services.update_event(event, users["ki"], _data_of(event, title="Von nebenan"), event.version)
    form = {**FORM, "version": str(event.version - 1 if event.version > 1 else 1), "title": "Meine Fassung"}
    form["version"] = "1"
    response = post_form(client, f"/koordination/veranstaltungen/{event.id}/bearbeiten", form)
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "Meine Fassung" in text and "Von nebenan" in text
    assert db.session.get(Event, event.id, populate_existing=True).title == "Von nebenan"


def test_a_cancellation_needs_a_reason(users, login_as, db):
    event = factories.EventFactory()
    client = login_as("ki")
    page = client.get(f"/koordination/veranstaltungen/{event.id}/absagen")
    assert page.status_code == 200 and event.title in page.get_data(as_text=True)
    response = post_form(client, f"/koordination/veranstaltungen/{event.id}/absagen", {"reason": ""})
    assert response.status_code == 200 and "Bitte geben Sie einen Grund an." in response.get_data(as_text=True)
    response = post_form(client, f"/koordination/veranstaltungen/{event.id}/absagen", {"reason": "Krankheit"})
    assert response.status_code == 302
    assert db.session.get(Event, event.id, populate_existing=True).state == EventState.CANCELLED


def test_staff_see_only_their_own_regions_and_lands_events(users, login_as, db):
    factories.EventFactory(title="Soester Treffen", state=EventState.DRAFT)
    factories.EventFactory(title="Unnaer Treffen", region=users["region_unna"])
    factories.EventFactory(title="Landestreffen NRW", region=None, land="NW")
    factories.EventFactory(title="Landestreffen Sachsen", region=None, land="SN")
    seen = {}
    for role in ("ki", "ki_unna", "land_nrw", "land_sn"):
        client = login_as(role)
        text = client.get("/koordination/veranstaltungen/").get_data(as_text=True)
        seen[role] = {t for t in ("Soester", "Unnaer", "Landestreffen NRW", "Landestreffen Sachsen") if t in text}
        client.post("/abmelden", data={"csrf_token": csrf_token(client)})
    assert seen == {
        "ki": {"Soester"},
        "ki_unna": {"Unnaer"},
        "land_nrw": {"Landestreffen NRW"},
        "land_sn": {"Landestreffen Sachsen"},
    }


def test_land_staff_create_an_event_of_their_land(users, login_as, db):
    client = login_as("land_nrw")
    page = client.get("/koordination/veranstaltungen/neu").get_data(as_text=True)
    assert "Nordrhein-Westfalen" in page
    assert post_form(client, "/koordination/veranstaltungen/neu", {**FORM, "kind": "landestreffen"}).status_code == 302
    event = db.session.scalar(select(Event))
    assert event.land == "NW" and event.region_id is None


def test_regional_staff_of_several_regions_choose_the_region_and_cannot_forge_another(users, login_as, db):
    ki = users["ki"]
    from courage_hub.regions.models import RegionStaff

    db.session.add(RegionStaff(user_id=ki.id, region_id=users["region_unna"].id))
    db.session.commit()
    client = login_as("ki")
    page = client.get("/koordination/veranstaltungen/neu").get_data(as_text=True)
    assert "KI Kreis Unna" in page and "KI Kreis Soest" in page
    other = factories.RegionFactory(area="Kreis Olpe")
    response = post_form(client, "/koordination/veranstaltungen/neu", {**FORM, "owner": f"region-{other.id}"})
    assert response.status_code == 200 and db.session.scalar(select(Event)) is None
    response = post_form(
        client, "/koordination/veranstaltungen/neu", {**FORM, "owner": f"region-{users['region_unna'].id}"}
    )
    assert response.status_code == 302
    assert db.session.scalar(select(Event)).region_id == users["region_unna"].id


# --- coordinators' pages -------------------------------------------------------------------------------------------


def test_a_coordinator_registers_changes_and_cancels_on_the_page(users, login_as, event, db):
    client = login_as("coord_a")
    page = client.get(f"/veranstaltungen/{event.id}/anmelden").get_data(as_text=True)
    assert users["school_a"].name in page and "Freie Plätze: 20" in page
    response = post_form(
        client,
        f"/veranstaltungen/{event.id}/anmelden",
        {"pupils": "12", "adults": "2", "adult_names": "Frau Özdemir\nHerr Jäger", "note": "Rollstuhl"},
    )
    assert response.status_code == 302
    page = client.get(f"/veranstaltungen/{event.id}/anmelden").get_data(as_text=True)
    assert "Ihre Anmeldung ist bestätigt." in page and "https://meet.example.org/treffen" in page
    response = post_form(client, f"/veranstaltungen/{event.id}/anmelden", {"pupils": "10", "adults": "2"})
    assert response.status_code == 302
    registration = db.session.scalar(select(EventRegistration))
    assert registration.pupils == 10 and registration.adult_names == ""
    assert post_form(client, f"/veranstaltungen/{event.id}/abmelden").status_code == 302
    db.session.refresh(registration)
    assert registration.status == RegistrationStatus.CANCELLED


def test_the_registration_form_refuses_pupils_names_beyond_the_adults_and_empty_groups(users, login_as, event, db):
    client = login_as("coord_a")
    response = post_form(client, f"/veranstaltungen/{event.id}/anmelden", {"pupils": "0", "adults": "0"})
    assert response.status_code == 200 and "Bitte melden Sie mindestens eine Person an." in response.get_data(
        as_text=True
    )
    response = post_form(
        client, f"/veranstaltungen/{event.id}/anmelden", {"pupils": "5", "adults": "1", "adult_names": "A\nB\nC"}
    )
    assert response.status_code == 200 and db.session.scalar(select(EventRegistration)) is None


def test_the_page_names_the_waiting_list_position(users, login_as, db):
    event = factories.EventFactory(capacity=10)
    services.register(event, users["school_b"], users["coord_b"], _seats(10))
    client = login_as("coord_a")
    post_form(client, f"/veranstaltungen/{event.id}/anmelden", {"pupils": "4", "adults": "1"})
    page = client.get(f"/veranstaltungen/{event.id}/anmelden").get_data(as_text=True)
    assert "Warteliste (Platz 1)" in page


def test_a_coordinator_of_several_schools_chooses_which_to_register(users, login_as, event, db):
    factories.MembershipFactory(user=users["coord_a"], school=users["school_b"])
    client = login_as("coord_a")
    page = client.get(f"/veranstaltungen/{event.id}/anmelden").get_data(as_text=True)
    assert users["school_a"].name in page and users["school_b"].name in page and "pupils" not in page
    school_b = users["school_b"].id
    response = post_form(
        client, f"/veranstaltungen/{event.id}/anmelden?schule={school_b}", {"pupils": "3", "adults": "1"}
    )
    assert response.status_code == 302
    assert db.session.scalar(select(EventRegistration)).school_id == school_b
    c = users["school_c"].id  # Kreis Unna's school is none of theirs
    assert client.get(f"/veranstaltungen/{event.id}/anmelden?schule={c}").status_code == 404


def test_schools_of_another_region_cannot_register_but_a_land_event_is_open_to_the_whole_land(users, login_as, db):
    soest_event = factories.EventFactory()
    land_event = factories.EventFactory(region=None, land="NW", title="Landestreffen")
    client = login_as("coord_c")  # Kreis Unna, NW
    assert client.get(f"/veranstaltungen/{soest_event.id}/anmelden").status_code == 403
    response = post_form(client, f"/veranstaltungen/{soest_event.id}/anmelden", {"pupils": "3", "adults": "1"})
    assert response.status_code == 403
    assert (
        post_form(client, f"/veranstaltungen/{land_event.id}/anmelden", {"pupils": "3", "adults": "1"}).status_code
        == 302
    )
    registration = db.session.scalar(select(EventRegistration))
    assert registration.event_id == land_event.id and registration.school_id == users["school_c"].id
    mail = db.session.scalar(select(OutboxMail).where(OutboxMail.to_addr == users["coord_c"].email))
    assert mail.region_id == users["region_unna"].id  # Kreis Unna's office sees the mail of a Land event


def test_drafts_are_not_found_for_registration(users, login_as, db):
    draft = factories.EventFactory(state=EventState.DRAFT)
    assert login_as("coord_a").get(f"/veranstaltungen/{draft.id}/anmelden").status_code == 404
