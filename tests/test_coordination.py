"""The KI dashboard: the needs-contact rule, key figures, the schools table, notes, reminders, digest, audit log."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta
from email import policy
from email.parser import BytesParser

import pytest
from sqlalchemy import func, select

from courage_hub.activities.models import ActivityState
from courage_hub.coordination import contact_needed, dashboard
from courage_hub.coordination.models import ReminderDelivery, SchoolNote
from courage_hub.core.mail import outbox_messages
from courage_hub.core.models import AuditEntry
from courage_hub.core.schoolyear import current_school_year
from courage_hub.schools.models import EventKind, SchoolEvent, SchoolStatus

from .conftest import count_queries, login, post_form
from .factories import ActivityFactory, Approval, Role, SchoolFactory, UserFactory


def _flagged(now: datetime) -> set[int]:
    from courage_hub.extensions import db
    from courage_hub.schools.models import School

    return set(db.session.scalars(select(School.id).where(contact_needed.contact_rule(now).condition())))


def _at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def quiet_school(app):
    """Admitted long ago; reported last school year (a month before 'now'), nothing yet in 2025/26."""
    school = SchoolFactory(name="Realschule ohne Projekt", admitted_on=date(2019, 9, 1))
    ActivityFactory(school=school, start_date=date(2025, 6, 1), published_at=_at(date(2026, 1, 15)))
    return school


# --- the needs-contact rule ------------------------------------------------------------------------------------


def test_school_without_project_is_not_flagged_the_day_before_the_deadline(quiet_school):
    assert quiet_school.id not in _flagged(_at(date(2026, 2, 28)))


def test_school_without_project_is_flagged_from_the_deadline_on(quiet_school):
    assert quiet_school.id in _flagged(_at(date(2026, 3, 1), hour=0))
    assert quiet_school.id in _flagged(_at(date(2026, 7, 31)))


def test_a_published_project_of_this_school_year_clears_the_automatic_flag(quiet_school):
    ActivityFactory(school=quiet_school, start_date=date(2025, 11, 5), published_at=_at(date(2025, 11, 6)))
    assert quiet_school.id not in _flagged(_at(date(2026, 3, 2)))


def test_a_draft_or_a_non_project_does_not_count_for_the_deadline(quiet_school):
    ActivityFactory(school=quiet_school, start_date=date(2025, 11, 5), state=ActivityState.DRAFT, published_at=None)
    ActivityFactory(school=quiet_school, start_date=date(2025, 12, 5), counts_as_project=False)
    assert quiet_school.id in _flagged(_at(date(2026, 3, 2)))


def test_the_deadline_is_configurable(app, quiet_school):
    app.config["CONTACT_DEADLINE"] = "04-15"
    assert quiet_school.id not in _flagged(_at(date(2026, 4, 14)))
    assert quiet_school.id in _flagged(_at(date(2026, 4, 15)))


def test_deadline_of_a_school_year_is_in_its_second_calendar_year(app):
    assert contact_needed.contact_deadline(2025) == date(2026, 3, 1)
    app.config["CONTACT_DEADLINE"] = "11-30"
    assert contact_needed.contact_deadline(2025) == date(2025, 11, 30)


def test_a_report_exactly_twelve_months_ago_is_not_yet_too_old(app):
    now = datetime(2026, 1, 10, 10, 0, tzinfo=UTC)  # before the deadline: only the 12-month rule applies
    school = SchoolFactory(admitted_on=date(2019, 9, 1))
    ActivityFactory(school=school, start_date=date(2024, 12, 1), published_at=datetime(2025, 1, 10, 10, 0, tzinfo=UTC))
    assert school.id not in _flagged(now)
    assert school.id in _flagged(now + timedelta(seconds=1))


def test_a_school_admitted_exactly_twelve_months_ago_without_reports_is_not_yet_flagged(app):
    now = datetime(2026, 1, 10, 10, 0, tzinfo=UTC)
    school = SchoolFactory(admitted_on=date(2025, 1, 10))
    assert school.id not in _flagged(now)
    assert school.id in _flagged(datetime(2026, 1, 11, 10, 0, tzinfo=UTC))


def test_manual_flag_counts_and_preparing_or_pending_schools_are_never_flagged_automatically(app):
    now = _at(date(2026, 5, 1))
    preparing = SchoolFactory(status=SchoolStatus.VORBEREITUNG)
    pending = SchoolFactory(approval=Approval.PENDING, admitted_on=date(2019, 1, 1))
    flagged = SchoolFactory(status=SchoolStatus.VORBEREITUNG, needs_contact=True, needs_contact_reason="Anrufen")
    result = _flagged(now)
    assert flagged.id in result
    assert preparing.id not in result and pending.id not in result


def test_contact_list_shows_reasons_and_a_mailto_link(users, login_as):
    school = users["school_a"]  # admitted, no admission date, no reports: silent
    client = login_as("ki")
    page = client.get("/koordination/kontakt").get_data(as_text=True)
    assert f"/koordination/schulen/{school.id}" in page
    assert f"mailto:{users['coord_a'].email}" in page
    assert f'value="{users["school_pending"].id}"' not in page


# --- dashboard -------------------------------------------------------------------------------------------------


def _network(size: int) -> None:
    year = current_school_year()
    for n in range(size):
        school = SchoolFactory(municipality=("Lippstadt", "Soest", "Werl")[n % 3], admitted_on=date(year, 9, 1))
        ActivityFactory(school=school, start_date=date(year, 9, 15), topics=["Rassismus", "Sexismus"])
        ActivityFactory(school=school, start_date=date(year - 1, 10, 1), counts_as_project=n % 2 == 0)
        SchoolFactory(status=SchoolStatus.VORBEREITUNG, municipality="Ense")


def test_dashboard_query_count_does_not_grow_with_the_network(users, login_as):
    client = login_as("ki")
    _network(2)
    small = count_queries(client, "/koordination/")
    _network(12)
    large = count_queries(client, "/koordination/?gemeinde=Lippstadt")
    assert small == large
    assert large <= 15


def test_key_figures_count_in_sql(app):
    year = current_school_year()
    _network(6)  # 6 admitted this year, each with one project this year; 6 preparing in Ense
    SchoolFactory(municipality="Lippstadt", admitted_on=date(2018, 1, 1))  # admitted, no project
    figures = dashboard.key_figures(dashboard.Scope(year, region_ids=None))
    assert figures.admitted == 7
    assert figures.newly_admitted == 6
    assert figures.obligation_met == 6 and figures.obligation_open == 1
    assert figures.activities == 6
    assert figures.by_status[SchoolStatus.VORBEREITUNG] == 6
    assert dict(figures.topics) == {"Rassismus": 6, "Sexismus": 6}
    assert sum(n for _month, n in figures.activities_by_month) == 6
    last_year = next(h for h in figures.obligation_history if h[0] == year - 1)
    assert last_year == (year - 1, 1, 0)  # only the school admitted in 2018 was a member then; it had no project
    lippstadt = dashboard.key_figures(dashboard.Scope(year, "Lippstadt", region_ids=None))
    assert lippstadt.admitted == 3 and lippstadt.obligation_met == 2
    assert [row.name for row in lippstadt.municipalities] == ["Lippstadt"]


def test_network_figures_of_a_large_network_are_reused_but_queues_and_the_report_are_live(app, monkeypatch):
    year = current_school_year()
    school = SchoolFactory(municipality="Soest")
    ActivityFactory(school=school)
    assert dashboard.key_figures(dashboard.Scope(year, region_ids=None)).activities == 1
    ActivityFactory(school=school)
    assert (
        dashboard.key_figures(dashboard.Scope(year, region_ids=None)).activities == 2
    )  # a small network is always counted live
    monkeypatch.setattr(dashboard, "CACHE_NETWORKS_FROM", 1)  # treat this network as a large one
    assert dashboard.key_figures(dashboard.Scope(year, region_ids=None)).activities == 2
    ActivityFactory(school=school)
    SchoolFactory(approval=Approval.PENDING)
    cached = dashboard.key_figures(dashboard.Scope(year, region_ids=None))
    assert cached.activities == 2  # reused for a minute
    assert cached.pending_registrations == 1  # the queues are always live
    assert dashboard.key_figures(dashboard.Scope(year, region_ids=None), fresh=True).activities == 3


def test_dashboard_shows_figures_charts_with_text_alternatives(users, login_as):
    _network(3)
    page = login_as("ki").get(f"/koordination/?jahr={current_school_year()}").get_data(as_text=True)
    assert page.count('role="img"') == 5
    assert page.count("<title id=") == 5 and page.count("<desc id=") == 5
    assert page.count("<details>") == 5
    assert "style=" not in page  # the CSP allows no inline styles
    assert 'id="kpi-contact">2<' in page  # schools A and B: admitted without any report


def test_admin_sees_the_dashboard_without_links_to_ki_pages(users, login_as):
    page = login_as("admin").get("/koordination/").get_data(as_text=True)
    assert "/koordination/schulen" not in page
    assert "/koordination/jahresbericht.pdf" in page


# --- schools table ---------------------------------------------------------------------------------------------


def test_schools_table_filters_and_sorts_by_last_activity(users, login_as):
    year = current_school_year()
    early = SchoolFactory(name="Aaa Grundschule", municipality="Lippstadt")
    late = SchoolFactory(name="Zzz Gymnasium", municipality="Lippstadt")
    ActivityFactory(school=early, start_date=date(year, 8, 20))
    ActivityFactory(school=late, start_date=date(year, 9, 30))
    client = login_as("ki")
    page = client.get(f"/koordination/schulen?gemeinde=Lippstadt&sort=-letzte&jahr={year}").get_data(as_text=True)
    assert "Gymnasium am Wall Soest" not in page
    names = re.findall(r'/koordination/schulen/\d+">([^<]+)<', page)
    assert names[:2] == ["Zzz Gymnasium", "Aaa Grundschule"]
    assert names[-1] == users["school_a"].name  # no activity: last
    assert 'aria-sort="descending"' in page
    without = client.get(f"/koordination/schulen?pflicht=nein&jahr={year}").get_data(as_text=True)
    assert "Zzz Gymnasium" not in without and users["school_a"].name in without


def test_ki_school_view_shows_contacts_notes_and_timeline(users, login_as):
    school = users["school_a"]
    client = login_as("ki")
    response = post_form(client, f"/koordination/schulen/{school.id}/notizen", {"text": "Schulleitung wechselt."})
    assert response.status_code == 302
    page = client.get(f"/koordination/schulen/{school.id}").get_data(as_text=True)
    assert "Schulleitung wechselt." in page
    assert users["coord_a"].email in page
    from courage_hub.extensions import db

    stored = db.session.scalars(select(SchoolNote)).one()
    assert stored.author_id == users["ki"].id
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "note.create")).one()
    assert entry.object_id == school.id and entry.user_id == users["ki"].id
    # Never shown to the school itself.
    coord = users["coord_a"]
    from .conftest import login

    other = client.application.test_client()
    login(other, coord)
    assert "Schulleitung wechselt." not in other.get(f"/schulen/{school.slug}/verwalten").get_data(as_text=True)


# --- reminders -------------------------------------------------------------------------------------------------


def _reminder_form(school_ids, action, **extra):
    data = {
        "schule": [str(i) for i in school_ids],
        "kind": "obligation",
        "subject": "{schule}: Projekt {schuljahr}",
        "body": "Liebe {koordination},\nbitte melden Sie Ihr Projekt: {link}\nViele Grüße",
        "preview_school": str(school_ids[0]),
        "action": action,
    }
    data.update(extra)
    return data


def _eml(path):
    with open(path, "rb") as f:
        return BytesParser(policy=policy.default).parse(f)


def test_reminder_preview_equals_the_sent_mail_and_is_logged(app, users, login_as):
    school = users["school_a"]
    client = login_as("ki")
    preview = post_form(client, "/koordination/erinnerungen", _reminder_form([school.id], "preview"))
    page = preview.get_data(as_text=True)
    body = html.unescape(re.search(r'<pre class="preview-body">(.*?)</pre>', page, re.S).group(1))
    subject = html.unescape(re.search(r'<dd class="preview-subject">(.*?)</dd>', page, re.S).group(1))
    assert outbox_messages() == []
    assert "{" not in body and users["coord_a"].name in body and school.slug in body

    sent = post_form(client, "/koordination/erinnerungen", _reminder_form([school.id], "send"))
    assert sent.status_code == 302
    [path] = outbox_messages()
    mail = _eml(path)
    assert mail["To"] == users["coord_a"].email
    assert mail["Subject"] == subject
    assert mail.get_content() == body

    from courage_hub.extensions import db

    delivery = db.session.scalars(select(ReminderDelivery)).one()
    assert (delivery.school_id, delivery.kind) == (school.id, "obligation")
    event = db.session.scalars(select(SchoolEvent).where(SchoolEvent.kind == EventKind.REMINDER)).one()
    assert event.school_id == school.id
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "reminder.send")).one()
    assert audit.object_id == school.id


def test_second_reminder_within_seven_days_needs_confirmation(app, users, login_as):
    a, b = users["school_a"], users["school_b"]
    client = login_as("ki")
    post_form(client, "/koordination/erinnerungen", _reminder_form([a.id], "send"))
    assert len(outbox_messages()) == 1

    again = post_form(client, "/koordination/erinnerungen", _reminder_form([a.id, b.id], "send"))
    assert again.status_code == 200
    assert 'class="warning-box"' in again.get_data(as_text=True)
    assert len(outbox_messages()) == 1  # nothing sent without confirmation

    others = post_form(client, "/koordination/erinnerungen", _reminder_form([a.id, b.id], "send_others"))
    assert others.status_code == 302
    assert len(outbox_messages()) == 2
    assert _eml(outbox_messages()[-1])["To"] == users["coord_b"].email

    anyway = post_form(client, "/koordination/erinnerungen", _reminder_form([a.id], "send_anyway"))
    assert anyway.status_code == 302
    assert len(outbox_messages()) == 3


def test_a_different_kind_or_an_older_reminder_needs_no_confirmation(app, users, login_as):
    from courage_hub.extensions import db

    a = users["school_a"]
    client = login_as("ki")
    post_form(client, "/koordination/erinnerungen", _reminder_form([a.id], "send"))
    post_form(client, "/koordination/erinnerungen", _reminder_form([a.id], "send", kind="contact"))
    assert len(outbox_messages()) == 2
    for delivery in db.session.scalars(select(ReminderDelivery)):
        delivery.sent_at = delivery.sent_at - timedelta(days=7, seconds=1)
    db.session.commit()
    post_form(client, "/koordination/erinnerungen", _reminder_form([a.id], "send"))
    assert len(outbox_messages()) == 3


def test_unknown_placeholder_is_refused(app, users, login_as):
    client = login_as("ki")
    response = post_form(
        client, "/koordination/erinnerungen", _reminder_form([users["school_a"].id], "send", body="Hallo {schul}")
    )
    assert response.status_code == 200
    assert "{schul}" in response.get_data(as_text=True)
    assert outbox_messages() == []


def test_reminder_for_all_schools_that_need_contact(users, login_as):
    page = login_as("ki").get("/koordination/erinnerungen?kontakt=1").get_data(as_text=True)
    assert f'value="{users["school_a"].id}"' in page


# --- digest ----------------------------------------------------------------------------------------------------


def test_send_digest_mails_every_active_ki_account(app, users):
    UserFactory(role=Role.KI_STAFF, is_active=False)
    ActivityFactory(school=users["school_a"], title="Neuer Bericht der Woche")
    result = app.test_cli_runner().invoke(args=["send-digest"])
    assert result.exit_code == 0, result.output
    mails = {mail["To"]: mail.get_content() for mail in map(_eml, outbox_messages())}
    assert set(mails) == {users["ki"].email, users["ki_unna"].email}  # each region's staff get their own
    text = mails[users["ki"].email]
    assert "Neuer Bericht der Woche" in text
    assert users["school_pending"].name in text and users["school_pending_unna"].name not in text
    other = mails[users["ki_unna"].email]
    assert users["school_pending_unna"].name in other
    assert users["school_pending"].name not in other and "Neuer Bericht der Woche" not in other


# --- audit log -------------------------------------------------------------------------------------------------


def test_ki_actions_are_audited_with_actor_before_and_after(app, users, login_as):
    from courage_hub.extensions import db
    from courage_hub.schools import registration as school_registration
    from courage_hub.schools import services as school_services

    ki = users["ki"]
    school_services.set_status_by_ki(users["school_b"], ki, SchoolStatus.AUSGETRETEN, "Wunsch der Schule")
    school_services.set_contact_flag(users["school_a"], ki, flagged=True, reason="Anrufen")
    school_registration.approve_registration(users["school_pending"], ki)
    actions = {e.action: e for e in db.session.scalars(select(AuditEntry))}
    assert actions["school.status"].before == {"status": "aufgenommen"}
    assert actions["school.status"].after["status"] == "ausgetreten"
    assert actions["school.contact_flag"].after == {"needs_contact": True, "reason": "Anrufen"}
    assert actions["school.approve"].object_id == users["school_pending"].id
    assert all(e.user_id == ki.id for e in actions.values())


def test_ki_action_is_undone_when_its_audit_entry_cannot_be_written(app, users, monkeypatch):
    """The change and its audit entry commit in one transaction: no change without its entry."""
    from courage_hub.core import audit
    from courage_hub.extensions import db
    from courage_hub.schools import services as school_services
    from courage_hub.schools.models import School, SchoolEvent

    original = audit.record

    def record_then_fail(*args, **kwargs):
        original(*args, **kwargs)
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(audit, "record", record_then_fail)
    school_id = users["school_b"].id
    events_before = db.session.scalar(select(func.count()).select_from(SchoolEvent))
    with pytest.raises(RuntimeError):
        school_services.set_status_by_ki(users["school_b"], users["ki"], SchoolStatus.AUSGETRETEN, "Wunsch der Schule")
    db.session.expire_all()
    assert db.session.get(School, school_id).status == SchoolStatus.AUFGENOMMEN
    assert db.session.scalar(select(func.count()).select_from(SchoolEvent)) == events_before
    assert db.session.scalars(select(AuditEntry)).all() == []


def test_rejection_unpublishing_and_accounts_are_audited(app, users, login_as):
    from courage_hub.activities import services as activity_services
    from courage_hub.auth import services as auth_services
    from courage_hub.extensions import db
    from courage_hub.schools import registration as school_registration

    school_registration.reject_registration(users["school_pending"], users["ki"], "Keine Schule im Kreis")
    client = login_as("ki")
    activity = ActivityFactory(school=users["school_a"])
    with client.application.test_request_context():
        from flask_login import login_user

        login_user(users["ki"])
        activity_services.unpublish_activity(db.session.get(type(activity), activity.id), "Foto ohne Einwilligung")
        login_user(users["admin"])
        created = auth_services.invite_account("Neue Person", "neu@ki.example", Role.KI_STAFF)
        auth_services.set_active(db.session.get(type(created), created.id), False)
    entries = {e.action: e for e in db.session.scalars(select(AuditEntry))}
    assert entries["school.reject"].after["reason"] == "Keine Schule im Kreis"
    assert entries["activity.unpublish"].user_id == users["ki"].id
    assert entries["account.create"].user_id == users["admin"].id
    assert entries["account.status"].after == {"active": False}


def test_audit_log_page_filters_admins_read_all_staff_their_region_coordinators_nothing(app, users, login_as):
    from courage_hub.schools import services as school_services

    school_services.set_contact_flag(users["school_a"], users["ki"], flagged=True, reason="Anrufen")
    school_services.set_status_by_ki(users["school_b"], users["ki"], SchoolStatus.AUSGETRETEN, "")
    client = login_as("admin")
    page = client.get("/verwaltung/protokoll/?aktion=school.contact_flag").get_data(as_text=True)
    assert "school.contact_flag" in page and users["school_a"].name in page
    assert users["school_b"].name not in page
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    empty = client.get(f"/verwaltung/protokoll/?von={tomorrow}").get_data(as_text=True)
    assert users["school_a"].name not in empty
    assert "school.contact_flag" in client.get(f"/verwaltung/protokoll/?person={users['ki'].email}").get_data(
        as_text=True
    )
    # Read-only: the log page has no form that posts.
    assert 'method="post"' not in page.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    # Staff read their own region's entries; coordinators are refused, the anonymous are sent to sign in.
    staff = app.test_client()
    login(staff, users["ki"])
    assert "school.contact_flag" in staff.get("/verwaltung/protokoll/?aktion=school.contact_flag").get_data(
        as_text=True
    )
    coordinator = app.test_client()
    login(coordinator, users["coord_a"])
    assert coordinator.get("/verwaltung/protokoll/").status_code == 403
    anonymous = app.test_client().get("/verwaltung/protokoll/")
    assert anonymous.status_code == 302 and "/anmelden" in anonymous.headers["Location"]


def test_key_figures_break_down_by_school_type_in_sql(app):
    year = current_school_year()
    _network(4)  # 4 admitted with a project this year (Gesamtschule), 4 preparing
    SchoolFactory(school_type="Realschule", municipality="Werl", admitted_on=date(2018, 1, 1))
    SchoolFactory(school_type="Realschule", status=SchoolStatus.INTERESSE, municipality="Werl")
    figures = dashboard.key_figures(dashboard.Scope(year, region_ids=None))
    rows = {row.name: row for row in figures.school_types}
    assert set(rows) == {"Gesamtschule", "Realschule"}
    assert rows["Gesamtschule"].admitted == 4 and rows["Gesamtschule"].newly_admitted == 4
    assert rows["Gesamtschule"].obligation_met == 4 and rows["Gesamtschule"].activities == 4
    assert rows["Gesamtschule"].by_status[SchoolStatus.VORBEREITUNG] == 4 and rows["Gesamtschule"].total == 8
    assert rows["Realschule"].admitted == 1 and rows["Realschule"].obligation_open == 1
    assert rows["Realschule"].activities == 0 and rows["Realschule"].total == 2
    werl = dashboard.key_figures(dashboard.Scope(year, "Werl", region_ids=None))
    assert {row.name: row.total for row in werl.school_types} == {"Gesamtschule": 1, "Realschule": 2}


def test_dashboard_shows_a_table_and_a_chart_per_school_type(users, login_as):
    _network(2)
    SchoolFactory(school_type="Hauptschule", municipality="Soest")
    page = login_as("ki").get(f"/koordination/?jahr={current_school_year()}").get_data(as_text=True)
    assert 'id="chart-school-types"' in page
    table = page.split('id="school-types-caption"', 1)[1].split("</table>", 1)[0]
    assert "Zahlen je Schulform" in page.split('id="school-types-caption"', 1)[1][:60]
    assert re.search(r'<th scope="row">Hauptschule</th>\s*<td class="num">1</td>', table)


def test_chart_text_is_never_smaller_than_twelve_pixels_and_long_labels_keep_their_full_text():
    from courage_hub.coordination import charts

    long_name = "Städtisches Gymnasium mit bilingualem Zweig und Ganztagsangebot"
    bars = str(
        charts.stacked_bars(
            "c", "T", "D", [(long_name, [3, 1])], [charts.Series("Eins", "#000"), charts.Series("Zwei", "#111")]
        )
    )
    cols = str(charts.columns("k", "T", "D", [("2025/26", 50.0), ("2026/27", 100.0)], "#000", maximum=100, suffix=" %"))
    sizes = [int(size) for size in re.findall(r'font-size="(\d+)"', bars + cols)]
    assert sizes and min(sizes) >= 12
    assert f"<title>{long_name}</title>" in bars
    assert "…</text>" in bars
    assert ">2025/26</text>" in cols and ">100 %</text>" in cols


# --- the annual report PDF ---------------------------------------------------------------------------------------


def _report(client, year: int, **args):
    from pypdf import PdfReader

    query = "&".join(f"{k}={v}" for k, v in {"jahr": year, **args}.items())
    response = client.get(f"/koordination/jahresbericht.pdf?{query}")
    assert response.status_code == 200
    import io

    return PdfReader(io.BytesIO(response.data))


def _report_world() -> int:
    year = current_school_year()
    _network(6)
    for n in range(5):
        SchoolFactory(status=SchoolStatus.INTERESSE, municipality="Soest", school_type="Realschule", name=f"R {n}")
    SchoolFactory(status=SchoolStatus.ANTRAG_GESTELLT, municipality="Werl")
    return year


def test_annual_report_embeds_every_font(users, login_as):
    reader = _report(login_as("ki"), _report_world())
    fonts = 0
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), font["/BaseFont"]
            fonts += 1
        for xobject in page["/Resources"].get("/XObject", {}).values():  # the charts' text
            for font in xobject.get_object().get("/Resources", {}).get("/Font", {}).values():
                font = font.get_object()
                descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
                assert "/FontDescriptor" in descendant and "/FontFile2" in descendant["/FontDescriptor"].get_object()
    assert fonts > 0


def test_annual_report_table_headers_never_break_inside_a_word(users, login_as):
    from courage_hub.coordination import presentation

    year = _report_world()
    client = login_as("ki")
    reader = _report(client, year)
    figures = dashboard.key_figures(dashboard.Scope(year, region_ids=None), fresh=True)
    pages = [page.extract_text() for page in reader.pages]
    for table in (presentation.municipality_table(figures), presentation.school_type_table(figures)):
        words = set(next(text for text in pages if table.heading in text).split())  # the table's own page
        for header in table.header:
            for word in header.split():
                assert word in words, f"header word {word!r} is split in the PDF"


def test_annual_report_tables_have_the_dashboards_columns_and_numbers(users, login_as):
    from courage_hub.coordination import presentation

    year = _report_world()
    client = login_as("ki")
    page = client.get(f"/koordination/?jahr={year}").get_data(as_text=True)
    text = " ".join(" ".join(p.extract_text().split()) for p in _report(client, year).pages)
    # KI staff see their own region's figures (Kreis Soest), not Kreis Unna's.
    soest = frozenset({users["school_a"].region_id})
    figures = dashboard.key_figures(dashboard.Scope(year, region_ids=soest), fresh=True)
    towns = presentation.municipality_table(figures)
    assert "Kamen" not in {row[0] for row in towns.rows}
    ense = next(row for row in towns.rows if row[0] == "Ense")
    assert ense[1:] == [0, 0, 0, 0, 0, 6]  # six schools preparing: none is a member yet
    for table in (towns, presentation.school_type_table(figures)):
        for row in [*table.rows, table.total]:
            assert " ".join(str(cell) for cell in row) in text  # the PDF's row, cell by cell
            html_row = "".join(f'<td class="num">{cell}</td>' for cell in row[1:])
            assert html_row in re.sub(r">\s+<", "><", page)  # the same numbers on the dashboard
    # The status counts of the key figures agree with the tables' totals.
    assert f"Vorbereitung {figures.by_status[SchoolStatus.VORBEREITUNG]}" in text
    assert figures.by_status[SchoolStatus.VORBEREITUNG] == 6
    assert sum(figures.by_status.values()) == towns.total[-1]


def _structure(node, found: list[str]) -> list[str]:
    node = node.get_object()
    if "/S" in node:
        found.append(node["/S"])
    kids = node.get("/K", [])
    for kid in kids if isinstance(kids, list) else [kids]:
        if hasattr(kid, "get_object") and isinstance(kid.get_object(), dict):
            _structure(kid, found)
    return found


def test_annual_report_is_a_tagged_pdf_with_headings_paragraphs_and_tables(users, login_as):
    reader = _report(login_as("ki"), _report_world())
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] in (True, "true")
    assert root["/Lang"] == "de"
    types = _structure(root["/StructTreeRoot"], [])
    assert {"/Document", "/H1", "/H2", "/P", "/Table", "/TR", "/TH", "/TD", "/Figure"} <= set(types)
    assert types.count("/Table") == 3  # key figures, municipalities, school types


def test_annual_report_headings_never_end_a_page(users, login_as):
    year = current_school_year()
    for n in range(40):  # a long list of member schools crosses several pages
        school = SchoolFactory(municipality=("Lippstadt", "Soest", "Werl", "Ense")[n % 4], name=f"Schule Nummer {n}")
        ActivityFactory(school=school, title=f"Projekt {n}")
    reader = _report(login_as("ki"), year)
    assert len(reader.pages) > 5
    headings = {"Lippstadt", "Soest", "Werl", "Ense", "Kennzahlen", "Diagramme"}
    for page in reader.pages[1:]:
        lines = [line for line in page.extract_text().splitlines() if line.strip()]
        body = [line for line in lines if not line.startswith("Jahresbericht")]  # the footer
        assert body and body[-1].strip() not in headings, body[-3:]


def test_a_heading_near_the_page_bottom_moves_to_the_next_page_with_its_content(app):
    from courage_hub.coordination.report import ReportPDF

    with app.test_request_context():
        pdf = ReportPDF("Test")
        pdf.add_page()
        pdf.set_y(pdf.page_break_trigger - 20)  # room for the heading, not for what follows it
        pdf.heading("Soest", level=1)
        assert pdf.page == 2 and pdf.get_y() < 40
        pdf.set_y(pdf.page_break_trigger - 60)  # enough room: no new page, so no half-empty page
        pdf.heading("Werl", level=1)
        assert pdf.page == 2


def visible_text(page: str) -> str:
    """The words a reader sees in the page's main part: no tags, no attribute values."""
    main = page.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    return html.unescape(re.sub(r"<[^>]+>", " ", main.split(">", 1)[1]))


