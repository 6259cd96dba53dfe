"""Managing regions and their staff (admins every Land, Land staff their own), and accounts with regions or a Land."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from courage_hub.auth.models import Role, User
from courage_hub.core.models import AuditEntry
from courage_hub.extensions import db
from courage_hub.regions.models import Region, RegionMunicipality, RegionStaff

from . import factories
from .conftest import csrf_token, login, post_form
from .test_auth import last_mail, link_in_last_mail

UNNA = {
    "name": "KI Kreis Warendorf",
    "area": "Kreis Warendorf",
    "land": "NW",
    "municipalities": "Ahlen\n  Beckum  \n\nAhlen\nOelde\n",
    "contact_email": "ki@kreis-warendorf.example",
    "introduction": "Das KI Kreis Warendorf berät Schulen.",
}


@pytest.fixture
def leipzig(app):
    return factories.RegionFactory(area="Stadt Leipzig", name="KI Stadt Leipzig", land="SN", municipalities=["Leipzig"])


@pytest.fixture
def land_staff(app):
    return factories.UserFactory(role=Role.LAND_STAFF, name="Landeskoordination NRW", land="NW")


def region_named(area: str) -> Region | None:
    return db.session.scalar(select(Region).where(Region.area == area))


def towns_of(region: Region) -> set[str]:
    return set(db.session.scalars(select(RegionMunicipality.name).where(RegionMunicipality.region_id == region.id)))


def audit_entries(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def edit_values(region: Region, **changes) -> dict:
    """The edit form's values as the page shows them, with ``changes``."""
    values = {
        "name": region.name,
        "area": region.area,
        "land": region.land,
        "municipalities": "\n".join(sorted(towns_of(region))),
        "contact_address": region.contact_address,
        "contact_email": region.contact_email or "",
        "contact_phone": region.contact_phone,
        "opening_hours": region.opening_hours,
        "introduction": region.introduction,
        "contact_deadline": region.contact_deadline or "",
        "reply_to_email": region.reply_to_email or "",
    }
    return {**values, **changes}


# --- regions ------------------------------------------------------------------------------------------------------


def test_admin_creates_a_region_with_trimmed_unique_municipalities_and_it_is_audited(client, users):
    login(client, users["admin"])
    response = post_form(client, "/verwaltung/regionen/neu", UNNA)
    region = region_named("Kreis Warendorf")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/regionen/{region.id}/bearbeiten")
    assert (region.name, region.land, region.slug) == ("KI Kreis Warendorf", "NW", "kreis-warendorf")
    assert region.contact_email == "ki@kreis-warendorf.example"
    assert towns_of(region) == {"Ahlen", "Beckum", "Oelde"}
    [entry] = audit_entries("region.create")
    assert entry.region_id == region.id and entry.user_id == users["admin"].id
    assert entry.after["municipalities"] == "Ahlen; Beckum; Oelde"
    listing = client.get("/verwaltung/regionen").get_data(as_text=True)
    assert "KI Kreis Warendorf" in listing and "KI Kreis Soest" in listing


def test_the_list_counts_municipalities_and_staff_per_region(client, users):
    unna = factories.RegionFactory(area="Kreis Warendorf", municipalities=["Ahlen", "Beckum"])
    factories.UserFactory(role=Role.KI_STAFF, regions=[unna])
    factories.UserFactory(role=Role.KI_STAFF, regions=[unna, factories.default_region()])
    login(client, users["admin"])
    page = client.get("/verwaltung/regionen").get_data(as_text=True)
    row = page[page.index("KI Kreis Warendorf") :].split("</tr>")[0]
    assert [cell.split("<")[0] for cell in row.split('<td class="num">')[1:]] == ["2", "2"]
    soest = page[page.index("KI Kreis Soest") :].split("</tr>")[0]
    assert soest.split('<td class="num">')[-1].startswith("2<")  # users["ki"] and the second one


