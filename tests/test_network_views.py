"""The coordination area at network scale: a region, a Land's roll-up and the national roll-up on the dashboard, in
the annual report and the exports; the per-region contact deadline; the region settings page."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from courage_hub.coordination import contact_needed, dashboard
from courage_hub.coordination.viewpoint import LAND, NATIONAL, REGION
from courage_hub.core.models import AuditEntry
from courage_hub.core.schoolyear import current_school_year
from courage_hub.extensions import db
from courage_hub.regions.models import Region
from courage_hub.schools.models import SchoolStatus

from .conftest import count_queries, login, post_form
from .factories import ActivityFactory, RegionFactory, Role, SchoolFactory, UserFactory, default_region

MAX_DASHBOARD_QUERIES = 15


@pytest.fixture
def network(app):
    """Kreis Soest and Kreis Unna in NRW, Stadt Leipzig in Sachsen, each with schools and a project this year;
    staff of Soest, Land staff of NRW, national staff and an admin."""
    soest = default_region()
    unna = RegionFactory(area="Kreis Unna", municipalities=["Unna", "Kamen"])
    leipzig = RegionFactory(area="Stadt Leipzig", land="SN", municipalities=["Leipzig"])
    year = current_school_year()
    for region, towns, count in (
        (soest, ("Lippstadt", "Soest"), 3),
        (unna, ("Unna", "Kamen"), 2),
        (leipzig, ("Leipzig",), 4),
    ):
        for n in range(count):
            school = SchoolFactory(region=region, municipality=towns[n % len(towns)], name=f"Schule {region.area} {n}")
            if n % 2 == 0:
                ActivityFactory(school=school, start_date=date(year, 10, 1))
        SchoolFactory(region=region, municipality=towns[0], status=SchoolStatus.VORBEREITUNG)
    return {
        "soest": soest,
        "unna": unna,
        "leipzig": leipzig,
        "year": year,
        "ki": UserFactory(role=Role.KI_STAFF, regions=[soest]),
        "land": UserFactory(role=Role.LAND_STAFF),  # NRW
        "national": UserFactory(role=Role.NATIONAL_STAFF),
        "admin": UserFactory(role=Role.ADMIN),
    }


def _signed_in(app, user):
    client = app.test_client()
    login(client, user)
    return client


def _page(client, path: str) -> str:
    """The main part of the page (the site's header and footer name the installation)."""
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True).split('<main id="main"', 1)[1].split("</main>", 1)[0]


def _h1(page: str) -> str:
    return re.search(r"<h1>(.*?)</h1>", page, re.S).group(1)


def _member_schools(page: str) -> int:
    return int(re.search(r"<dt>Mitgliedsschulen</dt><dd class=\"kpi-value\">(\d+)</dd>", page).group(1))


# --- who sees which view -----------------------------------------------------------------------------------------


def test_regional_staff_see_their_region_exactly_and_never_widen_it_through_the_url(app, network):
    client = _signed_in(app, network["ki"])
    own = _page(client, "/koordination/")
    assert _h1(own) == "Netzwerk: Kreis Soest"
    assert _member_schools(own) == 3
    for path in (
        "/koordination/?land=NW",
        "/koordination/?region=kreis-unna",
        "/koordination/?land=SN&region=stadt-leipzig",
    ):
        page = _page(client, path)
        assert _h1(page) == "Netzwerk: Kreis Soest", path
        assert _member_schools(page) == _member_schools(own), path
        assert "Kreis Unna" not in page and "Stadt Leipzig" not in page
    assert 'id="towns-heading"' in own  # one region in view: its municipalities
    assert "/koordination/registrierungen" in own  # regional staff act: the queues link to their pages


def test_land_staff_see_their_lands_roll_up_each_region_of_it_and_no_other_land(app, network):
    client = _signed_in(app, network["land"])
    land = _page(client, "/koordination/")
    assert _h1(land) == "Netzwerk: Nordrhein-Westfalen"
    assert _member_schools(land) == 5
    assert 'href="/koordination/?jahr=' in land and "region=kreis-unna" in land and "region=kreis-soest" in land
    assert "Stadt Leipzig" not in land
    assert 'id="towns-heading"' not in land and 'id="regions-heading"' in land  # per region, not per municipality
    # Numbers only: no links to the pages where regional staff act.
    for internal in ("/koordination/registrierungen", "/koordination/kontakt", "/koordination/schulen", "/pruefung"):
        assert internal not in land
    unna = _page(client, "/koordination/?region=kreis-unna")
    assert _h1(unna) == "Netzwerk: Kreis Unna" and _member_schools(unna) == 2
    assert 'id="towns-heading"' in unna and "Kamen" in unna
    assert "/koordination/?jahr=" in unna and "Nordrhein-Westfalen</a>" in unna  # the way back up to the Land
    assert 'name="region" value="kreis-unna"' in unna  # the year filter keeps the region
    # Another Land's region or Land is not theirs: their own default instead.
    for path in (
        "/koordination/?region=stadt-leipzig",
        "/koordination/?land=SN",
        "/koordination/?region=gibt-es-nicht",
    ):
        page = _page(client, path)
        assert _h1(page) == "Netzwerk: Nordrhein-Westfalen", path
        assert "Stadt Leipzig" not in page


