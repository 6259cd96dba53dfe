"""The boundaries of the rules that decide what the public sees and which school year a day belongs to.

Each rule is written once (``School.is_public``, ``Activity.is_public``, ``Material.is_public``,
``core/schoolyear.py``); these tests pin its boundaries on every route that serves the object, and check that the
Python predicate and the SQL condition agree on every state. ``test_every_serving_route_is_covered`` notices a new
route of these blueprints that this module does not check yet.
"""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from courage_hub.activities.models import Activity, ActivityFile, ActivityState
from courage_hub.activities.services import get_activity
from courage_hub.core import schoolyear
from courage_hub.core.images import upload_dir
from courage_hub.core.uploads import upload_root
from courage_hub.extensions import db
from courage_hub.materials.models import Material, MaterialState
from courage_hub.materials.services import get_material
from courage_hub.schools.models import Approval, School, SchoolStatus

from . import factories
from .conftest import login

A = Approval
S = SchoolStatus


@dataclass(frozen=True)
class SchoolCase:
    approval: Approval
    status: SchoolStatus
    consent: bool  # show_while_preparing
    public: bool
    in_ki_lists: bool  # the KI's schools table and its export list every approved school


SCHOOLS = {
    "admitted": SchoolCase(A.APPROVED, S.AUFGENOMMEN, False, True, True),
    "preparing_with_consent": SchoolCase(A.APPROVED, S.VORBEREITUNG, True, True, True),
    "applied_with_consent": SchoolCase(A.APPROVED, S.ANTRAG_GESTELLT, True, True, True),
    "preparing_without_consent": SchoolCase(A.APPROVED, S.VORBEREITUNG, False, False, True),
    "ballot_passed_without_consent": SchoolCase(A.APPROVED, S.ABSTIMMUNG_ERFOLGREICH, False, False, True),
    # A school that left keeps its old consent flag: leaving hides it all the same.
    "departed": SchoolCase(A.APPROVED, S.AUSGETRETEN, True, False, True),
    # Registrations the KI has not approved, whatever they claim.
    "pending_with_consent": SchoolCase(A.PENDING, S.VORBEREITUNG, True, False, False),
    "pending_admitted": SchoolCase(A.PENDING, S.AUFGENOMMEN, False, False, False),
    "rejected_with_consent": SchoolCase(A.REJECTED, S.VORBEREITUNG, True, False, False),
    "rejected_admitted": SchoolCase(A.REJECTED, S.AUFGENOMMEN, False, False, False),
}


def make_school(case: SchoolCase, name: str) -> School:
    return factories.SchoolFactory(
        name=name, approval=case.approval, status=case.status, show_while_preparing=case.consent
    )


def sql_agrees(model, obj) -> bool:
    """What the SQL side of the rule says about ``obj`` (to compare with the Python side)."""
    return bool(db.session.scalar(select(func.count()).select_from(model).where(model.id == obj.id, model.is_public)))


def ki_client(app, users):
    client = app.test_client()
    login(client, users["ki"])
    return client


def export_rows(client, kind: str) -> list[list[str]]:
    year = schoolyear.current_school_year()
    response = client.get(f"/koordination/export/{kind}.csv?jahr={year}")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))


def shown(response, text: str) -> bool:
    return response.status_code == 200 and text in response.get_data(as_text=True)


# --- the routes that serve each kind of object -------------------------------------------------------------------

