"""Schools for first users: finding the registration, coordinators' invitations and leaving, the admission date,
rendered descriptions and plural forms."""

from __future__ import annotations

import re
from email import policy
from email.parser import BytesParser

import pytest
from sqlalchemy import select

from courage_hub.core.mail import outbox_messages
from courage_hub.schools.models import Membership

from .conftest import login, post_form
from .factories import default_region


def mail_link(index: int = -1) -> str:
    message = BytesParser(policy=policy.default).parsebytes(outbox_messages()[index].read_bytes())
    text = message.get_body(("plain",)).get_content()
    return re.search(r"http://\S+", text).group(0).replace("http://localhost", "")


def members_of(db, school) -> set[int]:
    return set(db.session.scalars(select(Membership.user_id).where(Membership.school_id == school.id)))


# --- registration is easy to find ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/anmelden", "/schulen/"])
def test_registration_is_linked_from_home_login_and_directory(client, db, path):
    page = client.get(path).get_data(as_text=True)
    assert 'href="/schulen/registrieren"' in page
    assert "Schule registrieren" in page


def test_first_time_registrant_sets_a_password_not_a_new_one(client, db):
    page = client.get("/schulen/registrieren").get_data(as_text=True)
    assert re.search(r"<label[^>]*for=\"password\"[^>]*>\s*Passwort", page)
    assert "Neues Passwort" not in page


def test_invited_person_sets_a_password_not_a_new_one(app, client, users, db):
    login(client, users["coord_a"])
    post_form(client, f"/schulen/{users['school_a'].slug}/koordination/einladen", {"email": "neu@schule.example"})
    page = app.test_client().get(mail_link()).get_data(as_text=True)
    assert re.search(r"<label[^>]*for=\"password\"[^>]*>\s*Passwort", page)
    assert "Neues Passwort" not in page


def test_account_invited_by_the_admin_sets_a_password_not_a_new_one(app, client, users, db):
    login(client, users["admin"])
    data = {
        "name": "Neue Kollegin",
        "email": "neu@kreis-soest.example",
        "role": "ki_staff",
        "regions": default_region().id,
    }
    post_form(client, "/verwaltung/konten/neu", data)
    page = app.test_client().get(mail_link()).get_data(as_text=True)
    assert re.search(r"<label[^>]*for=\"password\"[^>]*>\s*Passwort", page)
    assert "Neues Passwort" not in page


# --- leaving, open invitations, accepting ----------------------------------------------------------------------


def test_leaving_the_coordination_asks_for_confirmation_first(client, users, db):
    from .factories import MembershipFactory, UserFactory

    school, me = users["school_a"], users["coord_a"]
    MembershipFactory(user=UserFactory(), school=school)
    login(client, me)
    manage = client.get(f"/schulen/{school.slug}/verwalten").get_data(as_text=True)
    leave = f"/schulen/{school.slug}/koordination/{me.id}/entfernen"
    assert f'<a href="{leave}">Koordination verlassen</a>' in manage  # a link to the question, not a button
    question = client.get(leave)
    assert question.status_code == 200
    page = question.get_data(as_text=True)
    assert "wirklich verlassen" in page and "Ja, Koordination verlassen" in page
    assert me.id in members_of(db, school)  # asking changed nothing
    assert post_form(client, leave, {}).status_code == 302
    assert me.id not in members_of(db, school)


def invite(client, school, email):
    return post_form(client, f"/schulen/{school.slug}/koordination/einladen", {"email": email})


