"""Browser journey: a coordinator reports a project with a photo; the feed and the school profile show it."""

from __future__ import annotations

import io
from datetime import date

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from .browser import assert_accessible, browser_marks, new_page, sign_in

pytestmark = [*browser_marks, pytest.mark.usefixtures("_short_browser_timeouts")]


def test_coordinator_reports_with_photo_and_public_sees_it(page: Page, site, tmp_path):
    photo = tmp_path / "plakat.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (900, 600), (200, 40, 80)).save(buffer, format="JPEG")
    photo.write_bytes(buffer.getvalue())
    second = tmp_path / "buehne.jpg"
    second.write_bytes(buffer.getvalue())

    sign_in(page, site.url, "koordination@example.org")
    page.get_by_role("link", name="Aktivität melden").first.click()
    assert_accessible(page)
    page.locator("#title").fill("Aktionstag Zivilcourage im Browser")
    page.locator("#start_date").fill(date.today().isoformat())
    page.locator("#activity_type").select_option("Schulfest/Aktionstag")
    page.get_by_label("Demokratie und Zivilcourage").check()
    page.locator("#description").fill("Die SV hat einen **Aktionstag** organisiert.")
    page.locator("#photos").set_input_files([str(photo), str(second)])
    page.locator("main form button[name=action][value=publish]").click()
    # The photos are kept; each now asks for its description, and the consent was forgotten.
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.get_by_text("Bereits hochgeladen: plakat.jpg")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Beschreibung von „plakat.jpg“").fill("Ein rotes Plakat mit dem Wort Courage")
    page.get_by_label("Beschreibung von „buehne.jpg“").fill("Die Bühne in der Aula")
    page.locator("main form button[name=action][value=publish]").click()
    expect(page.locator("#error-summary")).to_contain_text("Einwilligung")
    expect(page.get_by_text("Bereits hochgeladen: buehne.jpg")).to_be_visible()
    page.locator("#photo_consent").check()
    page.locator("main form button[name=action][value=publish]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Aktionstag Zivilcourage im Browser")
    expect(page.locator(".gallery img")).to_have_count(2)
    expect(page.locator(".gallery img").first).to_have_attribute("alt", "Ein rotes Plakat mit dem Wort Courage")
    assert_accessible(page)

    anonymous = new_page(page.context.browser)
    anonymous.goto(site.url + "/aktivitaeten/")
    card = anonymous.locator("li.activity-card", has_text="Aktionstag Zivilcourage im Browser")
    expect(card).to_be_visible()
    expect(card.locator("img")).to_have_attribute("alt", "Ein rotes Plakat mit dem Wort Courage")
    assert_accessible(anonymous)
    anonymous.goto(site.url + "/schulen/gesamtschule-am-lindenhof-lippstadt")
    expect(anonymous.locator("main")).to_contain_text("Aktionstag Zivilcourage im Browser")
    assert_accessible(anonymous)
    anonymous.context.close()


def test_failed_report_moves_focus_to_error_summary_listed_in_field_order(page: Page, site):
    sign_in(page, site.url, "koordination@example.org")
    page.get_by_role("link", name="Aktivität melden").first.click()
    page.locator("#participants").fill("-5")
    page.locator("#links").fill("keine Adresse")
    page.locator("main form button[name=action][value=publish]").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    targets = summary.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href').slice(1))")
    assert {"title", "start_date", "activity_type", "topics", "participants", "links"} <= set(targets)
    field_order = page.locator("main form [id]").evaluate_all("nodes => nodes.map(n => n.id)")
    assert targets == sorted(targets, key=field_order.index)
    assert_accessible(page)
