"""Browser journey: a school registers, confirms, is approved and records its ballot and patron."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from .browser import assert_accessible, browser_marks, outbox_link, sign_in, sign_out

pytestmark = [*browser_marks, pytest.mark.usefixtures("_short_browser_timeouts")]

EMAIL = "lehrkraft@sekundarschule-ense.example"
PASSWORD = "Unsere Schule hat Courage 2026"


def test_school_registers_is_approved_and_records_ballot_and_patron(page: Page, site):
    base = site.url
    # 1. A coordinator registers the school.
    page.goto(base + "/schulen/registrieren")
    assert_accessible(page)
    page.locator("#name").fill("Sekundarschule am Mühlenbach Ense")
    page.locator("#schulnummer").fill("198765")
    page.locator("#school_type").select_option("Sekundarschule")
    page.locator("#municipality").select_option("Ense")
    page.locator("#street").fill("Schulweg 1")
    page.locator("#postcode").fill("59469")
    page.locator("#person_name").fill("Pat Lehrkraft")
    page.locator("#email").fill(EMAIL)
    page.locator("#password").fill(PASSWORD)
    page.locator("#password_confirm").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Danke für Ihre Registrierung")
    assert_accessible(page)

    # 2. The e-mail address is confirmed with the link from the outbox.
    page.goto(base + outbox_link(site.instance, "/konto/bestaetigen/"))
    assert_accessible(page)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()

    # 3. The KI approves the registration.
    sign_in(page, base, "ki@example.org")
    page.goto(base + "/koordination/registrierungen")
    assert_accessible(page)
    card = page.locator("li.card", has_text="Sekundarschule am Mühlenbach Ense")
    card.locator("form button[type=submit]").click()
    expect(page.locator(".flash-success")).to_contain_text("Sekundarschule am Mühlenbach Ense")
    sign_out(page)

    # 4. The coordinator records a ballot of 742/1000 and a patron.
    sign_in(page, base, EMAIL, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sekundarschule am Mühlenbach Ense")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("Pat")).first.click()
    assert_accessible(page)
    page.locator("#name").fill("Sportverein Ense e. V.")
    page.locator("#confirmed_on").fill(date.today().isoformat())
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()
    page.locator("a[href$='/abstimmung']").first.click()
    assert_accessible(page)
    page.locator("#held_on").fill(date.today().isoformat())
    page.locator("#eligible").fill("1000")
    page.locator("#yes").fill("742")
    page.locator("#no").fill("210")
    page.locator("#invalid").fill("15")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".flash-success")).to_contain_text("74,20")
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("Abstimmung erfolgreich")
    expect(page.locator(".steps li.current")).to_contain_text("Abstimmung erfolgreich")
    assert_accessible(page)


def test_coordinator_writes_to_the_coordination_from_the_school_page(page: Page, site):
    base = site.url
    sign_in(page, base, "koordination@example.org")
    page.goto(base + "/start")
    page.get_by_role("link", name="Kontakt zur Koordination").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kontakt zur Koordination")
    assert_accessible(page)
    page.locator("main form button[type=submit]").click()  # nothing filled in
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Betreff").fill("Frage zum Aktionstag")
    page.get_by_label("Ihre Nachricht").fill("Wer kann uns im März bei einem Workshop beraten?")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".flash-success")).to_contain_text("Koordination")
    assert_accessible(page)
