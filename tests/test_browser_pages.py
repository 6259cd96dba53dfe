"""Browser journeys through the pages the other journeys do not reach: the public school directory, editing a
profile, a report and a material, inviting a colleague who accepts and later deletes the account, the admin's audit
log and a KI staff invitation up to the second factor, and the KI rejecting a registration. axe and the Nu Html
Checker run on every page, failed forms with their error summary included."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from courage_hub import create_app
from courage_hub.extensions import db
from courage_hub.schools.models import Approval, SchoolStatus

from . import factories
from .browser import (
    LiveSite,
    assert_accessible,
    browser_marks,
    fresh_code,
    live_server,
    outbox_link,
    sign_in,
    sign_out,
)
from .conftest import make_config

pytestmark = [*browser_marks, pytest.mark.usefixtures("_short_browser_timeouts")]

LINDENHOF = "gesamtschule-am-lindenhof-lippstadt"
REPORT = "Projektwoche gegen Antisemitismus"
MATERIAL = "Gegenrede im Klassenchat"
PENDING_SCHOOL = "Realschule am Haarstrang Warstein"
REGISTRANT = "anmeldung@realschule-warstein.example"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The demo network, plus a published report and a material of the first demo coordinator's school and a
    registration waiting for the KI, whose registrant receives the answer by mail."""
    from courage_hub.auth.models import User
    from courage_hub.demo import seed_demo
    from courage_hub.schools.models import School

    instance = tmp_path_factory.mktemp("pages")
    app = create_app(make_config("sqlite:///" + str(instance / "live.sqlite3"), str(instance)))
    with app.app_context():
        db.create_all()
        seed_demo(schools=20)
        school = db.session.scalar(db.select(School).where(School.slug == LINDENHOF))
        author = db.session.scalar(db.select(User).where(User.email == "koordination@example.org"))
        factories.ActivityFactory(school=school, author_id=author.id, title=REPORT)
        factories.MaterialFactory(school=school, author_id=author.id, title=MATERIAL)
        registrant = factories.UserFactory(email=REGISTRANT, name="Ria Registrierung")
        factories.SchoolFactory(
            name=PENDING_SCHOOL,
            municipality="Warstein",
            status=SchoolStatus.INTERESSE,
            approval=Approval.PENDING,
            registered_by_id=registrant.id,
        )
    with live_server(app) as url:
        yield LiveSite(url=url, instance=instance)


def flash(page: Page):
    """The flash message the server added for this request (not a hint on the page styled like one)."""
    return page.locator(".flash-success[role=status]")


def outbox_text(site: LiveSite, to: str) -> str:
    """Every mail delivered to ``to`` so far, as text."""
    from email import policy
    from email.parser import BytesParser

    texts = []
    for path in sorted((site.instance / "outbox").glob("*.eml")):
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        if message["To"] == to:
            texts.append(str(message["Subject"]) + "\n" + message.get_body(("plain",)).get_content())
    return "\n".join(texts)


def test_public_finds_a_school_in_the_directory_by_name_and_by_municipality(page: Page, site):
    page.goto(site.url + "/")
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Schulen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Schulen im Netzwerk")
    assert_accessible(page)

    page.get_by_label("Nach Namen suchen").fill("Lindenhof Lippstadt")
    page.get_by_role("button", name="Anzeigen").click()
    expect(page.locator(".result-count")).to_have_text("1 Schule gefunden")
    expect(page.locator("ul.school-list h2")).to_have_text(["Gesamtschule am Lindenhof Lippstadt"])
    assert "q=Lindenhof+Lippstadt" in page.url  # the search lives in the URL
    assert_accessible(page)

    page.get_by_role("link", name="Filter zurücksetzen").click()
    page.get_by_label("Stadt/Gemeinde").select_option("Soest")
    page.get_by_role("button", name="Anzeigen").click()
    cards = page.locator("ul.school-list li.card")
    expect(cards.first).to_be_visible()
    for text in cards.all_inner_texts():
        assert "Soest" in text
    assert_accessible(page)

    page.get_by_label("Nach Namen suchen").fill("Lindenhof Lippstadt")  # a Lippstadt school, filtered to Soest
    page.get_by_role("button", name="Anzeigen").click()
    expect(page.locator(".result-count")).to_have_text("0 Schulen gefunden")
    expect(page.locator("main")).to_contain_text("Keine Schule passt zu diesen Filtern.")
    assert_accessible(page)

    page.get_by_role("link", name="Filter zurücksetzen").click()
    page.get_by_role("link", name="Gesamtschule am Lindenhof Lippstadt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gesamtschule am Lindenhof Lippstadt")
    expect(page.locator("main")).to_contain_text(REPORT)
    assert_accessible(page)


