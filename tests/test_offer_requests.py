"""Requests for a partner's offer: a coordinator asks, the partner answers, the offer takes place, the school reports.

Also: one open request per school and offer, conflicts of two answers at once, what the mails carry (and what not),
who sees which request (a partner only its own, a coordinator only their schools'), the prefilled report and the
partner on the published report, deletion with the school, and the boxes other pages include.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
from flask import render_template_string
from sqlalchemy import func, select

from courage_hub.activities.models import Activity
from courage_hub.core.db import utcnow
from courage_hub.core.mail import outbox_messages
from courage_hub.core.models import OutboxMail
from courage_hub.extensions import db
from courage_hub.partners.models import OfferRequest, RequestStatus
from courage_hub.partners.request_reports import activity_type_for

from . import factories
from .conftest import csrf_token, login, post_form

WISHES = {
    "preferred_dates": "Zweite Märzhälfte, dienstags vormittags",
    "group_size": "26",
    "grade": "9",
    "note": "Die Klasse hat das Thema im Geschichtsunterricht vorbereitet.",
}


def sent_mails() -> list[EmailMessage]:
    return [BytesParser(policy=policy.default).parsebytes(path.read_bytes()) for path in outbox_messages()]


def mails_to(address: str) -> list[EmailMessage]:
    return [mail for mail in sent_mails() if mail["To"] == address]


def text_of(mail: EmailMessage) -> str:
    return mail.get_body(("plain",)).get_content()


@pytest.fixture
def sign_in(app, users):
    """``sign_in("partner")``: a new client signed in as that role's account (one client per person)."""

    def _sign_in(role: str):
        client = app.test_client()
        if role != "anonymous":
            login(client, users[role])
        return client

    return _sign_in


@pytest.fixture
def offer(users):
    """A free workshop of Kreis Soest's partner (which has the account ``partner``) on two topics."""
    return factories.OfferFactory(
        partner=users["partner_soest"],
        title="Workshop: Antisemitismus erkennen",
        topics=["Antisemitismus", "Erinnerungskultur und Gedenken"],
    )


def ask(client, offer, **fields):
    return post_form(client, f"/angebote/{offer.id}/anfragen", {**WISHES, **fields})


def only_request() -> OfferRequest:
    (found,) = db.session.scalars(select(OfferRequest)).all()
    return found


def answer(client, request_id: int, decision: str, note: str = "", version: int | None = None):
    data = {"decision": decision, "note": note, "version": str(version if version is not None else 1)}
    return post_form(client, f"/anfragen/{request_id}/antworten", data)


def act(client, request_id: int, action: str, version: int):
    return post_form(client, f"/anfragen/{request_id}/{action}", {"version": str(version)})


# --- asking ------------------------------------------------------------------------------------------------------


def test_a_coordinator_asks_and_the_partner_gets_a_mail_with_what_it_needs(users, sign_in, offer):
    partner = users["partner_soest"]
    client = sign_in("coord_a")
    form = client.get(f"/angebote/{offer.id}/anfragen").get_data(as_text=True)
    assert "Bitte nennen Sie keine Namen von Schüler*innen." in form

    response = ask(client, offer)

    saved = only_request()
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/anfragen/{saved.id}")
    assert (saved.school_id, saved.offer_id, saved.partner_id) == (users["school_a"].id, offer.id, partner.id)
    assert saved.requested_by_id == users["coord_a"].id and saved.status == RequestStatus.REQUESTED
    assert (saved.preferred_dates, saved.group_size, saved.grade) == (WISHES["preferred_dates"], 26, "9")
    assert saved.note == WISHES["note"]
    # The partner's public contact and its account each get one mail; replies go to the coordinator.
    recipients = sorted(m["To"] for m in sent_mails())
    assert recipients == sorted([partner.contact_email, users["partner"].email])
    mail = mails_to(partner.contact_email)[0]
    assert mail["Reply-To"] == users["coord_a"].email
    assert offer.title in mail["Subject"] and users["school_a"].name in mail["Subject"]
    body = text_of(mail)
    for expected in (offer.title, users["school_a"].name, "Lippstadt", WISHES["preferred_dates"], "26", WISHES["note"]):
        assert expected in body
    assert "Coordinator A" in body
    assert f"http://localhost/anfragen/{saved.id}" in body  # the partner has an account: the link to answer
    row = db.session.scalar(select(OutboxMail).where(OutboxMail.to_addr == partner.contact_email))
    assert row.kind == "offer_request" and row.region_id == users["school_a"].region_id