# Endpoint → how this module checks it. Every GET endpoint of the serving blueprints is in one of these tables.
SCHOOL_ROUTES = {
    "schools.directory": "list and its search",
    "schools.profile": "page",
    "schools.logo": "file",
    "coordination.export_schools": "KI export",
}
ACTIVITY_ROUTES = {
    "activities.feed": "list and its search",
    "activities.atom": "Atom feed",
    "activities.detail": "page",
    "activities.file": "photo and its preview",
    "coordination.export_activities": "KI export",
}
MATERIAL_ROUTES = {
    "materials.index": "list and its search",
    "materials.detail": "page",
    "materials.download": "file",
    "materials.preview": "preview",
    "materials.jsonld": "JSON-LD",
    "materials.amb_feed": "AMB list",
    "materials.report_problem": "problem form",
}
# Routes of those blueprints that serve nothing to the public: sign-in is required (checked below) or they hold no
# object (forms to create one, confirmation pages).
SIGNED_IN_ONLY = {
    "activities.create": "/aktivitaeten/neu",
    "activities.edit": "/aktivitaeten/{activity}/bearbeiten",
    "activities.delete": "/aktivitaeten/{activity}/loeschen",
    "activities.unpublish": "/aktivitaeten/{activity}/sperren",
    "materials.edit": "/materialien/{material}/bearbeiten",
    "materials.mine": "/materialien/meine",
    "materials.share": "/materialien/teilen",
    "material_review.queue": "/koordination/pruefung/",
    "material_review.review": "/koordination/pruefung/{material}",
    "schools.manage": "/schulen/{slug}/verwalten",
    "schools.edit": "/schulen/{slug}/bearbeiten",
    "schools.ballot": "/schulen/{slug}/abstimmung",
    "schools.patron": "/schulen/{slug}/pate",
    "schools.application": "/schulen/{slug}/antrag",
    "schools.ceremony": "/schulen/{slug}/aufnahmefeier",
    "schools.invite": "/schulen/{slug}/koordination/einladen",
    "schools.contact_coordination": "/schulen/{slug}/kontakt-koordination",
    "schools.remove_coordinator": "/schulen/{slug}/koordination/1/entfernen",
    "schools.my_schools": "/meine-schulen",
}
NO_OBJECT = {"schools.register", "schools.registered", "schools.accept_invitation"}
SERVING_BLUEPRINTS = ("schools", "activities", "materials", "material_review")


def test_every_serving_route_is_covered(app):
    """A new GET route of the schools, activities or materials blueprints must be added to a table above."""
    endpoints = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods
        and (rule.endpoint.split(".")[0] in SERVING_BLUEPRINTS or rule.endpoint.startswith("coordination.export"))
    }
    known = {*SCHOOL_ROUTES, *ACTIVITY_ROUTES, *MATERIAL_ROUTES, *SIGNED_IN_ONLY, *NO_OBJECT}
    assert endpoints - known == set(), "routes this module does not check"
    assert known - endpoints == set(), "routes that no longer exist"


def test_routes_said_to_need_a_sign_in_do(app, users):
    """The routes left out of the visibility checks send the public to the sign-in page."""
    school = make_school(SCHOOLS["preparing_without_consent"], "Hauptschule Verborgen")
    activity = factories.ActivityFactory(school=school, state=ActivityState.DRAFT, published_at=None)
    material = factories.MaterialFactory(school=school, state=MaterialState.REVIEW, published_at=None)
    client = app.test_client()
    for endpoint, path in SIGNED_IN_ONLY.items():
        response = client.get(path.format(activity=activity.id, material=material.id, slug=school.slug))
        assert response.status_code == 302, endpoint
        assert "/anmelden" in response.headers["Location"], endpoint


# --- schools -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", SCHOOLS)
def test_school_visibility_on_every_route(app, users, state):
    case = SCHOOLS[state]
    school = make_school(case, f"Sekundarschule Grenzfall {state.replace('_', ' ')}")
    school.logo_filename = secrets.token_hex(16) + ".png"
    (upload_dir("logos") / school.logo_filename).write_bytes(b"\x89PNG\r\n\x1a\nlogo")
    db.session.commit()
    name = school.name
    assert school.is_public is case.public
    assert sql_agrees(School, school) is case.public

    anonymous = app.test_client()
    assert shown(anonymous.get("/schulen/"), name) is case.public
    assert shown(anonymous.get("/schulen/?q=Grenzfall"), name) is case.public
    assert shown(anonymous.get(f"/schulen/{school.slug}"), name) is case.public
    assert anonymous.get(f"/schulen/{school.slug}").status_code == (200 if case.public else 404)
    logo = anonymous.get(f"/schulen/{school.slug}/logo")
    assert logo.status_code == (200 if case.public else 404)

    ki = ki_client(app, users)
    names = [row[0] for row in export_rows(ki, "schulen")[1:]]
    assert (name in names) is case.in_ki_lists
    # The KI sees every registered school's profile (pending ones for review); a hidden one is never cached publicly.
    if case.approval != A.REJECTED:
        assert ki.get(f"/schulen/{school.slug}").status_code == 200
        staff_logo = ki.get(f"/schulen/{school.slug}/logo")
        assert staff_logo.status_code == 200
        assert ("public" in staff_logo.headers["Cache-Control"]) is case.public


