"""Mails people wait for: the KI hears of registrations and problem reports, schools and authors of decisions."""

from __future__ import annotations

from datetime import timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
from sqlalchemy import func, select

from courage_hub.core.mail import outbox_messages
from courage_hub.materials.models import MaterialState
from courage_hub.schools.models import EventKind, SchoolEvent, SchoolStatus

from . import factories
from .conftest import login, post_form
from .test_schools import registration


def sent_mails() -> list[EmailMessage]:
    return [BytesParser(policy=policy.default).parsebytes(path.read_bytes()) for path in outbox_messages()]


def mails_to(address: str) -> list[EmailMessage]:
    return [mail for mail in sent_mails() if mail["To"] == address]


def text_of(mail: EmailMessage) -> str:
    return mail.get_body(("plain",)).get_content()


@pytest.fixture
def second_ki(users):
    """A second active KI account, and one inactive and one unconfirmed that must get nothing."""
    factories.UserFactory(role=factories.Role.KI_STAFF, is_active=False, email="weg@ki.example")
    factories.UserFactory(role=factories.Role.KI_STAFF, email_confirmed_at=None, email="neu@ki.example")
    return factories.UserFactory(role=factories.Role.KI_STAFF, name="KI Zwei", email="zwei@ki.example")


# --- registration ----------------------------------------------------------------------------------------------


def test_new_registration_mails_every_active_ki_account_with_a_link_to_the_queue(client, users, second_ki):
    response = post_form(client, "/schulen/registrieren", registration())
    assert response.status_code == 302
    to_ki = [m for m in sent_mails() if m["To"] in (users["ki"].email, second_ki.email)]
    assert sorted(m["To"] for m in to_ki) == sorted([users["ki"].email, second_ki.email])
    assert not mails_to("weg@ki.example") and not mails_to("neu@ki.example")
    body = text_of(to_ki[0])
    assert "Sekundarschule am Mühlenbach Ense" in to_ki[0]["Subject"]
    assert "Pat Lehrkraft" in body and "pat@schule-ense.example" in body
    assert "http://localhost/koordination/registrierungen" in body


def test_refused_registration_mails_no_ki_account(client, users):
    taken = registration(schulnummer=users["school_a"].schulnummer)
    assert post_form(client, "/schulen/registrieren", taken).status_code == 200
    assert mails_to(users["ki"].email) == []


# --- admission -------------------------------------------------------------------------------------------------


@pytest.fixture
def applied(users, db):
    school = users["school_a"]
    school.status = SchoolStatus.ANTRAG_GESTELLT
    db.session.commit()
    second = factories.UserFactory(role=factories.Role.COORDINATOR, name="Coordinator A2")
    factories.MembershipFactory(user=second, school=school)
    return school, second


def test_admission_mails_every_coordinator_of_the_school(client, users, applied):
    school, second = applied
    login(client, users["ki"])
    response = post_form(client, f"/schulen/{school.slug}/status", {"status": "aufgenommen", "note": "Bestätigt"})
    assert response.status_code == 302
    admitted = [m for m in sent_mails() if "aufgenommen" in m["Subject"]]
    assert sorted(m["To"] for m in admitted) == sorted([users["coord_a"].email, second.email])
    assert school.name in text_of(admitted[0])
    assert f"http://localhost/schulen/{school.slug}/verwalten" in text_of(admitted[0])
    assert mails_to(users["coord_b"].email) == []


def test_other_status_changes_and_a_refused_admission_send_no_admission_mail(app, client, users, applied):
    school, _second = applied
    coordinator = app.test_client()
    login(coordinator, users["coord_a"])
    post_form(coordinator, f"/schulen/{school.slug}/status", {"status": "aufgenommen"})  # only the KI may
    login(client, users["ki"])
    post_form(client, f"/schulen/{school.slug}/status", {"status": "aufgenommen", "note": ""})  # note missing
    post_form(client, f"/schulen/{school.slug}/status", {"status": "vorbereitung", "note": "Zurück"})
    assert sent_mails() == []


# --- material review -------------------------------------------------------------------------------------------


@pytest.fixture
def in_review(users):
    return factories.MaterialFactory(
        school=users["school_a"], author_id=users["coord_a"].id, state=MaterialState.REVIEW, title="Quiz Vielfalt"
    )


def review(client, material_id: int, **data):
    return post_form(client, f"/koordination/pruefung/{material_id}", data)


CHECKS = {f"check_{k}": "y" for k in ("no_pupils", "framing", "licence", "works")}


def test_approval_mails_the_author_with_the_link(client, users, in_review):
    login(client, users["ki"])
    assert review(client, in_review.id, decision="approve", **CHECKS).status_code == 302
    [mail] = sent_mails()
    assert mail["To"] == users["coord_a"].email
    assert "Quiz Vielfalt" in text_of(mail)
    assert f"http://localhost/materialien/{in_review.id}" in text_of(mail)


