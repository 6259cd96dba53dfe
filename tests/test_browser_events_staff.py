"""Browser journey: a KI officer opens the participant list of the past Regionaltreffen, marks a school as absent,
writes to every registered school (first without a subject) and downloads the sign-in sheet; axe and the Nu Html
Checker on every page."""

from __future__ import annotations

import sqlite3

import pytest
from playwright.sync_api import Page, expect

from .browser import assert_accessible, assert_valid_html, browser_marks, sign_in

pytestmark = [*browser_marks, pytest.mark.usefixtures("_short_browser_timeouts")]


def _event_id(site, key: str) -> int:
    with sqlite3.connect(site.instance / "live.sqlite3") as conn:
        (event_id,) = conn.execute(
            "SELECT id FROM events WHERE uid = ?", (f"demo-{key}-kreis-soest@courage-hub.demo",)
        ).fetchone()
    return event_id


def test_ki_officer_marks_attendance_writes_to_the_schools_and_prints_the_sign_in_sheet(page: Page, site):
    outbox = site.instance / "outbox"
    before = set(outbox.glob("*.eml")) if outbox.exists() else set()
    event_id = _event_id(site, "regionaltreffen-vorher")
    sign_in(page, site.url, "ki@example.org")
    page.goto(f"{site.url}/koordination/veranstaltungen/{event_id}/teilnehmende")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Regionaltreffen Kreis Soest")
    assert_accessible(page)
    assert_valid_html(page)

    first_row = page.locator("#attendance tbody tr").first
    school = first_row.locator("th").inner_text().split("\n")[0]
    first_row.locator("button[name=attended][value='0']").click()
    expect(page.locator(".flash-success")).to_contain_text(school)
    expect(page.locator("#attendance tbody tr").first).to_contain_text("nicht gekommen")
    assert_accessible(page)

    page.locator("a[href$='/nachricht']").click()
    page.locator("#text").fill("Die Fotos vom Treffen liegen jetzt im Materialbereich.")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert_accessible(page)
    assert_valid_html(page)
    page.locator("#subject").fill("Fotos vom Regionaltreffen")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()
    assert set(outbox.glob("*.eml")) - before

    with page.expect_download() as download_info:
        page.locator("a[href$='/unterschriften.pdf']").click()
    assert download_info.value.path().read_bytes().startswith(b"%PDF")
