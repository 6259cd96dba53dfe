"""The regional staff's requests page: their schools' requests with filters and the KI view's figures, answers on a
partner's behalf (audited), and the export (CSV, XLSX) safe against formulas. Another region's requests appear
nowhere: not on the page, not in the figures, not in the export, and their pages are not found."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from sqlalchemy import select

from courage_hub.core.db import utcnow
from courage_hub.core.models import AuditEntry
from courage_hub.extensions import db
from courage_hub.partners.models import OfferRequest, RequestStatus

from . import factories
from .conftest import login, post_form


@pytest.fixture
def sign_in(app, users):
    def _sign_in(role: str):
        client = app.test_client()
        login(client, users[role])
        return client

    return _sign_in


@pytest.fixture
def world(users):
    """Requests of both regions: Kreis Soest's schools A and B ask its partner; Kreis Unna's school C asks its own.

    Kreis Soest keeps a second partner whose only offer has expired (a partner without a current offer).
    """
    soest, unna = users["partner_soest"], users["partner_unna"]
    workshop = factories.OfferFactory(partner=soest, title="Workshop Erinnern heute")
    tour = factories.OfferFactory(partner=soest, title="Führung Gedenkort", format="Gedenkstättenfahrt")
    theatre = factories.OfferFactory(partner=unna, title="Theaterstück Mut Kamen", format="Theater/Film")
    idle = factories.PartnerFactory(name="Initiative ohne Angebot")
    factories.OfferFactory(partner=idle, available_until=utcnow().date().replace(year=2020))
    a, b, c = users["school_a"], users["school_b"], users["school_c"]
    rows = {
        "a_open": factories.OfferRequestFactory(offer=workshop, school=a, requested_by_id=users["coord_a"].id),
        "a_done": factories.OfferRequestFactory(offer=tour, school=a, status=RequestStatus.DONE),
        "b_accepted": factories.OfferRequestFactory(offer=workshop, school=b, status=RequestStatus.ACCEPTED),
        "c_open": factories.OfferRequestFactory(offer=theatre, school=c, note="Notiz aus Königsborn"),
    }
    return {"workshop": workshop, "tour": tour, "theatre": theatre, **rows}


def test_staff_see_their_regions_requests_with_the_figures_of_the_ki_view(users, sign_in, world):
    page = sign_in("ki").get("/koordination/anfragen/").get_data(as_text=True)
    for shown in ("Workshop Erinnern heute", "Führung Gedenkort", users["school_a"].name, users["school_b"].name):
        assert shown in page
    for hidden in ("Theaterstück Mut Kamen", users["school_c"].name, "Königsborn", "Theater Courage Unna"):
        assert hidden not in page
    # Counts per status, per school, the most requested offers, the region's partners without a current offer.
    assert '<span class="kpi-value">1</span> <a href="/koordination/anfragen/?status=requested">Angefragt</a>' in page
    assert '<span class="kpi-value">0</span> <a href="/koordination/anfragen/?status=declined">Abgesagt</a>' in page
    per_school = page.split('id="per-school-caption"')[1].split("</table>")[0]
    assert (
        f'<th scope="row">{users["school_a"].name}</th><td>Lippstadt</td><td class="num">2</td><td class="num">1</td>'
        in per_school
    )
    top = page.split('id="top-offers-caption"')[1].split("</table>")[0]
    assert top.index("Workshop Erinnern heute") < top.index("Führung Gedenkort")
    assert '<td class="num">2</td>' in top
    idle = page.split("Partner der Region ohne aktuelles Angebot")[1].split("</ul>")[0]
    assert "Initiative ohne Angebot" in idle and users["partner_soest"].name not in idle


def test_staff_of_kreis_unna_see_only_kreis_unnas_requests(users, sign_in, world):
    client = sign_in("ki_unna")
    page = client.get("/koordination/anfragen/").get_data(as_text=True)
    assert "Theaterstück Mut Kamen" in page and users["school_c"].name in page
    for hidden in ("Workshop Erinnern heute", "Führung Gedenkort", users["school_a"].name, users["school_b"].name):
        assert hidden not in page
    assert users["partner_soest"].name not in page  # neither among the filters nor among the idle partners


def test_filters_naming_another_regions_school_or_partner_are_ignored(users, sign_in, world):
    client = sign_in("ki_unna")
    soest = f"schule={users['school_a'].id}&partner={users['partner_soest'].id}"
    page = client.get(f"/koordination/anfragen/?{soest}").get_data(as_text=True)
    assert "Theaterstück Mut Kamen" in page and users["school_a"].name not in page
    export = client.get(f"/koordination/anfragen/export.csv?{soest}").data.decode("utf-8-sig")
    assert "Theaterstück Mut Kamen" in export and users["school_a"].name not in export


@pytest.mark.parametrize("role", ["ki_unna"])
def test_another_regions_staff_do_not_find_kreis_soests_requests(users, sign_in, world, role):
    client = sign_in(role)
    request = world["a_open"]
    assert client.get(f"/anfragen/{request.id}").status_code == 404
    assert client.get(f"/anfragen/{request.id}/bericht").status_code == 404
    for action in ("antworten", "durchgefuehrt", "zurueckziehen"):
        response = post_form(client, f"/anfragen/{request.id}/{action}", {"decision": "accept", "version": "1"})
        assert response.status_code == 404
    db.session.refresh(request)
    assert request.status == RequestStatus.REQUESTED


def test_the_filters_narrow_the_list_and_keep_the_export_in_step(users, sign_in, world):
    client = sign_in("ki")
    by_status = client.get("/koordination/anfragen/?status=accepted").get_data(as_text=True)
    table = by_status.split('id="staff-caption"')[1]
    assert users["school_b"].name in table and users["school_a"].name not in table
    by_school = client.get(f"/koordination/anfragen/?schule={users['school_a'].id}").get_data(as_text=True)
    table = by_school.split('id="staff-caption"')[1]
    assert "Workshop Erinnern heute" in table and "Führung Gedenkort" in table and users["school_b"].name not in table
    assert f"export.csv?schule={users['school_a'].id}" in by_school
    rows = list(
        csv.reader(
            io.StringIO(client.get("/koordination/anfragen/export.csv?status=done").data.decode("utf-8-sig")),
            delimiter=";",
        )
    )
    assert len(rows) == 2 and rows[1][3] == "Führung Gedenkort" and rows[1][6] == "Durchgeführt"


@pytest.mark.parametrize(
    "query",
    ["status=%00", "schule=99999999999999999999", "partner=-1", "schule=abc&partner=%ED%A0%80", "seite=999999999"],
)
def test_hostile_filters_give_a_page_not_an_error(users, sign_in, world, query):
    client = sign_in("ki")
    assert client.get(f"/koordination/anfragen/?{query}").status_code == 200
    assert client.get(f"/koordination/anfragen/export.xlsx?{query}").status_code == 200


@pytest.mark.parametrize("role", ["coord_a", "partner", "admin", "land_nrw", "bund"])
def test_the_requests_page_and_export_are_for_regional_staff_only(users, sign_in, world, role):
    client = sign_in(role)
    assert client.get("/koordination/anfragen/").status_code == 403
    assert client.get("/koordination/anfragen/export.csv").status_code == 403


def test_staff_answer_on_behalf_of_a_partner_and_it_is_audited(users, sign_in, world):
    request = world["a_open"]
    client = sign_in("ki")
    page = client.get(f"/anfragen/{request.id}").get_data(as_text=True)
    assert "in seinem Namen" in page  # the form says whose answer is recorded

    response = post_form(
        client,
        f"/anfragen/{request.id}/antworten",
        {"decision": "decline", "note": "Telefonisch abgesagt", "version": "1"},
    )

    assert response.status_code == 302
    db.session.refresh(request)
    assert request.status == RequestStatus.DECLINED and request.answered_by_id == users["ki"].id
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "offer_request.answer"))
    assert entry.object_type == "offer_requests" and entry.object_id == request.id
    assert entry.region_id == users["school_a"].region_id and entry.user_id == users["ki"].id
    assert entry.before == {"status": "requested"} and entry.after["status"] == "declined"
    log = sign_in("ki").get("/verwaltung/protokoll/").get_data(as_text=True)
    assert "für den Partner beantwortet" in log


def test_staff_mark_done_audited_and_a_partners_own_actions_are_not(users, sign_in, world):
    accepted = world["b_accepted"]
    assert post_form(sign_in("ki"), f"/anfragen/{accepted.id}/durchgefuehrt", {"version": "1"}).status_code == 302
    db.session.refresh(accepted)
    assert accepted.status == RequestStatus.DONE
    assert (
        db.session.scalar(select(AuditEntry.action).where(AuditEntry.object_id == accepted.id)) == "offer_request.done"
    )
    post_form(sign_in("partner"), f"/anfragen/{world['a_open'].id}/antworten", {"decision": "accept", "version": "1"})
    assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.object_id == world["a_open"].id)) is None


def test_staff_may_not_withdraw_a_schools_request(users, sign_in, world):
    request = world["a_open"]
    assert post_form(sign_in("ki"), f"/anfragen/{request.id}/zurueckziehen", {"version": "1"}).status_code == 403
    db.session.refresh(request)
    assert request.status == RequestStatus.REQUESTED


# --- export ------------------------------------------------------------------------------------------------------

FORMULAS = {
    "title": '=HYPERLINK("https://evil.example","Klick")',
    "dates": "@SUMME(1;2)",
    "grade": "+9",
    "school": "-Schule",
}


@pytest.fixture
def hostile(users, world):
    offer = factories.OfferFactory(partner=users["partner_soest"], title=FORMULAS["title"])
    school = factories.SchoolFactory(name=FORMULAS["school"])
    return factories.OfferRequestFactory(
        offer=offer, school=school, preferred_dates=FORMULAS["dates"], grade=FORMULAS["grade"], note="=1+1 geheim"
    )


def test_the_csv_export_neutralises_formulas_and_leaves_out_notes(users, sign_in, hostile):
    response = sign_in("ki").get("/koordination/anfragen/export.csv")
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=anfragen-")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Angefragt am", "Schule", "Stadt/Gemeinde", "Angebot"]
    row = next(r for r in rows if FORMULAS["title"] in r[3])
    assert row[1] == "'" + FORMULAS["school"] and row[3] == "'" + FORMULAS["title"]
    assert row[7] == "'" + FORMULAS["dates"] and row[9] == "'" + FORMULAS["grade"]
    text = response.data.decode("utf-8-sig")
    assert "geheim" not in text and users["coord_a"].name not in text  # notes and names stay out
    for line in rows[1:]:
        for value in line:
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


def test_the_xlsx_export_writes_text_cells_never_formulas_and_is_audited(users, sign_in, hostile):
    response = sign_in("ki").get("/koordination/anfragen/export.xlsx?status=requested")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    cells = [cell for row in book.active.iter_rows(min_row=2) for cell in row if cell.value is not None]
    assert cells and all(cell.data_type != "f" for cell in cells)
    texts = [cell.value for cell in cells if isinstance(cell.value, str)]
    assert "'" + FORMULAS["title"] in texts and "'" + FORMULAS["dates"] in texts
    dates = list(book.active["A"][1:])
    assert all(cell.is_date for cell in dates)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export.offer_requests"))
    assert entry.user_id == users["ki"].id and entry.after == {"status": "requested"}


def test_the_export_of_kreis_unna_holds_none_of_kreis_soests_requests(users, sign_in, world):
    data = sign_in("ki_unna").get("/koordination/anfragen/export.csv").data.decode("utf-8-sig")
    assert "Theaterstück Mut Kamen" in data
    for hidden in ("Workshop Erinnern heute", "Führung Gedenkort", "Lindenhof", "Gymnasium am Wall", "Lippstadt"):
        assert hidden not in data


def test_the_dashboard_leads_staff_to_the_requests(users, sign_in):
    assert 'href="/koordination/anfragen/"' in sign_in("ki").get("/koordination/").get_data(as_text=True)


def test_every_request_is_counted_once_per_status(users, sign_in, world):
    from courage_hub.partners import request_staff

    with sign_in("ki").application.test_request_context():
        counts = dict(request_staff.status_counts(users["ki"]))
    assert counts == {
        RequestStatus.REQUESTED: 1,
        RequestStatus.ACCEPTED: 1,
        RequestStatus.DECLINED: 0,
        RequestStatus.DONE: 1,
        RequestStatus.WITHDRAWN: 0,
    }
    assert db.session.scalar(select(OfferRequest.id).where(OfferRequest.id == world["c_open"].id))


# --- page structure ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("ki", "/koordination/anfragen/"),
        ("ki", "/anfragen/{a_open}"),
        ("partner", "/anfragen/{a_open}"),
        ("partner", "/partnerbereich/anfragen"),
        ("coord_a", "/anfragen/"),
        ("coord_a", "/anfragen/{a_open}"),
        ("coord_b", "/anfragen/{b_accepted}"),
        ("coord_a", "/angebote/{tour}/anfragen"),
    ],
)
def test_request_pages_keep_heading_order_unique_ids_and_captioned_tables(users, sign_in, world, role, path):
    from .test_html import duplicate_ids, heading_skips, parse

    ids = {key: world[key].id for key in ("a_open", "b_accepted", "tour")}
    response = sign_in(role).get(path.format(**ids))
    assert response.status_code == 200
    root = parse(response.get_data(as_text=True))
    assert [h.tag for h in root.iter("h1")] == ["h1"]
    assert heading_skips(root) == [] and duplicate_ids(root) == set()
    for table in root.iter("table"):
        wrapper = table.parent
        assert wrapper.attrs.get("role") == "region" and wrapper.attrs.get("tabindex") == "0"
        assert table.children[0].tag == "caption"