def test_national_staff_see_the_country_every_land_and_every_region(app, network):
    client = _signed_in(app, network["national"])
    country = _page(client, "/koordination/")
    assert _h1(country) == "Netzwerk: Bundesweit"
    assert _member_schools(country) == 9
    assert 'id="lands-heading"' in country and "land=NW" in country and "land=SN" in country
    assert "/koordination/registrierungen" not in country
    saxony = _page(client, "/koordination/?land=SN")
    assert _h1(saxony) == "Netzwerk: Sachsen" and _member_schools(saxony) == 4
    assert "region=stadt-leipzig" in saxony and "Kreis Soest" not in saxony
    leipzig = _page(client, "/koordination/?region=stadt-leipzig")
    assert _h1(leipzig) == "Netzwerk: Stadt Leipzig" and "Bundesweit</a>" in leipzig and "Sachsen</a>" in leipzig
    admin = _page(_signed_in(app, network["admin"]), "/koordination/")
    assert _h1(admin) == "Netzwerk: Bundesweit" and _member_schools(admin) == 9


def test_exports_and_the_report_follow_the_chosen_view_within_the_viewers_scope(app, network):
    import openpyxl

    land = _signed_in(app, network["land"])
    book = openpyxl.load_workbook(io.BytesIO(land.get("/koordination/export/schulen.xlsx?region=kreis-unna").data))
    assert {row[3] for row in book.active.iter_rows(min_row=2, values_only=True)} == {"Unna", "Kamen"}
    book = openpyxl.load_workbook(io.BytesIO(land.get("/koordination/export/schulen.xlsx?region=stadt-leipzig").data))
    assert {row[3] for row in book.active.iter_rows(min_row=2, values_only=True)} == {
        "Lippstadt",
        "Soest",
        "Unna",
        "Kamen",
    }
    staff = _signed_in(app, network["ki"])
    book = openpyxl.load_workbook(io.BytesIO(staff.get("/koordination/export/aktivitaeten.xlsx?land=NW").data))
    towns = {
        cell
        for row in book.active.iter_rows(min_row=2, values_only=True)
        for cell in row
        if cell in ("Unna", "Kamen", "Lippstadt", "Soest")
    }
    assert towns and towns <= {"Lippstadt", "Soest"}


# --- roll-ups ------------------------------------------------------------------------------------------------------


def _figures(year: int, region_ids, level: str = REGION):
    return dashboard.key_figures(dashboard.Scope(year, region_ids=region_ids, level=level), fresh=True)


def _totals(figures) -> tuple:
    return (
        dict(figures.by_status),
        figures.admitted,
        figures.newly_admitted,
        figures.obligation_met,
        figures.activities,
        figures.needs_contact,
        figures.pending_registrations,
    )


def _add(*rows: tuple) -> tuple:
    statuses = {}
    for row in rows:
        for status, count in row[0].items():
            statuses[status] = statuses.get(status, 0) + count
    return (statuses, *(sum(row[i] for row in rows) for i in range(1, len(rows[0]))))


def test_a_lands_roll_up_is_the_sum_of_its_regions_and_the_country_the_sum_of_its_lands(app, network):
    year, soest, unna, leipzig = network["year"], network["soest"], network["unna"], network["leipzig"]
    by_region = {r.id: _figures(year, frozenset({r.id})) for r in (soest, unna, leipzig)}
    nrw = _figures(year, frozenset({soest.id, unna.id}), LAND)
    assert _totals(nrw) == _add(_totals(by_region[soest.id]), _totals(by_region[unna.id]))
    # The rows per region are each region's own figures.
    rows = {row.key: row for row in nrw.regions}
    assert set(rows) == {"kreis-soest", "kreis-unna"}
    for region in (soest, unna):
        own = by_region[region.id]
        row = rows[region.slug]
        assert (row.by_status, row.admitted, row.newly_admitted, row.obligation_met, row.activities) == (
            {s: n for s, n in own.by_status.items() if n},
            own.admitted,
            own.newly_admitted,
            own.obligation_met,
            own.activities,
        )
    country = _figures(year, None, NATIONAL)
    assert _totals(country) == _add(*(_totals(f) for f in by_region.values()))
    lands = {row.key: row for row in country.lands}
    assert lands["NW"].admitted == nrw.admitted == 5 and lands["SN"].admitted == 4
    assert lands["NW"].activities == nrw.activities and lands["NW"].obligation_met == nrw.obligation_met