def test_the_partner_mail_carries_no_more_personal_data_than_needed(users, sign_in, offer, db):
    school = users["school_a"]
    school.street, school.postcode, school.public_email = "Lindenweg 4", "59555", "sekretariat@lindenhof.example"
    school.needs_contact, school.needs_contact_reason = True, "Seit einem Jahr kein Bericht"
    second = factories.UserFactory(name="Zweite Koordination Lindenhof", email="zweite@lindenhof.example")
    factories.MembershipFactory(user=second, school=school)
    factories.OfferRequestFactory(offer=offer, school=users["school_b"], note="Notiz vom Wall")
    db.session.commit()

    ask(sign_in("coord_a"), offer)

    mail = mails_to(users["partner_soest"].contact_email)[0]
    text = mail.as_string()
    body = text_of(mail)
    for private in (
        school.schulnummer,
        "Lindenweg",
        "59555",
        "sekretariat@lindenhof.example",
        "Seit einem Jahr kein Bericht",
        "Zweite Koordination",
        "zweite@lindenhof.example",
        users["school_b"].name,  # another school's request for the same offer
        "Notiz vom Wall",
        users["coord_b"].email,
    ):
        assert private not in text, private
    assert users["coord_a"].email not in body  # the address is only the Reply-To header


def test_a_second_open_request_of_the_school_is_refused_with_a_link_to_the_open_one(users, sign_in, offer):
    client = sign_in("coord_a")
    ask(client, offer)
    first = only_request()
    mails = len(sent_mails())

    again = ask(client, offer, note="Noch einmal")

    page = again.get_data(as_text=True)
    assert again.status_code == 200
    assert "Bitte prüfen Sie Ihre Eingaben" in page and "hat dieses Angebot bereits angefragt" in page
    assert f'href="/anfragen/{first.id}"' in page
    assert db.session.scalar(select(func.count(OfferRequest.id))) == 1 and len(sent_mails()) == mails
    # The GET page says so before anyone types.
    assert f'href="/anfragen/{first.id}"' in client.get(f"/angebote/{offer.id}/anfragen").get_data(as_text=True)


def test_after_withdrawing_the_school_may_ask_again_and_the_partner_is_told(users, sign_in, offer):
    client = sign_in("coord_a")
    ask(client, offer)
    first = only_request()

    response = act(client, first.id, "zurueckziehen", first.version)

    assert response.status_code == 302
    db.session.refresh(first)
    assert first.status == RequestStatus.WITHDRAWN
    withdrawn = [m for m in mails_to(users["partner_soest"].contact_email) if "Zurückgezogen" in m["Subject"]]
    assert len(withdrawn) == 1 and withdrawn[0]["Reply-To"] == users["coord_a"].email
    assert ask(client, offer).status_code == 302
    assert db.session.scalar(select(func.count(OfferRequest.id))) == 2


@pytest.mark.parametrize("change", ["review", "expired", "archived_partner"])
def test_only_current_offers_can_be_requested(users, sign_in, offer, change, db):
    if change == "review":
        offer.state = factories.OfferState.REVIEW
    elif change == "expired":
        offer.available_until = date.today() - timedelta(days=2)
    else:
        users["partner_soest"].archived_at = utcnow()
    db.session.commit()
    client = sign_in("coord_a")
    assert client.get(f"/angebote/{offer.id}/anfragen").status_code == 404
    assert ask(client, offer).status_code == 404
    assert db.session.scalar(select(func.count(OfferRequest.id))) == 0