def test_a_municipality_of_another_region_is_refused_naming_it_and_nothing_is_saved(client, users):
    login(client, users["admin"])
    before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    response = post_form(client, "/verwaltung/regionen/neu", {**UNNA, "municipalities": "Ahlen\nSoest\nWERL"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Soest gehört bereits zur Region KI Kreis Soest." in page
    assert "Werl gehört bereits zur Region KI Kreis Soest." in page
    assert region_named("Kreis Warendorf") is None
    assert db.session.scalar(select(RegionMunicipality).where(RegionMunicipality.name == "Ahlen")) is None
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == before


def test_editing_a_region_refuses_a_municipality_that_another_region_covers(client, users):
    unna = factories.RegionFactory(area="Kreis Warendorf", municipalities=["Ahlen"])
    login(client, users["admin"])
    response = post_form(
        client, f"/verwaltung/regionen/{unna.id}/bearbeiten", edit_values(unna, municipalities="Ahlen\nLippstadt")
    )
    assert "Lippstadt gehört bereits zur Region KI Kreis Soest." in response.get_data(as_text=True)
    assert towns_of(unna) == {"Ahlen"}
    assert "Lippstadt" in towns_of(factories.default_region())


def test_the_unique_constraint_refuses_a_clash_the_check_did_not_see(app, users, monkeypatch):
    """Two offices saving at the same moment: the database has the last word, and nothing of the region stays."""
    from courage_hub.regions import admin

    monkeypatch.setattr(admin, "_refuse_covered_elsewhere", lambda region_id, names: None)
    with pytest.raises(admin.RegionRefused), app.test_request_context():
        admin.create(
            admin.RegionData(name="KI Kreis Warendorf", area="Kreis Warendorf", land="NW", municipalities=("Soest",))
        )
    assert region_named("Kreis Warendorf") is None


def test_removing_a_municipality_with_schools_is_refused_naming_how_many(client, users):
    soest = factories.default_region()
    towns = towns_of(soest)
    factories.SchoolFactory(municipality="Lippstadt", name="Zweite Schule Lippstadt")
    login(client, users["admin"])
    kept = "\n".join(sorted(towns - {"Lippstadt", "Welver"}))
    response = post_form(client, f"/verwaltung/regionen/{soest.id}/bearbeiten", edit_values(soest, municipalities=kept))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Lippstadt kann nicht entfernt werden: 2 Schulen dort gehören noch zu dieser Region." in page
    assert towns_of(soest) == towns  # Welver (no school) is not removed either: the whole change is refused
    response = post_form(
        client,
        f"/verwaltung/regionen/{soest.id}/bearbeiten",
        edit_values(soest, municipalities="\n".join(towns - {"Welver"})),
    )
    assert response.status_code == 302
    assert towns_of(soest) == towns - {"Welver"}
    [entry] = audit_entries("region.edit")
    assert entry.region_id == soest.id and "Welver" in entry.before["municipalities"]
    assert set(entry.before) == {"municipalities"}


def test_editing_contact_and_settings_is_audited_with_what_changed(client, users):
    soest = factories.default_region()
    login(client, users["admin"])
    response = post_form(
        client,
        f"/verwaltung/regionen/{soest.id}/bearbeiten",
        edit_values(
            soest, contact_phone="02921 30-0", contact_deadline="02-15", reply_to_email="Antwort@Kreis.example"
        ),
    )
    assert response.status_code == 302
    db.session.refresh(soest)
    assert (soest.contact_phone, soest.contact_deadline, soest.reply_to_email) == (
        "02921 30-0",
        "02-15",
        "antwort@kreis.example",
    )
    [entry] = audit_entries("region.edit")
    assert set(entry.after) == {"contact_phone", "contact_deadline", "reply_to_email"}
    refused = post_form(
        client, f"/verwaltung/regionen/{soest.id}/bearbeiten", edit_values(soest, contact_deadline="02-30")
    )
    assert "Bitte geben Sie den Tag als MM-TT ein" in refused.get_data(as_text=True)
    audit_page = client.get("/verwaltung/protokoll/").get_data(as_text=True)
    assert "Region bearbeitet" in audit_page


def test_land_staff_create_and_edit_regions_of_their_land_only(client, users, land_staff, leipzig):
    login(client, land_staff)
    listing = client.get("/verwaltung/regionen").get_data(as_text=True)
    assert "KI Kreis Soest" in listing and "KI Stadt Leipzig" not in listing
    form = client.get("/verwaltung/regionen/neu").get_data(as_text=True)
    assert '<option selected value="NW">Nordrhein-Westfalen</option>' in form  # their Land, chosen already
    assert 'value="SN"' not in form
    refused = post_form(client, "/verwaltung/regionen/neu", {**UNNA, "land": "SN"})
    assert refused.status_code == 200 and region_named("Kreis Warendorf") is None
    assert post_form(client, "/verwaltung/regionen/neu", UNNA).status_code == 302
    unna = region_named("Kreis Warendorf")
    assert unna.land == "NW"
    assert client.get(f"/verwaltung/regionen/{unna.id}/bearbeiten").status_code == 200
    saved = post_form(client, f"/verwaltung/regionen/{unna.id}/bearbeiten", edit_values(unna, opening_hours="Mo–Fr"))
    assert saved.status_code == 302
    moved = post_form(client, f"/verwaltung/regionen/{unna.id}/bearbeiten", edit_values(unna, land="SN"))
    assert moved.status_code == 200
    db.session.refresh(unna)
    assert unna.land == "NW" and unna.opening_hours == "Mo–Fr"
    assert client.get(f"/verwaltung/regionen/{leipzig.id}/bearbeiten").status_code == 404
    hidden = post_form(client, f"/verwaltung/regionen/{leipzig.id}/bearbeiten", edit_values(leipzig, name="Übernommen"))
    assert hidden.status_code == 404
    db.session.refresh(leipzig)
    assert leipzig.name == "KI Stadt Leipzig"


def test_land_staff_reach_the_region_pages_but_not_the_accounts(client, users, land_staff):
    login(client, land_staff)
    assert client.get("/verwaltung/konten").status_code == 403
    assert client.get("/verwaltung/konten/neu").status_code == 403
    assert "Regionen verwalten" in client.get("/verwaltung/regionen").get_data(as_text=True)


def test_land_staff_without_a_land_and_other_staff_manage_no_region(client, users):
    for user in (
        factories.UserFactory(role=Role.LAND_STAFF, land=None),
        factories.UserFactory(role=Role.NATIONAL_STAFF),
        users["ki"],
    ):
        other = client.application.test_client()
        login(other, user)
        assert other.get("/verwaltung/regionen").status_code == 403


# --- staff of a region --------------------------------------------------------------------------------------------


def pending_in_unna() -> tuple[Region, str]:
    unna = factories.RegionFactory(area="Kreis Warendorf", municipalities=["Ahlen"])
    school = factories.SchoolFactory(
        name="Realschule Königsborn Ahlen",
        municipality="Ahlen",
        region=unna,
        approval=factories.Approval.PENDING,
        status=factories.SchoolStatus.INTERESSE,
    )
    return unna, school.name


def test_adding_and_removing_staff_changes_what_that_staff_member_sees(app, client, users):
    unna, school = pending_in_unna()
    staff = app.test_client()
    login(staff, users["ki"])
    assert school not in staff.get("/koordination/registrierungen").get_data(as_text=True)
    login(client, users["admin"])
    page = client.get(f"/verwaltung/regionen/{unna.id}/bearbeiten").get_data(as_text=True)
    assert f'<option value="{users["ki"].id}">KI Staff' in page
    response = post_form(client, f"/verwaltung/regionen/{unna.id}/mitarbeitende", {"add-user_id": users["ki"].id})
    assert response.status_code == 302
    assert school in staff.get("/koordination/registrierungen").get_data(as_text=True)
    assert "KI Staff" in client.get(f"/verwaltung/regionen/{unna.id}/bearbeiten").get_data(as_text=True)
    response = post_form(client, f"/verwaltung/regionen/{unna.id}/mitarbeitende/{users['ki'].id}/entfernen")
    assert response.status_code == 302
    assert school not in staff.get("/koordination/registrierungen").get_data(as_text=True)
    assert staff.get("/koordination/registrierungen").status_code == 200  # still staff of Kreis Soest
    added, removed = audit_entries("region.staff_add"), audit_entries("region.staff_remove")
    assert [(e.object_id, e.region_id) for e in added + removed] == [(users["ki"].id, unna.id)] * 2
    again = post_form(client, f"/verwaltung/regionen/{unna.id}/mitarbeitende/{users['ki'].id}/entfernen")
    assert again.status_code == 404


def test_land_staff_add_only_staff_of_their_land_and_never_touch_another_land(client, users, land_staff, leipzig):
    saxon = factories.UserFactory(role=Role.KI_STAFF, name="Sächsische Kollegin", regions=[leipzig])
    unna, _school = pending_in_unna()
    login(client, land_staff)
    page = client.get(f"/verwaltung/regionen/{unna.id}/bearbeiten").get_data(as_text=True)
    assert "KI Staff" in page and "Sächsische Kollegin" not in page
    refused = post_form(client, f"/verwaltung/regionen/{unna.id}/mitarbeitende", {"add-user_id": saxon.id})
    assert refused.status_code == 200
    assert (
        db.session.scalar(select(RegionStaff).where(RegionStaff.user_id == saxon.id, RegionStaff.region_id == unna.id))
        is None
    )
    assert (
        post_form(client, f"/verwaltung/regionen/{unna.id}/mitarbeitende", {"add-user_id": users["ki"].id}).status_code
        == 302
    )
    assert post_form(client, f"/verwaltung/regionen/{leipzig.id}/mitarbeitende/{saxon.id}/entfernen").status_code == 404
    assert (
        post_form(
            client, f"/verwaltung/regionen/{leipzig.id}/mitarbeitende", {"add-user_id": users["ki"].id}
        ).status_code
        == 404
    )
    assert db.session.scalar(
        select(RegionStaff).where(RegionStaff.user_id == saxon.id, RegionStaff.region_id == leipzig.id)
    )


def test_inviting_staff_creates_regional_staff_of_the_region_who_then_sets_a_password(app, client, users, land_staff):
    unna, _school = pending_in_unna()
    login(client, land_staff)
    response = post_form(
        client,
        f"/verwaltung/regionen/{unna.id}/einladen",
        {"invite-name": "Neue Kollegin", "invite-email": "Neu@Kreis-Warendorf.example"},
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "neu@kreis-warendorf.example"))
    assert user.role == Role.KI_STAFF and user.password_hash is None
    assert set(db.session.scalars(select(RegionStaff.region_id).where(RegionStaff.user_id == user.id))) == {unna.id}
    assert last_mail()["To"] == "neu@kreis-warendorf.example"
    assert link_in_last_mail().startswith("/einladung/")
    [created] = audit_entries("account.create")
    assert created.region_id == unna.id and created.after["regions"] == "KI Kreis Warendorf"
    assert [e.region_id for e in audit_entries("region.staff_add")] == [unna.id]
    taken = post_form(
        client,
        f"/verwaltung/regionen/{unna.id}/einladen",
        {"invite-name": "Doppelt", "invite-email": users["ki"].email},
    )
    assert "Ein Konto mit dieser E-Mail-Adresse gibt es bereits." in taken.get_data(as_text=True)


# --- accounts ------------------------------------------------------------------------------------------------------


def test_the_accounts_form_requires_a_region_for_regional_staff_and_a_land_for_land_staff(client, users):
    login(client, users["admin"])
    form = client.get("/verwaltung/konten/neu").get_data(as_text=True)
    for label in ("Regionale Koordination (KI)", "Landeskoordination", "Bundeskoordination", "Administration"):
        assert label in form
    without_region = post_form(
        client, "/verwaltung/konten/neu", {"name": "Kim", "email": "kim@ki.example", "role": "ki_staff"}
    )
    assert "Bitte wählen Sie mindestens eine Region" in without_region.get_data(as_text=True)
    without_land = post_form(
        client, "/verwaltung/konten/neu", {"name": "Lou", "email": "lou@laki.example", "role": "land_staff"}
    )
    assert "Bitte wählen Sie das Land" in without_land.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email.in_(["kim@ki.example", "lou@laki.example"]))) is None