def test_coordinator_edits_profile_report_and_material_after_the_forms_point_out_errors(page: Page, site):
    sign_in(page, site.url, "koordination@example.org")
    page.goto(site.url + f"/schulen/{LINDENHOF}/verwalten")
    page.get_by_role("link", name="Profil bearbeiten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Profil bearbeiten")
    assert_accessible(page)
    page.locator("#public_email").fill("keine-adresse")
    page.get_by_role("button", name="Speichern", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Bitte prüfen Sie Ihre Eingaben")
    assert_accessible(page)
    page.locator("#public_email").fill("courage@lindenhof.example")
    page.locator("#description").fill("Unsere Courage-AG trifft sich jeden Dienstag.")
    page.get_by_role("button", name="Speichern", exact=True).click()
    expect(flash(page)).to_have_text("Das Profil wurde gespeichert.")
    page.goto(site.url + f"/schulen/{LINDENHOF}")
    expect(page.locator("main")).to_contain_text("Unsere Courage-AG trifft sich jeden Dienstag.")

    page.get_by_role("link", name=REPORT).first.click()
    page.get_by_role("link", name="Bearbeiten", exact=True).click()
    expect(page.locator("#title")).to_have_value(REPORT)
    assert_accessible(page)
    page.locator("#title").fill("")
    page.locator("main form button[name=action][value=save]").click()
    expect(page.get_by_role("alert")).to_contain_text("Bitte geben Sie einen Titel ein.")
    assert_accessible(page)
    page.locator("#title").fill(REPORT + " 2026")
    page.locator("main form button[name=action][value=save]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(REPORT + " 2026")
    assert_accessible(page)

    page.goto(site.url + "/materialien/meine")
    assert_accessible(page)
    page.get_by_role("link", name=MATERIAL, exact=True).click()
    page.get_by_role("link", name="Material bearbeiten").click()
    expect(page.locator("#title")).to_have_value(MATERIAL)
    assert_accessible(page)
    page.locator("#title").fill("")
    page.get_by_role("button", name="Speichern", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Bitte prüfen Sie Ihre Eingaben")
    assert_accessible(page)
    page.locator("#title").fill(MATERIAL + ": Argumente")
    page.get_by_role("button", name="Speichern", exact=True).click()
    expect(flash(page)).to_contain_text("Gespeichert. Das KI prüft die Änderungen")
    expect(page.get_by_role("heading", level=1)).to_have_text(MATERIAL + ": Argumente")
    assert_accessible(page)


def test_invited_colleague_accepts_from_the_mail_exports_and_deletes_the_account(page: Page, site):
    colleague, password = "lehrerin@lindenhof.example", "Gemeinsam gegen Rassismus 2026"
    sign_in(page, site.url, "koordination@example.org")
    page.goto(site.url + f"/schulen/{LINDENHOF}/verwalten")
    page.get_by_role("link", name=re.compile("einladen")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Koordinator*in einladen")
    assert_accessible(page)
    page.get_by_label("E-Mail-Adresse").fill("keine-adresse")
    page.get_by_role("button", name="Einladung senden").click()
    expect(page.get_by_role("alert")).to_contain_text("Bitte prüfen Sie Ihre Eingaben")
    assert_accessible(page)
    page.get_by_label("E-Mail-Adresse").fill(colleague)
    page.get_by_role("button", name="Einladung senden").click()
    expect(flash(page)).to_have_text("Die Einladung wurde verschickt. Sie ist 7 Tage gültig.")
    sign_out(page)

    # The colleague opens the link from the mail and creates the account.
    page.goto(site.url + outbox_link(site.instance, "/schulen/einladung/", to=colleague))
    expect(page.get_by_role("heading", level=1)).to_have_text("Gesamtschule am Lindenhof Lippstadt koordinieren")
    assert_accessible(page)
    page.get_by_label("Name").fill("Lea Lehrerin")
    page.locator("#password").fill(password)
    page.locator("#password_confirm").fill(password + "!")
    page.get_by_role("button", name="Einladung annehmen").click()
    expect(page.get_by_role("alert")).to_contain_text("Die beiden Passwörter stimmen nicht überein.")
    assert_accessible(page)
    page.locator("#password").fill(password)
    page.locator("#password_confirm").fill(password)
    page.get_by_role("button", name="Einladung annehmen").click()
    expect(flash(page)).to_have_text("Sie koordinieren jetzt Gesamtschule am Lindenhof Lippstadt.")
    # Accepting signed the colleague in: the school's internal page, without a second sign-in.
    expect(page.get_by_role("heading", level=1)).to_have_text("Gesamtschule am Lindenhof Lippstadt")
    page.goto(site.url + "/konto")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Meine Daten herunterladen (JSON)").click()
    exported = json.loads(download_info.value.path().read_text(encoding="utf-8"))
    assert colleague in json.dumps(exported, ensure_ascii=False)
    assert "Gesamtschule am Lindenhof Lippstadt" in json.dumps(exported, ensure_ascii=False)

    page.get_by_role("link", name="Mein Konto löschen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mein Konto löschen")
    assert_accessible(page)
    page.get_by_label("Passwort").fill("nicht mein Passwort")
    page.locator("#confirm").check()
    page.get_by_role("button", name="Mein Konto endgültig löschen").click()
    expect(page.get_by_role("alert")).to_contain_text("Bitte prüfen Sie Ihre Eingaben")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mein Konto löschen")
    assert_accessible(page)
    page.get_by_label("Passwort").fill(password)
    page.locator("#confirm").check()
    page.get_by_role("button", name="Mein Konto endgültig löschen").click()
    expect(flash(page)).to_have_text("Ihr Konto wurde gelöscht.")
    assert_accessible(page)

    page.goto(site.url + "/anmelden")
    page.get_by_label("E-Mail-Adresse").fill(colleague)
    page.get_by_label("Passwort").fill(password)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("alert")).to_contain_text("E-Mail-Adresse oder Passwort ist nicht richtig.")


def test_admin_finds_the_invitation_in_the_audit_log_and_new_ki_staff_sets_up_the_second_factor(page: Page, site):
    staff, password = "neu.ki@example.org", "Vielfalt ist unsere Stärke"
    sign_in(page, site.url, "admin@example.org")
    page.get_by_role("link", name="Konto anlegen").click()
    page.get_by_label("Name").fill("Nora Neu")
    page.get_by_label("E-Mail-Adresse").fill(staff)
    page.get_by_label("Rolle").select_option("ki_staff")
    page.get_by_label("KI Kreis Soest (Nordrhein-Westfalen)").check()
    page.get_by_role("button", name="Anlegen und einladen").click()
    expect(flash(page)).to_contain_text("Nora Neu")

    page.goto(site.url + "/verwaltung/protokoll/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Protokoll")
    assert_accessible(page)
    page.get_by_label("Aktion").select_option("account.create")
    page.get_by_label("Person (E-Mail)").fill("admin@example.org")
    page.get_by_role("button", name="Anzeigen").click()
    expect(page.locator(".result-count")).to_have_text("1 Eintrag")
    expect(page.locator("table.audit-table tbody")).to_contain_text(staff)
    assert "aktion=account.create" in page.url
    assert_accessible(page)
    sign_out(page)

    # The new KI staff member chooses a password from the invitation mail, then must set up the second factor.
    page.goto(site.url + outbox_link(site.instance, "/einladung/", to=staff))
    expect(page.get_by_role("heading", level=1)).to_have_text("Willkommen bei Courage Hub")
    assert_accessible(page)
    page.locator("#password").fill("kurz")
    page.locator("#password_confirm").fill("kurz")
    page.get_by_role("button", name="Passwort speichern").click()
    expect(page.get_by_role("alert")).to_contain_text("Bitte prüfen Sie Ihre Eingaben")
    assert_accessible(page)
    page.locator("#password").fill(password)
    page.locator("#password_confirm").fill(password)
    page.get_by_role("button", name="Passwort speichern").click()
    expect(flash(page)).to_have_text("Ihr Passwort wurde gespeichert. Sie können sich jetzt anmelden.")

    sign_in(page, site.url, staff, password)
    expect(page).to_have_url(re.compile(r"/anmelden/zweiter-faktor-einrichten$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Zwei-Faktor-Anmeldung einrichten")
    assert_accessible(page)
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Code aus Ihrer Authenticator-App").fill("000000")
    page.get_by_role("button", name="Zwei-Faktor-Anmeldung einschalten").click()
    expect(page.get_by_role("alert")).to_contain_text("Bitte prüfen Sie Ihre Eingaben")
    assert_accessible(page)
    page.get_by_label("Code aus Ihrer Authenticator-App").fill(fresh_code(site.url, staff, secret))
    page.get_by_role("button", name="Zwei-Faktor-Anmeldung einschalten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ihre Wiederherstellungscodes")
    expect(page.locator("ul.recovery-codes li")).to_have_count(10)
    assert_accessible(page)

    page.goto(site.url + "/konto")
    page.locator("#codes-password").fill("nicht mein Passwort")
    page.get_by_role("button", name="Neue Wiederherstellungscodes erstellen").click()
    expect(page.get_by_role("alert")).to_contain_text("Das Passwort ist nicht korrekt.")
    assert_accessible(page)


def test_ki_rejects_a_registration_with_a_reason_and_the_registrant_is_told(page: Page, site):
    sign_in(page, site.url, "ki@example.org")
    page.goto(site.url + "/koordination/registrierungen")
    card = page.locator("li.card", has_text=PENDING_SCHOOL)
    card.get_by_role("link", name=re.compile("Ablehnen")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Registrierung ablehnen")
    assert_accessible(page)
    page.get_by_role("button", name="Ablehnen").click()
    expect(page.get_by_role("alert")).to_contain_text("Bitte geben Sie einen Grund an.")
    assert_accessible(page)
    reason = "Die Schulnummer gehört zu einer Schule außerhalb des Kreises."
    page.get_by_label(re.compile("Begründung")).fill(reason)
    page.get_by_role("button", name="Ablehnen").click()
    expect(flash(page)).to_have_text(f"Die Registrierung von {PENDING_SCHOOL} wurde abgelehnt.")
    expect(page.locator("li.card", has_text=PENDING_SCHOOL)).to_have_count(0)
    assert_accessible(page)
    assert reason in outbox_text(site, REGISTRANT)

    page.goto(site.url + "/koordination/postausgang")
    expect(page.get_by_role("heading", level=1)).to_have_text("Postausgang: nicht zugestellte E-Mails")
    expect(page.locator("main")).to_contain_text("Alle E-Mails wurden zugestellt.")
    assert_accessible(page)