def test_returned_material_mails_the_author_with_the_reason(client, users, in_review):
    login(client, users["ki"])
    response = review(client, in_review.id, decision="reject", reason="Bitte die Quelle des Fotos nennen.")
    assert response.status_code == 302
    [mail] = sent_mails()
    assert mail["To"] == users["coord_a"].email
    assert "Bitte die Quelle des Fotos nennen." in text_of(mail)
    assert f"http://localhost/materialien/{in_review.id}/bearbeiten" in text_of(mail)


def test_refused_review_decisions_mail_nobody(app, client, users, in_review):
    login(client, users["ki"])
    assert review(client, in_review.id, decision="approve", check_works="y").status_code == 200  # checklist open
    assert review(client, in_review.id, decision="reject", reason=" ").status_code == 200  # no reason
    coordinator = app.test_client()
    login(coordinator, users["coord_b"])
    assert review(coordinator, in_review.id, decision="approve", **CHECKS).status_code == 403  # not KI staff
    assert [(m["To"], m["Subject"]) for m in sent_mails()] == []


def test_review_of_a_material_whose_author_is_gone_mails_nobody(client, users, in_review, db):
    users["coord_a"].is_active = False
    db.session.commit()
    login(client, users["ki"])
    assert review(client, in_review.id, decision="approve", **CHECKS).status_code == 302
    assert sent_mails() == []


# --- problem reports -------------------------------------------------------------------------------------------


def test_problem_report_mails_every_active_ki_account(client, users, second_ki):
    material = factories.MaterialFactory(school=users["school_a"], title="Plakat Zivilcourage")
    data = {"reason": "copyright", "text": "Das Bild stammt aus einem Buch."}
    assert post_form(client, f"/materialien/{material.id}/problem", data).status_code == 302
    mails = sent_mails()
    assert sorted(m["To"] for m in mails) == sorted([users["ki"].email, second_ki.email])
    body = text_of(mails[0])
    assert "Plakat Zivilcourage" in mails[0]["Subject"]
    assert "Urheberrecht verletzt" in body and "Das Bild stammt aus einem Buch." in body
    assert "http://localhost/koordination/pruefung/" in body


def test_refused_problem_report_mails_nobody(client, users):
    material = factories.MaterialFactory(school=users["school_a"])
    honeypot = {"reason": "other", "text": "Spam", "website_url": "http://spam.example"}
    assert post_form(client, f"/materialien/{material.id}/problem", honeypot).status_code == 302
    assert post_form(client, f"/materialien/{material.id}/problem", {"reason": "nonsense"}).status_code == 200
    assert sent_mails() == []


# --- Reply-To: the KI's contact address ------------------------------------------------------------------------


def reminder_form(school_id: int) -> dict:
    return {
        "schule": [str(school_id)],
        "kind": "obligation",
        "subject": "{schule}: Projekt {schuljahr}",
        "body": "Liebe {koordination},\nantworten Sie einfach auf diese Mail.",
        "preview_school": str(school_id),
        "action": "send",
    }


def test_reminder_carries_the_ki_contact_address_as_reply_to(app, client, users):
    app.config["KI_CONTACT_EMAIL"] = "courage@ki-soest.example"
    login(client, users["ki"])
    assert post_form(client, "/koordination/erinnerungen", reminder_form(users["school_a"].id)).status_code == 302
    [mail] = sent_mails()
    assert mail["To"] == users["coord_a"].email
    assert mail["Reply-To"] == "courage@ki-soest.example"


def test_without_a_contact_address_replies_to_a_reminder_go_to_the_sender(app, client, users):
    assert app.config["KI_CONTACT_EMAIL"] is None
    login(client, users["ki"])
    post_form(client, "/koordination/erinnerungen", reminder_form(users["school_a"].id))
    [mail] = sent_mails()
    assert mail["Reply-To"] == users["ki"].email


def test_rejected_registration_can_be_answered_to_the_ki(app, client, users, db):
    app.config["KI_CONTACT_EMAIL"] = "courage@ki-soest.example"
    pending = users["school_pending"]
    registrant = factories.UserFactory(role=factories.Role.COORDINATOR)
    pending.registered_by_id = registrant.id
    db.session.commit()
    login(client, users["ki"])
    post_form(client, f"/koordination/registrierungen/{pending.id}/ablehnen", {"reason": "Keine Schule im Kreis"})
    [mail] = mails_to(registrant.email)
    assert mail["Reply-To"] == "courage@ki-soest.example"


# --- "Kontakt zur Koordination" --------------------------------------------------------------------------------


def contact_path(school) -> str:
    return f"/schulen/{school.slug}/kontakt-koordination"


MESSAGE = {"subject": "Frage zum Aktionstag", "message": "Wer kann uns im März bei einem Workshop beraten?"}