def test_open_invitations_are_listed_and_can_be_withdrawn(app, client, users, db):
    from courage_hub.schools.models import SchoolInvitation

    school = users["school_a"]
    login(client, users["coord_a"])
    invite(client, school, "falsch@schule.example")
    link = mail_link()
    invitation = db.session.scalar(select(SchoolInvitation))
    manage = client.get(f"/schulen/{school.slug}/verwalten").get_data(as_text=True)
    withdraw = f"/schulen/{school.slug}/koordination/einladungen/{invitation.id}/zurueckziehen"
    assert "falsch@schule.example" in manage and f'action="{withdraw}"' in manage
    assert post_form(client, withdraw, {}).status_code == 302
    assert "Offene Einladungen" not in client.get(f"/schulen/{school.slug}/verwalten").get_data(as_text=True)
    dead = app.test_client().get(link)
    assert dead.status_code == 410
    page = dead.get_data(as_text=True)
    assert "Diese Einladung wurde zurückgezogen" in page
    assert "Bitten Sie Coordinator A oder das KI um eine neue Einladung" in page
    assert "Passwort" not in page  # not the reset text
    answer = post_form(app.test_client(), link, {"name": "X", "password": "x" * 12, "password_confirm": "x" * 12})
    assert answer.status_code == 410
    assert members_of(db, school) == {users["coord_a"].id}


def test_resending_an_invitation_gives_a_new_link_and_the_old_one_stops_working(app, client, users, db):
    from courage_hub.schools.models import SchoolInvitation

    school = users["school_a"]
    login(client, users["coord_a"])
    invite(client, school, "neu@schule.example")
    old_link = mail_link()
    first = db.session.scalar(select(SchoolInvitation))
    resend = f"/schulen/{school.slug}/koordination/einladungen/{first.id}/erneut-senden"
    assert post_form(client, resend, {}).status_code == 302
    new_link = mail_link()
    assert new_link != old_link and len(outbox_messages()) == 2
    assert app.test_client().get(old_link).status_code == 410
    newcomer = app.test_client()
    data = {"name": "Nele Neu", "password": "Ein-gutes-Passwort-1", "password_confirm": "Ein-gutes-Passwort-1"}
    assert post_form(newcomer, new_link, data).status_code == 302
    assert len(members_of(db, school)) == 2


def test_accepting_an_invitation_with_a_new_account_signs_the_person_in(app, client, users, db):
    school = users["school_a"]
    login(client, users["coord_a"])
    invite(client, school, "neu@schule.example")
    newcomer = app.test_client()
    data = {"name": "Nele Neu", "password": "Ein-gutes-Passwort-1", "password_confirm": "Ein-gutes-Passwort-1"}
    response = post_form(newcomer, mail_link(), data)
    assert response.headers["Location"].endswith(f"/schulen/{school.slug}/verwalten")
    page = newcomer.get(f"/schulen/{school.slug}/verwalten")
    assert page.status_code == 200 and "Nele Neu" in page.get_data(as_text=True)
    assert "Sie koordinieren jetzt Gesamtschule am Lindenhof Lippstadt." in page.get_data(as_text=True)


def test_accepting_an_invitation_with_an_existing_account_leads_to_the_school(app, client, users, db):
    login(client, users["coord_a"])
    invite(client, users["school_a"], users["coord_b"].email)
    owner = app.test_client()
    login(owner, users["coord_b"])
    response = post_form(owner, mail_link(), {})
    assert response.headers["Location"].endswith(f"/schulen/{users['school_a'].slug}/verwalten")
    assert owner.get(f"/schulen/{users['school_a'].slug}/verwalten").status_code == 200


def test_a_used_invitation_link_says_it_was_accepted(app, client, users, db):
    login(client, users["coord_a"])
    invite(client, users["school_a"], "neu@schule.example")
    link = mail_link()
    data = {"name": "Nele Neu", "password": "Ein-gutes-Passwort-1", "password_confirm": "Ein-gutes-Passwort-1"}
    post_form(app.test_client(), link, data)
    page = app.test_client().get(link)
    assert page.status_code == 410
    assert "Diese Einladung wurde bereits angenommen" in page.get_data(as_text=True)


def test_an_expired_invitation_link_says_it_expired_and_whom_to_ask(app, client, users, db):
    from courage_hub.schools.models import SchoolInvitation

    login(client, users["coord_a"])
    invite(client, users["school_a"], "spaet@schule.example")
    invitation = db.session.scalar(select(SchoolInvitation))
    invitation.expires_at = invitation.created_at
    db.session.commit()
    page = app.test_client().get(mail_link()).get_data(as_text=True)
    assert "Diese Einladung ist abgelaufen" in page and "7 Tage gültig" in page
    assert "Bitten Sie Coordinator A oder das KI um eine neue Einladung zu Gesamtschule am Lindenhof" in page
    assert "Neuen Link anfordern" not in page