def test_admin_creates_regional_staff_with_regions_and_land_staff_with_a_land(client, users, leipzig):
    soest = factories.default_region()
    login(client, users["admin"])
    data = {"name": "Kim", "email": "kim@ki.example", "role": "ki_staff", "regions": [soest.id, leipzig.id]}
    assert post_form(client, "/verwaltung/konten/neu", data).status_code == 302
    kim = db.session.scalar(select(User).where(User.email == "kim@ki.example"))
    assert set(db.session.scalars(select(RegionStaff.region_id).where(RegionStaff.user_id == kim.id))) == {
        soest.id,
        leipzig.id,
    }
    data = {"name": "Lou", "email": "lou@laki.example", "role": "land_staff", "land": "NW", "regions": [soest.id]}
    assert post_form(client, "/verwaltung/konten/neu", data).status_code == 302
    lou = db.session.scalar(select(User).where(User.email == "lou@laki.example"))
    assert (lou.role, lou.land) == (Role.LAND_STAFF, "NW")
    assert db.session.scalar(select(RegionStaff).where(RegionStaff.user_id == lou.id)) is None  # only staff work in one
    page = client.get("/verwaltung/konten").get_data(as_text=True)
    kim_row = page[page.index("kim@ki.example") :].split("</tr>")[0]
    assert "KI Kreis Soest, KI Stadt Leipzig" in kim_row
    lou_row = page[page.index("lou@laki.example") :].split("</tr>")[0]
    assert "Nordrhein-Westfalen" in lou_row and "Landeskoordination" in lou_row