def test_a_school_outside_the_partners_area_cannot_ask(users, sign_in, offer):
    client = sign_in("coord_c")  # Kreis Unna: the partner serves Kreis Soest only
    assert client.get(f"/angebote/{offer.id}/anfragen").status_code == 403
    assert ask(client, offer).status_code == 403
    assert db.session.scalar(select(func.count(OfferRequest.id))) == 0


def test_a_nationwide_partner_serves_every_school(users, sign_in, db):
    partner = factories.PartnerFactory(name="Bundesweites Netzwerk", nationwide=True, regions=[])
    nationwide = factories.OfferFactory(partner=partner)
    assert ask(sign_in("coord_c"), nationwide).status_code == 302
    assert only_request().school_id == users["school_c"].id


def test_a_coordinator_of_several_schools_chooses_one_and_never_another_schools(users, sign_in, offer, db):
    factories.MembershipFactory(user=users["coord_a"], school=users["school_b"])
    client = sign_in("coord_a")
    page = client.get(f"/angebote/{offer.id}/anfragen").get_data(as_text=True)
    assert users["school_a"].name in page and users["school_b"].name in page
    assert users["school_c"].name not in page

    foreign = ask(client, offer, school=str(users["school_c"].id))
    missing = ask(client, offer)
    assert foreign.status_code == 200 and missing.status_code == 200
    assert "Bitte wählen Sie eine Schule aus." in missing.get_data(as_text=True)
    assert db.session.scalar(select(func.count(OfferRequest.id))) == 0

    assert ask(client, offer, school=str(users["school_b"].id)).status_code == 302
    assert only_request().school_id == users["school_b"].id


def test_a_failed_form_keeps_the_input_and_shows_a_german_summary(users, sign_in, offer):
    client = sign_in("coord_a")
    response = ask(client, offer, preferred_dates="", group_size="0", note="Bleibt stehen")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="error-summary"' in page and "Bitte nennen Sie Wunschtermine oder einen Zeitraum." in page
    assert 'href="#group_size"' in page and "Bleibt stehen" in page
    assert db.session.scalar(select(func.count(OfferRequest.id))) == 0


@pytest.mark.parametrize("role", ["ki", "partner", "admin", "land_nrw"])
def test_nobody_but_coordinators_asks(users, sign_in, offer, role):
    assert sign_in(role).get(f"/angebote/{offer.id}/anfragen").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, offer):
    response = client.get(f"/angebote/{offer.id}/anfragen")
    assert response.status_code == 302 and "/anmelden" in response.headers["Location"]


# --- answering ---------------------------------------------------------------------------------------------------


@pytest.fixture
def asked(users, offer):
    """School A's open request for the offer (made by coordinator A)."""
    return factories.OfferRequestFactory(offer=offer, school=users["school_a"], requested_by_id=users["coord_a"].id)


def test_the_partner_accepts_with_a_note_and_the_coordinator_gets_it_by_mail(users, sign_in, asked):
    client = sign_in("partner")

    response = answer(client, asked.id, "accept", "Gern am 24. März um 8 Uhr.", asked.version)

    assert response.status_code == 302
    db.session.refresh(asked)
    assert asked.status == RequestStatus.ACCEPTED and asked.response_note == "Gern am 24. März um 8 Uhr."
    assert asked.answered_by_id == users["partner"].id and asked.answered_at is not None
    (mail,) = mails_to(users["coord_a"].email)
    assert "Zugesagt" in mail["Subject"] and mail["Reply-To"] == users["partner_soest"].contact_email
    assert "Gern am 24. März um 8 Uhr." in text_of(mail) and f"/anfragen/{asked.id}" in text_of(mail)
    # The coordinator reads the answer on the request's page.
    page = sign_in("coord_a").get(f"/anfragen/{asked.id}").get_data(as_text=True)
    assert "Zugesagt" in page and "Gern am 24. März um 8 Uhr." in page


