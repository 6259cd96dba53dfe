"""The whole way of an offer through the demo network, as the issue tells it: a coordinator on a phone finds a free
workshop on "Antisemitismus" for grade 9, asks for it, the partner accepts in its account, it is marked as carried
out and becomes a published activity report that names the partner — and the partner's public page shows it.
axe and the Nu Html Checker run on every page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from .browser import assert_accessible, browser_marks, new_page, sign_in

pytestmark = [*browser_marks, pytest.mark.usefixtures("_short_browser_timeouts")]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
# The demo's free workshop of the partner that partner@example.org keeps (courage_hub/partners/demo_partners.toml).
OFFER = "Workshop: Antisemitismus erkennen und widersprechen"
PARTNER = "Begegnungsstätte Alte Synagoge am Hellweg"


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]


def test_a_free_antisemitism_workshop_found_on_a_phone_becomes_a_published_report_naming_the_partner(
    browser: Browser, site
):
    coordinator = new_page(browser, **PHONE)
    sign_in(coordinator, site.url, "koordination@example.org")
    coordinator.goto(site.url + "/angebote/")
    coordinator.locator("details.filter-panel summary").click()
    coordinator.get_by_label("Thema").select_option("Antisemitismus")
    coordinator.get_by_label("Format").select_option("Workshop")
    coordinator.get_by_label("Klassenstufe").select_option("9")
    coordinator.get_by_label("Kosten").select_option("free")
    coordinator.get_by_role("button", name="Filter anwenden").click()
    for part in ("thema=Antisemitismus", "format=Workshop", "stufe=9", "kosten=free"):
        assert part in coordinator.url
    assert fits_the_screen(coordinator)
    assert_accessible(coordinator)

    coordinator.get_by_role("link", name=OFFER).click()
    expect(coordinator.get_by_role("heading", level=1)).to_have_text(OFFER)
    assert_accessible(coordinator)
    coordinator.get_by_role("link", name="Angebot anfragen").click()
    assert_accessible(coordinator)
    coordinator.get_by_label("Wunschtermine oder Zeitraum").fill("Nach den Osterferien, dienstags")
    coordinator.get_by_label("Gruppengröße (optional)").fill("26")
    coordinator.get_by_label("Jahrgangsstufe (optional)").fill("9")
    coordinator.get_by_role("button", name="Anfrage senden").click()
    expect(coordinator.get_by_text(f"Ihre Anfrage wurde an {PARTNER} geschickt.")).to_be_visible()
    expect(coordinator.locator("main .badge")).to_have_text("Angefragt")
    assert fits_the_screen(coordinator)
    assert_accessible(coordinator)
    request_path = coordinator.url.removeprefix(site.url)

    partner = new_page(browser)
    sign_in(partner, site.url, "partner@example.org")
    partner.goto(site.url + "/partnerbereich/")
    assert_accessible(partner)
    partner.goto(site.url + request_path)
    expect(partner.get_by_text("Nach den Osterferien, dienstags")).to_be_visible()
    partner.get_by_label("Zusagen").check()
    partner.get_by_label("Nachricht an die Schule (optional)").fill("Gern am Dienstag, 21. April, ab 8 Uhr.")
    partner.get_by_role("button", name="Antwort senden").click()
    expect(partner.get_by_text("Die Anfrage ist zugesagt")).to_be_visible()
    assert_accessible(partner)

    coordinator.goto(site.url + request_path)
    expect(coordinator.get_by_text("Gern am Dienstag, 21. April, ab 8 Uhr.")).to_be_visible()
    coordinator.get_by_role("button", name="Als durchgeführt markieren").click()
    expect(coordinator.get_by_text("Die Anfrage ist als durchgeführt markiert.")).to_be_visible()
    assert_accessible(coordinator)
    coordinator.get_by_role("link", name="Bericht schreiben").click()
    expect(coordinator.locator("#title")).to_have_value(OFFER)
    expect(coordinator.get_by_label("Antisemitismus", exact=True)).to_be_checked()
    expect(coordinator.locator("#partners")).to_have_value(PARTNER)
    assert_accessible(coordinator)
    coordinator.locator("#description").fill("Die 9a hat mit der Begegnungsstätte über Antisemitismus gesprochen.")
    coordinator.locator("main form button[name=action][value=publish]").click()
    expect(coordinator.get_by_role("heading", level=1)).to_have_text(OFFER)
    expect(coordinator.locator("main")).to_contain_text("Mit Kooperationspartner")
    assert fits_the_screen(coordinator)
    assert_accessible(coordinator)
    report_url = coordinator.url

    public = new_page(browser)
    public.goto(report_url)
    public.locator("main").get_by_role("link", name=PARTNER).first.click()
    expect(public.get_by_role("heading", level=1)).to_have_text(PARTNER)
    expect(public.locator("main").get_by_role("link", name=OFFER).last).to_be_visible()
    assert report_url.removeprefix(site.url) in [link.get_attribute("href") for link in public.locator("main a").all()]
    assert_accessible(public)
    for other in (coordinator, partner, public):
        other.context.close()
