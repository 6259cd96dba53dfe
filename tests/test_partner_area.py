"""The partner's own area: its entries and offers with their states, proposals that wait for the keeping office's
review (the live entry stays), new offers in review, and nothing of another partner or of a school."""

from __future__ import annotations

from sqlalchemy import func, select

from courage_hub.activities.models import ActivityState
from courage_hub.core.db import utcnow
from courage_hub.partners import services
from courage_hub.partners.models import Offer, OfferState, Partner

from . import factories
from .conftest import login, post_form
from .test_partners_staff import OFFER, PARTNER, body, mails_to


def profile_form(partner: Partner, **changes) -> dict:
    return {**PARTNER, "name": partner.name, "regions": [str(partner.region_id)], **changes}


def test_a_partner_sees_its_entry_and_every_offer_with_its_state_and_nothing_of_another_partner(client, users):
    soest = users["partner_soest"]
    factories.OfferFactory(partner=soest, title="Führung durch die Gedenkstätte")
    factories.OfferFactory(partner=soest, title="Neuer Workshop", state=OfferState.REVIEW, published_at=None)
    factories.OfferFactory(
        partner=soest, title="Zu überarbeiten", state=OfferState.REJECTED, review_reason="Bitte Dauer ergänzen."
    )
    factories.OfferFactory(partner=users["partner_unna"], title="Theaterstück gegen Hass")
    login(client, users["partner"])
    page = client.get("/partnerbereich/").get_data(as_text=True)
    assert "<h1>Partnerbereich</h1>" in page
    assert "Gedenkstätte Möhnetal" in page and "Theater Courage Unna" not in page
    assert "Führung durch die Gedenkstätte" in page and "Theaterstück gegen Hass" not in page
    assert "In Prüfung" in page and "Veröffentlicht" in page
    assert "Zurückgegeben: Bitte Dauer ergänzen." in page
    assert 'href="/partnerbereich/"' in page  # the navigation's "Partnerbereich"


def test_start_sends_a_partner_account_to_its_area(client, users):
    login(client, users["partner"])
    assert client.get("/start").headers["Location"].endswith("/partnerbereich/")


def test_a_proposed_profile_change_leaves_the_live_entry_and_tells_the_office(client, users, db):
    partner = users["partner_soest"]
    login(client, users["partner"])
    response = post_form(
        client, f"/partnerbereich/profil/{partner.id}", profile_form(partner, name="Gedenkstätte Möhnetal e. V.")
    )
    assert response.status_code == 302
    db.session.expire_all()
    live = db.session.get(Partner, partner.id)
    assert live.name == "Gedenkstätte Möhnetal" and live.version == 1
    assert live.proposal["name"] == "Gedenkstätte Möhnetal e. V." and live.proposed_by_id == users["partner"].id
    (mail,) = mails_to(users["ki"].email)
    assert "Gedenkstätte Möhnetal" in mail["Subject"]
    assert f"/koordination/partner/pruefung/{partner.id}" in body(mail)
    assert not mails_to(users["ki_unna"].email)
    # The form shows the pending proposal, so that the partner goes on from there.
    page = client.get(f"/partnerbereich/profil/{partner.id}").get_data(as_text=True)
    assert 'value="Gedenkstätte Möhnetal e. V."' in page
    area = client.get("/partnerbereich/").get_data(as_text=True)
    assert "warten auf die Prüfung" in area


