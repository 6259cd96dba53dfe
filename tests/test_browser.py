"""Browser journeys in headless Chromium, with axe on every page visited."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .browser import assert_accessible, browser_marks, sign_in, sign_out

pytestmark = [*browser_marks, pytest.mark.usefixtures("_short_browser_timeouts")]


@pytest.mark.parametrize(
    ("email", "path", "heading"),
    [
        ("admin@example.org", "/verwaltung/konten", "Konten"),
        ("ki@example.org", "/koordination/", "Netzwerk: Kreis Soest"),
        (
            "koordination@example.org",
            "/schulen/gesamtschule-am-lindenhof-lippstadt/verwalten",
            "Gesamtschule am Lindenhof Lippstadt",
        ),
        ("koordination2@example.org", "/schulen/gymnasium-an-der-aue-soest/verwalten", "Gymnasium an der Aue Soest"),
    ],
)
def test_each_demo_role_signs_in_sees_its_page_and_signs_out(page: Page, site, email, path, heading):
    sign_in(page, site.url, email)
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert_accessible(page)
    page.get_by_role("link", name="Mein Konto").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mein Konto")
    assert_accessible(page)
    sign_out(page)
    page.goto(site.url + path)
    expect(page).to_have_url(re.compile(r"/anmelden"))


def test_public_pages_are_accessible(page: Page, site):
    for path in [
        "/",
        "/impressum",
        "/datenschutz",
        "/barrierefreiheit",
        "/leichte-sprache",
        "/materialien/",
        "/gibt-es-nicht",
    ]:
        page.goto(site.url + path)
        expect(page.locator("h1")).to_have_count(1)
        assert_accessible(page)


def test_failed_login_shows_error_summary_and_keeps_email(page: Page, site):
    page.goto(site.url + "/anmelden")
    page.get_by_label("E-Mail-Adresse").fill("ki@example.org")
    page.get_by_label("Passwort").fill("falsches-passwort")
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("alert")).to_contain_text("E-Mail-Adresse oder Passwort ist nicht richtig.")
    expect(page.get_by_label("E-Mail-Adresse")).to_have_value("ki@example.org")
    assert_accessible(page)


def test_skip_link_moves_focus_to_main_content(page: Page, site):
    page.goto(site.url + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Zum Inhalt springen")
    expect(skip).to_be_focused()
    skip.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))


def test_page_works_on_a_phone_without_horizontal_scrolling(page: Page, site):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(site.url + "/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)


def test_admin_creates_an_account_after_the_form_points_out_what_is_missing(page: Page, site):
    sign_in(page, site.url, "admin@example.org")
    expect(page.get_by_role("heading", level=1)).to_have_text("Konten")
    assert_accessible(page)
    page.get_by_role("link", name="Konto anlegen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Konto anlegen")
    expect(page.get_by_label("Rolle")).to_have_value("")  # a required select starts with an empty choice
    assert_accessible(page)
    page.get_by_role("button", name="Anlegen und einladen").click()
    expect(page.get_by_role("alert")).to_contain_text("Bitte prüfen Sie Ihre Eingaben")
    assert_accessible(page)  # the form with its error summary, as the server answered the POST
    page.get_by_label("Name").fill("Kim Beispiel")
    page.get_by_label("E-Mail-Adresse").fill("kim.beispiel@example.org")
    page.get_by_label("Rolle").select_option("ki_staff")
    page.get_by_role("button", name="Anlegen und einladen").click()
    expect(page.get_by_role("alert")).to_contain_text("mindestens eine Region")  # regional staff work in one
    page.get_by_label("KI Kreis Soest (Nordrhein-Westfalen)").check()
    page.get_by_role("button", name="Anlegen und einladen").click()
    expect(page.locator(".flash-success")).to_contain_text("Kim Beispiel")
    expect(page.get_by_role("region", name=re.compile("Konten"))).to_contain_text("kim.beispiel@example.org")
    assert_accessible(page)


@pytest.mark.parametrize(
    ("email", "path", "table"),
    [
        ("ki@example.org", "/koordination/", "Zahlen je Stadt und Gemeinde"),
        ("koordination@example.org", "/schulen/gesamtschule-am-lindenhof-lippstadt/verwalten", "Abstimmungsergebnisse"),
    ],
)
def test_wide_table_on_a_phone_can_be_scrolled_with_the_keyboard(page: Page, site, email, path, table):
    sign_in(page, site.url, email)
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(site.url + path)
    region = page.get_by_role("region", name=table)
    assert region.evaluate("e => e.scrollWidth > e.clientWidth"), "the table should be wider than a phone"
    region.focus()
    expect(region).to_be_focused()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("e => e.scrollLeft > 0", arg=region.element_handle())
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)


def test_html_checker_reports_errors_and_lets_warnings_pass():
    from .browser import html_errors

    bad = '<!doctype html><html lang="de"><title>x</title><p id="a"></p><p id="a"></p><h3>x</h3>'
    assert {e["message"] for e in html_errors(bad.encode())} >= {"Duplicate ID “a”."}
    fine = '<!doctype html><html lang="de"><title>x</title><section><p>Ohne Überschrift</p></section>'
    assert html_errors(fine.encode()) == []  # vnu only warns about a section without a heading


def test_axe_fails_a_page_on_a_moderate_violation(page: Page):
    # Content outside every landmark is a "moderate" violation (rule "region"): it must fail the page too.
    page.set_content('<!doctype html><html lang="de"><title>x</title><body><h1>Titel</h1><p>Ohne Landmarke</p>')
    with pytest.raises(AssertionError, match=r"axe violations[\s\S]*region \(moderate\)"):
        assert_accessible(page)