def _regions_with_schools(count: int) -> None:
    year = current_school_year()
    for n in range(count):
        region = RegionFactory(area=f"Kreis Test {n}", municipalities=[f"Teststadt {n}"])
        for k in range(2):
            school = SchoolFactory(region=region, municipality=f"Teststadt {n}", name=f"Schule {n}-{k}")
            ActivityFactory(school=school, start_date=date(year, 11, 1))


def test_a_land_view_runs_as_many_queries_for_six_regions_as_for_two(app, network):
    client = _signed_in(app, network["land"])
    two = count_queries(client, "/koordination/")
    country_two = count_queries(_signed_in(app, network["national"]), "/koordination/")
    _regions_with_schools(4)  # six regions in NRW now
    assert len(db.session.scalars(select(Region.id).where(Region.land == "NW")).all()) == 6
    six = count_queries(client, "/koordination/")
    assert two == six <= MAX_DASHBOARD_QUERIES
    page = _page(client, "/koordination/")
    assert page.count("region=kreis-test-") == 4  # every region has its row
    country_six = count_queries(_signed_in(app, network["national"]), "/koordination/")
    assert country_two == country_six <= MAX_DASHBOARD_QUERIES
    region = count_queries(client, "/koordination/?region=kreis-unna")
    assert region <= MAX_DASHBOARD_QUERIES


# --- the annual report -------------------------------------------------------------------------------------------


def _pdf(client, path: str):
    from pypdf import PdfReader

    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return PdfReader(io.BytesIO(response.data))


def _text(reader) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_a_lands_annual_report_names_the_land_and_lists_regions_not_schools(app, network):
    reader = _pdf(_signed_in(app, network["land"]), "/koordination/jahresbericht.pdf")
    assert reader.metadata.title.endswith("– Nordrhein-Westfalen")
    text = _text(reader)
    assert "Nordrhein-Westfalen" in text and "Kreis Soest" in text and "Kreis Unna" in text
    assert "Stadt Leipzig" not in text
    assert "Schule Kreis Soest 0" not in text  # no school-by-school list
    from .test_coordination import _structure

    types = _structure(reader.trailer["/Root"]["/StructTreeRoot"], [])
    assert types.count("/Table") == 3  # key figures, regions, school types
    national = _pdf(_signed_in(app, network["national"]), "/koordination/jahresbericht.pdf")
    assert national.metadata.title.endswith("– Bundesweit") and "Sachsen" in _text(national)
    region = _pdf(_signed_in(app, network["ki"]), "/koordination/jahresbericht.pdf?region=kreis-unna")
    assert region.metadata.title.endswith("– Kreis Soest")  # staff of Soest: their own region, whatever they ask
    assert "Regionalkoordination: KI Kreis Soest" in _text(region) and "Schule Kreis Soest 0" in _text(region)


# --- the contact deadline per region -----------------------------------------------------------------------------


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def test_each_region_needs_contact_from_its_own_deadline(app):
    soest = default_region()
    unna = RegionFactory(area="Kreis Unna", municipalities=["Unna"], contact_deadline="05-01")
    db.session.get(Region, soest.id).contact_deadline = "02-01"
    db.session.commit()
    in_soest = SchoolFactory(region=soest, municipality="Soest", admitted_on=date(2019, 9, 1))
    in_unna = SchoolFactory(region=unna, municipality="Unna", admitted_on=date(2019, 9, 1))
    for school in (in_soest, in_unna):  # a recent report: only the missing project can flag them
        ActivityFactory(school=school, start_date=date(2025, 6, 1), published_at=_at(date(2026, 1, 15)))

    def flagged(day: date) -> set[int]:
        from courage_hub.schools.models import School

        db.session.expire_all()
        with app.app_context():  # as a fresh request: the regions' settings are read anew
            rule = contact_needed.contact_rule(_at(day))
            return set(db.session.scalars(select(School.id).where(rule.condition())))

    assert flagged(date(2026, 1, 31)) == set()
    assert flagged(date(2026, 2, 1)) == {in_soest.id}
    assert flagged(date(2026, 4, 30)) == {in_soest.id}
    assert flagged(date(2026, 5, 1)) == {in_soest.id, in_unna.id}
    with app.test_request_context():
        rule = contact_needed.contact_rule(_at(date(2026, 3, 15)))
        assert contact_needed.contact_reasons(in_soest, rule).missing_project
        assert contact_needed.contact_reasons(in_unna, rule) is None
        assert rule.common_deadline(frozenset({unna.id})) == date(2026, 5, 1)
        assert rule.common_deadline(None) is None  # the regions differ
    # A region without its own deadline follows the installation's setting.
    db.session.get(Region, unna.id).contact_deadline = None
    db.session.commit()
    app.config["CONTACT_DEADLINE"] = "03-10"
    assert flagged(date(2026, 3, 9)) == {in_soest.id}
    assert flagged(date(2026, 3, 10)) == {in_soest.id, in_unna.id}


