"""Browser journey of a request for an offer: a coordinator on a phone asks a partner for a workshop, the partner
accepts it and marks it carried out in its inbox, and the coordinator turns it into a published report that names the
partner. axe and the Nu Html Checker run on every page; the pages only staff or a conflict reach are checked too."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from courage_hub import create_app
from courage_hub.extensions import db as _db

from . import factories
from .browser import DEMO_PASSWORD, assert_accessible, browser_marks, html_errors, live_server, new_page, sign_in
from .conftest import make_config

pytestmark = [*browser_marks, pytest.mark.usefixtures("_short_browser_timeouts")]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
PARTNER_EMAIL = "anfragen-partner@example.org"
OFFER_TITLE = "Workshop: Antisemitismus heute erkennen"


@pytest.fixture(scope="module")
def request_site(tmp_path_factory):
    """The demo network plus a partner serving the demo coordinator's region, with a free workshop and an account."""
    from sqlalchemy import select

    from courage_hub.auth.models import User
    from courage_hub.core.passwords import hash_password
    from courage_hub.demo import seed_demo
    from courage_hub.regions.models import Region
    from courage_hub.schools.models import Membership, School

    from .browser import LiveSite

    instance = tmp_path_factory.mktemp("live-requests")
    app = create_app(make_config("sqlite:///" + str(instance / "live.sqlite3"), str(instance)))
    with app.app_context():
        _db.create_all()
        seed_demo(schools=20)
        school = _db.session.scalar(
            select(School)
            .join(Membership, Membership.school_id == School.id)
            .join(User, User.id == Membership.user_id)
            .where(User.email == "koordination@example.org")
        )
        partner = factories.PartnerFactory(
            name="Gedenkstätte am Haarstrang", region=_db.session.get(Region, school.region_id)
        )
        offer = factories.OfferFactory(
            partner=partner, title=OFFER_TITLE, topics=["Antisemitismus", "Demokratie und Zivilcourage"]
        )
        factories.partner_account(
            partner, name="Bildungsteam Haarstrang", email=PARTNER_EMAIL, password_hash=hash_password(DEMO_PASSWORD)
        )
        offer_id = offer.id
    with live_server(app) as url:
        yield LiveSite(url=url, instance=instance), offer_id


