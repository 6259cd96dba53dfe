"""Browser journey across regional offices: a school in Kreis Unna registers, Unna's office approves it, Kreis
Soest's office sees it in none of its queues, lists or exports, and the Landeskoordination NRW finds it in the NRW
figures. axe and the Nu Html Checker run on every page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .browser import assert_accessible, browser_marks, outbox_link, sign_in, sign_out

pytestmark = [*browser_marks, pytest.mark.usefixtures("_short_browser_timeouts")]

SCHOOL = "Realschule an der Seseke Kamen"
EMAIL = "sv@realschule-kamen.example"
PASSWORD = "Kamen zeigt Courage 2026"


def test_a_school_in_unna_is_approved_by_unna_hidden_from_soest_and_counted_for_nrw(page: Page, site):
    base = site.url
    # 1. The school registers; the form names the office for each municipality, the thank-you page names Unna's.
    page.goto(base + "/schulen/registrieren")
    expect(page.locator("#municipality option[value='Kamen']")).to_have_text("Kamen – KI Kreis Unna")
    page.locator("#municipality").select_option("Kamen")
    page.locator("#name").fill(SCHOOL)
    page.locator("#schulnummer").fill("197531")
    page.locator("#school_type").select_option("Realschule")
    page.locator("#street").fill("Am Schulzentrum 3")
    page.locator("#postcode").fill("59174")
    page.locator("#person_name").fill("Sam Seseke")
    page.locator("#email").fill(EMAIL)
    page.locator("#password").fill(PASSWORD)
    page.locator("#password_confirm").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Danke für Ihre Registrierung")
    expect(page.locator("main")).to_contain_text("KI Kreis Unna")
    assert_accessible(page)
    page.goto(base + outbox_link(site.instance, "/konto/bestaetigen/", to=EMAIL))
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()

    # 2. Kreis Soest's office sees it nowhere: not in its queue, its schools table or its export.
    sign_in(page, base, "ki@example.org")
    page.goto(base + "/koordination/registrierungen")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(SCHOOL)
    assert_accessible(page)
    page.goto(base + "/koordination/schulen?q=Seseke")
    expect(page.locator("main")).not_to_contain_text(SCHOOL)
    assert SCHOOL not in page.request.get(base + "/koordination/export/schulen.csv").text()
    sign_out(page)

    # 3. Unna's office approves it.
    sign_in(page, base, "ki-unna@example.org")
    page.goto(base + "/koordination/registrierungen")
    assert_accessible(page)
    card = page.locator("li.card", has_text=SCHOOL)
    card.locator("form button[type=submit]").click()
    expect(page.locator(".flash-success")).to_contain_text(SCHOOL)
    sign_out(page)

    # 4. The Landeskoordination NRW sees Unna in the NRW roll-up and the school in Unna's figures and export.
    sign_in(page, base, "land-nrw@example.org")
    page.goto(base + "/koordination/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nordrhein-Westfalen")
    expect(page.get_by_role("table", name="Kennzahlen je Region")).to_contain_text("Kreis Unna")
    assert_accessible(page)
    page.get_by_role("link", name="Kreis Unna", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kreis Unna")
    assert_accessible(page)
    export = page.request.get(base + "/koordination/export/schulen.csv?region=kreis-unna").text()
    assert SCHOOL in export
    # … but no internal list or page of the schools.
    assert page.goto(base + "/koordination/schulen").status == 403
    assert page.goto(base + "/koordination/registrierungen").status == 403