# --- the admission date ----------------------------------------------------------------------------------------


def admit(client, school, **extra):
    data = {"status": "aufgenommen", "note": "Bestätigung der Bundeskoordination liegt vor", **extra}
    return post_form(client, f"/schulen/{school.slug}/status", data)


def test_member_since_shows_the_admission_date_the_ki_entered_not_the_day_of_the_click(client, users, db):
    from .factories import SchoolFactory, SchoolStatus

    school = SchoolFactory(status=SchoolStatus.ANTRAG_GESTELLT, admitted_on=None)
    login(client, users["ki"])
    assert admit(client, school, admitted_on="2024-03-15").status_code == 302
    db.session.refresh(school)
    assert str(school.admitted_on) == "2024-03-15"
    profile = client.get(f"/schulen/{school.slug}").get_data(as_text=True)
    assert "15.03.2024" in profile


def test_without_an_entered_date_the_admission_takes_the_ceremony_date(client, users, db):
    from datetime import date

    from .factories import SchoolFactory, SchoolStatus

    school = SchoolFactory(status=SchoolStatus.ANTRAG_GESTELLT, admitted_on=None, ceremony_date=date(2025, 2, 3))
    login(client, users["ki"])
    admit(client, school)
    db.session.refresh(school)
    assert school.admitted_on == date(2025, 2, 3)


def test_ceremony_recorded_later_gives_a_member_school_without_date_its_admission_date(client, users, db):
    from datetime import date

    from .factories import SchoolFactory, SchoolStatus

    school = SchoolFactory(status=SchoolStatus.AUFGENOMMEN, admitted_on=None, ceremony_date=None)
    login(client, users["ki"])
    post_form(client, f"/schulen/{school.slug}/aufnahmefeier", {"ceremony_date": "2025-06-20", "held": "y"})
    db.session.refresh(school)
    assert school.admitted_on == date(2025, 6, 20)


def test_admission_date_in_the_future_is_refused(client, users, db):
    from datetime import date, timedelta

    from .factories import SchoolFactory, SchoolStatus

    school = SchoolFactory(status=SchoolStatus.ANTRAG_GESTELLT, admitted_on=None)
    login(client, users["ki"])
    admit(client, school, admitted_on=(date.today() + timedelta(days=30)).isoformat())
    db.session.refresh(school)
    assert school.status == SchoolStatus.ANTRAG_GESTELLT and school.admitted_on is None


