"""Browser journey of a cooperation partner's entry: the KI enters a partner with an offer and invites the partner's
account; the partner accepts on a phone, signs in (no second factor), proposes a change to its profile; the KI
approves it and the partner sees it. axe and the Nu Html Checker run on every page; the Nu Html Checker also reads
every partner page in the states that show the most (forms with errors, review and conflict pages)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from .browser import assert_accessible, browser_marks, html_errors, new_page, outbox_link, sign_in
from .test_partners_staff import every_page

pytestmark = [*browser_marks]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
PARTNER_NAME = "Erinnerungsort Alte Synagoge Geseke"
PARTNER_EMAIL = "bildung@alte-synagoge-geseke.example"
PASSWORD = "Ein langes Passwort für die Synagoge 7"


def test_every_partner_page_is_valid_html(app, users, db):
    failures = []
    for name, _status, html in every_page(app, users, db):
        errors = html_errors(html.encode())
        failures += [f"{name}: line {e.get('lastLine', '?')}: {e['message']}" for e in errors[:5]]
    assert not failures, "\n".join(failures)


def _enter_partner_with_offer(page: Page, base_url: str) -> None:
    """The KI enters the partner, publishes an offer and invites the partner's account."""
    sign_in(page, base_url, "ki@example.org")
    page.goto(base_url + "/koordination/")
    page.get_by_role("link", name="Kooperationspartner", exact=True).click()
    assert_accessible(page)
    page.get_by_role("link", name="Neuer Partner").click()
    assert_accessible(page)
    page.get_by_role("button", name="Speichern").click()  # nothing filled in: the errors are summarised
    expect(page.get_by_role("heading", name="Bitte prüfen Sie Ihre Eingaben")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Name").first.fill(PARTNER_NAME)
    page.get_by_label("Art des Partners").select_option("Gedenkstätte/Erinnerungsort")
    page.get_by_label("Kurzbeschreibung").fill("Führungen und Workshops in der ehemaligen Synagoge.")
    page.get_by_label("Antisemitismus", exact=True).check()
    page.get_by_label("Erinnerungskultur und Gedenken").check()
    page.get_by_label("Öffentliche Kontakt-E-Mail").fill("kontakt@alte-synagoge-geseke.example")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_text("wurde gespeichert")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(PARTNER_NAME)
    assert_accessible(page)

    page.get_by_role("link", name="Neues Angebot").click()
    assert_accessible(page)
    page.get_by_label("Titel").fill("Workshop: Jüdisches Leben in Geseke")
    page.get_by_role("combobox", name="Format").select_option("Workshop")
    page.get_by_label("Antisemitismus", exact=True).check()
    page.get_by_label("Beschreibung").fill("Ein Rundgang und ein Workshop für Klassen 8 bis 10.")
    page.get_by_label("Ab Klasse").select_option("8")
    page.get_by_label("Bis Klasse").select_option("10")
    page.get_by_label("In der Schule").check()
    page.get_by_role("button", name="Veröffentlichen").click()
    expect(page.get_by_text("ist veröffentlicht")).to_be_visible()
    expect(page.get_by_role("link", name="Workshop: Jüdisches Leben in Geseke")).to_be_visible()
    assert_accessible(page)

    invitation = page.locator("form", has=page.get_by_role("button", name="Einladung senden"))
    invitation.get_by_label("Name").fill("Mira Beispiel")
    invitation.get_by_label("E-Mail-Adresse").fill(PARTNER_EMAIL)
    invitation.get_by_role("button", name="Einladung senden").click()
    expect(page.get_by_text(f"Die Einladung wurde an {PARTNER_EMAIL} gesendet.")).to_be_visible()
    expect(page.get_by_text("Einladung noch nicht angenommen")).to_be_visible()
    assert_accessible(page)


@pytest.mark.usefixtures("_short_browser_timeouts")
def test_staff_enter_a_partner_the_partner_proposes_a_change_and_staff_approve_it(page: Page, browser: Browser, site):
    _enter_partner_with_offer(page, site.url)

    partner = new_page(browser, **PHONE)
    partner.goto(site.url + outbox_link(site.instance, "/einladung/", to=PARTNER_EMAIL))
    assert_accessible(partner)
    partner.locator("#password").fill(PASSWORD)
    partner.get_by_label("Passwort wiederholen").fill(PASSWORD)
    partner.get_by_role("button", name="Passwort speichern").click()
    expect(partner.get_by_text("Sie können sich jetzt anmelden")).to_be_visible()
    sign_in(partner, site.url, PARTNER_EMAIL, PASSWORD)  # no second factor for partners
    expect(partner).to_have_url(site.url + "/partnerbereich/")
    expect(partner.get_by_role("heading", level=1)).to_have_text("Partnerbereich")
    expect(partner.get_by_text("Workshop: Jüdisches Leben in Geseke")).to_be_visible()
    assert_accessible(partner)
    assert partner.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone

    partner.get_by_role("link", name="Profil ändern").click()
    assert_accessible(partner)
    partner.get_by_label("Kurzbeschreibung").fill("Führungen, Workshops und Zeitzeugengespräche.")
    partner.get_by_role("button", name="Zur Prüfung senden").click()
    expect(partner.get_by_text("Ihre Änderungen gehen zur Prüfung")).to_be_visible()
    expect(partner.get_by_text("warten auf die Prüfung")).to_be_visible()
    assert_accessible(partner)

    page.goto(site.url + "/koordination/partner/")
    page.get_by_role("link", name=f"Profiländerungen von {PARTNER_NAME}").click()
    expect(page.get_by_role("cell", name="Führungen, Workshops und Zeitzeugengespräche.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Freigeben und veröffentlichen").check()
    page.get_by_role("button", name="Entscheidung senden").click()
    expect(page.get_by_text("sind veröffentlicht")).to_be_visible()
    assert_accessible(page)

    partner.reload()
    expect(partner.get_by_text("Führungen, Workshops und Zeitzeugengespräche.")).to_be_visible()
    expect(partner.get_by_text("warten auf die Prüfung")).to_have_count(0)
    assert_accessible(partner)