def test_a_failed_proposal_keeps_the_input(client, users, db):
    partner = users["partner_soest"]
    login(client, users["partner"])
    data = profile_form(partner, summary="Neue Kurzbeschreibung", topics=[], contact_email="keine-adresse")
    response = post_form(client, f"/partnerbereich/profil/{partner.id}", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Bitte prüfen Sie Ihre Eingaben" in page and "Bitte wählen Sie mindestens ein Thema." in page
    assert "Neue Kurzbeschreibung" in page and 'value="keine-adresse"' in page
    assert db.session.get(Partner, partner.id).proposed_at is None


def test_a_new_offer_waits_for_review_and_the_office_is_told(client, users, db):
    partner = users["partner_soest"]
    login(client, users["partner"])
    assert client.get("/partnerbereich/angebote/neu").status_code == 200
    response = post_form(client, f"/partnerbereich/angebote/neu?partner={partner.id}", dict(OFFER))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    offer = db.session.scalar(select(Offer).where(Offer.title == OFFER["title"]))
    assert offer.partner_id == partner.id and offer.state == OfferState.REVIEW and offer.published_at is None
    assert offer.keywords.startswith("Gedenkstätte Möhnetal Workshop")
    (mail,) = mails_to(users["ki"].email)
    assert f"/koordination/partner/pruefung/angebote/{offer.id}" in body(mail)


def test_changes_to_a_published_offer_wait_while_a_returned_one_is_changed_and_goes_back_to_review(client, users, db):
    partner = users["partner_soest"]
    live = factories.OfferFactory(partner=partner, title="Live-Titel")
    returned = factories.OfferFactory(
        partner=partner, title="Alter Titel", state=OfferState.REJECTED, review_reason="Bitte ergänzen."
    )
    login(client, users["partner"])
    assert post_form(client, f"/partnerbereich/angebote/{live.id}", {**OFFER, "title": "Vorschlag"}).status_code == 302
    assert (
        post_form(client, f"/partnerbereich/angebote/{returned.id}", {**OFFER, "title": "Ergänzt"}).status_code == 302
    )
    db.session.expire_all()
    published = db.session.get(Offer, live.id)
    assert published.title == "Live-Titel" and published.state == OfferState.PUBLISHED
    assert published.proposal["title"] == "Vorschlag" and published.proposed_at is not None
    again = db.session.get(Offer, returned.id)
    assert (again.title, again.state, again.review_reason) == ("Ergänzt", OfferState.REVIEW, "")
    assert again.version == 2
    page = client.get(f"/partnerbereich/angebote/{live.id}").get_data(as_text=True)
    assert 'value="Vorschlag"' in page  # the pending proposal, not the live text


def test_a_partner_cannot_touch_another_partners_entries(client, users, db):
    other = users["partner_unna"]
    offer = factories.OfferFactory(partner=other, title="Fremdes Angebot")
    login(client, users["partner"])
    for path in (f"/partnerbereich/profil/{other.id}", f"/partnerbereich/angebote/{offer.id}"):
        assert client.get(path).status_code == 404, path
        assert post_form(client, path, {**OFFER, **PARTNER}).status_code == 404, path
    response = post_form(client, f"/partnerbereich/angebote/neu?partner={other.id}", dict(OFFER))
    assert response.status_code == 404
    for path in (f"/koordination/partner/{other.id}", f"/koordination/partner/angebote/{offer.id}"):
        assert client.get(path).status_code == 403, path
    db.session.expire_all()
    assert db.session.get(Partner, other.id).proposed_at is None
    assert db.session.get(Offer, offer.id).title == "Fremdes Angebot"
    assert db.session.scalar(select(func.count()).select_from(Offer).where(Offer.title == OFFER["title"])) == 0


def test_a_partner_sees_no_school_internal_page(client, users, db):
    school = users["school_a"]
    draft = factories.ActivityFactory(school=school, state=ActivityState.DRAFT, published_at=None)
    login(client, users["partner"])
    for path in (
        f"/schulen/{school.slug}/verwalten",
        f"/schulen/{school.slug}/bearbeiten",
        f"/schulen/{school.slug}/abstimmung",
        "/meine-schulen",
        "/koordination/",
        "/koordination/schulen",
        "/koordination/partner/",
        f"/koordination/schulen/{school.id}",
        "/materialien/meine",
    ):
        assert client.get(path).status_code == 403, path
    assert client.get(f"/aktivitaeten/{draft.id}").status_code == 404


def test_the_area_is_only_for_partner_accounts(client, users):
    assert client.get("/partnerbereich/").status_code == 302  # to the sign-in
    login(client, users["coord_a"])
    assert client.get("/partnerbereich/").status_code == 403
    assert "/partnerbereich/" not in client.get("/meine-schulen", follow_redirects=True).get_data(as_text=True)


def test_an_archived_partners_entries_are_not_changed_from_the_area(client, users, db):
    partner = users["partner_soest"]
    offer = factories.OfferFactory(partner=partner)
    partner.archived_at = utcnow()
    db.session.commit()
    login(client, users["partner"])
    assert "ist archiviert" in client.get("/partnerbereich/").get_data(as_text=True)
    for path in (f"/partnerbereich/profil/{partner.id}", f"/partnerbereich/angebote/{offer.id}"):
        response = post_form(client, path, {**PARTNER, **OFFER})
        assert response.status_code == 302 and response.headers["Location"].endswith("/partnerbereich/")
    db.session.expire_all()
    assert db.session.get(Partner, partner.id).proposed_at is None
    assert db.session.get(Offer, offer.id).proposed_at is None


def test_approval_by_the_office_shows_in_the_area(client, users, db):
    """The whole round: the partner proposes, the office approves, the partner sees the new entry."""
    from courage_hub.partners import proposals

    partner = users["partner_soest"]
    login(client, users["partner"])
    post_form(client, f"/partnerbereich/profil/{partner.id}", profile_form(partner, summary="Neu gefasst"))
    staff = client.application.test_client()
    login(staff, users["ki"])
    stamp = proposals.stamp(db.session.get(Partner, partner.id))
    data = {"decision": "approve", "stamp": stamp}
    assert post_form(staff, f"/koordination/partner/pruefung/{partner.id}", data).status_code == 302
    db.session.expire_all()
    assert services.get_partner(partner.id).summary == "Neu gefasst"
    assert "warten auf die Prüfung" not in client.get("/partnerbereich/").get_data(as_text=True)
