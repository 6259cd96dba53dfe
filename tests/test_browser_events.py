"""Browser journey of an event: the KI publishes a regional meeting; a coordinator registers 12 pupils and 2 adults on
a phone and gets the confirmation with a calendar file; another school lands on the waiting list and moves up when
the first cancels. axe and the Nu Html Checker run on every page."""

from __future__ import annotations

from datetime import date, timedelta
from email import policy
from email.parser import BytesParser

import pytest
from icalendar import Calendar
from playwright.sync_api import Browser, Page, expect

from .browser import assert_accessible, browser_marks, new_page, sign_in

pytestmark = [*browser_marks, pytest.mark.usefixtures("_short_browser_timeouts")]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
TITLE = "Regionaltreffen Frühjahr in Möhnesee"


def mails_to(instance, address: str):
    found = []
    for path in sorted((instance / "outbox").glob("*.eml")):
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        if message["To"] == address:
            found.append(message)
    return found


def calendar_of(message) -> Calendar | None:
    for part in message.iter_attachments():
        if part.get_content_type() == "text/calendar":
            return Calendar.from_ical(part.get_payload(decode=True))
    return None


def _publish_event(page: Page, base_url: str) -> str:
    """The KI creates the event and publishes it; returns the path of its public page."""
    sign_in(page, base_url, "ki@example.org")
    page.goto(base_url + "/koordination/")
    page.get_by_role("link", name="Veranstaltungen", exact=True).first.click()
    assert_accessible(page)
    page.get_by_role("link", name="Neue Veranstaltung").click()
    assert_accessible(page)
    day = date.today() + timedelta(days=60)
    page.get_by_label("Art der Veranstaltung").select_option("regionaltreffen")
    page.get_by_label("Titel").fill(TITLE)
    page.get_by_label("Beginn (Datum)").fill(day.isoformat())
    page.get_by_label("Beginn (Uhrzeit)").fill("14:00")
    page.get_by_label("Ende (Uhrzeit)").fill("17:00")
    page.get_by_label("Ort", exact=True).fill("Haus des Gastes Möhnesee")
    page.get_by_label("Adresse", exact=True).fill("Seeuferstraße 1\n59519 Möhnesee")
    page.get_by_label("Online-Link").fill("https://treffen.example.org/raum")
    page.get_by_label("Plätze insgesamt").fill("16")
    page.get_by_label("Höchstens Plätze pro Schule").fill("14")
    page.get_by_role("button", name="Als Entwurf speichern").click()
    expect(page.get_by_text("als Entwurf gespeichert")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("row").filter(has_text=TITLE).get_by_role("button", name="Veröffentlichen").click()
    expect(page.get_by_text("Die Veranstaltung ist veröffentlicht")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=TITLE, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    return page.url.removeprefix(base_url)


def test_staff_publish_and_schools_register_with_a_waiting_list_on_a_phone(page: Page, browser: Browser, site):
    event_path = _publish_event(page, site.url)

    first = new_page(browser, **PHONE)
    sign_in(first, site.url, "koordination@example.org")
    first.goto(site.url + event_path)
    assert_accessible(first)
    registration_path = first.get_by_role("link", name="Schule anmelden").get_attribute("href")
    first.get_by_role("link", name="Schule anmelden").click()
    expect(first.get_by_text("Freie Plätze: 16")).to_be_visible()
    assert_accessible(first)
    first.get_by_label("Anzahl Schüler*innen").fill("12")
    first.get_by_label("Anzahl Erwachsene").fill("2")
    first.get_by_label("Namen der Erwachsenen").fill("Frau Özdemir\nHerr Jäger")
    first.get_by_label("Anmerkung (optional)").fill("Eine Person im Rollstuhl")
    first.get_by_role("button", name="Anmelden", exact=True).click()
    expect(first.locator("#registration-status")).to_contain_text("Ihre Anmeldung ist bestätigt.")
    expect(first.get_by_role("link", name="https://treffen.example.org/raum")).to_be_visible()
    assert_accessible(first)
    assert first.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    (confirmation,) = mails_to(site.instance, "koordination@example.org")
    calendar = calendar_of(confirmation)
    assert calendar is not None and str(calendar["METHOD"]) == "REQUEST"
    (item,) = [c for c in calendar.walk() if c.name == "VEVENT"]
    assert str(item["SUMMARY"]) == TITLE
    assert item["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert item.decoded("DTSTART").hour == 14

    second = new_page(browser, **PHONE)
    sign_in(second, site.url, "koordination2@example.org")
    second.goto(site.url + registration_path)
    second.get_by_label("Anzahl Schüler*innen").fill("8")
    second.get_by_label("Anzahl Erwachsene").fill("1")
    second.get_by_role("button", name="Anmelden", exact=True).click()
    expect(second.locator("#registration-status")).to_contain_text("Warteliste (Platz 1)")
    assert_accessible(second)
    (waiting,) = mails_to(site.instance, "koordination2@example.org")
    assert calendar_of(waiting) is None

    first.get_by_role("button", name="Anmeldung stornieren").click()
    expect(first.get_by_text("Ihre Anmeldung wurde storniert.")).to_be_visible()
    assert_accessible(first)
    second.reload()
    expect(second.locator("#registration-status")).to_contain_text("Ihre Anmeldung ist bestätigt.")
    assert_accessible(second)
    moved_up = mails_to(site.instance, "koordination2@example.org")[-1]
    assert "Ein Platz für Sie" in moved_up["Subject"]
    assert str(calendar_of(moved_up)["METHOD"]) == "REQUEST"