def test_audit_log_shows_actions_objects_and_values_in_german_words_never_internal_codes(app, users, login_as):
    from courage_hub.extensions import db
    from courage_hub.schools import registration as school_registration
    from courage_hub.schools import services as school_services

    ki = users["ki"]
    school_services.set_status_by_ki(users["school_b"], ki, SchoolStatus.AUSGETRETEN, "Wunsch der Schule")
    school_services.set_contact_flag(users["school_a"], ki, flagged=True, reason="Anrufen")
    school_registration.approve_registration(users["school_pending"], ki)
    client = login_as("ki")
    year = current_school_year()
    post_form(client, "/koordination/erinnerungen", _reminder_form([users["school_a"].id], "send"))
    client.get(f"/koordination/export/aktivitaeten.csv?jahr={year}")
    client.get(f"/koordination/export/schulen.csv?jahr={year}&status=aufgenommen")
    codes = {e.action for e in db.session.scalars(select(AuditEntry))}
    assert {"school.status", "school.contact_flag", "reminder.send", "export.activities"} <= codes
    admin = app.test_client()
    login(admin, users["admin"])
    page = admin.get("/verwaltung/protokoll/").get_data(as_text=True)
    text = visible_text(page)
    for label in ("Status geändert", "Aktivitäten exportiert", "Schulen exportiert", "Erinnerung verschickt", "Schule"):
        assert label in text, label
    assert "Aufgenommen" in text and "Ausgetreten" in text  # the status before and after in words
    assert "Jahresprojekt" in text  # the reminder's kind
    assert re.search(r"Kontakt nötig\s+ja", text)  # a flag as yes/no
    for code in (*codes, "schools", "aufgenommen", "ausgetreten", "obligation", "needs_contact", "True"):
        assert not re.search(rf"(?<![\w.]){re.escape(code)}(?![\w.])", text), code
    options = re.search(r'<select id="f-aktion".*?</select>', page, re.S).group(0)
    assert '<option value="school.status">Status geändert</option>' in options