# --- activity reports --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityCase:
    school: str
    state: ActivityState
    public: bool
    in_ki_export: bool  # the KI counts published reports of every approved school


ACTIVITIES = {
    "published": ActivityCase("admitted", ActivityState.PUBLISHED, True, True),
    "published_preparing_with_consent": ActivityCase("preparing_with_consent", ActivityState.PUBLISHED, True, True),
    "draft": ActivityCase("admitted", ActivityState.DRAFT, False, False),
    "hidden_by_the_ki": ActivityCase("admitted", ActivityState.UNPUBLISHED, False, False),
    "published_preparing_without_consent": ActivityCase(
        "preparing_without_consent", ActivityState.PUBLISHED, False, True
    ),
    "published_departed": ActivityCase("departed", ActivityState.PUBLISHED, False, True),
    "published_pending": ActivityCase("pending_with_consent", ActivityState.PUBLISHED, False, False),
    "published_rejected": ActivityCase("rejected_admitted", ActivityState.PUBLISHED, False, False),
}


def _photo(activity: Activity) -> ActivityFile:
    original, thumb = secrets.token_hex(16) + ".webp", secrets.token_hex(16) + ".webp"
    for name in (original, thumb):
        (upload_root() / name).write_bytes(b"RIFF\x00\x00\x00\x00WEBPphoto")
    photo = ActivityFile(
        activity_id=activity.id,
        kind="photo",
        storage_name=original,
        thumb_name=thumb,
        original_name="Max_8a.webp",
        content_type="image/webp",
        size=16,
        sha256="0" * 64,
        alt_text="Schülerinnen und Schüler mit einem Plakat",
    )
    db.session.add(photo)
    db.session.commit()
    return photo


@pytest.mark.parametrize("state", ACTIVITIES)
def test_activity_visibility_on_every_route(app, users, state):
    case = ACTIVITIES[state]
    school = make_school(SCHOOLS[case.school], "Gesamtschule Berichtsprobe")
    published = case.state != ActivityState.DRAFT
    activity = factories.ActivityFactory(
        school=school,
        title="Zeitzeugengespräch Grenzwert",
        state=case.state,
        published_at=datetime.now(UTC) if published else None,
    )
    photo = _photo(activity)
    title = activity.title
    assert get_activity(activity.id).is_public is case.public
    assert sql_agrees(Activity, activity) is case.public

    anonymous = app.test_client()
    assert shown(anonymous.get("/aktivitaeten/"), title) is case.public
    assert shown(anonymous.get("/aktivitaeten/?q=Grenzwert"), title) is case.public
    assert shown(anonymous.get(f"/aktivitaeten/?schule={school.slug}"), title) is case.public
    assert shown(anonymous.get("/aktivitaeten/feed.xml"), title) is case.public
    assert shown(anonymous.get(f"/aktivitaeten/feed.xml?schule={school.slug}"), title) is case.public
    assert anonymous.get(f"/aktivitaeten/{activity.id}").status_code == (200 if case.public else 404)
    for path in (f"/aktivitaeten/dateien/{photo.id}", f"/aktivitaeten/dateien/{photo.id}/vorschau"):
        assert anonymous.get(path).status_code == (200 if case.public else 404)
    assert shown(anonymous.get(f"/schulen/{school.slug}"), title) is case.public

    ki = ki_client(app, users)
    titles = [row[2] for row in export_rows(ki, "aktivitaeten")[1:]]
    assert (title in titles) is case.in_ki_export
    # Staff still open what the public may not; only a public report's photo may sit in a shared cache.
    staff_photo = ki.get(f"/aktivitaeten/dateien/{photo.id}")
    assert staff_photo.status_code == 200
    assert staff_photo.headers["Cache-Control"] == ("public, max-age=300" if case.public else "private, no-store")
    assert ("inline" in staff_photo.headers["Content-Disposition"]) is case.public