def test_coordinator_writes_to_the_ki_contact_address_and_the_copy_stays_on_the_timeline(app, client, users, db):
    app.config["KI_CONTACT_EMAIL"] = "courage@ki-soest.example"
    school, coordinator = users["school_a"], users["coord_a"]
    login(client, coordinator)
    manage = client.get(f"/schulen/{school.slug}/verwalten").get_data(as_text=True)
    assert f'href="{contact_path(school)}"' in manage
    assert post_form(client, contact_path(school), MESSAGE).status_code == 302
    [mail] = sent_mails()
    assert mail["To"] == "courage@ki-soest.example"
    assert mail["Reply-To"] == coordinator.email
    assert "Frage zum Aktionstag" in mail["Subject"] and school.name in mail["Subject"]
    assert "Wer kann uns im März bei einem Workshop beraten?" in text_of(mail)
    assert f"http://localhost/koordination/schulen/{school.id}" in text_of(mail)

    event = db.session.scalars(select(SchoolEvent).where(SchoolEvent.kind == EventKind.MESSAGE)).one()
    assert (event.school_id, event.user_id, event.internal) == (school.id, coordinator.id, True)
    assert "Wer kann uns im März" in event.note
    ki = app.test_client()
    login(ki, users["ki"])
    assert "Wer kann uns im März" in ki.get(f"/koordination/schulen/{school.id}").get_data(as_text=True)
    public = app.test_client().get(f"/schulen/{school.slug}").get_data(as_text=True)
    assert "Wer kann uns im März" not in public


def test_without_a_contact_address_the_message_goes_to_every_active_ki_account(client, users, second_ki):
    login(client, users["coord_a"])
    post_form(client, contact_path(users["school_a"]), MESSAGE)
    assert sorted(m["To"] for m in sent_mails()) == sorted([users["ki"].email, second_ki.email])
    assert all(m["Reply-To"] == users["coord_a"].email for m in sent_mails())


@pytest.mark.parametrize(
    "data",
    [
        {**MESSAGE, "subject": "Frage\nBcc: alle@example.org"},  # a header line smuggled into the subject
        {**MESSAGE, "subject": "x" * 151},
        {**MESSAGE, "message": "kurz"},
        {**MESSAGE, "message": "x" * 5001},
        {**MESSAGE, "subject": " "},
    ],
)
def test_invalid_message_is_shown_again_and_sends_nothing(client, users, db, data):
    login(client, users["coord_a"])
    response = post_form(client, contact_path(users["school_a"]), data)
    assert response.status_code == 200
    assert 'class="error-summary"' in response.get_data(as_text=True)
    assert sent_mails() == []
    assert db.session.scalar(select(func.count()).where(SchoolEvent.kind == EventKind.MESSAGE)) == 0


def test_only_the_schools_own_coordinators_can_write(app, client, users):
    school = users["school_a"]
    login(client, users["coord_b"])
    assert post_form(client, contact_path(school), MESSAGE).status_code == 403
    ki = app.test_client()
    login(ki, users["ki"])
    assert ki.get(contact_path(school)).status_code == 403
    assert 'kontakt-koordination"' not in ki.get(f"/schulen/{school.slug}/verwalten").get_data(as_text=True)
    assert app.test_client().get(contact_path(school)).status_code == 302  # to the sign-in page
    assert sent_mails() == []


def test_an_account_can_send_ten_messages_an_hour(client, users, db):
    login(client, users["coord_a"])
    for _ in range(10):
        assert post_form(client, contact_path(users["school_a"]), MESSAGE).status_code == 302
    assert post_form(client, contact_path(users["school_a"]), MESSAGE).status_code == 429
    assert db.session.scalar(select(func.count()).where(SchoolEvent.kind == EventKind.MESSAGE)) == 10
    assert len(sent_mails()) == 10


# --- the weekly digest -----------------------------------------------------------------------------------------


def test_digest_lists_only_pending_registrations_of_the_week_each_place_named_once(app, users, db):
    factories.SchoolFactory(name="Grundschule am Lindenweg", municipality="Ense", approval=factories.Approval.PENDING)
    old = factories.SchoolFactory(
        name="Hauptschule Vorjahr", municipality="Geseke", approval=factories.Approval.PENDING
    )
    old.created_at = old.created_at - timedelta(days=10)
    factories.SchoolFactory(name="Berufskolleg Abgelehnt", approval=factories.Approval.REJECTED)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["send-digest"])
    assert result.exit_code == 0, result.output
    [mail] = mails_to(users["ki"].email)  # Kreis Unna's staff get their own digest
    lines = text_of(mail).splitlines()
    listed = [line for line in lines if line.startswith("- ")]
    # school_a and school_b were created this week too, but they are admitted members: no news for the KI.
    assert listed == ["- Realschule an der Aue Werl", "- Grundschule am Lindenweg (Ense)"]
    assert "Neue Registrierungen: 2" in lines
