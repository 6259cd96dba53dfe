"""Browser journey of a visitor looking for an event: the start page shows the next events, the list is filtered by
month and kind, and the event's page says when, where (with a plain OpenStreetMap link) and how many seats are left.
axe and the Nu Html Checker run on every page."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from courage_hub import create_app
from courage_hub.core.db import utcnow
from courage_hub.core.schoolyear import BERLIN
from courage_hub.events.models import Audience, Event, EventKind, EventState
from courage_hub.extensions import db

from . import factories
from .browser import LiveSite, assert_accessible, browser_marks, live_server
from .conftest import make_config

pytestmark = [*browser_marks, pytest.mark.usefixtures("_short_browser_timeouts")]


def _next_month(months: int) -> date:
    today = date.today().replace(day=1)
    index = today.year * 12 + today.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _event(region, title: str, kind: EventKind, day: date, **fields) -> None:
    start = datetime(day.year, day.month, day.day, 15, tzinfo=BERLIN)
    values = {
        "uid": f"{uuid.uuid4()}@courage-hub.test",
        "region_id": region.id,
        "title": title,
        "kind": kind,
        "audience": Audience.PUPILS,
        "starts_at": start.astimezone(UTC),
        "ends_at": (start + timedelta(hours=3)).astimezone(UTC),
        "place_name": "Kreishaus Soest",
        "address": "Hoher Weg 1–3\n59494 Soest",
        "state": EventState.PUBLISHED,
        "published_at": utcnow(),
        "capacity": 30,
        "description": "Ein Workshop zu **Zivilcourage** im Alltag.",
    }
    db.session.add(Event(**values, **fields))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Kreis Soest with a workshop in two months, a regional meeting in the same month and one in three months."""
    instance = tmp_path_factory.mktemp("events")
    app = create_app(make_config("sqlite:///" + str(instance / "live.sqlite3"), str(instance)))
    month = _next_month(2)
    with app.app_context():
        db.create_all()
        soest = factories.default_region()
        _event(soest, "Workshop Zivilcourage", EventKind.WORKSHOP, month.replace(day=12))
        _event(soest, "Regionaltreffen im Frühjahr", EventKind.REGIONALTREFFEN, month.replace(day=20))
        _event(soest, "Workshop im Sommer", EventKind.WORKSHOP, _next_month(3).replace(day=5))
        db.session.commit()
    with live_server(app) as url:
        yield LiveSite(url=url, instance=instance)


def test_visitor_filters_events_by_month_and_kind_and_opens_one(page: Page, site):
    page.goto(site.url + "/")
    events = page.get_by_role("region", name="Nächste Veranstaltungen")
    expect(events.get_by_role("link", name="Workshop Zivilcourage")).to_be_visible()
    assert_accessible(page)
    events.get_by_role("link", name="Alle Veranstaltungen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Veranstaltungen")
    assert_accessible(page)

    page.get_by_label("Monat").select_option(_next_month(2).strftime("%Y-%m"))
    page.get_by_label("Art der Veranstaltung").select_option("workshop")
    page.get_by_role("button", name="Filter anwenden").click()
    expect(page.get_by_role("status")).to_have_text("1 Veranstaltung gefunden")
    assert f"monat={_next_month(2).strftime('%Y-%m')}" in page.url and "art=workshop" in page.url
    expect(page.get_by_role("link", name="Regionaltreffen im Frühjahr")).to_have_count(0)
    expect(page.get_by_role("link", name="Workshop im Sommer")).to_have_count(0)
    assert_accessible(page)

    page.get_by_role("link", name="Workshop Zivilcourage").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Workshop Zivilcourage")
    expect(page.get_by_text("noch 30 Plätze frei")).to_be_visible()
    expect(page.get_by_text("15:00–18:00 Uhr")).to_be_visible()
    map_link = page.get_by_role("link", name="Auf der Karte zeigen (OpenStreetMap)")
    expect(map_link).to_have_attribute(
        "href", "https://www.openstreetmap.org/search?query=Hoher+Weg+1%E2%80%933%2C+59494+Soest"
    )
    expect(map_link).to_have_attribute("rel", "noopener noreferrer")
    expect(page.locator("iframe")).to_have_count(0)
    assert_accessible(page)
