"""The staff's side of an event: the participant list and its totals, CSV/XLSX export, the sign-in sheet, the message
to every registered school, attendance afterwards, the reminders two days before and the dashboard's figure."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from courage_hub.core.db import utcnow
from courage_hub.core.mail import outbox_messages
from courage_hub.core.models import AuditEntry, OutboxMail
from courage_hub.core.schoolyear import BERLIN
from courage_hub.events.models import (
    Audience,
    Event,
    EventKind,
    EventRegistration,
    EventState,
    RegistrationStatus,
)
from courage_hub.events.reminders import reminder_window, send_event_reminders
from courage_hub.extensions import db as _db
from courage_hub.schools.models import EventKind as TimelineKind
from courage_hub.schools.models import SchoolEvent

from .conftest import login, post_form
from .factories import MembershipFactory, SchoolFactory, UserFactory


def make_event(region=None, land=None, *, starts_in=timedelta(days=14), hours=2, **fields) -> Event:
    """A published event of ``region`` (default Kreis Soest) or of ``land``, ``starts_in`` from now."""
    from .factories import default_region

    if region is None and land is None:
        region = default_region()
    start = utcnow().replace(microsecond=0) + starts_in
    event = Event(
        uid=f"{uuid.uuid4()}@test",
        region_id=region.id if region is not None else None,
        land=land,
        title=fields.pop("title", "Regionaltreffen der Courage-AGs"),
        kind=fields.pop("kind", EventKind.REGIONALTREFFEN),
        audience=Audience.BOTH,
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        place_name=fields.pop("place_name", "Kreishaus Soest"),
        address=fields.pop("address", "Hoher Weg 1–3, 59494 Soest"),
        state=fields.pop("state", EventState.PUBLISHED),
        contact_name="Frau Beispiel",
        contact_email="veranstaltungen@kreis-soest.example",
        **fields,
    )
    _db.session.add(event)
    _db.session.commit()
    return event


def register(event, school, *, pupils=10, adults=2, names="Frau Meier, Herr Yılmaz", status=None, **fields):
    registration = EventRegistration(
        event_id=event.id,
        school_id=school.id,
        pupils=pupils,
        adults=adults,
        adult_names=names,
        status=status or RegistrationStatus.CONFIRMED,
        **fields,
    )
    _db.session.add(registration)
    _db.session.commit()
    return registration


@pytest.fixture
def event_world(users):
    """A Soest event: A and B confirmed, a third school waiting (queued before a fourth), a fifth cancelled."""
    event = make_event(capacity=30)
    a, b = users["school_a"], users["school_b"]
    third = SchoolFactory(name="Hauptschule Erwitte", municipality="Erwitte")
    fourth = SchoolFactory(name="Anne-Frank-Schule Geseke", municipality="Geseke")
    fifth = SchoolFactory(name="Conrad-von-Soest-Gymnasium", municipality="Soest")
    now = utcnow()
    reg_a = register(event, a, pupils=12, adults=2, names="Frau Meier\nHerr Yılmaz", note="Rollstuhl, vegetarisch")
    reg_b = register(event, b, pupils=8, adults=1, names='=HYPERLINK("http://evil.example")')
    register(event, fourth, pupils=5, adults=1, names="Herr Later", status=RegistrationStatus.WAITING, queued_at=now)
    register(
        event,
        third,
        pupils=6,
        adults=1,
        names="Frau First",
        status=RegistrationStatus.WAITING,
        queued_at=now - timedelta(hours=1),
    )
    register(event, fifth, pupils=3, adults=1, names="Herr Weg", status=RegistrationStatus.CANCELLED, cancelled_at=now)
    return {"event": event, "a": reg_a, "b": reg_b, "third": third, "fourth": fourth, "fifth": fifth}


def signed_in(app, user):
    """A client of its own, signed in as ``user`` (one test may look through several roles' eyes)."""
    client = app.test_client()
    login(client, user)
    return client


def mail_text(path) -> str:
    import email
    from email import policy

    return email.message_from_bytes(path.read_bytes(), policy=policy.default).get_body(("plain",)).get_content()


def url(event, tail="teilnehmende"):
    return f"/koordination/veranstaltungen/{event.id}/{tail}"


# --- the participant list ------------------------------------------------------------------------------------------


def test_participant_list_shows_schools_totals_and_the_waiting_list_in_queue_order(users, event_world, login_as):
    page = login_as("ki").get(url(event_world["event"])).get_data(as_text=True)
    assert "Gesamtschule am Lindenhof Lippstadt" in page and "Gymnasium am Wall Soest" in page
    assert "Frau Meier, Herr Yılmaz" in page and "Rollstuhl, vegetarisch" in page
    # 12 + 2 + 8 + 1 seats of 30; 20 pupils, 3 adults; two schools waiting with 6 + 1 + 5 + 1 seats.
    assert "23 von 30" in page and "<dd>20</dd>" in page and "<dd>3</dd>" in page
    assert "2 Schulen (13 Plätze)" in page
    waiting = page.split('id="waiting-heading"')[1]
    assert waiting.index("Hauptschule Erwitte") < waiting.index("Anne-Frank-Schule Geseke")
    assert "<details>" in page and "Conrad-von-Soest-Gymnasium" in page.split("<details>")[1]
    # Before the start there is nothing to mark yet.
    assert 'name="attended"' not in page


def test_another_regions_staff_and_land_staff_do_not_find_the_event(app, users, event_world):
    event = event_world["event"]
    for role in ("ki_unna", "land_nrw"):
        client = signed_in(app, users[role])
        for tail in ("teilnehmende", "teilnehmende.csv", "unterschriften.pdf", "nachricht"):
            assert client.get(url(event, tail)).status_code == 404, (role, tail)
        assert post_form(client, url(event, "nachricht"), {"subject": "x", "text": "y"}).status_code == 404
    assert signed_in(app, users["coord_a"]).get(url(event)).status_code == 403
    assert _db.session.scalar(select(func.count()).select_from(OutboxMail)) == 0


def test_land_staff_manage_their_lands_event(app, users):
    event = make_event(land="NW", title="Landestreffen NRW", kind=EventKind.LANDESTREFFEN)
    register(event, users["school_c"], pupils=4, adults=1, names="Frau Unna")
    page = signed_in(app, users["land_nrw"]).get(url(event)).get_data(as_text=True)
    assert "Gesamtschule Königsborn Unna" in page and "Frau Unna" in page
    assert signed_in(app, users["land_sn"]).get(url(event)).status_code == 404
    assert signed_in(app, users["ki"]).get(url(event)).status_code == 404  # a Land's event: not the region's staff


# --- exports -------------------------------------------------------------------------------------------------------


def test_csv_export_lists_confirmed_and_waiting_schools_and_defuses_formulas(users, event_world, login_as):
    response = login_as("ki").get(url(event_world["event"], "teilnehmende.csv"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert "teilnehmende-regionaltreffen-der-courage-ags-" in disposition and disposition.endswith(".csv")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:6] == ["Schule", "Stadt/Gemeinde", "Status", "Schüler*innen", "Erwachsene", "Namen der Erwachsenen"]
    by_school = {row[0]: row for row in rows[1:]}
    assert set(by_school) == {
        "Gesamtschule am Lindenhof Lippstadt",
        "Gymnasium am Wall Soest",
        "Hauptschule Erwitte",
        "Anne-Frank-Schule Geseke",
    }
    assert by_school["Gesamtschule am Lindenhof Lippstadt"][3:6] == ["12", "2", "Frau Meier, Herr Yılmaz"]
    assert by_school["Gymnasium am Wall Soest"][5].startswith("'=HYPERLINK")
    assert by_school["Hauptschule Erwitte"][2] == "Warteliste"
    assert _db.session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "export.event_participants")
    )