def test_a_decline_reaches_every_coordinator_once_the_one_who_asked_has_left(users, sign_in, asked, db):
    from courage_hub.schools.models import Membership

    other = factories.UserFactory(name="Nachfolge", email="nachfolge@lindenhof.example")
    factories.MembershipFactory(user=other, school=users["school_a"])
    db.session.execute(
        Membership.__table__.delete().where(
            Membership.user_id == users["coord_a"].id, Membership.school_id == users["school_a"].id
        )
    )
    db.session.commit()

    answer(sign_in("partner"), asked.id, "decline", "Leider ausgebucht.")

    assert [m["To"] for m in sent_mails()] == ["nachfolge@lindenhof.example"]
    assert "Abgesagt" in sent_mails()[0]["Subject"]


def test_two_answers_at_once_only_the_first_counts(app, users, sign_in, asked):
    second_account = factories.partner_account(users["partner_soest"], name="Zweites Konto")
    first = sign_in("partner")
    other = app.test_client()
    login(other, second_account)
    version = asked.version  # both pages were opened before either answered

    accepted = answer(first, asked.id, "accept", "Wir kommen.", version)
    overtaken = answer(other, asked.id, "decline", "Wir können nicht.", version)

    assert accepted.status_code == 302
    assert overtaken.status_code == 409
    page = overtaken.get_data(as_text=True)
    assert "zwischenzeitlich geändert" in page and "Wir können nicht." in page  # shown so nothing typed is lost
    db.session.refresh(asked)
    assert asked.status == RequestStatus.ACCEPTED and asked.response_note == "Wir kommen."
    assert len(mails_to(users["coord_a"].email)) == 1
    # Even with the current version, an answered request takes no second answer.
    again = answer(other, asked.id, "decline", "Doch nicht", asked.version)
    assert again.status_code == 409 and "Zugesagt" in again.get_data(as_text=True)
    db.session.refresh(asked)
    assert asked.status == RequestStatus.ACCEPTED and asked.response_note == "Wir kommen."


def test_a_withdrawal_after_an_unseen_acceptance_is_a_conflict(users, sign_in, asked):
    coordinator = sign_in("coord_a")
    seen = asked.version
    answer(sign_in("partner"), asked.id, "accept", "", seen)

    response = act(coordinator, asked.id, "zurueckziehen", seen)

    assert response.status_code == 409
    db.session.refresh(asked)
    assert asked.status == RequestStatus.ACCEPTED


def test_an_answer_without_a_decision_shows_the_form_again(users, sign_in, asked):
    response = post_form(sign_in("partner"), f"/anfragen/{asked.id}/antworten", {"note": "Hm", "version": "1"})
    assert response.status_code == 200
    assert "Bitte wählen Sie, ob Sie zusagen oder absagen." in response.get_data(as_text=True)
    db.session.refresh(asked)
    assert asked.status == RequestStatus.REQUESTED


@pytest.mark.parametrize("version", ["", "-1", "99999999999999999999", "abc"])
def test_forged_versions_change_nothing(users, sign_in, asked, version):
    response = post_form(
        sign_in("partner"), f"/anfragen/{asked.id}/antworten", {"decision": "accept", "version": version}
    )
    assert response.status_code == 409
    db.session.refresh(asked)
    assert asked.status == RequestStatus.REQUESTED


# --- carried out, and the report ------------------------------------------------------------------------------


