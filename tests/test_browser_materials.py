"""Browser journey: a coordinator shares a PDF, the KI approves it, a pupil finds and downloads it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from courage_hub.materials.samples import simple_pdf

from .browser import assert_accessible, browser_marks, new_page, sign_in

pytestmark = [*browser_marks, pytest.mark.usefixtures("_short_browser_timeouts")]
TITLE = "Vorurteile gegen Sinti und Roma erkennen"


def test_shared_pdf_is_reviewed_then_found_filtered_and_downloaded_without_an_account(page: Page, site, tmp_path):
    pdf = tmp_path / "arbeitsblatt.pdf"
    pdf.write_bytes(simple_pdf(TITLE, "Aussagen prüfen, Gegenargumente sammeln. Eine Schulstunde."))

    sign_in(page, site.url, "koordination@example.org")
    page.goto(site.url + "/materialien/")
    page.get_by_role("link", name="Material teilen").first.click()
    assert_accessible(page)
    page.locator("#title").fill(TITLE)
    page.locator("#description").fill("Ein Arbeitsblatt zu antiziganistischen Vorurteilen im Alltag.")
    page.get_by_label("Antiziganismus (Rassismus gegen Sinti und Roma)").check()
    page.get_by_label("Sekundarstufe I", exact=True).check()
    page.locator("#material_type").select_option("Arbeitsblatt")
    page.locator("#licence").select_option("cc-by")
    page.locator("#attribution").fill("Courage-AG der Gesamtschule am Lindenhof")
    page.locator("#file").set_input_files(str(pdf))
    page.get_by_role("button", name="Zur Prüfung senden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator("main")).to_contain_text("In Prüfung")
    assert_accessible(page)

    ki = new_page(page.context.browser)
    sign_in(ki, site.url, "ki@example.org")
    ki.goto(site.url + "/koordination/pruefung/")
    assert_accessible(ki)
    ki.get_by_role("link", name=TITLE).click()
    expect(ki.locator("img.preview")).to_be_visible()  # the first page, rendered
    assert_accessible(ki)
    for label in ("Keine erkennbaren", "Menschenfeindliche Inhalte", "Die Lizenz ist plausibel", "Datei lässt sich"):
        ki.get_by_label(label).check()
    ki.get_by_label("Freigeben und veröffentlichen").check()
    ki.get_by_role("button", name="Entscheidung speichern").click()
    expect(ki.locator(".flash")).to_contain_text("veröffentlicht")
    ki.context.close()

    pupil = new_page(page.context.browser, accept_downloads=True)
    pupil.goto(site.url + "/materialien/")
    assert_accessible(pupil)
    pupil.get_by_label("Suchbegriffe").fill("antiziganistisch")
    pupil.locator("#f-stufe").select_option("Sekundarstufe I")
    pupil.get_by_role("button", name="Suche", exact=True).click()
    expect(pupil.locator(".result-count")).to_have_text("1 Material gefunden")
    assert "stufe=Sekundarstufe+I" in pupil.url  # the filters live in the URL
    assert_accessible(pupil)
    pupil.get_by_role("link", name=TITLE).click()
    expect(pupil.locator("main")).to_contain_text("CC BY 4.0")
    assert_accessible(pupil)
    with pupil.expect_download() as download_info:
        pupil.get_by_role("link", name="Herunterladen").click()
    download = download_info.value
    assert download.suggested_filename == "vorurteile-gegen-sinti-und-roma-erkennen.pdf"  # the title, not the file name
    assert download.path().read_bytes().startswith(b"%PDF-")
    pupil.reload()
    expect(pupil.locator(".facts")).to_contain_text("1")
    pupil.context.close()