def test_xlsx_export_writes_text_cells_never_formulas(users, event_world, login_as):
    response = login_as("ki").get(url(event_world["event"], "teilnehmende.xlsx"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    formula = [c for c in cells if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert formula and all(c.data_type == "s" and c.value.startswith("'") for c in formula)
    assert [c.value for c in sheet[2]][3:5] == [12, 2]


def test_sign_in_sheet_lists_schools_and_adults_but_no_pupils_names(users, event_world, login_as):
    response = login_as("ki").get(url(event_world["event"], "unterschriften.pdf"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Gesamtschule am Lindenhof Lippstadt" in text and "Gymnasium am Wall Soest" in text
    assert "Frau Meier" in text and "Herr Yılmaz" in text and "Unterschrift" in text
    # Only confirmed schools sign in; nothing but adults' names is known.
    assert "Hauptschule Erwitte" not in text and "Herr Weg" not in text
    assert reader.metadata.title.startswith("Anwesenheitsliste")
    assert "/StructTreeRoot" in reader.trailer["/Root"]


# --- the message to every registered school ------------------------------------------------------------------------


def test_message_reaches_each_registered_schools_coordinators_and_their_timelines(users, event_world, login_as):
    event = event_world["event"]
    waiting_coordinator = UserFactory(name="Koordination Erwitte", email="erwitte@schule.example")
    MembershipFactory(user=waiting_coordinator, school=event_world["third"])
    MembershipFactory(user=UserFactory(email="gone@schule.example", is_active=False), school=users["school_a"])
    client = login_as("ki")
    response = post_form(
        client, url(event, "nachricht"), {"subject": "Raumänderung", "text": "Wir treffen uns in Raum 2.14."}
    )
    assert response.status_code == 302
    mails = {m.to_addr: m for m in _db.session.scalars(select(OutboxMail))}
    assert set(mails) == {users["coord_a"].email, users["coord_b"].email, "erwitte@schule.example"}
    assert all(m.region_id == event.region_id and m.kind == "event_message" for m in mails.values())
    assert all("Raumänderung" in m.subject for m in mails.values())
    assert "Wir treffen uns in Raum 2.14." in mail_text(outbox_messages()[0])
    timeline = _db.session.scalars(select(SchoolEvent).where(SchoolEvent.kind == TimelineKind.EVENT)).all()
    assert {e.school_id for e in timeline} == {users["school_a"].id, users["school_b"].id, event_world["third"].id}
    assert all("Raumänderung" in e.note and not e.internal for e in timeline)
    audited = _db.session.scalars(select(AuditEntry).where(AuditEntry.action == "event.message")).all()
    assert len(audited) == 3 and {e.region_id for e in audited} == {event.region_id}


def test_message_without_subject_sends_nothing(users, event_world, login_as):
    response = post_form(login_as("ki"), url(event_world["event"], "nachricht"), {"subject": "", "text": "Hallo"})
    assert response.status_code == 200 and "Bitte geben Sie einen Betreff ein." in response.get_data(as_text=True)
    assert _db.session.scalar(select(func.count()).select_from(OutboxMail)) == 0


# --- attendance ----------------------------------------------------------------------------------------------------


def test_attendance_is_refused_before_the_event_begins(users, event_world, login_as):
    reg = event_world["a"]
    response = post_form(
        login_as("ki"), url(event_world["event"], "anwesenheit"), {"registration": reg.id, "attended": "1"}
    )
    assert response.status_code == 302
    assert _db.session.get(EventRegistration, reg.id).attended is None


def test_attendance_after_the_event_is_recorded_on_the_timeline_and_audited(users, login_as):
    event = make_event(starts_in=timedelta(days=-3))
    came = register(event, users["school_a"])
    stayed_away = register(event, users["school_b"])
    waiting = register(event, SchoolFactory(), status=RegistrationStatus.WAITING)
    client = login_as("ki")
    assert 'name="attended"' in client.get(url(event)).get_data(as_text=True)
    post_form(client, url(event, "anwesenheit"), {"registration": came.id, "attended": "1"})
    post_form(client, url(event, "anwesenheit"), {"registration": stayed_away.id, "attended": "0"})
    post_form(client, url(event, "anwesenheit"), {"registration": waiting.id, "attended": "1"})
    _db.session.expire_all()
    assert _db.session.get(EventRegistration, came.id).attended is True
    assert _db.session.get(EventRegistration, stayed_away.id).attended is False
    assert _db.session.get(EventRegistration, waiting.id).attended is None  # not confirmed: nothing to mark
    notes = {e.school_id: e.note for e in _db.session.scalars(select(SchoolEvent))}
    assert "Teilgenommen" in notes[users["school_a"].id] and "Nicht gekommen" in notes[users["school_b"].id]
    assert (
        _db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "event.attendance"))
        == 2
    )


def test_another_events_registration_cannot_be_marked_through_this_event(users, login_as):
    mine = make_event(starts_in=timedelta(days=-3))
    other = make_event(starts_in=timedelta(days=-3))
    foreign = register(other, users["school_a"])
    post_form(login_as("ki"), url(mine, "anwesenheit"), {"registration": foreign.id, "attended": "1"})
    assert _db.session.get(EventRegistration, foreign.id).attended is None


# --- reminders -----------------------------------------------------------------------------------------------------


def test_reminder_window_covers_tomorrow_and_the_day_after_in_berlin():
    now = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)  # 07:00 in Berlin
    start, end = reminder_window(now)
    assert start.astimezone(BERLIN) == datetime(2026, 12, 3, 0, 0, tzinfo=BERLIN)
    assert end.astimezone(BERLIN) == datetime(2026, 12, 5, 0, 0, tzinfo=BERLIN)


def test_reminders_go_out_once_even_when_the_command_runs_twice(app, users):
    now = utcnow()
    day_after_tomorrow = datetime.combine(
        now.astimezone(BERLIN).date() + timedelta(days=2), datetime.min.time(), BERLIN
    ) + timedelta(hours=10)
    soon = make_event(starts_in=day_after_tomorrow - now, title="Fortbildung Zivilcourage")
    later = make_event(starts_in=timedelta(days=9), title="Aktionstag später")
    register(soon, users["school_a"])
    register(soon, users["school_b"], status=RegistrationStatus.WAITING)
    register(later, users["school_a"])
    first = app.test_cli_runner().invoke(args=["send-event-reminders"])
    assert first.exit_code == 0 and "gesendet: 1" in first.output
    second = app.test_cli_runner().invoke(args=["send-event-reminders"])
    assert second.exit_code == 0 and "gesendet: 0" in second.output
    mails = _db.session.scalars(select(OutboxMail)).all()
    assert [m.to_addr for m in mails] == [users["coord_a"].email]
    assert "Fortbildung Zivilcourage" in mails[0].subject and mails[0].kind == "event_reminder"
    body = mail_text(outbox_messages()[0])
    assert "Kreishaus Soest" in body and "10 Schüler*innen und 2 Erwachsene" in body
    reminded = dict(
        _db.session.execute(
            select(EventRegistration.school_id, EventRegistration.reminded_at).where(
                EventRegistration.event_id == soon.id
            )
        ).all()
    )
    assert reminded[users["school_a"].id] is not None and reminded[users["school_b"].id] is None  # waiting: no reminder
    # The reminder carries the calendar entry of the event (same UID as the confirmation's).
    from email import policy
    from email.parser import BytesParser

    from icalendar import Calendar

    parsed = BytesParser(policy=policy.default).parsebytes(outbox_messages()[0].read_bytes())
    [attachment] = [part for part in parsed.iter_attachments() if part.get_content_type() == "text/calendar"]
    [vevent] = Calendar.from_ical(attachment.get_content()).walk("VEVENT")
    assert str(vevent["UID"]) == soon.uid and vevent["SUMMARY"] == "Fortbildung Zivilcourage"


def test_cancelled_events_are_not_reminded(app, users):
    event = make_event(starts_in=timedelta(hours=36), state=EventState.CANCELLED)
    register(event, users["school_a"])
    assert send_event_reminders().sent == 0


# --- the dashboard -------------------------------------------------------------------------------------------------


def _figure(page: str, label: str) -> str:
    part = page.split(label, 1)[1]
    return part.split('<dd class="kpi-value">', 1)[1].split("</dd>", 1)[0]


def test_dashboard_counts_schools_at_an_event_of_this_school_year(app, users):
    past = make_event(starts_in=timedelta(days=-1))
    register(past, users["school_a"], attended=True)
    register(past, users["school_b"], attended=False)  # did not come
    upcoming = make_event(starts_in=timedelta(hours=5))
    register(upcoming, SchoolFactory(name="Realschule Warstein", municipality="Warstein"))  # confirmed, not marked
    register(upcoming, SchoolFactory(name="Hauptschule Rüthen"), status=RegistrationStatus.WAITING)
    cancelled = make_event(starts_in=timedelta(hours=6), state=EventState.CANCELLED)
    register(cancelled, SchoolFactory(name="Gymnasium Anröchte"))
    other = make_event(users["region_unna"], starts_in=timedelta(hours=5))
    register(other, users["school_c"])
    page = signed_in(app, users["ki"]).get("/koordination/").get_data(as_text=True)
    assert _figure(page, "Schulen bei einer Veranstaltung") == "2"
    land = signed_in(app, users["land_nrw"]).get("/koordination/").get_data(as_text=True)
    assert _figure(land, "Schulen bei einer Veranstaltung") == "3"
    assert "Bei einer Veranstaltung" in land  # the column of the table per region


def test_sign_in_sheet_header_words_fit_their_columns(app):
    from courage_hub.coordination.pdf import CELL_PADDING, FAMILY, ReportPDF, fit_header_to
    from courage_hub.events.signin import HEADER_SHARES

    pdf = ReportPDF("x")
    pdf.add_page()
    header = ["Schule", "Begleitende Erwachsene", "Schüler*innen", "Unterschrift"]
    size, widths = fit_header_to(pdf, header, 10, HEADER_SHARES)
    pdf.set_font(FAMILY, style="B", size=size)
    for text, width in zip(header, widths, strict=True):
        assert all(pdf.get_string_width(word) + 2 * (CELL_PADDING + pdf.c_margin) <= width for word in text.split())
    assert widths[-1] >= 40  # room to sign by hand
