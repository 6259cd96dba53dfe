"""Browser journey on a phone: a visitor searches the offers of the cooperation partners, narrows them with the
filters (a free workshop for grade 9 in Kreis Soest), takes one filter back, opens the offer and its partner, and
comes back through the region page. axe and the Nu Html Checker run on every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from courage_hub.partners.demo import ACCOUNT_PARTNER, JOURNEY_OFFER

from .browser import assert_accessible, browser_marks, new_page

pytestmark = [*browser_marks, pytest.mark.usefixtures("_short_browser_timeouts")]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def fits_the_screen(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_visitor_on_a_phone_filters_the_offers_and_opens_a_free_workshop(browser: Browser, site):
    page = new_page(browser, **PHONE)
    page.goto(site.url + "/")
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Angebote").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Angebote von Kooperationspartnern")
    assert fits_the_screen(page)
    assert_accessible(page)

    page.get_by_label("Suchbegriffe").fill("Antisemitismus")
    page.get_by_role("button", name="Suche", exact=True).click()
    expect(page.get_by_role("link", name=JOURNEY_OFFER)).to_be_visible()
    assert "q=Antisemitismus" in page.url
    assert_accessible(page)

    # On a phone the filters wait behind their toggle.
    filters = page.locator("details.filter-panel")
    expect(page.get_by_label("Format")).to_be_hidden()
    filters.locator("summary").click()
    page.get_by_label("Format").select_option("Workshop")
    page.get_by_label("Klassenstufe").select_option("9")
    page.get_by_label("Kosten").select_option("free")
    page.get_by_label("Für Schulen in der Region").select_option("kreis-soest")
    page.get_by_role("button", name="Filter anwenden").click()
    for part in ("format=Workshop", "stufe=9", "kosten=free", "region=kreis-soest"):
        assert part in page.url
    expect(page.get_by_text("Filter (4 aktiv)")).to_be_visible()
    cards = page.locator("ul.offer-list > li")
    expect(cards.first).to_be_visible()
    for text in cards.all_inner_texts():
        assert "Workshop" in text and "Kostenlos" in text
    expect(page.get_by_role("link", name=JOURNEY_OFFER)).to_be_visible()
    assert fits_the_screen(page)
    assert_accessible(page)

    # Taking the grade back keeps the other filters.
    page.get_by_role("link", name="entfernen Klasse 9").click()
    expect(page.get_by_text("Filter (3 aktiv)")).to_be_visible()
    assert "stufe=" not in page.url and "kosten=free" in page.url
    assert_accessible(page)

    page.get_by_role("link", name=JOURNEY_OFFER).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(JOURNEY_OFFER)
    main = page.locator("main")
    for words in ("Kostenlos", "Klasse 8–10", "In der Schule", "Kreis Soest", ACCOUNT_PARTNER):
        expect(main).to_contain_text(words)
    assert fits_the_screen(page)
    assert_accessible(page)

    main.get_by_role("link", name=ACCOUNT_PARTNER).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ACCOUNT_PARTNER)
    expect(page.get_by_role("heading", name="Aktuelle Angebote")).to_be_visible()
    expect(page.get_by_role("link", name=JOURNEY_OFFER)).to_be_visible()
    assert fits_the_screen(page)
    assert_accessible(page)

    page.get_by_role("link", name="Alle Kooperationspartner").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kooperationspartner")
    assert fits_the_screen(page)
    assert_accessible(page)
    page.context.close()


def test_the_region_page_leads_to_the_offers_for_its_schools(browser: Browser, site):
    page = new_page(browser, **PHONE)
    page.goto(site.url + "/regionen/kreis-soest")
    section = page.get_by_role("region", name="Kooperationspartner und Angebote")
    expect(section.get_by_role("link", name=ACCOUNT_PARTNER)).to_be_visible()
    assert_accessible(page)
    section.get_by_role("link", name="Angebote für diese Schulen").click()
    expect(page).to_have_url(re.compile(r"/angebote/\?region=kreis-soest$"))
    expect(page.get_by_text("Region: Kreis Soest")).to_be_visible()
    assert fits_the_screen(page)
    assert_accessible(page)
    page.context.close()
