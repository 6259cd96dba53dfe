"""Browser journey: a coordinator switches on two-factor sign-in from the account page and signs in with a code."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .browser import assert_accessible, browser_marks, fresh_code, sign_in, sign_out

pytestmark = [*browser_marks, pytest.mark.usefixtures("_short_browser_timeouts")]


def test_coordinator_sets_up_two_factor_sign_in_and_uses_it(page: Page, site):
    email = "koordination2@example.org"
    sign_in(page, site.url, email)
    page.goto(site.url + "/konto")
    page.get_by_role("link", name="Zwei-Faktor-Anmeldung einrichten").click()
    expect(page.get_by_role("img", name="QR-Code für Ihre Authenticator-App")).to_be_visible()
    assert_accessible(page)
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Code aus Ihrer Authenticator-App").fill(fresh_code(site.url, email, secret))
    page.get_by_role("button", name="Zwei-Faktor-Anmeldung einschalten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ihre Wiederherstellungscodes")
    expect(page.locator("ul.recovery-codes li")).to_have_count(10)
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("weiter")).click()
    sign_out(page)

    page.goto(site.url + "/anmelden")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill("Courage-Demo-2026")
    page.get_by_role("button", name="Anmelden").click()
    expect(page).to_have_url(re.compile(r"/anmelden/code$"))
    page.get_by_label("Code aus Ihrer Authenticator-App").fill(fresh_code(site.url, email, secret))
    page.get_by_role("button", name="Code bestätigen").click()
    expect(page.locator(".flash-success")).to_contain_text("Sie sind angemeldet.")