def test_reminder_log_on_the_school_page_names_the_kind_in_german(app, users, login_as):
    school = users["school_a"]
    client = login_as("ki")
    post_form(client, "/koordination/erinnerungen", _reminder_form([school.id], "send"))
    text = visible_text(client.get(f"/koordination/schulen/{school.id}").get_data(as_text=True))
    section = text.split("Verschickte Erinnerungen", 1)[1][:300]
    assert "Jahresprojekt" in section and "obligation" not in section


def test_an_office_saves_its_own_reminder_template_and_another_office_keeps_the_default(app, users, login_as):
    school_a, school_c = users["school_a"], users["school_c"]
    client = login_as("ki")
    own = {
        **_reminder_form([school_a.id], "save_template"),
        "subject": "{schule}: Grüße aus Soest",
        "body": "Hallo {koordination}, {link}",
    }
    saved = post_form(client, "/koordination/erinnerungen", own)
    assert "Vorlage der Koordinierungsstelle" in saved.get_data(as_text=True)
    assert outbox_messages() == []  # saving sends nothing
    page = client.get(f"/koordination/erinnerungen?schule={school_a.id}").get_data(as_text=True)
    assert "{schule}: Grüße aus Soest" in html.unescape(page)

    from .conftest import login

    unna = app.test_client()
    login(unna, users["ki_unna"])
    other = html.unescape(unna.get(f"/koordination/erinnerungen?schule={school_c.id}").get_data(as_text=True))
    assert "Grüße aus Soest" not in other and "{schule}" in other  # the built-in template

    from courage_hub.extensions import db

    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "reminder.template")).one()
    assert entry.region_id == school_a.region_id