# --- materials ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MaterialCase:
    school: str | None  # None: shared by the KI itself
    state: MaterialState
    public: bool
    licence: str = "cc-by"


MATERIALS = {
    "published": MaterialCase("admitted", MaterialState.PUBLISHED, True),
    "published_by_the_ki": MaterialCase(None, MaterialState.PUBLISHED, True),
    "published_preparing_with_consent": MaterialCase("preparing_with_consent", MaterialState.PUBLISHED, True),
    "published_all_rights_reserved": MaterialCase("admitted", MaterialState.PUBLISHED, True, licence="arr"),
    "in_review": MaterialCase("admitted", MaterialState.REVIEW, False),
    "returned": MaterialCase("admitted", MaterialState.REJECTED, False),
    "withdrawn": MaterialCase("admitted", MaterialState.WITHDRAWN, False),
    "hidden_by_the_ki": MaterialCase("admitted", MaterialState.HIDDEN, False),
    "in_review_by_the_ki": MaterialCase(None, MaterialState.REVIEW, False),
    "published_preparing_without_consent": MaterialCase("preparing_without_consent", MaterialState.PUBLISHED, False),
    "published_departed": MaterialCase("departed", MaterialState.PUBLISHED, False),
    "published_pending": MaterialCase("pending_with_consent", MaterialState.PUBLISHED, False),
    "published_rejected": MaterialCase("rejected_admitted", MaterialState.PUBLISHED, False),
}


def _file_material(school: School | None, case: MaterialCase) -> Material:
    stored, preview = secrets.token_hex(16) + ".pdf", secrets.token_hex(16) + ".webp"
    (upload_root() / stored).write_bytes(b"%PDF-1.4 rules")
    (upload_root() / preview).write_bytes(b"RIFF\x00\x00\x00\x00WEBPpreview")
    return factories.MaterialFactory(
        school=school,
        title="Vorurteile Grenzfallblatt",
        state=case.state,
        licence=case.licence,
        published_at=datetime.now(UTC) if case.state == MaterialState.PUBLISHED else None,
        link_url=None,
        storage_name=stored,
        original_name="blatt.pdf",
        content_type="application/pdf",
        size=14,
        preview_name=preview,
    )


@pytest.mark.parametrize("state", MATERIALS)
def test_material_visibility_on_every_route(app, users, state):
    case = MATERIALS[state]
    school = make_school(SCHOOLS[case.school], "Gymnasium Materialprobe") if case.school else None
    material = _file_material(school, case)
    title = material.title
    open_metadata = case.public and case.licence != "arr"
    assert get_material(material.id).is_public is case.public
    assert sql_agrees(Material, material) is case.public
    assert get_material(material.id).has_open_metadata is open_metadata

    anonymous = app.test_client()
    assert shown(anonymous.get("/materialien/"), title) is case.public
    assert shown(anonymous.get("/materialien/?q=Grenzfallblatt"), title) is case.public
    assert shown(anonymous.get(f"/materialien/?schule={school.slug if school else 'ki'}"), title) is case.public
    expected = 200 if case.public else 404
    for path in ("", "/datei", "/vorschau", "/problem"):
        assert anonymous.get(f"/materialien/{material.id}{path}").status_code == expected, path
    assert anonymous.get(f"/materialien/{material.id}.jsonld").status_code == (200 if open_metadata else 404)
    amb_titles = [item["name"] for item in anonymous.get("/materialien/amb.json").get_json()["items"]]
    assert (title in amb_titles) is open_metadata
    if school is not None:
        assert shown(anonymous.get(f"/schulen/{school.slug}"), title) is case.public
    detail = anonymous.get(f"/materialien/{material.id}").get_data(as_text=True)
    assert ('type="application/ld+json"' in detail) is open_metadata

    # The KI reviews and moderates every material, whatever the public may see.
    ki = ki_client(app, users)
    assert ki.get(f"/materialien/{material.id}").status_code == 200
    staff_preview = ki.get(f"/materialien/{material.id}/vorschau")
    assert staff_preview.headers["Cache-Control"] == ("public, max-age=300" if case.public else "private, no-store")


