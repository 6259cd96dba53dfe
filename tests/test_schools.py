"""Schools: the 70 % rule, the joining process, registration, coordinators, directory and safe editing."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from email import policy
from email.parser import BytesParser

import pytest
from PIL import Image
from sqlalchemy import func, select

from courage_hub.auth.models import User
from courage_hub.core.mail import outbox_messages
from courage_hub.schools.models import Ballot, Membership, School, SchoolEvent, SchoolStatus
from courage_hub.schools.process import ballot_passes, ballot_problem

from .conftest import count_queries, login, post_form
from .factories import Approval, MembershipFactory, SchoolFactory, UserFactory

TODAY = date.today()


def parsed_mail(path):
    return BytesParser(policy=policy.default).parsebytes(path.read_bytes())


def mail_text(index: int = -1) -> str:
    message = BytesParser(policy=policy.default).parsebytes(outbox_messages()[index].read_bytes())
    return message["Subject"] + "\n" + message.get_body(("plain",)).get_content()


def mail_link(index: int = -1) -> str:
    return re.search(r"http://\S+", mail_text(index)).group(0).replace("http://localhost", "")


def status_of(db, school) -> SchoolStatus:
    return db.session.scalar(select(School.status).where(School.id == school.id))


# --- the 70 % rule ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("yes", "eligible", "passes"),
    [(6999, 10000, False), (7000, 10000, True), (742, 1000, True), (699, 1000, False), (2, 3, False), (7, 10, True)],
)
def test_ballot_passes_at_seventy_percent_of_everyone(yes, eligible, passes):
    assert ballot_passes(yes, eligible) is passes


def test_ballot_below_seventy_percent_does_not_pass_even_if_most_votes_cast_are_yes():
    # 600 of 1000 eligible said yes, only 50 said no: 92 % of votes cast, but 60 % of everyone.
    assert not ballot_passes(600, 1000)


@pytest.mark.parametrize(
    ("eligible", "yes", "no", "invalid", "held_on", "fragment"),
    [
        (1000, 700, 250, 51, TODAY, "übersteigen"),
        (1000, -1, 0, 0, TODAY, "negativ"),
        (0, 0, 0, 0, TODAY, "größer als null"),
        (1000, 742, 200, 0, TODAY + timedelta(days=1), "Zukunft"),
    ],
)
def test_impossible_ballot_totals_are_refused(app, eligible, yes, no, invalid, held_on, fragment):
    problem = ballot_problem(eligible, yes, no, invalid, held_on, TODAY)
    assert problem is not None and fragment in problem


def test_possible_ballot_totals_are_accepted(app):
    assert ballot_problem(1000, 742, 200, 58, TODAY, TODAY) is None


# --- the joining process through the pages ---------------------------------------------------------------------


@pytest.fixture
def preparing(users, db):
    school = users["school_a"]
    school.status = SchoolStatus.VORBEREITUNG
    db.session.commit()
    return school


def ballot_form(held_on=TODAY, eligible=1000, yes=742, no=200, invalid=10):
    return {"held_on": held_on.isoformat(), "eligible": eligible, "yes": yes, "no": no, "invalid": invalid}


def test_passing_ballot_moves_school_to_ballot_passed_with_history(client, users, db, preparing):
    login(client, users["coord_a"])
    response = post_form(client, f"/schulen/{preparing.slug}/abstimmung", ballot_form())
    assert response.status_code == 302
    assert status_of(db, preparing) == SchoolStatus.ABSTIMMUNG_ERFOLGREICH
    event_row = db.session.scalar(
        select(SchoolEvent).where(SchoolEvent.school_id == preparing.id, SchoolEvent.to_status.is_not(None))
    )
    assert event_row.from_status == SchoolStatus.VORBEREITUNG
    assert event_row.to_status == SchoolStatus.ABSTIMMUNG_ERFOLGREICH
    assert event_row.user_id == users["coord_a"].id
    page = client.get(f"/schulen/{preparing.slug}/verwalten").get_data(as_text=True)
    assert "74,20 %" in page and "Abstimmung erfolgreich" in page


def test_failed_ballot_is_recorded_but_does_not_move_the_school(client, users, db, preparing):
    login(client, users["coord_a"])
    response = post_form(
        client, f"/schulen/{preparing.slug}/abstimmung", ballot_form(yes=699, no=250), follow_redirects=True
    )
    assert "69,90 %" in response.get_data(as_text=True)
    assert status_of(db, preparing) == SchoolStatus.VORBEREITUNG
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 1


def test_several_ballots_a_failed_one_then_a_successful_one(client, users, db, preparing):
    login(client, users["coord_a"])
    post_form(client, f"/schulen/{preparing.slug}/abstimmung", ballot_form(held_on=TODAY - timedelta(days=60), yes=650))
    post_form(client, f"/schulen/{preparing.slug}/abstimmung", ballot_form(yes=780))
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 2
    assert status_of(db, preparing) == SchoolStatus.ABSTIMMUNG_ERFOLGREICH


def test_impossible_ballot_shows_german_error_and_keeps_input(client, users, db, preparing):
    login(client, users["coord_a"])
    response = post_form(client, f"/schulen/{preparing.slug}/abstimmung", ballot_form(yes=900, no=200, invalid=1))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "übersteigen" in html
    assert 'value="900"' in html and 'value="1000"' in html
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0


@pytest.mark.parametrize("value", ["-5", "abc", "1e9", "99999999999999999999"])
def test_ballot_numbers_must_be_sensible_whole_numbers(client, users, db, preparing, value):
    login(client, users["coord_a"])
    response = post_form(client, f"/schulen/{preparing.slug}/abstimmung", ballot_form(eligible=value))
    assert response.status_code == 200
    assert 'class="error-summary"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0


def test_ballot_never_stores_names(app):
    columns = {c.name for c in Ballot.__table__.columns}
    assert columns == {
        "id",
        "school_id",
        "held_on",
        "eligible",
        "yes",
        "no",
        "invalid",
        "recorded_by_id",
        "recorded_at",
    }


def test_patron_moves_an_interested_school_to_preparing(client, users, db):
    school = users["school_a"]
    school.status = SchoolStatus.INTERESSE
    db.session.commit()
    login(client, users["coord_a"])
    response = post_form(
        client,
        f"/schulen/{school.slug}/pate",
        {"name": "Bürgermeisterin Beispiel", "organisation": "Stadt Lippstadt", "confirmed_on": TODAY.isoformat(),
         "show_publicly": "y"},
    )  # fmt: skip
    assert response.status_code == 302
    assert status_of(db, school) == SchoolStatus.VORBEREITUNG


def test_application_without_ballot_and_patron_is_refused_with_reasons(client, users, db, preparing):
    login(client, users["coord_a"])
    response = post_form(client, f"/schulen/{preparing.slug}/antrag", {"application_date": TODAY.isoformat()})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "70 %" in html and "Pat" in html
    assert status_of(db, preparing) == SchoolStatus.VORBEREITUNG
    assert db.session.scalar(select(School.application_date).where(School.id == preparing.id)) is None


def test_application_with_ballot_and_confirmed_patron_moves_to_application_submitted(client, users, db, preparing):
    login(client, users["coord_a"])
    post_form(client, f"/schulen/{preparing.slug}/abstimmung", ballot_form())
    post_form(
        client, f"/schulen/{preparing.slug}/pate", {"name": "Verein Courage e. V.", "confirmed_on": TODAY.isoformat()}
    )
    response = post_form(client, f"/schulen/{preparing.slug}/antrag", {"application_date": TODAY.isoformat()})
    assert response.status_code == 302
    assert status_of(db, preparing) == SchoolStatus.ANTRAG_GESTELLT


def test_coordinator_cannot_admit_the_own_school(client, users, db, preparing):
    login(client, users["coord_a"])
    response = post_form(client, f"/schulen/{preparing.slug}/status", {"status": "aufgenommen"}, follow_redirects=True)
    assert "Nur das KI" in response.get_data(as_text=True)
    assert status_of(db, preparing) == SchoolStatus.VORBEREITUNG


def test_coordinator_cannot_skip_the_ballot(client, users, db, preparing):
    login(client, users["coord_a"])
    post_form(client, f"/schulen/{preparing.slug}/status", {"status": "abstimmung_erfolgreich"})
    assert status_of(db, preparing) == SchoolStatus.VORBEREITUNG


def test_coordinator_cannot_move_backwards(client, users, db):
    login(client, users["coord_a"])
    post_form(client, f"/schulen/{users['school_a'].slug}/status", {"status": "vorbereitung"})
    assert status_of(db, users["school_a"]) == SchoolStatus.AUFGENOMMEN


def test_ki_sets_any_status_with_a_note_and_it_appears_in_the_timeline(client, users, db, preparing):
    login(client, users["ki"])
    post_form(client, f"/schulen/{preparing.slug}/status", {"status": "aufgenommen", "note": "Bestätigung liegt vor"})
    assert status_of(db, preparing) == SchoolStatus.AUFGENOMMEN
    assert db.session.scalar(select(School.admitted_on).where(School.id == preparing.id)) == TODAY
    page = client.get(f"/schulen/{preparing.slug}/verwalten").get_data(as_text=True)
    assert "Bestätigung liegt vor" in page


def test_ki_status_change_needs_a_note(client, users, db, preparing):
    login(client, users["ki"])
    post_form(client, f"/schulen/{preparing.slug}/status", {"status": "aufgenommen", "note": ""})
    assert status_of(db, preparing) == SchoolStatus.VORBEREITUNG


def test_other_schools_coordinator_cannot_record_a_ballot(client, users, db, preparing):
    login(client, users["coord_b"])
    # A school that is not public is not even shown to be there (404); a public one answers 403.
    assert post_form(client, f"/schulen/{preparing.slug}/abstimmung", ballot_form()).status_code == 404
    preparing.status = SchoolStatus.AUFGENOMMEN
    db.session.commit()
    assert post_form(client, f"/schulen/{preparing.slug}/abstimmung", ballot_form()).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0


# --- registration ----------------------------------------------------------------------------------------------


def registration(**overrides):
    data = {
        "name": "Sekundarschule am Mühlenbach Ense", "schulnummer": "123456", "school_type": "Sekundarschule",
        "municipality": "Ense", "street": "Schulweg 1", "postcode": "59469", "public_email": "",
        "website": "", "person_name": "Pat Lehrkraft", "email": "pat@schule-ense.example",
        "password": "Ein langes Passwort 2026", "password_confirm": "Ein langes Passwort 2026",
    }  # fmt: skip
    data.update(overrides)
    return data


def test_registration_needs_email_confirmation_and_ki_approval(app, client, users, db):
    response = post_form(client, "/schulen/registrieren", registration())
    assert response.status_code == 302
    school = db.session.scalar(select(School).where(School.schulnummer == "123456"))
    assert school.approval == Approval.PENDING and school.status == SchoolStatus.INTERESSE
    # Not public while pending.
    assert client.get(f"/schulen/{school.slug}").status_code == 404
    assert school.name not in client.get("/schulen/?q=Mühlenbach").get_data(as_text=True)
    # No sign-in before the address is confirmed.
    user = db.session.scalar(select(User).where(User.email == "pat@schule-ense.example"))
    refused = post_form(client, "/anmelden", {"email": user.email, "password": "Ein langes Passwort 2026"})
    assert refused.status_code == 200
    link = mail_link()
    assert link.startswith("/konto/bestaetigen/")
    assert post_form(client, link, {}).status_code == 302
    login(client, user, password="Ein langes Passwort 2026")
    assert client.get(f"/schulen/{school.slug}/verwalten").status_code == 200
    # The KI approves from its queue.
    ki = app.test_client()
    login(ki, users["ki"])
    assert school.name in ki.get("/koordination/registrierungen").get_data(as_text=True)
    assert post_form(ki, f"/koordination/registrierungen/{school.id}/freigeben", {}).status_code == 302
    db.session.refresh(school)
    assert school.approval == Approval.APPROVED
    assert school.name in mail_text()


def test_duplicate_schulnummer_is_refused_with_a_hint_to_contact_the_ki(client, users, db):
    number = users["school_a"].schulnummer
    response = post_form(client, "/schulen/registrieren", registration(schulnummer=number))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "bereits registriert" in html and "KI" in html
    assert db.session.scalar(select(func.count()).select_from(School).where(School.schulnummer == number)) == 1
    assert db.session.scalar(select(User).where(User.email == "pat@schule-ense.example")) is None
    # What was typed is kept.
    assert "Sekundarschule am Mühlenbach Ense" in html


def test_registration_with_wrong_schulnummer_format_is_refused(client, db):
    response = post_form(client, "/schulen/registrieren", registration(schulnummer="12345"))
    assert "sechs Ziffern" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(School)) == 0


def test_registration_municipality_must_belong_to_the_kreis(client, db):
    response = post_form(client, "/schulen/registrieren", registration(municipality="Berlin"))
    assert response.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(School)) == 0


def test_honeypot_registration_is_silently_dropped(client, db):
    response = post_form(client, "/schulen/registrieren", registration(website_url="http://spam.example"))
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(School)) == 0


def test_every_registration_attempt_counts_toward_the_per_address_limit(client, db):
    for n in range(3):
        data = registration(schulnummer=f"55555{n}", email=f"p{n}@schule.example", name=f"Schule {n}")
        assert post_form(client, "/schulen/registrieren", data).status_code == 302
    for _ in range(7):  # refused attempts count too: the form cannot be used to probe addresses unthrottled
        assert post_form(client, "/schulen/registrieren", registration(schulnummer="12")).status_code == 200
    blocked = post_form(client, "/schulen/registrieren", registration(schulnummer="555559", email="x@schule.example"))
    assert blocked.status_code == 429
    assert "Zu viele Versuche" in blocked.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(School).where(School.schulnummer == "555559")) == 0


def test_registration_with_a_known_email_answers_like_a_new_one_and_mails_the_owner(app, users, db):
    known, unknown = app.test_client(), app.test_client()
    taken = post_form(known, "/schulen/registrieren", registration(email=users["coord_b"].email.upper()))
    fresh = post_form(unknown, "/schulen/registrieren", registration(schulnummer="654321", email="neu@schule.example"))
    assert taken.status_code == fresh.status_code == 302
    assert taken.headers["Location"] == fresh.headers["Location"]
    # Nothing created or attached for the known address.
    assert db.session.scalar(select(School).where(School.schulnummer == "123456")) is None
    assert (
        db.session.scalar(select(func.count()).select_from(Membership).where(Membership.user_id == users["coord_b"].id))
        == 1
    )
    # Its owner learns by mail how to register from the account; the new address gets its confirmation link.
    to_owner = [m for m in map(parsed_mail, outbox_messages()) if m["To"] == users["coord_b"].email]
    assert len(to_owner) == 1
    body = to_owner[0].get_body(("plain",)).get_content()
    assert "bereits ein Konto" in body and "/anmelden" in body and "/schulen/registrieren" in body
    assert "/konto/bestaetigen/" not in body
    assert "Sekundarschule am Mühlenbach Ense" in body
    assert "/konto/bestaetigen/" in mail_text()


def test_rejection_needs_a_reason_which_is_mailed(app, client, users, db):
    pending = users["school_pending"]
    pending.registered_by_id = users["coord_b"].id
    db.session.commit()
    login(client, users["ki"])
    empty = post_form(client, f"/koordination/registrierungen/{pending.id}/ablehnen", {"reason": ""})
    assert empty.status_code == 200
    assert db.session.scalar(select(School.approval).where(School.id == pending.id)) == Approval.PENDING
    post_form(client, f"/koordination/registrierungen/{pending.id}/ablehnen", {"reason": "Keine Schule im Kreis"})
    assert db.session.scalar(select(School.approval).where(School.id == pending.id)) == Approval.REJECTED
    assert "Keine Schule im Kreis" in mail_text()


@pytest.mark.parametrize("role", ["anonymous", "coord_b", "admin"])
def test_pending_school_is_invisible_to_everyone_else(login_as, users, role):
    client = login_as(role)
    slug = users["school_pending"].slug
    assert client.get(f"/schulen/{slug}").status_code == 404
    internal = client.get(f"/schulen/{slug}/verwalten")
    assert internal.status_code == (302 if role == "anonymous" else 404)


def test_pending_school_is_visible_to_its_coordinator_and_ki(app, users, db):
    MembershipFactory(user=users["coord_b"], school=users["school_pending"])
    for role in ("coord_b", "ki"):
        client = app.test_client()
        login(client, users[role])
        assert client.get(f"/schulen/{users['school_pending'].slug}/verwalten").status_code == 200


# --- coordinators ----------------------------------------------------------------------------------------------


def test_last_coordinator_cannot_leave_without_a_successor(client, users, db):
    school, me = users["school_a"], users["coord_a"]
    login(client, me)
    response = post_form(client, f"/schulen/{school.slug}/koordination/{me.id}/entfernen", {}, follow_redirects=True)
    assert "Nachfolge" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Membership).where(Membership.school_id == school.id)) == 1


def test_handover_to_a_new_person_completes_when_they_accept(app, client, users, db):
    school, me = users["school_a"], users["coord_a"]
    login(client, me)
    response = post_form(
        client, f"/schulen/{school.slug}/koordination/einladen?uebergabe=1", {"email": "neu@schule.example"}
    )
    assert response.status_code == 302
    link = mail_link()
    assert link.startswith("/schulen/einladung/")
    newcomer = app.test_client()
    data = {"name": "Nele Nachfolge", "password": "Nachfolge-Passwort-1", "password_confirm": "Nachfolge-Passwort-1"}
    assert post_form(newcomer, link, data).status_code == 302
    members = set(db.session.scalars(select(User.email).join(Membership).where(Membership.school_id == school.id)))
    assert members == {"neu@schule.example"}
    # The invitation is single-use.
    assert newcomer.get(link).status_code == 410


def test_coordinator_can_remove_another_and_leave_when_not_last(app, client, users, db):
    school = users["school_a"]
    other = UserFactory()
    MembershipFactory(user=other, school=school)
    login(client, users["coord_a"])
    assert post_form(client, f"/schulen/{school.slug}/koordination/{other.id}/entfernen", {}).status_code == 302
    MembershipFactory(user=other, school=school)
    assert (
        post_form(client, f"/schulen/{school.slug}/koordination/{users['coord_a'].id}/entfernen", {}).status_code == 302
    )
    members = set(db.session.scalars(select(Membership.user_id).where(Membership.school_id == school.id)))
    assert members == {other.id}


def test_invitation_for_an_existing_account_needs_that_account_signed_in(app, client, users, db):
    login(client, users["coord_a"])
    post_form(client, f"/schulen/{users['school_a'].slug}/koordination/einladen", {"email": users["coord_b"].email})
    link = mail_link()
    stranger = app.test_client()
    assert stranger.get(link).status_code == 302  # to the login page
    owner = app.test_client()
    login(owner, users["coord_b"])
    assert post_form(owner, link, {}).status_code == 302
    ids = set(db.session.scalars(select(Membership.school_id).where(Membership.user_id == users["coord_b"].id)))
    assert ids == {users["school_a"].id, users["school_b"].id}
    # A person with two schools sees both and can switch.
    page = owner.get("/meine-schulen").get_data(as_text=True)
    assert users["school_a"].name in page and users["school_b"].name in page


def test_coordinator_invitation_does_not_reveal_staff_accounts_which_cannot_accept(app, client, users, db):
    login(client, users["coord_a"])
    slug = users["school_a"].slug
    staff = post_form(client, f"/schulen/{slug}/koordination/einladen", {"email": users["ki"].email})
    nobody = post_form(client, f"/schulen/{slug}/koordination/einladen", {"email": "niemand@schule.example"})
    assert staff.status_code == nobody.status_code == 302
    staff_link = mail_link(-2)
    ki = app.test_client()
    login(ki, users["ki"])
    refused = post_form(ki, staff_link, {})
    assert refused.status_code == 200
    assert "KI- oder Admin-Konto" in refused.get_data(as_text=True)
    members = set(db.session.scalars(select(Membership.user_id).where(Membership.school_id == users["school_a"].id)))
    assert users["ki"].id not in members


def test_expired_invitation_is_refused(app, client, users, db):
    from courage_hub.schools.models import SchoolInvitation

    login(client, users["coord_a"])
    post_form(client, f"/schulen/{users['school_a'].slug}/koordination/einladen", {"email": "spaet@schule.example"})
    invitation = db.session.scalar(select(SchoolInvitation))
    invitation.expires_at = invitation.created_at - timedelta(seconds=1)
    db.session.commit()
    assert app.test_client().get(mail_link()).status_code == 410


def test_ki_assigns_an_existing_coordinator_directly(client, users, db):
    login(client, users["ki"])
    response = post_form(
        client, f"/schulen/{users['school_a'].slug}/koordination/einladen", {"email": users["coord_b"].email}
    )
    assert response.status_code == 302
    ids = set(db.session.scalars(select(Membership.user_id).where(Membership.school_id == users["school_a"].id)))
    assert users["coord_b"].id in ids


def test_coordinator_contacts_are_never_public(client, users):
    html = client.get(f"/schulen/{users['school_a'].slug}").get_data(as_text=True)
    assert users["coord_a"].email not in html and users["coord_a"].name not in html


def test_contact_flag_is_internal(app, client, users, db):
    login(client, users["ki"])
    post_form(client, f"/schulen/{users['school_a'].slug}/kontakt", {"flagged": "1", "reason": "Seit Monaten still"})
    assert db.session.scalar(select(School.needs_contact).where(School.id == users["school_a"].id)) is True
    assert "Seit Monaten still" in client.get("/koordination/kontakt").get_data(as_text=True)
    public = app.test_client().get(f"/schulen/{users['school_a'].slug}").get_data(as_text=True)
    coordinator = app.test_client()
    login(coordinator, users["coord_a"])
    own = coordinator.get(f"/schulen/{users['school_a'].slug}/verwalten").get_data(as_text=True)
    assert "Seit Monaten still" not in public and "Seit Monaten still" not in own


# --- editing safely --------------------------------------------------------------------------------------------


def profile_form(school, **overrides):
    data = {
        "name": school.name, "school_type": school.school_type, "municipality": school.municipality,
        "street": "", "postcode": "", "public_email": "", "website": "", "description": "",
        "profile_version": str(school.profile_version),
    }  # fmt: skip
    data.update(overrides)
    return data


def test_concurrent_profile_edit_shows_conflict_and_overwrites_nothing(app, users, db):
    school = users["school_a"]
    first, second = app.test_client(), app.test_client()
    login(first, users["coord_a"])
    login(second, users["ki"])
    opened = profile_form(school)  # both opened the form at the same version
    assert (
        post_form(first, f"/schulen/{school.slug}/bearbeiten", {**opened, "description": "Version A"}).status_code
        == 302
    )
    conflict = post_form(second, f"/schulen/{school.slug}/bearbeiten", {**opened, "description": "Version B"})
    html = conflict.get_data(as_text=True)
    assert conflict.status_code == 409
    assert "Version A" in html and "Version B" in html
    assert db.session.scalar(select(School.description).where(School.id == school.id)) == "Version A"


def test_profile_edit_by_other_schools_coordinator_is_forbidden(client, users, db):
    school = users["school_a"]
    login(client, users["coord_b"])
    response = post_form(client, f"/schulen/{school.slug}/bearbeiten", profile_form(school, description="Übernahme"))
    assert response.status_code == 403
    assert db.session.scalar(select(School.description).where(School.id == school.id)) == ""


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (800, 600), (200, 30, 60))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (51.0, 40.0, 0.0)}  # GPSInfo
    exif[0x010F] = "Kamerahersteller"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_logo_is_reencoded_without_metadata_and_served(app, client, users, db):
    school = users["school_a"]
    login(client, users["coord_a"])
    data = profile_form(school)
    data["logo"] = (io.BytesIO(jpeg_with_gps()), "logo.jpg")
    response = post_form(client, f"/schulen/{school.slug}/bearbeiten", data, content_type="multipart/form-data")
    assert response.status_code == 302
    served = app.test_client().get(f"/schulen/{school.slug}/logo")
    assert served.status_code == 200 and served.mimetype == "image/png"
    with Image.open(io.BytesIO(served.data)) as image:
        assert image.format == "PNG" and max(image.size) <= 400
        assert not image.getexif()
    assert b"Kamerahersteller" not in served.data


def test_logo_that_is_not_an_image_is_refused(client, users, db):
    school = users["school_a"]
    login(client, users["coord_a"])
    data = profile_form(school, description="bleibt erhalten")
    data["logo"] = (io.BytesIO(b"<svg onload=alert(1)></svg>"), "logo.png")
    response = post_form(client, f"/schulen/{school.slug}/bearbeiten", data, content_type="multipart/form-data")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "bleibt erhalten" in html
    assert db.session.scalar(select(School.logo_filename).where(School.id == school.id)) is None


# --- directory -------------------------------------------------------------------------------------------------


def test_directory_lists_admitted_and_consenting_preparing_schools_only(client, users, db):
    SchoolFactory(name="Grundschule Sichtbar", status=SchoolStatus.VORBEREITUNG, show_while_preparing=True)
    SchoolFactory(name="Grundschule Verborgen", status=SchoolStatus.VORBEREITUNG, show_while_preparing=False)
    SchoolFactory(name="Hauptschule Ausgetreten", status=SchoolStatus.AUSGETRETEN)
    html = client.get("/schulen/").get_data(as_text=True)
    assert "Grundschule Sichtbar" in html and users["school_a"].name in html
    assert "Grundschule Verborgen" not in html and "Hauptschule Ausgetreten" not in html
    assert users["school_pending"].name not in html
    assert "4 Schulen gefunden" in html  # school_a, school_b, Kreis Unna's school_c and the consenting one


def test_directory_filters_combine_and_search_by_name(client, users, db):
    SchoolFactory(name="Gymnasium am Hellweg Soest", municipality="Soest", school_type="Gymnasium")
    html = client.get("/schulen/?gemeinde=Soest&schulform=Gymnasium&q=hellweg").get_data(as_text=True)
    assert "Gymnasium am Hellweg Soest" in html and "1 Schule gefunden" in html
    assert users["school_b"].name not in html


def test_directory_paginates(client, db, users):
    for n in range(25):
        SchoolFactory(name=f"Realschule Seite {n:02d}")
    first = client.get("/schulen/").get_data(as_text=True)
    second = client.get("/schulen/?seite=2").get_data(as_text=True)
    assert "Seite 1 von 2" in first and "Realschule Seite 00" in first
    assert "Realschule Seite 24" in second and "Realschule Seite 00" not in second


def test_directory_query_count_does_not_grow_with_the_number_of_schools(app, client, db, users):
    for n in range(5):
        SchoolFactory(name=f"Kleine Schule {n}")
    small = count_queries(client, "/schulen/")
    for n in range(50):
        school = SchoolFactory(name=f"Große Schule {n}")
        from courage_hub.schools.models import Patron

        db.session.add(Patron(school_id=school.id, name=f"Pate {n}", show_publicly=True))
    db.session.commit()
    large = count_queries(client, "/schulen/")
    assert small == large
    assert large <= 5


def test_registration_error_summary_lists_problems_in_the_order_of_the_fields(client, db):
    response = post_form(client, "/schulen/registrieren", registration(schulnummer="12345", name=""))
    summary = response.get_data(as_text=True).split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    assert 0 <= summary.index('href="#schulnummer"') < summary.index('href="#name"')


def test_chosen_logo_survives_a_failed_profile_form_and_only_for_its_uploader(app, client, users, db):
    school = users["school_a"]
    login(client, users["coord_a"])
    data = profile_form(school, postcode="123")
    data["logo"] = (io.BytesIO(jpeg_with_gps()), "logo.jpg")
    url = f"/schulen/{school.slug}/bearbeiten"
    failed = post_form(client, url, data, content_type="multipart/form-data")
    page = failed.get_data(as_text=True)
    assert failed.status_code == 200 and "Bereits hochgeladen: logo.jpg" in page
    tokens = re.findall(r'name="pending-logo" value="([0-9a-f]{32})"', page)
    assert len(tokens) == 1
    other = app.test_client()
    login(other, users["ki"])
    stolen = post_form(other, url, {**profile_form(school), "pending-logo": tokens[0]})
    assert stolen.status_code == 302
    assert db.session.scalar(select(School.logo_filename).where(School.id == school.id)) is None
    db.session.refresh(school)
    saved = post_form(client, url, {**profile_form(school), "pending-logo": tokens[0]})
    assert saved.status_code == 302
    assert db.session.scalar(select(School.logo_filename).where(School.id == school.id)) is not None
    assert app.test_client().get(f"/schulen/{school.slug}/logo").mimetype == "image/png"