def test_from_request_to_published_report_naming_the_partner(app, users, sign_in, asked, offer, db):
    partner_client = sign_in("partner")
    answer(partner_client, asked.id, "accept", "", asked.version)
    db.session.refresh(asked)
    assert act(partner_client, asked.id, "durchgefuehrt", asked.version).status_code == 302
    db.session.refresh(asked)
    assert asked.status == RequestStatus.DONE and asked.done_at is not None
    done_mail = [m for m in mails_to(users["coord_a"].email) if "Durchgeführt" in m["Subject"]]
    assert len(done_mail) == 1 and f"/anfragen/{asked.id}" in text_of(done_mail[0])

    coordinator = sign_in("coord_a")
    detail = coordinator.get(f"/anfragen/{asked.id}").get_data(as_text=True)
    assert f"/anfragen/{asked.id}/bericht" in detail
    to_form = coordinator.get(f"/anfragen/{asked.id}/bericht")
    assert to_form.status_code == 302
    location = to_form.headers["Location"]
    assert location.startswith("/aktivitaeten/neu?") and f"anfrage={asked.id}" in location
    form = coordinator.get(location).get_data(as_text=True)
    assert f'value="{offer.title}"' in form
    assert '<option selected value="Workshop">' in form
    checked = re.findall(r'<input checked id="topics-\d+" name="topics"[^>]* value="([^"]+)"', form)
    assert checked == ["Antisemitismus", "Erinnerungskultur und Gedenken"]
    assert f'value="{users["partner_soest"].name}"' in form
    assert f'name="anfrage" value="{asked.id}"' in form

    saved = post_form(
        coordinator,
        "/aktivitaeten/neu",
        {
            "schule": users["school_a"].slug,
            "anfrage": str(asked.id),
            "title": offer.title,
            "start_date": date.today().isoformat(),
            "activity_type": "Workshop",
            "topics": ["Antisemitismus"],
            "partners": users["partner_soest"].name,
            "description": "Die Klasse 9b hat mit der Gedenkstätte gearbeitet.",
            "counts_as_project": "y",
            "action": "publish",
        },
    )

    assert saved.status_code == 302
    activity = db.session.scalar(select(Activity).where(Activity.title == offer.title))
    assert (activity.partner_id, activity.offer_id) == (users["partner_soest"].id, offer.id)
    db.session.refresh(asked)
    assert asked.activity_id == activity.id
    page = app.test_client().get(f"/aktivitaeten/{activity.id}").get_data(as_text=True)
    assert "Mit Kooperationspartner" in page and users["partner_soest"].name in page
    # The request's page leads to the report; once reported, the request offers no second report.
    for role in ("coord_a", "partner"):
        detail = sign_in(role).get(f"/anfragen/{asked.id}").get_data(as_text=True)
        assert f'href="/aktivitaeten/{activity.id}"' in detail and f"/anfragen/{asked.id}/bericht" not in detail
    again = coordinator.get(f"/anfragen/{asked.id}/bericht")
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/anfragen/{asked.id}")


def test_the_published_report_links_the_partners_page_when_it_exists(app, users, offer, db):
    if "offers.partner" not in app.view_functions:
        app.add_url_rule("/angebote/partner/<int:partner_id>", "offers.partner", lambda partner_id: "")
    activity = factories.ActivityFactory(school=users["school_a"], partner_id=users["partner_soest"].id)
    activity.offer_id = offer.id
    db.session.commit()
    page = app.test_client().get(f"/aktivitaeten/{activity.id}").get_data(as_text=True)
    assert f'href="/angebote/partner/{users["partner_soest"].id}"' in page
    users["partner_soest"].archived_at = utcnow()  # no longer listed: named, not linked
    db.session.commit()
    page = app.test_client().get(f"/aktivitaeten/{activity.id}").get_data(as_text=True)
    assert users["partner_soest"].name in page and f'/angebote/partner/{users["partner_soest"].id}"' not in page


def test_a_report_needs_a_request_carried_out(users, sign_in, asked, offer):
    client = sign_in("coord_a")
    response = client.get(f"/anfragen/{asked.id}/bericht")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/anfragen/{asked.id}")
    form = client.get(f"/aktivitaeten/neu?anfrage={asked.id}").get_data(as_text=True)
    assert 'name="anfrage"' not in form and offer.title not in form
    assert sign_in("partner").get(f"/anfragen/{asked.id}/bericht").status_code == 403


@pytest.mark.parametrize("value", ["abc", "-1", "0", "99999999999999999999", "%00", "1e9"])
def test_hostile_request_ids_on_the_report_form_are_ignored(users, sign_in, value):
    response = sign_in("coord_a").get(f"/aktivitaeten/neu?anfrage={value}")
    assert response.status_code == 200 and 'name="anfrage"' not in response.get_data(as_text=True)