def test_a_public_material_names_only_a_public_school(app, users):
    """The "shared by" line links a public school's profile; a school that is not public is named without a link."""
    hidden = make_school(SCHOOLS["departed"], "Realschule Ehemals")
    material = factories.MaterialFactory(school=hidden)
    ki_material = factories.MaterialFactory(school=None)
    page = app.test_client().get(f"/materialien/{ki_material.id}").get_data(as_text=True)
    assert "/schulen/realschule-ehemals" not in page
    staff = ki_client(app, users).get(f"/materialien/{material.id}").get_data(as_text=True)
    assert "Realschule Ehemals" in staff and 'href="/schulen/realschule-ehemals"' not in staff


# --- the school year ---------------------------------------------------------------------------------------------

BOUNDARY_DAYS = {
    date(2025, 7, 31): 2024,
    date(2025, 8, 1): 2025,
    date(2025, 12, 31): 2025,
    date(2026, 1, 1): 2025,
    date(2024, 2, 29): 2023,
    date(2026, 7, 31): 2025,
    date(2026, 8, 1): 2026,
}


def test_school_year_begins_on_the_first_of_august():
    for day, year in BOUNDARY_DAYS.items():
        assert schoolyear.school_year_of(day) == year, day
    assert schoolyear.bounds(2025) == (date(2025, 8, 1), date(2026, 7, 31))
    assert schoolyear.label(2025) == "2025/26" and schoolyear.label(2099) == "2099/00"
    assert schoolyear.months(2025)[0] == date(2025, 8, 1) and schoolyear.months(2025)[-1] == date(2026, 7, 1)
    assert [schoolyear.calendar_year(2025, m) for m in (7, 8, 12, 1)] == [2026, 2025, 2025, 2026]


def test_sql_gives_the_same_school_year_as_python(app):
    """The SQL expression, run by the database on stored dates, agrees with the Python function on each boundary."""
    schools = {day: factories.SchoolFactory(admitted_on=day) for day in BOUNDARY_DAYS}
    rows = dict(db.session.execute(select(School.id, schoolyear.school_year_expr(School.admitted_on))).all())
    for day, school in schools.items():
        assert int(rows[school.id]) == schoolyear.school_year_of(day) == BOUNDARY_DAYS[day], day


def test_today_is_the_date_in_berlin_not_on_the_server():
    """31 July 23:30 in Berlin is 21:30 UTC (still the old school year); 1 August 00:30 is 22:30 UTC (the new one)."""
    before = datetime(2025, 7, 31, 21, 30, tzinfo=UTC)
    after = datetime(2025, 7, 31, 22, 30, tzinfo=UTC)
    assert schoolyear.local_today(before) == date(2025, 7, 31)
    assert schoolyear.local_today(after) == date(2025, 8, 1)
    assert schoolyear.current_school_year(schoolyear.local_today(before)) == 2024
    assert schoolyear.current_school_year(schoolyear.local_today(after)) == 2025
    # In winter Berlin is one hour ahead of UTC, in summer two.
    assert schoolyear.local_today(datetime(2026, 1, 31, 23, 30, tzinfo=UTC)) == date(2026, 2, 1)


