"""The regional staff keep their regions' cooperation partners and offers: lists narrowed to their regions, new and
edited entries (logo re-encoded, keywords kept current), the conflict screen, archiving, the partner's accounts, and
the review of what a partner's account proposed (nothing changes the live entry before approval)."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from email import policy
from email.parser import BytesParser

import pytest
from PIL import Image
from sqlalchemy import func, select

from courage_hub.auth.models import Role, User
from courage_hub.core.db import utcnow
from courage_hub.core.mail import outbox_messages
from courage_hub.core.models import AuditEntry
from courage_hub.partners import proposals, services
from courage_hub.partners.models import Offer, OfferState, Partner, PartnerMember

from . import factories
from .conftest import login, post_form

PARTNER = {
    "name": "Lernort Synagoge Werl",
    "kind": "Gedenkstätte/Erinnerungsort",
    "summary": "Führungen zur jüdischen Geschichte der Stadt.",
    "description": "Wir zeigen **Spuren** jüdischen Lebens.",
    "topics": ["Antisemitismus", "Erinnerungskultur und Gedenken"],
    "lands": [],
    "contact_name": "Bildungsteam",
    "contact_email": "lernort@synagoge-werl.example",
    "contact_phone": "02922 1234",
    "address": "Steinergasse 1\n59457 Werl",
    "website": "https://synagoge-werl.example",
}
OFFER = {
    "title": "Workshop: Antisemitismus erkennen",
    "format": "Workshop",
    "topics": ["Antisemitismus"],
    "description": "Ein Workshop über Antisemitismus heute.",
    "audience": "pupils",
    "grade_min": "8",
    "grade_max": "10",
    "group_min": "10",
    "group_max": "30",
    "duration": "180 Minuten",
    "places": ["school", "online"],
    "cost_kind": "free",
    "cost_amount": "",
    "cost_note": "",
    "languages": "Deutsch, Englisch",
    "accessibility": "Stufenloser Zugang",
    "available_until": "",
}


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (900, 600), (20, 90, 160))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (51.0, 33.0, 0.0)}  # GPSInfo
    exif[0x010F] = "Kamerahersteller"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def partner_form(partner: Partner | None = None, **changes) -> dict:
    """The staff's partner form as a browser sends it (the partner's current version where it exists)."""
    data = {**PARTNER, "regions": [str(factories.default_region().id)], **changes}
    if partner is not None:
        data["version"] = str(partner.version)
    return data


def offer_form(offer: Offer | None = None, **changes) -> dict:
    data = {**OFFER, **changes}
    if offer is not None:
        data["version"] = str(offer.version)
    return data


def mails_to(address: str) -> list:
    found = []
    for path in outbox_messages():
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        if message["To"] == address:
            found.append(message)
    return found


def body(message) -> str:
    return message.get_body(("plain",)).get_content()


def account_exists(db, user_id: int) -> bool:
    return db.session.scalar(select(func.count()).select_from(User).where(User.id == user_id)) == 1


def audit_actions(db) -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


# --- lists --------------------------------------------------------------------------------------------------------


def test_each_office_lists_the_partners_it_keeps_with_their_figures(client, users, db):
    soest = users["partner_soest"]
    factories.OfferFactory(partner=soest, title="Aktuell")
    factories.OfferFactory(partner=soest, title="Abgelaufen", available_until=utcnow().date() - timedelta(days=1))
    factories.OfferFactory(partner=soest, title="Neu", state=OfferState.REVIEW)
    login(client, users["ki"])
    page = client.get("/koordination/partner/").get_data(as_text=True)
    assert "Gedenkstätte Möhnetal" in page and "Theater Courage Unna" not in page
    row = page.split(">Gedenkstätte Möhnetal</a>", 1)[1].split("</tr>", 1)[0]
    assert re.findall(r"<td>([^<]*)</td>", row)[1:] == ["1", "1", "1"], row  # current offers, accounts, waiting
    assert "Neues Angebot „Neu“" in page

    other = factories.UserFactory(role=Role.KI_STAFF, regions=[users["region_unna"]])
    unna = client.application.test_client()
    login(unna, other)
    page = unna.get("/koordination/partner/").get_data(as_text=True)
    assert "Theater Courage Unna" in page and "Gedenkstätte Möhnetal" not in page and "„Neu“" not in page


def test_the_dashboard_links_the_partner_pages_for_regional_staff_only(client, users):
    login(client, users["ki"])
    assert "/koordination/partner/" in client.get("/koordination/").get_data(as_text=True)
    other = client.application.test_client()
    login(other, users["land_nrw"])
    assert "/koordination/partner/" not in other.get("/koordination/").get_data(as_text=True)


# --- partners -----------------------------------------------------------------------------------------------------


def test_staff_create_a_partner_with_its_areas_topics_and_a_reencoded_logo(app, client, users, db):
    login(client, users["ki"])
    data = partner_form(lands=["SN"], logo=(io.BytesIO(jpeg_with_gps()), "logo.jpg"))
    response = post_form(client, "/koordination/partner/neu", data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    partner = db.session.scalar(select(Partner).where(Partner.name == "Lernort Synagoge Werl"))
    partner = services.get_partner(partner.id)
    assert response.headers["Location"].endswith(f"/koordination/partner/{partner.id}")
    assert partner.region_id == factories.default_region().id and partner.created_by_id == users["ki"].id
    assert partner.topic_names == ["Antisemitismus", "Erinnerungskultur und Gedenken"]
    assert [r.region_id for r in partner.served_regions] == [factories.default_region().id]
    assert [row.land for row in partner.served_lands] == ["SN"] and partner.nationwide is False
    assert partner.address == "Steinergasse 1\n59457 Werl"
    stored = app.instance_path + f"/uploads/logos/{partner.logo_filename}"
    with open(stored, "rb") as f:
        data = f.read()
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG" and max(image.size) <= 400 and not image.getexif()
    assert b"Kamerahersteller" not in data
    assert audit_actions(db)[-1] == "partner.create"


def test_a_failed_partner_form_keeps_the_input_and_says_what_is_missing(client, users, db):
    login(client, users["ki"])
    before = db.session.scalar(select(func.count()).select_from(Partner))
    data = partner_form(kind="", regions=[], website="www.ohne-schema.example")
    response = post_form(client, "/koordination/partner/neu", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Bitte prüfen Sie Ihre Eingaben" in page
    assert "Bitte wählen Sie die Art des Partners." in page
    assert "Bitte geben Sie an, wo der Partner arbeitet" in page
    assert "Bitte geben Sie eine vollständige Webadresse" in page
    assert 'value="Lernort Synagoge Werl"' in page and "Wir zeigen **Spuren** jüdischen Lebens." in page
    assert db.session.scalar(select(func.count()).select_from(Partner)) == before


def test_a_logo_that_is_no_image_is_refused_and_the_rest_kept(client, users, db):
    login(client, users["ki"])
    data = partner_form(logo=(io.BytesIO(b"<svg onload=alert(1)></svg>"), "logo.png"))
    response = post_form(client, "/koordination/partner/neu", data, content_type="multipart/form-data")
    assert response.status_code == 200
    assert 'value="Lernort Synagoge Werl"' in response.get_data(as_text=True)
    assert db.session.scalar(select(Partner).where(Partner.name == "Lernort Synagoge Werl")) is None


def test_a_chosen_logo_survives_a_failed_form_and_can_be_removed_later(app, client, users, db):
    import os

    login(client, users["ki"])
    data = partner_form(kind="", logo=(io.BytesIO(jpeg_with_gps()), "logo.jpg"))
    failed = post_form(client, "/koordination/partner/neu", data, content_type="multipart/form-data")
    page = failed.get_data(as_text=True)
    assert failed.status_code == 200 and "Bereits hochgeladen: logo.jpg" in page
    (token,) = re.findall(r'name="pending-partner-logo" value="([0-9a-f]{32})"', page)
    saved = post_form(client, "/koordination/partner/neu", partner_form(**{"pending-partner-logo": token}))
    assert saved.status_code == 302
    partner = db.session.scalar(select(Partner).where(Partner.name == PARTNER["name"]))
    stored = app.instance_path + f"/uploads/logos/{partner.logo_filename}"
    assert os.path.isfile(stored)
    removed = post_form(client, f"/koordination/partner/{partner.id}", partner_form(partner, remove_logo="y"))
    assert removed.status_code == 302
    db.session.expire_all()
    assert db.session.get(Partner, partner.id).logo_filename is None and not os.path.exists(stored)


def test_renaming_a_partner_refreshes_the_search_keywords_of_its_offers(client, users, db):
    partner = users["partner_soest"]
    offer = factories.OfferFactory(partner=partner, keywords="veraltet")
    login(client, users["ki"])
    response = post_form(client, f"/koordination/partner/{partner.id}", partner_form(partner, name="Gedenkort Möhne"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Partner, partner.id).name == "Gedenkort Möhne"
    assert db.session.get(Partner, partner.id).version == 2
    keywords = db.session.get(Offer, offer.id).keywords
    assert keywords.startswith("Gedenkort Möhne Workshop Antisemitismus")
    assert "partner.edit" in audit_actions(db)


def test_a_stale_partner_edit_gets_the_conflict_screen_and_overwrites_nothing(client, users, db):
    partner = users["partner_soest"]
    login(client, users["ki"])
    opened = partner_form(partner)  # two people open the form at version 1
    first = post_form(client, f"/koordination/partner/{partner.id}", {**opened, "name": "Erste Fassung"})
    assert first.status_code == 302
    stale = post_form(client, f"/koordination/partner/{partner.id}", {**opened, "name": "Zweite Fassung"})
    page = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "Inzwischen hat jemand anderes gespeichert" in page
    assert "Erste Fassung" in page and "Zweite Fassung" in page
    assert 'name="version" type="hidden" value="2"' in page or 'value="2"' in page
    db.session.expire_all()
    assert db.session.get(Partner, partner.id).name == "Erste Fassung"


def test_archiving_hides_a_partner_and_listing_it_again_brings_it_back(client, users, db):
    partner = users["partner_soest"]
    login(client, users["ki"])
    assert post_form(client, f"/koordination/partner/{partner.id}/archivieren").status_code == 302
    db.session.expire_all()
    assert db.session.get(Partner, partner.id).archived_at is not None
    page = client.get(f"/koordination/partner/{partner.id}").get_data(as_text=True)
    assert "Archiviert seit" in page and "Partner wieder anzeigen" in page
    assert post_form(client, f"/koordination/partner/{partner.id}/reaktivieren").status_code == 302
    db.session.expire_all()
    assert db.session.get(Partner, partner.id).archived_at is None
    assert audit_actions(db)[-2:] == ["partner.archive", "partner.reactivate"]


# --- offers -------------------------------------------------------------------------------------------------------


def test_staff_publish_a_new_offer_at_once_with_its_keywords(client, users, db):
    partner = users["partner_soest"]
    login(client, users["ki"])
    response = post_form(
        client, f"/koordination/partner/{partner.id}/angebote/neu", offer_form(cost_kind="amount", cost_amount="12,50")
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    offer = services.get_offer(db.session.scalar(select(Offer.id).where(Offer.title == OFFER["title"])))
    assert offer.state == OfferState.PUBLISHED and offer.published_at is not None
    assert (offer.grade_min, offer.grade_max, offer.group_min, offer.group_max) == (8, 10, 10, 30)
    assert (offer.cost_kind, offer.cost_cents) == ("amount", 1250)
    assert offer.places == ["school", "online"] and offer.languages == "Deutsch, Englisch"
    assert offer.keywords == "Gedenkstätte Möhnetal Workshop Antisemitismus Deutsch  Englisch"
    assert audit_actions(db)[-1] == "offer.create"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"grade_min": "10", "grade_max": "8"}, "Darf nicht unter der ersten Klassenstufe liegen."),
        ({"group_min": "30", "group_max": "10"}, "Darf nicht kleiner als die kleinste Gruppe sein."),
        ({"group_min": "0"}, "Bitte geben Sie eine Zahl von 1 bis 1.000 ein."),
        ({"cost_kind": "amount", "cost_amount": "viel"}, "Bitte geben Sie den Betrag in Euro an"),
        ({"cost_kind": "amount", "cost_amount": "100001"}, "Bitte geben Sie den Betrag in Euro an"),
        ({"places": []}, "Bitte wählen Sie, wo das Angebot stattfindet."),
        ({"grade_min": "14"}, "Keine gültige Auswahl"),
    ],
)
def test_offer_rules_are_checked_and_the_input_kept(client, users, db, changes, message):
    partner = users["partner_soest"]
    login(client, users["ki"])
    response = post_form(client, f"/koordination/partner/{partner.id}/angebote/neu", offer_form(**changes))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page, page[page.find("error-summary") :][:1500]
    assert 'value="Workshop: Antisemitismus erkennen"' in page
    assert db.session.scalar(select(Offer).where(Offer.title == OFFER["title"])) is None


def test_a_stale_offer_edit_gets_the_conflict_screen(client, users, db):
    offer = factories.OfferFactory(partner=users["partner_soest"], title="Stand eins")
    login(client, users["ki"])
    opened = offer_form(offer)
    first = post_form(client, f"/koordination/partner/angebote/{offer.id}", {**opened, "title": "Stand zwei"})
    assert first.status_code == 302
    stale = post_form(client, f"/koordination/partner/angebote/{offer.id}", {**opened, "title": "Stand drei"})
    assert stale.status_code == 409
    page = stale.get_data(as_text=True)
    assert "Stand zwei" in page and "Stand drei" in page
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).title == "Stand zwei"


def test_staff_archive_an_offer_and_publish_it_again_with_a_save(client, users, db):
    offer = factories.OfferFactory(partner=users["partner_soest"])
    login(client, users["ki"])
    assert post_form(client, f"/koordination/partner/angebote/{offer.id}/archivieren").status_code == 302
    db.session.expire_all()
    archived = db.session.get(Offer, offer.id)
    assert archived.state == OfferState.ARCHIVED
    data = offer_form(archived, title="Wieder da", action="publish")
    assert post_form(client, f"/koordination/partner/angebote/{offer.id}", data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).state == OfferState.PUBLISHED
    assert audit_actions(db)[-2:] == ["offer.archive", "offer.edit"]


# --- another region -------------------------------------------------------------------------------------------------


def test_staff_of_another_region_find_none_of_kreis_soests_partner_pages(app, client, users, db):
    """Every partner page with Kreis Soest's partner or offer: 404 for Kreis Unna's staff, and nothing changes."""
    partner = users["partner_soest"]
    offer = factories.OfferFactory(partner=partner, state=OfferState.REVIEW)
    partner.proposal, partner.proposed_at = {"name": "Vorschlag"}, utcnow()
    db.session.commit()
    values = {"partner_id": partner.id, "offer_id": offer.id, "user_id": users["partner"].id}
    login(client, users["ki_unna"])
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] != "partner_staff" or not set(rule.arguments) & {"partner_id", "offer_id"}:
            continue
        path = rule.build({k: values[k] for k in rule.arguments})[1]
        for method in sorted(rule.methods & {"GET", "POST"}):
            data = {"decision": "approve", "invite-name": "X", "invite-email": "x@partner.example"}
            response = client.get(path) if method == "GET" else post_form(client, path, data)
            assert response.status_code == 404, (method, path, response.status_code)
            checked += 1
    assert checked >= 15
    db.session.expire_all()
    assert db.session.get(Partner, partner.id).proposed_at is not None
    assert db.session.get(Offer, offer.id).state == OfferState.REVIEW
    assert db.session.get(Partner, partner.id).archived_at is None
    assert db.session.scalar(select(func.count()).select_from(PartnerMember)) == 2


# --- accounts -----------------------------------------------------------------------------------------------------


def test_an_invited_partner_signs_in_without_a_second_factor_and_lands_in_the_partner_area(app, client, users, db):
    partner = users["partner_soest"]
    login(client, users["ki"])
    data = {"invite-name": "Mira Beispiel", "invite-email": "mira@gedenkstaette.example"}
    response = post_form(client, f"/koordination/partner/{partner.id}/einladen", data)
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "mira@gedenkstaette.example"))
    assert user.role == Role.PARTNER and user.password_hash is None
    assert db.session.scalar(select(PartnerMember).where(PartnerMember.user_id == user.id)).partner_id == partner.id
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "account.create")).one()
    assert entry.region_id == partner.region_id and entry.after["partner"] == "Gedenkstätte Möhnetal"
    (mail,) = mails_to("mira@gedenkstaette.example")
    link = body(mail).split("http://localhost", 1)[1].split()[0]

    person = app.test_client()
    page = person.get(link)
    assert page.status_code == 200
    accepted = post_form(
        person, link, {"password": "ein langes Partnerpasswort 7", "password_confirm": "ein langes Partnerpasswort 7"}
    )
    assert accepted.status_code == 302, accepted.get_data(as_text=True)[:2000]
    fresh = app.test_client()
    signed_in = post_form(fresh, "/anmelden", {"email": user.email, "password": "ein langes Partnerpasswort 7"})
    assert signed_in.status_code == 302 and "/anmelden" not in signed_in.headers["Location"]
    start = fresh.get("/start")
    assert start.headers["Location"].endswith("/partnerbereich/")
    area = fresh.get("/partnerbereich/").get_data(as_text=True)
    assert "Gedenkstätte Möhnetal" in area and "Partnerbereich" in area


def test_inviting_an_address_of_another_role_is_refused_and_an_existing_partner_account_is_added(client, users, db):
    partner = users["partner_soest"]
    login(client, users["ki"])
    refused = post_form(
        client,
        f"/koordination/partner/{partner.id}/einladen",
        {"invite-name": "A", "invite-email": users["coord_a"].email},
    )
    assert refused.status_code == 200
    assert "gehört zu einem Konto mit einer anderen Rolle" in refused.get_data(as_text=True)
    other = users["partner_unna_account"]
    added = post_form(
        client, f"/koordination/partner/{partner.id}/einladen", {"invite-name": "B", "invite-email": other.email}
    )
    assert added.status_code == 302
    kept = set(db.session.scalars(select(PartnerMember.partner_id).where(PartnerMember.user_id == other.id)))
    assert kept == {partner.id, users["partner_unna"].id}


def test_removing_an_account_deletes_it_unless_it_keeps_another_partner(client, users, db):
    partner = users["partner_soest"]
    shared = users["partner_unna_account"]
    db.session.add(PartnerMember(partner_id=partner.id, user_id=shared.id))
    db.session.commit()
    login(client, users["ki"])
    own = users["partner"].id
    assert post_form(client, f"/koordination/partner/{partner.id}/konten/{own}/entfernen").status_code == 302
    assert not account_exists(db, own)
    assert post_form(client, f"/koordination/partner/{partner.id}/konten/{shared.id}/entfernen").status_code == 302
    assert account_exists(db, shared.id)
    assert db.session.scalar(select(PartnerMember.partner_id).where(PartnerMember.user_id == shared.id)) == (
        users["partner_unna"].id
    )
    not_member = post_form(client, f"/koordination/partner/{partner.id}/konten/{users['coord_a'].id}/entfernen")
    assert not_member.status_code == 404
    assert audit_actions(db)[-2:] == ["partner.account_remove", "partner.account_remove"]


# --- review -------------------------------------------------------------------------------------------------------


def propose(partner: Partner, user: User, **changes) -> None:
    partner = services.get_partner(partner.id)
    proposals.propose_partner_changes(partner, user, {**services.partner_values(partner), **changes})


def test_approving_a_proposal_applies_it_and_tells_the_partner(client, users, db):
    partner = users["partner_soest"]
    propose(partner, users["partner"], name="Gedenkstätte Möhnetal e. V.", topics=["Rechtsextremismus"])
    assert db.session.get(Partner, partner.id).name == "Gedenkstätte Möhnetal"  # the live entry stays
    login(client, users["ki"])
    page = client.get(f"/koordination/partner/pruefung/{partner.id}").get_data(as_text=True)
    assert "Gedenkstätte Möhnetal e. V." in page and "Rechtsextremismus" in page
    stamp = page.split('name="stamp" type="hidden" value="', 1)[1].split('"', 1)[0]
    response = post_form(
        client, f"/koordination/partner/pruefung/{partner.id}", {"decision": "approve", "stamp": stamp}
    )
    assert response.status_code == 302
    db.session.expire_all()
    approved = services.get_partner(partner.id)
    assert approved.name == "Gedenkstätte Möhnetal e. V." and approved.topic_names == ["Rechtsextremismus"]
    assert approved.proposed_at is None and approved.version == 2
    (mail,) = mails_to(users["partner"].email)
    assert "veröffentlicht" in mail["Subject"]
    assert "partner.approve" in audit_actions(db)


def test_returning_a_proposal_mails_the_reason_and_leaves_the_entry(client, users, db):
    partner = users["partner_soest"]
    propose(partner, users["partner"], summary="Neuer Text")
    login(client, users["ki"])
    refused = post_form(
        client,
        f"/koordination/partner/pruefung/{partner.id}",
        {"decision": "return", "stamp": proposals.stamp(db.session.get(Partner, partner.id))},
    )
    assert refused.status_code == 200 and "Bitte sagen Sie dem Partner, was zu ändern ist." in refused.get_data(
        as_text=True
    )
    data = {
        "decision": "return",
        "reason": "Bitte die Quelle nennen.",
        "stamp": proposals.stamp(db.session.get(Partner, partner.id)),
    }
    assert post_form(client, f"/koordination/partner/pruefung/{partner.id}", data).status_code == 302
    db.session.expire_all()
    returned = db.session.get(Partner, partner.id)
    assert returned.summary != "Neuer Text" and returned.proposed_at is None
    assert returned.review_reason == "Bitte die Quelle nennen."
    (mail,) = mails_to(users["partner"].email)
    assert "Bitte die Quelle nennen." in body(mail) and "zurückgegeben" in mail["Subject"]
    assert "partner.return" in audit_actions(db)


def test_a_decision_on_a_proposal_that_changed_meanwhile_is_refused(client, users, db):
    partner = users["partner_soest"]
    propose(partner, users["partner"], summary="Erster Vorschlag")
    seen = proposals.stamp(db.session.get(Partner, partner.id))
    propose(partner, users["partner"], summary="Zweiter Vorschlag")
    login(client, users["ki"])
    response = post_form(client, f"/koordination/partner/pruefung/{partner.id}", {"decision": "approve", "stamp": seen})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Partner, partner.id).summary != "Zweiter Vorschlag"
    assert db.session.get(Partner, partner.id).proposed_at is not None


def test_a_new_offer_in_review_is_published_by_approval_or_returned_with_a_reason(client, users, db):
    partner = users["partner_soest"]
    first = factories.OfferFactory(partner=partner, state=OfferState.REVIEW, title="Erstes", published_at=None)
    second = factories.OfferFactory(partner=partner, state=OfferState.REVIEW, title="Zweites", published_at=None)
    login(client, users["ki"])
    page = client.get(f"/koordination/partner/pruefung/angebote/{first.id}").get_data(as_text=True)
    assert "Neues Angebot „Erstes“" in page
    data = {"decision": "approve", "stamp": proposals.stamp(first)}
    assert post_form(client, f"/koordination/partner/pruefung/angebote/{first.id}", data).status_code == 302
    data = {"decision": "return", "reason": "Bitte Dauer ergänzen.", "stamp": proposals.stamp(second)}
    assert post_form(client, f"/koordination/partner/pruefung/angebote/{second.id}", data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Offer, first.id).state == OfferState.PUBLISHED
    assert db.session.get(Offer, first.id).published_at is not None
    returned = db.session.get(Offer, second.id)
    assert returned.state == OfferState.REJECTED and returned.review_reason == "Bitte Dauer ergänzen."
    subjects = [m["Subject"] for m in mails_to(users["partner"].email)]
    assert any("Erstes" in s and "veröffentlicht" in s for s in subjects)
    assert any("Zweites" in s and "zurückgegeben" in s for s in subjects)


def test_proposed_changes_of_a_published_offer_apply_only_on_approval(client, users, db):
    offer = factories.OfferFactory(partner=users["partner_soest"], title="Live-Titel")
    values = {**services.offer_values(services.get_offer(offer.id)), "title": "Neuer Titel", "grade_max": 12}
    proposals.propose_offer_changes(services.get_offer(offer.id), users["partner"], values)
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).title == "Live-Titel"
    login(client, users["ki"])
    page = client.get(f"/koordination/partner/pruefung/angebote/{offer.id}").get_data(as_text=True)
    assert "Live-Titel" in page and "Neuer Titel" in page
    data = {"decision": "approve", "stamp": proposals.stamp(db.session.get(Offer, offer.id))}
    assert post_form(client, f"/koordination/partner/pruefung/angebote/{offer.id}", data).status_code == 302
    db.session.expire_all()
    changed = db.session.get(Offer, offer.id)
    assert (changed.title, changed.grade_max, changed.state) == ("Neuer Titel", 12, OfferState.PUBLISHED)
    assert changed.proposed_at is None


# --- around the pages ---------------------------------------------------------------------------------------------


def test_cleanup_keeps_partner_logos_and_removes_orphans(app, client, users, db):
    import os
    import time

    from courage_hub.maintenance import remove_orphan_files

    login(client, users["ki"])
    data = partner_form(logo=(io.BytesIO(jpeg_with_gps()), "logo.jpg"))
    assert post_form(client, "/koordination/partner/neu", data, content_type="multipart/form-data").status_code == 302
    name = db.session.scalar(select(Partner.logo_filename).where(Partner.logo_filename.is_not(None)))
    folder = app.instance_path + "/uploads/logos/"
    with open(folder + "0" * 32 + ".png", "wb") as orphan:
        orphan.write(b"x")
    old = time.time() - 7200
    for file in os.listdir(folder):
        os.utime(folder + file, (old, old))
    assert remove_orphan_files()[0] == 1
    assert os.listdir(folder) == [name]


def test_a_partner_account_exports_its_memberships_and_can_delete_itself(client, users, db):
    user, user_id = users["partner"], users["partner"].id
    login(client, user)
    export = client.get("/konto/daten.json").get_json()
    (membership,) = export["partner_memberships"]
    assert membership["partner_id"] == users["partner_soest"].id and membership["partner"] == "Gedenkstätte Möhnetal"
    assert membership["since"][:4].isdigit()
    response = post_form(client, "/konto/loeschen", {"password": factories.PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    assert not account_exists(db, user_id)
    members = select(func.count()).select_from(PartnerMember).where(PartnerMember.user_id == user_id)
    assert db.session.scalar(members) == 0


# --- the pages' structure -------------------------------------------------------------------------------------------


def every_page(app, users, db) -> list[tuple[str, int, str]]:
    """(name, status, HTML) of every partner page in the states that show the most: the staff's list with entries
    waiting, forms with errors, the review pages, the conflict screens, and the partner's area."""
    partner = users["partner_soest"]
    live = factories.OfferFactory(
        partner=partner, title="Führung", available_until=utcnow().date() + timedelta(days=90)
    )
    new = factories.OfferFactory(partner=partner, title="Neues Angebot", state=OfferState.REVIEW, published_at=None)
    factories.OfferFactory(partner=partner, title="Altes Angebot", state=OfferState.ARCHIVED)
    propose(partner, users["partner"], summary="Vorgeschlagen", lands=["NW"])
    values = {**services.offer_values(services.get_offer(live.id)), "title": "Neuer Titel"}
    proposals.propose_offer_changes(services.get_offer(live.id), users["partner"], values)
    staff, own = app.test_client(), app.test_client()
    login(staff, users["ki"])
    login(own, users["partner"])
    pid, stale_partner, stale_offer = partner.id, partner_form(partner), offer_form(db.session.get(Offer, new.id))
    post_form(staff, f"/koordination/partner/{pid}", {**partner_form(partner), "name": "Gedenkstätte Möhnetal"})
    post_form(staff, f"/koordination/partner/angebote/{new.id}", {**stale_offer, "action": "save"})
    pages = [
        ("staff list", staff.get("/koordination/partner/")),
        ("new partner", staff.get("/koordination/partner/neu")),
        ("new partner, failed", post_form(staff, "/koordination/partner/neu", partner_form(kind="", regions=[]))),
        ("edit partner", staff.get(f"/koordination/partner/{pid}")),
        ("failed invitation", post_form(staff, f"/koordination/partner/{pid}/einladen", {"invite-email": "x"})),
        ("partner conflict", post_form(staff, f"/koordination/partner/{pid}", stale_partner)),
        ("new offer, failed", post_form(staff, f"/koordination/partner/{pid}/angebote/neu", offer_form(title=""))),
        ("offer in review", staff.get(f"/koordination/partner/angebote/{new.id}")),
        ("offer conflict", post_form(staff, f"/koordination/partner/angebote/{new.id}", stale_offer)),
        ("review profile", staff.get(f"/koordination/partner/pruefung/{pid}")),
        ("review new offer", staff.get(f"/koordination/partner/pruefung/angebote/{new.id}")),
        ("review offer changes", staff.get(f"/koordination/partner/pruefung/angebote/{live.id}")),
        ("review, failed", post_form(staff, f"/koordination/partner/pruefung/{pid}", {"decision": "return"})),
        ("partner area", own.get("/partnerbereich/")),
        ("profile proposal", own.get(f"/partnerbereich/profil/{pid}")),
        ("profile, failed", post_form(own, f"/partnerbereich/profil/{pid}", {"name": ""})),
        ("new offer by the partner", own.get("/partnerbereich/angebote/neu")),
        ("offer by the partner", own.get(f"/partnerbereich/angebote/{live.id}")),
    ]
    return [(name, response.status_code, response.get_data(as_text=True)) for name, response in pages]


def test_every_partner_page_has_one_h1_ordered_headings_unique_ids_and_captioned_tables(app, users, db):
    from .test_html import duplicate_ids, heading_skips, parse

    pages = every_page(app, users, db)
    assert [status for _name, status, _html in pages].count(409) == 2
    for name, status, html in pages:
        assert status in (200, 409), (name, status)
        root = parse(html)
        assert len(list(root.iter("h1"))) == 1, name
        assert heading_skips(root) == [], name
        assert duplicate_ids(root) == set(), name
        for table in root.iter("table"):
            assert table.parent.attrs.get("role") == "region" and table.children[0].tag == "caption", name
        for field in root.iter("input"):
            kind, field_id = field.attrs.get("type", "text"), field.attrs.get("id")
            if kind not in ("hidden", "submit") and field_id:
                labels = [lb for lb in root.iter("label") if lb.attrs.get("for") == field_id]
                assert labels, (name, field_id)