def test_another_schools_request_never_prefills_or_links_a_report(users, sign_in, offer, db):
    theirs = factories.OfferRequestFactory(offer=offer, school=users["school_b"], status=RequestStatus.DONE)
    client = sign_in("coord_a")
    form = client.get(f"/aktivitaeten/neu?anfrage={theirs.id}").get_data(as_text=True)
    assert offer.title not in form
    post_form(
        client,
        "/aktivitaeten/neu",
        {
            "anfrage": str(theirs.id),
            "title": "Eigener Bericht",
            "start_date": date.today().isoformat(),
            "activity_type": "Workshop",
            "topics": ["Rassismus"],
            "action": "draft",
        },
    )
    activity = db.session.scalar(select(Activity).where(Activity.title == "Eigener Bericht"))
    assert activity is not None and activity.partner_id is None
    db.session.refresh(theirs)
    assert theirs.activity_id is None


@pytest.mark.parametrize(
    ("format_", "activity_type"),
    [
        ("Workshop", "Workshop"),
        ("Ausstellung", "Ausstellung"),
        ("Theater/Film", "Theater/Kunst/Musik"),
        ("Gedenkstättenfahrt", "Fahrt/Exkursion"),
        ("Projekttag", "Projekttag/Projektwoche"),
        ("Fortbildung für Lehrkräfte", "Fortbildung"),
        ("Vortrag", "Sonstiges"),
        ("Sonstiges", "Sonstiges"),
    ],
)
def test_the_offers_format_becomes_the_type_of_activity(format_, activity_type):
    assert activity_type_for(format_) == activity_type


def test_marking_done_needs_an_accepted_request(users, sign_in, asked):
    response = act(sign_in("coord_a"), asked.id, "durchgefuehrt", asked.version)
    assert response.status_code == 302
    db.session.refresh(asked)
    assert asked.status == RequestStatus.REQUESTED


def test_the_coordinator_marks_done_without_mailing_themselves(users, sign_in, asked, db):
    asked.status = RequestStatus.ACCEPTED
    db.session.commit()
    assert act(sign_in("coord_a"), asked.id, "durchgefuehrt", asked.version).status_code == 302
    db.session.refresh(asked)
    assert asked.status == RequestStatus.DONE and mails_to(users["coord_a"].email) == []


# --- who sees what ---------------------------------------------------------------------------------------------


def test_a_partner_account_sees_only_its_own_partners_requests(users, sign_in, asked, offer):
    unna_offer = factories.OfferFactory(partner=users["partner_unna"], title="Theaterstück Mut")
    theirs = factories.OfferRequestFactory(offer=unna_offer, school=users["school_c"], note="Notiz aus Unna")
    soest = sign_in("partner")
    inbox = soest.get("/partnerbereich/anfragen").get_data(as_text=True)
    assert offer.title in inbox and users["school_a"].name in inbox
    assert "Theaterstück Mut" not in inbox and users["school_c"].name not in inbox
    for action in ("", "/bericht"):
        assert soest.get(f"/anfragen/{theirs.id}{action}").status_code == 404
    for action in ("antworten", "durchgefuehrt", "zurueckziehen"):
        assert act(soest, theirs.id, action, theirs.version).status_code == 404
    db.session.refresh(theirs)
    assert theirs.status == RequestStatus.REQUESTED

    unna = sign_in("partner_unna_account")
    assert unna.get(f"/anfragen/{asked.id}").status_code == 404
    assert "Notiz aus Unna" in unna.get(f"/anfragen/{theirs.id}").get_data(as_text=True)


def test_a_partner_account_never_opens_a_schools_internal_pages(users, sign_in, asked):
    client = sign_in("partner")
    slug = users["school_a"].slug
    for path in (
        f"/schulen/{slug}/verwalten",
        f"/schulen/{slug}/bearbeiten",
        f"/schulen/{slug}/abstimmung",
        f"/koordination/schulen/{users['school_a'].id}",
        "/koordination/anfragen/",
        "/anfragen/",
        "/meine-schulen",
    ):
        assert client.get(path).status_code in (403, 404), path
    # Its view of the request names the school publicly known, not its coordinators' contacts.
    page = client.get(f"/anfragen/{asked.id}").get_data(as_text=True)
    assert users["school_a"].name in page and users["coord_a"].email not in page
    assert f"/schulen/{slug}/verwalten" not in page