def test_school_year_as_instants_starts_at_midnight_in_berlin():
    start, end = schoolyear.utc_bounds(2025)
    assert start == datetime(2025, 7, 31, 22, 0, tzinfo=UTC)
    assert end == datetime(2026, 7, 31, 22, 0, tzinfo=UTC)


def test_material_shared_just_after_midnight_on_1_august_counts_for_the_new_year(app, users):
    from courage_hub.coordination.dashboard import Scope, key_figures

    factories.MaterialFactory(school=users["school_a"], published_at=datetime(2025, 7, 31, 22, 30, tzinfo=UTC))
    factories.MaterialFactory(school=users["school_a"], published_at=datetime(2025, 7, 31, 21, 30, tzinfo=UTC))
    assert key_figures(Scope(year=2025, region_ids=None), fresh=True).materials_shared == 1
    assert key_figures(Scope(year=2024, region_ids=None), fresh=True).materials_shared == 1


def test_a_report_on_1_august_belongs_to_the_new_school_year(app, users):
    """Saved through the service, filtered by the feed and counted by the obligation in the year it starts."""
    from courage_hub.activities import services

    def report(day: date, title: str) -> Activity:
        data = services.ActivityData(
            title=title,
            start_date=day,
            end_date=None,
            activity_type="Workshop",
            topics=["Rassismus"],
            description="Ein Workshop.",
            groups="",
            participants=None,
            partners="",
            links="",
            counts_as_project=True,
            photo_consent=False,
        )
        return services.create_activity(users["school_a"], users["coord_a"], data, publish=True)

    late = report(date(2025, 7, 31), "Sommerfest Juli")
    early = report(date(2025, 8, 1), "Projekttag August")
    assert (late.school_year, early.school_year) == (2024, 2025)
    client = app.test_client()
    new_year = client.get("/aktivitaeten/?jahr=2025").get_data(as_text=True)
    old_year = client.get("/aktivitaeten/?jahr=2024").get_data(as_text=True)
    assert "Projekttag August" in new_year and "Sommerfest Juli" not in new_year
    assert "Sommerfest Juli" in old_year and "Projekttag August" not in old_year
    assert services.obligation_met(users["school_a"].id, 2025) and services.obligation_met(users["school_a"].id, 2024)
    assert not services.obligation_met(users["school_a"].id, 2026)


def test_the_dashboard_counts_a_school_admitted_on_1_august_from_the_new_year(app):
    """The history chart's SQL puts the admission of 1 August into the school year that begins that day."""
    from courage_hub.coordination.dashboard import Scope, key_figures

    factories.SchoolFactory(name="Grundschule Juli", admitted_on=date(2025, 7, 31))
    factories.SchoolFactory(name="Grundschule August", admitted_on=date(2025, 8, 1))
    history = {
        year: admitted
        for year, admitted, _met in key_figures(Scope(year=2025, region_ids=None), fresh=True).obligation_history
    }
    assert history[2024] == 1
    assert history[2025] == 2


def test_the_contact_deadline_falls_into_the_right_calendar_year(app):
    from courage_hub.coordination.contact_needed import contact_deadline

    app.config["CONTACT_DEADLINE"] = "07-31"
    assert contact_deadline(2025) == date(2026, 7, 31)
    app.config["CONTACT_DEADLINE"] = "08-01"
    assert contact_deadline(2025) == date(2025, 8, 1)


def test_activities_per_month_run_from_august_to_july(app, users):
    from courage_hub.coordination.dashboard import Scope, key_figures

    factories.ActivityFactory(school=users["school_a"], start_date=date(2025, 8, 1))
    factories.ActivityFactory(school=users["school_a"], start_date=date(2026, 7, 31))
    months = key_figures(Scope(year=2025, region_ids=None), fresh=True).activities_by_month
    assert [first for first, _n in months] == schoolyear.months(2025)
    assert months[0] == (date(2025, 8, 1), 1) and months[-1] == (date(2026, 7, 1), 1)