# --- the region settings page ------------------------------------------------------------------------------------

SETTINGS = {
    "contact_address": "Kommunales Integrationszentrum\nHoher Weg 1-3\n59494 Soest",
    "contact_email": "ki@kreis-soest.example",
    "contact_phone": "02921 30-0",
    "opening_hours": "Mo–Fr 9–12 Uhr",
    "introduction": "Wir beraten die **Schulen** im Kreis.",
    "contact_deadline": "04-15",
    "reply_to_email": "antwort@kreis-soest.example",
}


def test_regional_staff_edit_their_regions_settings_and_the_change_is_audited(app, network):
    client = _signed_in(app, network["ki"])
    form = _page(client, "/koordination/region")
    assert "Einstellungen der Region" in form and 'name="contact_deadline"' in form
    response = post_form(client, "/koordination/region", SETTINGS)
    assert response.status_code == 302
    region = db.session.get(Region, network["soest"].id)
    assert region.address_lines == ["Kommunales Integrationszentrum", "Hoher Weg 1-3", "59494 Soest"]
    assert (region.contact_email, region.contact_deadline, region.reply_to_email) == (
        "ki@kreis-soest.example",
        "04-15",
        "antwort@kreis-soest.example",
    )
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "region.edit"))
    assert entry.region_id == region.id and entry.user_id == network["ki"].id
    assert entry.after["contact_deadline"] == "04-15" and entry.before["contact_deadline"] is None
    # Sending the same again changes nothing and writes no second entry.
    post_form(client, "/koordination/region", SETTINGS)
    assert len(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "region.edit")).all()) == 1
    # Emptying the deadline hands the region back to the installation's setting.
    post_form(client, "/koordination/region", {**SETTINGS, "contact_deadline": ""})
    db.session.expire_all()
    assert db.session.get(Region, region.id).contact_deadline is None


@pytest.mark.parametrize("deadline", ["13-01", "02-30", "3-1", "0315", "abcde"])
def test_a_wrong_deadline_is_refused_and_the_form_keeps_the_input(app, network, deadline):
    client = _signed_in(app, network["ki"])
    response = post_form(client, "/koordination/region", {**SETTINGS, "contact_deadline": deadline})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'class="error-summary"' in page and 'href="#contact_deadline"' in page
    assert f'value="{deadline}"' in page and 'value="02921 30-0"' in page and "Hoher Weg 1-3" in page
    assert db.session.get(Region, network["soest"].id).contact_phone == ""


def test_who_may_edit_which_regions_settings(app, network):
    staff = _signed_in(app, network["ki"])
    assert staff.get("/koordination/region?region=kreis-unna").status_code == 404
    assert post_form(staff, "/koordination/region?region=kreis-unna", SETTINGS).status_code == 404
    assert db.session.get(Region, network["unna"].id).contact_phone == ""
    land = _signed_in(app, network["land"])
    assert "Kreis Unna" in _page(land, "/koordination/region?region=kreis-unna")
    assert land.get("/koordination/region?region=stadt-leipzig").status_code == 404
    assert post_form(land, "/koordination/region?region=kreis-unna", SETTINGS).status_code == 302
    assert db.session.get(Region, network["unna"].id).contact_phone == "02921 30-0"
    admin = _signed_in(app, network["admin"])
    assert "Stadt Leipzig" in _page(admin, "/koordination/region?region=stadt-leipzig")
    national = _signed_in(app, network["national"])
    assert national.get("/koordination/region").status_code == 403
    coordinator = _signed_in(app, UserFactory(role=Role.COORDINATOR))
    assert coordinator.get("/koordination/region").status_code == 403
