"""Browser journeys in headless Chromium, with axe on every page visited."""

from __future__ import annotations

import os
import re
import shutil

import pytest
from playwright.sync_api import Page, expect

from courage_hub import create_app
from courage_hub.demo import seed_demo
from courage_hub.extensions import db

from .browser import CHROMIUM, CHROMIUM_ARGS, assert_accessible, live_server
from .conftest import make_config

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(os.environ.get("SKIP_BROWSER_TESTS") == "1", reason="SKIP_BROWSER_TESTS=1"),
]
DEMO_PASSWORD = "Courage-Demo-2026"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not shutil.which(CHROMIUM):
        pytest.fail("Debian's chromium is missing: run `make test` (it installs it) or set SKIP_BROWSER_TESTS=1")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(autouse=True)
def _short_timeouts(page: Page) -> None:
    page.set_default_timeout(10_000)
    expect.set_options(timeout=10_000)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A live site on a fresh SQLite file with the demo network."""
    instance = tmp_path_factory.mktemp("live")
    app = create_app(make_config("sqlite:///" + str(instance / "live.sqlite3"), str(instance)))
    with app.app_context():
        db.create_all()
        seed_demo(schools=20)
    with live_server(app) as url:
        yield url


def sign_in(page: Page, server: str, email: str) -> None:
    page.goto(server + "/anmelden")
    assert_accessible(page)
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Abmelden").click()
    expect(page.get_by_text("Sie wurden abgemeldet.")).to_be_visible()
    assert_accessible(page)


@pytest.mark.parametrize(
    ("email", "path", "heading"),
    [
        ("admin@example.org", "/verwaltung/konten", "Konten"),
        ("ki@example.org", "/koordination/", "Netzwerk im Kreis Soest"),
        ("koordination@example.org", "/meine-schulen", "Meine Schulen"),
        ("koordination2@example.org", "/meine-schulen", "Meine Schulen"),
    ],
)
def test_each_demo_role_signs_in_sees_its_page_and_signs_out(page: Page, server, email, path, heading):
    sign_in(page, server, email)
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert_accessible(page)
    page.get_by_role("link", name="Mein Konto").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mein Konto")
    assert_accessible(page)
    sign_out(page)
    page.goto(server + path)
    expect(page).to_have_url(re.compile(r"/anmelden"))


def test_public_pages_are_accessible(page: Page, server):
    for path in [
        "/",
        "/impressum",
        "/datenschutz",
        "/barrierefreiheit",
        "/leichte-sprache",
        "/materialien/",
        "/gibt-es-nicht",
    ]:
        page.goto(server + path)
        expect(page.locator("h1")).to_have_count(1)
        assert_accessible(page)


def test_failed_login_shows_error_summary_and_keeps_email(page: Page, server):
    page.goto(server + "/anmelden")
    page.get_by_label("E-Mail-Adresse").fill("ki@example.org")
    page.get_by_label("Passwort").fill("falsches-passwort")
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("alert")).to_contain_text("E-Mail-Adresse oder Passwort ist nicht richtig.")
    expect(page.get_by_label("E-Mail-Adresse")).to_have_value("ki@example.org")
    assert_accessible(page)


def test_skip_link_moves_focus_to_main_content(page: Page, server):
    page.goto(server + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Zum Inhalt springen")
    expect(skip).to_be_focused()
    skip.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))


def test_page_works_on_a_phone_without_horizontal_scrolling(page: Page, server):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(server + "/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)