def test_a_coordinator_asks_on_a_phone_the_partner_accepts_and_the_school_reports(
    page: Page, browser: Browser, request_site
):
    site, offer_id = request_site
    coordinator = new_page(browser, **PHONE)
    sign_in(coordinator, site.url, "koordination@example.org")
    coordinator.goto(f"{site.url}/angebote/{offer_id}/anfragen")
    expect(coordinator.get_by_role("heading", level=1)).to_have_text(f"Anfrage: {OFFER_TITLE}")
    assert_accessible(coordinator)
    coordinator.get_by_role("button", name="Anfrage senden").click()
    expect(coordinator.locator("#error-summary")).to_be_focused()
    expect(coordinator.locator("#error-summary")).to_contain_text("Wunschtermine")
    assert_accessible(coordinator)
    coordinator.get_by_label("Wunschtermine oder Zeitraum").fill("Zweite Märzhälfte, vormittags")
    coordinator.get_by_label("Gruppengröße (optional)").fill("27")
    coordinator.get_by_label("Jahrgangsstufe (optional)").fill("9")
    coordinator.get_by_label("Nachricht an den Partner (optional)").fill("Wir haben das Thema vorbereitet.")
    coordinator.get_by_role("button", name="Anfrage senden").click()
    expect(coordinator.get_by_text("Ihre Anfrage wurde an Gedenkstätte am Haarstrang geschickt.")).to_be_visible()
    expect(coordinator.locator("main .badge")).to_have_text("Angefragt")
    assert_accessible(coordinator)
    assert coordinator.evaluate("document.documentElement.scrollWidth") <= 390
    request_path = coordinator.url.removeprefix(site.url)

    partner = new_page(browser)
    sign_in(partner, site.url, PARTNER_EMAIL)
    partner.goto(site.url + "/partnerbereich/anfragen")
    assert_accessible(partner)
    partner.get_by_role("link", name=OFFER_TITLE).click()
    expect(partner.get_by_text("Zweite Märzhälfte, vormittags")).to_be_visible()
    assert_accessible(partner)
    partner.get_by_label("Zusagen").check()
    partner.get_by_label("Nachricht an die Schule (optional)").fill("Gern am 24. März um 8 Uhr.")
    partner.get_by_role("button", name="Antwort senden").click()
    expect(partner.get_by_text("Die Anfrage ist zugesagt")).to_be_visible()
    assert_accessible(partner)
    partner.get_by_role("button", name="Als durchgeführt markieren").click()
    expect(partner.get_by_text("Die Anfrage ist als durchgeführt markiert.")).to_be_visible()
    assert_accessible(partner)

    coordinator.goto(site.url + request_path)
    expect(coordinator.get_by_text("Gern am 24. März um 8 Uhr.")).to_be_visible()
    coordinator.get_by_role("link", name="Bericht schreiben").click()
    expect(coordinator.locator("#title")).to_have_value(OFFER_TITLE)
    expect(coordinator.locator("#activity_type")).to_have_value("Workshop")
    expect(coordinator.get_by_label("Antisemitismus", exact=True)).to_be_checked()
    expect(coordinator.locator("#partners")).to_have_value("Gedenkstätte am Haarstrang")
    assert_accessible(coordinator)
    coordinator.locator("#description").fill("Die 9b hat mit der Gedenkstätte gearbeitet.")
    coordinator.locator("main form button[name=action][value=publish]").click()
    expect(coordinator.get_by_role("heading", level=1)).to_have_text(OFFER_TITLE)
    expect(coordinator.locator("main")).to_contain_text("Mit Kooperationspartner")
    expect(coordinator.locator("main")).to_contain_text("Gedenkstätte am Haarstrang")
    assert_accessible(coordinator)

    public = new_page(browser)
    public.goto(coordinator.url)
    expect(public.locator("main")).to_contain_text("Gedenkstätte am Haarstrang")
    assert_accessible(public)
    for other in (coordinator, partner, public):
        other.context.close()


def test_the_staff_list_an_invalid_answer_and_a_conflict_pass_the_checks(page: Page, browser: Browser, request_site):
    """Pages the journey does not reach: the staff's requests page with its figures, the coordinator's list, an
    answer without a decision shown again, and the conflict page of a stale action."""
    site, offer_id = request_site
    coordinator = new_page(browser)
    sign_in(coordinator, site.url, "koordination@example.org")
    coordinator.goto(f"{site.url}/angebote/{offer_id}/anfragen")
    coordinator.get_by_label("Wunschtermine oder Zeitraum").fill("Im Mai")
    coordinator.get_by_role("button", name="Anfrage senden").click()
    expect(coordinator.locator("main .badge")).to_have_text("Angefragt")
    request_url = coordinator.url
    token = coordinator.locator("input[name=csrf_token]").first.get_attribute("value")
    stale = coordinator.request.post(request_url + "/zurueckziehen", form={"csrf_token": token, "version": "7"})
    assert stale.status == 409 and "zwischenzeitlich geändert" in stale.text()
    assert html_errors(stale.body()) == []
    coordinator.goto(site.url + "/anfragen/")
    # The school's two requests for this offer (the demo school has asked other partners too).
    expect(coordinator.get_by_role("row").filter(has_text=OFFER_TITLE)).to_have_count(2)
    assert_accessible(coordinator)

    partner = new_page(browser)
    sign_in(partner, site.url, PARTNER_EMAIL)
    partner.goto(request_url)
    partner.get_by_role("button", name="Antwort senden").click()
    expect(partner.locator("#error-summary")).to_contain_text("ob Sie zusagen oder absagen")
    assert_accessible(partner)

    sign_in(page, site.url, "ki@example.org")
    page.goto(site.url + "/koordination/anfragen/")
    expect(page.locator("#per-school-caption")).to_be_attached()
    assert_accessible(page)
    for other in (coordinator, partner):
        other.context.close()