def test_coordinator_b_neither_sees_nor_acts_on_school_as_request(users, sign_in, asked, offer):
    client = sign_in("coord_b")
    assert offer.title not in client.get("/anfragen/").get_data(as_text=True)
    assert client.get(f"/anfragen/{asked.id}").status_code == 404
    assert client.get(f"/anfragen/{asked.id}/bericht").status_code == 404
    for action in ("antworten", "durchgefuehrt", "zurueckziehen"):
        assert act(client, asked.id, action, asked.version).status_code == 404
    db.session.refresh(asked)
    assert asked.status == RequestStatus.REQUESTED


def test_the_coordinators_list_shows_their_schools_requests_open_first(users, sign_in, offer, asked, db):
    older = factories.OfferRequestFactory(
        offer=factories.OfferFactory(partner=users["partner_soest"], title="Ausstellung Vielfalt"),
        school=users["school_a"],
        status=RequestStatus.DONE,
    )
    older.created_at = utcnow() + timedelta(minutes=5)  # newer, but done: listed after the open one
    db.session.commit()
    page = sign_in("coord_a").get("/anfragen/").get_data(as_text=True)
    assert page.index(offer.title) < page.index("Ausstellung Vielfalt")
    only_done = sign_in("coord_a").get("/anfragen/?status=done").get_data(as_text=True)
    assert "Ausstellung Vielfalt" in only_done and offer.title not in only_done


@pytest.mark.parametrize("query", ["status=%00", "status=99999999999999999999", "status=<script>", "seite=-1"])
def test_hostile_status_filters_give_the_whole_list(users, sign_in, asked, offer, query):
    for role, path in (("coord_a", "/anfragen/"), ("partner", "/partnerbereich/anfragen")):
        response = sign_in(role).get(f"{path}?{query}")
        assert response.status_code == 200 and offer.title in response.get_data(as_text=True)


# --- retention and privacy ---------------------------------------------------------------------------------------


def test_requests_are_deleted_with_the_school(app, users, asked, offer, db):
    from courage_hub.core.db import write_transaction
    from courage_hub.maintenance import delete_schools

    kept = factories.OfferRequestFactory(offer=offer, school=users["school_b"])
    with write_transaction():
        delete_schools([users["school_a"].id])
    assert db.session.scalars(select(OfferRequest.id)).all() == [kept.id]


def test_the_data_export_lists_the_requests_i_made_and_answered(users, sign_in, asked, db):
    mine = sign_in("coord_a").get("/konto/daten.json").get_json()
    assert [r["id"] for r in mine["offer_requests_made"]] == [asked.id]
    assert mine["offer_requests_made"][0]["note"] == asked.note
    answer(sign_in("partner"), asked.id, "accept", "", asked.version)
    partner = sign_in("partner").get("/konto/daten.json").get_json()
    assert [r["id"] for r in partner["offer_requests_answered"]] == [asked.id]
    assert sign_in("coord_b").get("/konto/daten.json").get_json()["offer_requests_made"] == []


def test_the_privacy_page_says_what_a_request_stores_who_sees_it_and_when_it_goes(client):
    page = client.get("/datenschutz").get_data(as_text=True)
    assert "Anfragen einer Schule" in page and "zusammen mit den übrigen Daten der Schule gelöscht" in page


# --- the boxes other pages include ----------------------------------------------------------------------------

OFFER_BOX = '{% include "partners/requests/_offer_box.html" %}'


def _box(app, user, offer) -> str:
    """The offer page's box as ``user`` (None: an anonymous visitor) sees it."""
    from flask_login import login_user

    with app.test_request_context("/"):
        if user is not None:
            login_user(user)
        return render_template_string(OFFER_BOX, offer=offer)


def test_the_offer_box_invites_visitors_and_coordinators_and_says_nothing_to_others(app, users, offer):
    anonymous = _box(app, None, offer)
    assert "Zum Anfragen anmelden" in anonymous and f"/angebote/{offer.id}/anfragen" in anonymous

    coordinator = _box(app, users["coord_a"], offer)
    assert f'href="/angebote/{offer.id}/anfragen"' in coordinator and "Angebot anfragen" in coordinator

    factories.OfferRequestFactory(offer=offer, school=users["school_a"])
    asked = _box(app, users["coord_a"], offer)
    assert "bereits angefragt" in asked and f'href="/angebote/{offer.id}/anfragen"' not in asked

    assert "nicht in der Region Ihrer Schule" in _box(app, users["coord_c"], offer)
    assert _box(app, users["partner"], offer).strip() == ""
    assert _box(app, users["ki"], offer).strip() == ""