def test_staff_without_a_region_can_sign_in_and_is_told_to_ask_an_admin(client, users):
    lonely = factories.UserFactory(role=Role.KI_STAFF, regions=[])
    login(client, lonely)
    page = client.get("/koordination/")
    assert page.status_code == 200
    assert "Ihr Konto gehört noch zu keiner Region" in page.get_data(as_text=True)
    other = client.application.test_client()
    login(other, users["ki"])
    assert "zu keiner Region" not in other.get("/koordination/").get_data(as_text=True)


def test_region_forms_need_the_sessions_token(client, users):
    login(client, users["admin"])
    csrf_token(client)
    response = client.post("/verwaltung/regionen/neu", data=UNNA)
    assert response.status_code == 400 and region_named("Kreis Warendorf") is None


# --- the rule --------------------------------------------------------------------------------------------------------


def test_region_rules_let_admins_manage_every_land_and_land_staff_only_their_own():
    from types import SimpleNamespace

    from courage_hub.access import policy

    def account(role: Role, land: str | None = None) -> SimpleNamespace:
        return SimpleNamespace(is_authenticated=True, id=1, role=role, is_admin=role == Role.ADMIN, land=land)

    nw, sn = SimpleNamespace(land="NW"), SimpleNamespace(land="SN")
    cases = {
        "admin": (account(Role.ADMIN), True, None, {"NW", "SN"}),
        "Land staff NW": (account(Role.LAND_STAFF, "NW"), True, frozenset({"NW"}), {"NW"}),
        "Land staff without a Land": (account(Role.LAND_STAFF), False, frozenset(), set()),
        "Land staff of an unknown code": (account(Role.LAND_STAFF, "XX"), False, frozenset(), set()),
        "regional staff": (account(Role.KI_STAFF), False, frozenset(), set()),
        "Bundeskoordination": (account(Role.NATIONAL_STAFF, "NW"), False, frozenset(), set()),
        "coordinator": (account(Role.COORDINATOR), False, frozenset(), set()),
        "anonymous": (SimpleNamespace(is_authenticated=False, role=Role.ADMIN, land="NW"), False, frozenset(), set()),
    }
    for name, (user, manages, lands, regions) in cases.items():
        assert policy.can_manage_regions(user) is manages, name
        assert policy.managed_lands(user) == lands, name
        assert {r.land for r in (nw, sn) if policy.can_manage_region(user, r)} == regions, name
