"""Browser journeys of an installation with several regional offices: a visitor finds the office of a municipality
from the start page and reads its page, the directory narrowed to that office; a KI staff member hands a school
over to the other office after the form pointed out a municipality the new office does not cover. axe and the Nu
Html Checker run on every page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from courage_hub import create_app
from courage_hub.extensions import db

from . import factories
from .browser import LiveSite, assert_accessible, browser_marks, live_server, sign_in
from .conftest import make_config

pytestmark = [*browser_marks, pytest.mark.usefixtures("_short_browser_timeouts")]

LINDENHOF = "gesamtschule-am-lindenhof-lippstadt"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The demo network of Kreis Soest alone and a second office, KI Kreis Unna, with a member school."""
    from courage_hub.demo import seed_demo

    instance = tmp_path_factory.mktemp("regions")
    app = create_app(make_config("sqlite:///" + str(instance / "live.sqlite3"), str(instance)))
    with app.app_context():
        db.create_all()
        seed_demo(schools=12, regions=1)
        unna = factories.RegionFactory(
            area="Kreis Unna",
            slug="kreis-unna",
            municipalities=["Bergkamen", "Kamen", "Unna"],
            contact_address="Friedrich-Ebert-Straße 17\n59425 Unna",
            contact_email="ki@kreis-unna.example",
            opening_hours="Mo–Do 9–15 Uhr",
            introduction="Wir beraten **alle Schulen** im Kreis Unna.",
        )
        factories.SchoolFactory(region=unna, municipality="Kamen", name="Gesamtschule Kamen")
    with live_server(app) as url:
        yield LiveSite(url=url, instance=instance)


def test_visitor_finds_the_office_of_a_municipality_and_its_schools(page: Page, site):
    page.goto(site.url + "/")
    assert_accessible(page)
    page.get_by_label("Gemeinde der Schule").select_option("Kamen")
    page.get_by_role("button", name="Koordination finden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("KI Kreis Unna")
    expect(page.get_by_text("ki@kreis-unna.example")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Diese Schulen im Verzeichnis").click()
    expect(page.get_by_role("link", name="Gesamtschule Kamen")).to_be_visible()
    expect(page.get_by_label("Koordinierungsstelle")).to_have_value("kreis-unna")
    assert_accessible(page)
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Regionen").click()
    expect(page.get_by_role("link", name="KI Kreis Unna")).to_be_visible()
    assert_accessible(page)


def test_ki_hands_a_school_over_after_the_form_asks_for_a_covered_municipality(page: Page, site):
    sign_in(page, site.url, "ki@example.org")
    page.goto(site.url + "/koordination/schulen")
    page.get_by_role("link", name="Gesamtschule am Lindenhof Lippstadt").first.click()
    assert_accessible(page)
    page.get_by_label("Neue Koordinierungsstelle").select_option("kreis-unna")
    page.get_by_label("Grund").fill("Die Schule ist nach Unna umgezogen.")
    page.get_by_role("button", name="Schule übergeben").click()
    expect(page.locator("#error-summary")).to_contain_text("nicht für Lippstadt zuständig")
    assert_accessible(page)
    page.get_by_label("Gemeinde der Schule").select_option("Unna")
    page.get_by_role("button", name="Schule übergeben").click()
    expect(page.get_by_text("wird jetzt von KI Kreis Unna betreut")).to_be_visible()
    assert_accessible(page)
    assert page.goto(site.url + f"/koordination/schulen/{_school_id(site, LINDENHOF)}").status == 404


def _school_id(site: LiveSite, slug: str) -> int:
    import sqlite3

    with sqlite3.connect(site.instance / "live.sqlite3") as conn:
        return conn.execute("SELECT id FROM schools WHERE slug = ?", (slug,)).fetchone()[0]
