"""Browser journey: a KI officer filters to Lippstadt, finds a school without a project, previews and sends a
reminder (the mail lands in the outbox) and exports the table as XLSX; axe on every page."""

from __future__ import annotations

import io

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from .browser import assert_accessible, browser_marks, sign_in

pytestmark = [*browser_marks, pytest.mark.usefixtures("_short_browser_timeouts")]


def test_ki_officer_reminds_a_lippstadt_school_without_project_and_exports(page: Page, site):
    outbox = site.instance / "outbox"
    before = set(outbox.glob("*.eml")) if outbox.exists() else set()
    sign_in(page, site.url, "ki@example.org")
    page.goto(site.url + "/koordination/")
    expect(page.locator("svg[role=img]").first).to_be_visible()
    assert_accessible(page)

    page.locator("#f-gemeinde").select_option("Lippstadt")
    page.locator("main form.filters button[type=submit]").click()
    page.locator("a[href*='pflicht=nein']").click()
    rows = page.locator("table.schools-table tbody tr")
    expect(rows.first).to_be_visible()
    assert_accessible(page)
    first_link = rows.first.locator("td a").first
    school_name = first_link.inner_text()
    assert "Lippstadt" in school_name
    first_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(school_name)
    assert_accessible(page)

    page.locator("a[href*='/koordination/erinnerungen?schule=']").click()
    assert_accessible(page)
    page.locator("main button[name=action][value=preview]").click()
    preview = page.locator("pre.preview-body")
    expect(preview).to_be_visible()
    assert_accessible(page)
    preview_text = preview.inner_text()
    assert school_name in preview_text or school_name in page.locator(".preview-subject").inner_text()
    page.locator("main button[name=action][value=send]").click()
    expect(page.locator(".flash-success")).to_be_visible()
    assert_accessible(page)
    new_mails = set(outbox.glob("*.eml")) - before
    assert len(new_mails) == 1
    assert "Subject:" in new_mails.pop().read_text()

    page.goto(site.url + "/koordination/schulen?gemeinde=Lippstadt")
    with page.expect_download() as download_info:
        page.locator("a[href*='/koordination/export/schulen.xlsx']").click()
    book = openpyxl.load_workbook(io.BytesIO(download_info.value.path().read_bytes()))
    municipalities = {row[3] for row in book.active.iter_rows(min_row=2, values_only=True)}
    assert municipalities == {"Lippstadt"}


CHART_TEXT_SIZES = """() => [...document.querySelectorAll('svg.chart text')].map((text) => {
  const svg = text.ownerSVGElement;
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return parseFloat(getComputedStyle(text).fontSize) * scale;
})"""


def test_dashboard_chart_text_is_at_least_twelve_pixels_on_a_phone_and_a_desktop(page: Page, site):
    # One sign-in for both widths: each staff sign-in uses up a TOTP time step, and the app refuses replayed steps.
    sign_in(page, site.url, "ki@example.org")
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(site.url + "/koordination/")
        expect(page.locator("svg.chart").first).to_be_visible()
        sizes = page.evaluate(CHART_TEXT_SIZES)
        assert len(sizes) > 20
        assert min(sizes) >= 12, f"at {width} px"
        region = page.locator(".chart-scroll").first
        region.focus()
        expect(region).to_be_focused()  # a chart wider than the screen scrolls with the keyboard
        assert_accessible(page)
