"""The demo network looks like a real one to a KI officer: no repeated or numbered titles, remembrance days on their
date, links titled after the site they open, a licence on every material, and dates and downloads spread over years."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from statistics import median
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from courage_hub.activities.models import Activity, ActivityState
from courage_hub.core.db import utcnow
from courage_hub.demo import seed_demo
from courage_hub.materials.models import Material, MaterialState
from courage_hub.materials.vocab import LICENCES
from courage_hub.schools.models import School

NUMBERED = re.compile(r"\(\d+\)")
# Words a title must contain for a link to the site (host) it opens.
SITE_WORDS = {
    "www.bpb.de": ("bpb", "Bundeszentrale"),
    "www.annefrank.de": ("Anne Frank",),
    "www.klicksafe.de": ("klicksafe",),
    "www.sintiundroma.org": ("Sinti und Roma", "Dokumentationszentrum"),
    "www.schule-ohne-rassismus.org": ("Schule ohne Rassismus", "SOR-SMC"),
}
FIXED_DAYS = {
    "Novemberpogrome": (11, 9),
    "Holocaust-Gedenktag": (1, 27),
    "Internationalen Tag gegen Rassismus": (3, 21),
    "Internationalen Tag der Roma": (4, 8),
    "Homo- und Transfeindlichkeit": (5, 17),
    "Weltflüchtlingstag": (6, 20),
}


@pytest.fixture
def demo(app, db):
    seed_demo(schools=35, activities=150, materials=80)
    return {
        "schools": list(db.session.scalars(select(School))),
        "activities": list(db.session.scalars(select(Activity))),
        "materials": list(db.session.scalars(select(Material))),
    }


def repeated(titles) -> list[str]:
    return [title for title, n in Counter(titles).items() if n > 1]


def test_demo_titles_are_unique_and_carry_no_running_numbers(demo):
    for kind, attribute in (("schools", "name"), ("activities", "title"), ("materials", "title")):
        titles = [getattr(row, attribute) for row in demo[kind]]
        assert repeated(titles) == [], kind
        assert [t for t in titles if NUMBERED.search(t)] == [], kind


def test_demo_remembrance_days_fall_on_their_date(demo):
    checked = 0
    for activity in demo["activities"]:
        for words, (month, day) in FIXED_DAYS.items():
            if words in activity.title:
                assert (activity.start_date.month, activity.start_date.day) == (month, day), activity.title
                checked += 1
    assert checked >= 10


def test_demo_reports_happen_in_school_time_and_are_written_afterwards(demo):
    for activity in demo["activities"]:
        assert activity.start_date <= date.today()
        if activity.state == ActivityState.PUBLISHED:
            assert activity.published_at.date() >= activity.start_date


def test_demo_links_are_titled_after_the_site_they_open(demo):
    links = [m for m in demo["materials"] if m.link_url]
    assert len(links) > 20
    for material in links:
        words = SITE_WORDS[urlsplit(material.link_url).hostname]
        assert any(w.lower() in material.title.lower() for w in words), (material.title, material.link_url)


def test_every_demo_material_has_a_known_licence(demo):
    assert all(m.licence in LICENCES for m in demo["materials"])


def test_demo_publication_dates_and_downloads_spread_over_the_years(demo):
    published = [m for m in demo["materials"] if m.state == MaterialState.PUBLISHED]
    assert len({m.published_at.year for m in published}) >= 4
    assert len({a.published_at.year for a in demo["activities"] if a.published_at}) >= 4
    now = utcnow()
    old = [m.download_count for m in published if (now - m.published_at).days > 2 * 365]
    new = [m.download_count for m in published if (now - m.published_at).days < 180]
    assert old and new and median(old) > median(new)
    assert max(m.download_count for m in published) < 5000
    assert all(m.download_count == 0 for m in demo["materials"] if m.state == MaterialState.REVIEW)
