"""Browser journey: an admin sets up a new region (the demo has five) and invites its first staff member, with
axe on every page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .browser import assert_accessible, browser_marks, sign_in

pytestmark = [*browser_marks, pytest.mark.usefixtures("_short_browser_timeouts")]


def test_admin_creates_a_region_after_a_municipality_clash_and_invites_its_first_staff_member(page: Page, site):
    sign_in(page, site.url, "admin@example.org")
    page.get_by_role("link", name="Regionen verwalten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Regionen")
    expect(page.get_by_role("region", name="5 Regionen")).to_contain_text("KI Kreis Soest")
    assert_accessible(page)
    page.get_by_role("link", name="Region anlegen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Region anlegen")
    assert_accessible(page)
    page.get_by_label("Name der Stelle").fill("KI Kreis Warendorf")
    page.get_by_label("Gebiet").fill("Kreis Warendorf")
    page.get_by_label("Land").select_option("NW")
    page.get_by_label("Städte und Gemeinden").fill("Ahlen\nSoest")
    page.get_by_role("button", name="Region anlegen").click()
    expect(page.get_by_role("alert")).to_contain_text("Soest gehört bereits zur Region KI Kreis Soest.")
    assert_accessible(page)  # the form with its error summary, as the server answered the POST
    page.get_by_label("Städte und Gemeinden").fill("Ahlen\nBeckum")
    page.get_by_role("button", name="Region anlegen").click()
    expect(page.locator(".flash-success")).to_contain_text("KI Kreis Warendorf")
    expect(page.get_by_role("heading", level=1)).to_have_text("Region bearbeiten")
    expect(page.get_by_text("In dieser Region arbeitet noch niemand.")).to_be_visible()
    assert_accessible(page)
    invite = page.locator("form", has=page.get_by_role("button", name="Anlegen und einladen"))
    invite.get_by_label("Name").fill("Uli Ahlen")
    invite.get_by_label("E-Mail-Adresse").fill("uli@kreis-warendorf.example")
    invite.get_by_role("button", name="Anlegen und einladen").click()
    expect(page.locator(".flash-success")).to_contain_text("Uli Ahlen")
    expect(page.get_by_role("region", name="1 Mitarbeiter*in")).to_contain_text("uli@kreis-warendorf.example")
    assert_accessible(page)
