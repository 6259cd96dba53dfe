"""Browser journey of the open data API: the documentation page from the footer link, on a desktop and a phone (axe
and the Nu Html Checker), and a script on another origin reading the API as a school website would (CORS, with a
preflight for If-None-Match), while a write from that origin is blocked."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from .browser import assert_accessible, browser_marks, live_server, new_page

pytestmark = [*browser_marks, pytest.mark.usefixtures("_short_browser_timeouts")]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.mark.parametrize("screen", [{}, PHONE], ids=["desktop", "phone"])
def test_the_documentation_page_is_accessible_and_shows_every_endpoint(browser: Browser, site, screen):
    page = new_page(browser, **screen)
    page.goto(site.url + "/")
    page.get_by_role("link", name="Offene Daten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Offene Daten: die Schnittstelle (API)")
    assert_accessible(page)
    for path in ("/api/v1/schools", "/api/v1/materials/{material_id}", "/api/v1/events"):
        expect(page.get_by_role("heading", name=f"GET {path}", exact=True)).to_be_visible()
    example = page.get_by_role("region", name="Beispielantwort von /api/v1/schools", exact=True)
    example.focus()  # a keyboard reaches the example and scrolls it
    expect(example).to_be_focused()
    page.get_by_role("link", name="GET /api/v1/regions", exact=True).click()
    expect(page).to_have_url(site.url + "/api/#regions-list")


def school_website(environ, start_response):
    """Another origin (its own port): a school's website that embeds the network's data."""
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
    return [b'<!doctype html><html lang="de"><title>Unsere Schule</title><h1>Unsere Schule</h1></html>']


def test_a_script_on_another_site_reads_the_api_but_cannot_write(browser: Browser, site):
    page = new_page(browser)
    with live_server(school_website) as website:
        page.goto(website + "/")
        result = _read_from(page, site.url + "/api/v1/schools?limit=2")
    assert result["status"] == 200 and result["items"] == 2 and result["next"]
    assert result["etag"] and 'rel="next"' in result["link"]  # exposed to the script
    assert result["again"] == 304  # the preflight allowed If-None-Match, and the copy was current
    assert result["write"] == "blocked"


def _read_from(page, api: str) -> dict:
    return page.evaluate(
        """async (url) => {
            const first = await fetch(url);
            const body = await first.json();
            const etag = first.headers.get("ETag");
            const again = await fetch(url, {headers: {"If-None-Match": etag}, cache: "no-store"});
            let write = "allowed";
            try { await fetch(url, {method: "POST", body: "{}"}); } catch (error) { write = "blocked"; }
            return {status: first.status, items: body.items.length, next: body.next, etag, again: again.status,
                    link: first.headers.get("Link"), write};
        }""",
        api,
    )