def test_a_ceremony_dated_before_the_admission_gets_a_warning(client, users, db):
    from datetime import date

    from .factories import SchoolFactory, SchoolStatus

    school = SchoolFactory(status=SchoolStatus.AUFGENOMMEN, admitted_on=date(2025, 5, 1))
    login(client, users["ki"])
    response = post_form(
        client, f"/schulen/{school.slug}/aufnahmefeier", {"ceremony_date": "2025-04-01"}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "Die Aufnahmefeier (01.04.2025) liegt vor der Aufnahme (01.05.2025)" in page
    # The manage page keeps saying it until a date is corrected.
    assert "liegt vor der Aufnahme" in client.get(f"/schulen/{school.slug}/verwalten").get_data(as_text=True)
    post_form(client, f"/schulen/{school.slug}/aufnahmefeier", {"ceremony_date": "2025-06-01"})
    assert "liegt vor der Aufnahme" not in client.get(f"/schulen/{school.slug}/verwalten").get_data(as_text=True)


# --- descriptions render their Markdown, feeds carry plain text -------------------------------------------------

MARKDOWN = (
    "Wir sind **Courage-Schule** seit 2019.\n\n"
    "- Projekttag gegen *Rassismus*\n- [Unsere AG](https://schule.example/ag)\n\n"
    "<script>alert(1)</script>"
)


def test_school_description_renders_its_markdown_sanitised(client, users, db):
    from .factories import SchoolFactory

    school = SchoolFactory(description=MARKDOWN)
    page = client.get(f"/schulen/{school.slug}").get_data(as_text=True)
    assert "<strong>Courage-Schule</strong>" in page and "<em>Rassismus</em>" in page
    assert '<a href="https://schule.example/ag"' in page
    assert "**" not in page and "<script>alert" not in page


def test_atom_summary_is_plain_text_without_markdown(client, users, db):
    from xml.etree import ElementTree

    from courage_hub.activities.models import ActivityState

    from .factories import ActivityFactory

    ActivityFactory(school=users["school_a"], state=ActivityState.PUBLISHED, description=MARKDOWN)
    feed = client.get("/aktivitaeten/feed.xml").data
    summary = ElementTree.fromstring(feed).find(
        "{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}summary"
    )
    assert summary.get("type") == "text"
    assert "Wir sind Courage-Schule seit 2019. Projekttag gegen Rassismus Unsere AG" in summary.text
    assert not any(sign in summary.text for sign in ("**", "*R", "](", "- "))
    assert b"<script" not in feed  # what the writer typed stays text, escaped for XML


def test_amb_metadata_describes_a_material_in_plain_text(client, users, db):
    from courage_hub.materials.models import MaterialState

    from .factories import MaterialFactory

    material = MaterialFactory(school=users["school_a"], state=MaterialState.PUBLISHED, description=MARKDOWN)
    description = client.get(f"/materialien/{material.id}.jsonld").get_json()["description"]
    assert description.startswith("Wir sind Courage-Schule seit 2019. Projekttag gegen Rassismus Unsere AG")
    assert not any(sign in description for sign in ("**", "*R", "](", "- "))


# --- plural forms ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("count", "text"), [(1, "1 Schule gefunden"), (2, "2 Schulen gefunden")])
def test_directory_counts_schools_in_singular_and_plural(client, db, count, text):
    from .factories import SchoolFactory

    for n in range(count):
        SchoolFactory(name=f"Testschule {n}")
    page = client.get("/schulen/").get_data(as_text=True)
    assert text in page


@pytest.mark.parametrize(("schools", "text"), [(1, "Erinnerung an 1 Schule verschickt."), (2, "an 2 Schulen")])
def test_reminder_confirmation_counts_schools_in_singular_and_plural(app, users, login_as, schools, text):
    from .test_coordination import _reminder_form

    client = login_as("ki")
    chosen = [users["school_a"].id, users["school_b"].id][:schools]
    response = post_form(client, "/koordination/erinnerungen", _reminder_form(chosen, "send"), follow_redirects=True)
    assert text in response.get_data(as_text=True)


def test_profile_of_a_school_without_projects_does_not_say_in_0_school_years(client, users, db):
    from courage_hub.activities.models import ActivityState

    from .factories import ActivityFactory

    school = users["school_a"]
    page = client.get(f"/schulen/{school.slug}").get_data(as_text=True)
    assert "In 0 Schuljahren" not in page
    assert "Die Schule hat noch kein Projekt gegen Diskriminierung gemeldet." in page
    ActivityFactory(school=school, state=ActivityState.PUBLISHED)
    page = client.get(f"/schulen/{school.slug}").get_data(as_text=True)
    assert "In 1 Schuljahr hat die Schule mindestens ein Projekt" in page


@pytest.mark.parametrize(("days", "text"), [(1, "1 Tag gültig"), (7, "7 Tage gültig")])
def test_invitation_mail_says_day_or_days(app, client, users, db, monkeypatch, days, text):
    from courage_hub.schools import coordinators

    monkeypatch.setattr(coordinators, "INVITATION_DAYS", days)
    login(client, users["coord_a"])
    invite(client, users["school_a"], "neu@schule.example")
    message = BytesParser(policy=policy.default).parsebytes(outbox_messages()[-1].read_bytes())
    assert text in message.get_body(("plain",)).get_content()