def test_the_area_box_lists_the_accounts_requests_open_first(app, users, asked, offer):
    unna_offer = factories.OfferFactory(partner=users["partner_unna"], title="Theaterstück Mut")
    factories.OfferRequestFactory(offer=unna_offer, school=users["school_c"])
    from flask_login import login_user

    with app.test_request_context("/"):
        login_user(users["partner"])
        html = render_template_string('{% include "partners/requests/_area_box.html" %}')
    assert offer.title in html and "Offene Anfragen: 1" in html
    assert "Theaterstück Mut" not in html and "/partnerbereich/anfragen" in html


def test_coordinators_find_their_requests_in_the_navigation(users, sign_in):
    page = sign_in("coord_a").get("/anfragen/").get_data(as_text=True)
    assert 'href="/anfragen/" aria-current="page">Anfragen</a>' in page
    assert 'href="/anfragen/"' not in sign_in("ki").get("/koordination/").get_data(as_text=True).split("<main")[0]


def test_csrf_token_is_needed_to_answer(users, sign_in, asked):
    client = sign_in("partner")
    csrf_token(client)
    response = client.post(f"/anfragen/{asked.id}/antworten", data={"decision": "accept", "version": "1"})
    assert response.status_code == 400
    db.session.refresh(asked)
    assert asked.status == RequestStatus.REQUESTED


# --- at the same moment ----------------------------------------------------------------------------------------

RACERS = 4


def _race(app, work) -> list[BaseException]:
    """Run ``work(n)`` in RACERS threads at once, each like a worker of its own (app context, session)."""
    import threading

    barrier = threading.Barrier(RACERS, timeout=60)
    outcomes: list[BaseException] = []

    def run(n: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                work(n)
            except BaseException as error:  # collected and judged by the test
                outcomes.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.rollback()
    return outcomes


def test_a_school_asking_several_times_at_once_gets_one_open_request(app, users, offer):
    from courage_hub.auth.models import User
    from courage_hub.partners import requests as services
    from courage_hub.schools.models import School

    offer_id, school_id, user_id = offer.id, users["school_a"].id, users["coord_a"].id
    data = services.RequestData("Im Mai", 20, "9", "")

    def ask_now(n: int) -> None:
        found = services.current_offer(offer_id)
        school, user = db.session.get(School, school_id), db.session.get(User, user_id)
        db.session.commit()  # every racer writes from a fresh transaction
        services.create_request(found, school, user, data)

    errors = _race(app, ask_now)

    assert len(errors) == RACERS - 1 and all(isinstance(e, services.RequestRefused) for e in errors), errors
    assert db.session.scalar(select(func.count(OfferRequest.id))) == 1


def test_partner_accounts_answering_at_once_give_one_answer(app, users, asked):
    from courage_hub.auth.models import User
    from courage_hub.core.db import EditConflict
    from courage_hub.partners import requests as services

    accounts = [users["partner"].id] + [
        factories.partner_account(users["partner_soest"], name=f"Konto {n}").id for n in range(RACERS - 1)
    ]
    request_id = asked.id

    def answer_now(n: int) -> None:
        found = db.session.get(OfferRequest, request_id)
        user = db.session.get(User, accounts[n])
        db.session.commit()
        services.answer_request(found, user, n % 2 == 0, f"Antwort {n}", 1)

    errors = _race(app, answer_now)

    assert len(errors) == RACERS - 1 and all(isinstance(e, EditConflict) for e in errors), errors
    db.session.refresh(asked)
    assert asked.status in (RequestStatus.ACCEPTED, RequestStatus.DECLINED) and asked.version == 2
    assert len(mails_to(users["coord_a"].email)) == 1
