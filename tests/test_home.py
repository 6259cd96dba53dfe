"""The start page shows the network at a glance: member schools, projects of this school year, the newest reports;
with few queries, however much data there is."""

from __future__ import annotations

from datetime import date

from courage_hub.core import schoolyear
from courage_hub.extensions import db

from . import factories
from .conftest import count_queries

YEAR = schoolyear.current_school_year()


def figures(client) -> str:
    html = client.get("/").get_data(as_text=True)
    return html[html.index('id="network-heading"') : html.index("</section>", html.index('id="network-heading"'))]


def test_start_page_counts_public_member_schools_and_this_years_projects(client, users):
    this_year = schoolyear.bounds(YEAR)[0]
    factories.ActivityFactory(school=users["school_a"], title="Projekttag Vielfalt", start_date=this_year)
    factories.ActivityFactory(school=users["school_b"], title="Gedenken am 9. November", start_date=this_year)
    factories.ActivityFactory(
        school=users["school_b"], title="Fortbildung", start_date=this_year, counts_as_project=False
    )
    factories.ActivityFactory(school=users["school_a"], title="Vorjahr", start_date=date(YEAR - 1, 10, 1))
    factories.ActivityFactory(
        school=users["school_a"], title="Entwurf", start_date=this_year, state=factories.ActivityState.DRAFT
    )
    factories.SchoolFactory(name="Ausgetretene Schule", status=factories.SchoolStatus.AUSGETRETEN)
    factories.SchoolFactory(name="Schule in Vorbereitung", status=factories.SchoolStatus.VORBEREITUNG)
    db.session.commit()

    section = figures(client)
    # school_a, school_b and Kreis Unna's school_c are admitted; the pending, departed and preparing schools are not
    # members. The start page speaks for the whole installation.
    assert "<strong>3</strong> Mitgliedsschulen" in section
    assert f"<strong>2</strong> Projekte im Schuljahr {schoolyear.label(YEAR)}" in section


def test_start_page_uses_singular_for_one(client, users):
    users["school_b"].status = users["school_c"].status = factories.SchoolStatus.AUSGETRETEN
    factories.ActivityFactory(school=users["school_a"], start_date=schoolyear.bounds(YEAR)[0])
    db.session.commit()
    section = figures(client)
    assert "<strong>1</strong> Mitgliedsschule<" in section
    assert f"<strong>1</strong> Projekt im Schuljahr {schoolyear.label(YEAR)}" in section


def test_start_page_lists_the_three_newest_public_reports(client, users):
    for day, title in enumerate(["Ältester Bericht", "Zweiter Bericht", "Dritter Bericht", "Neuester Bericht"], 1):
        factories.ActivityFactory(school=users["school_a"], title=title, start_date=date(YEAR, 9, day))
    factories.ActivityFactory(
        school=users["school_a"],
        title="Geheimer Entwurf",
        start_date=date(YEAR, 9, 20),
        state=factories.ActivityState.DRAFT,
    )
    section = figures(client)
    shown = [t for t in ("Neuester Bericht", "Dritter Bericht", "Zweiter Bericht") if t in section]
    assert shown == ["Neuester Bericht", "Dritter Bericht", "Zweiter Bericht"]
    assert section.index("Neuester Bericht") < section.index("Dritter Bericht") < section.index("Zweiter Bericht")
    assert "Ältester Bericht" not in section and "Geheimer Entwurf" not in section


def test_start_page_queries_do_not_grow_with_the_data(client, users):
    factories.ActivityFactory(school=users["school_a"])
    small = count_queries(client, "/")
    for _ in range(5):
        school = factories.SchoolFactory()
        for _ in range(3):
            factories.ActivityFactory(school=school, topics=["Rassismus", "Sexismus"])
    # figures, newest reports, their topics and files, the regions (the site's scope and the office finder), and the
    # next events (one query; the cards name their office from the regions already read)
    assert count_queries(client, "/") == small <= 7
