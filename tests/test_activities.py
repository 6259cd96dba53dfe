"""Activity reports: drafts and publishing, files, moderation, the yearly obligation, the public feed."""

from __future__ import annotations

import html
import io
import re
import time
import zipfile
from datetime import UTC, date, datetime
from xml.etree import ElementTree

import pytest
from PIL import Image
from sqlalchemy import func, select

from courage_hub.activities.models import Activity, ActivityFile, ActivityState
from courage_hub.activities.services import obligation_met
from courage_hub.core.schoolyear import label, school_year_of
from courage_hub.core.uploads import path_for, pending_root, remove_expired_pending, safe_filename
from courage_hub.materials.samples import simple_pdf

from .conftest import count_queries, login, post_form
from .factories import ActivityFactory

TODAY = date.today()


def report(**overrides):
    data = {
        "title": "Projekttag Courage",
        "start_date": TODAY.isoformat(),
        "end_date": "",
        "activity_type": "Projekttag/Projektwoche",
        "topics": ["Rassismus", "Demokratie und Zivilcourage"],
        "description": "Die **Klasse 8** hat Plakate gestaltet.",
        "groups": "Klasse 8",
        "participants": "60",
        "partners": "Stadtmuseum",
        "links": "https://example.org/bericht",
        "counts_as_project": "y",
        "action": "publish",
    }
    data.update(overrides)
    return data


def jpeg_with_gps(size=(1200, 900)) -> bytes:
    image = Image.new("RGB", size, (30, 90, 160))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (51.0, 40.0, 12.0), 3: "E", 4: (8.0, 20.0, 0.0)}
    exif[0x010F] = "GeheimeKamera"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 40), (0, 0, 0)).save(out, format="PNG")
    return out.getvalue()


def multipart(data: dict, **files) -> dict:
    """Form data with files: a (content, name) pair per field, or a list of them for a field taking several."""
    payload = dict(data)
    for key, value in files.items():
        pairs = value if isinstance(value, list) else [value]
        payload[key] = [(io.BytesIO(content), name) for content, name in pairs]
    return payload


PENDING_RE = re.compile(r'name="pending-(photo|attachment)" value="([0-9a-f]{32})"')


def pending_tokens(response) -> dict[str, list[str]]:
    """The tokens of the files the re-rendered form keeps, per kind ("photo", "attachment")."""
    tokens: dict[str, list[str]] = {"photo": [], "attachment": []}
    for kind, token in PENDING_RE.findall(response.get_data(as_text=True)):
        tokens[kind].append(token)
    return tokens


def create(client, school, data, photos=(), url=None, **files):
    """Send the report form as a person does: photos, given as (content, name, description), are chosen first;
    the form comes back with a description field per photo, which is filled in and sent with the kept files."""
    url = url or f"/aktivitaeten/neu?schule={school.slug}"
    if photos:
        chosen = multipart(data, photos=[(content, name) for content, name, _alt in photos], **files)
        first = post_form(client, url, chosen, content_type="multipart/form-data")
        tokens = pending_tokens(first)
        data = {
            **data,
            "pending-photo": tokens["photo"],
            "pending-attachment": tokens["attachment"],
            **{f"alt-{token}": alt for token, (_c, _n, alt) in zip(tokens["photo"], photos, strict=False)},
        }
        files = {}
    return post_form(client, url, multipart(data, **files), content_type="multipart/form-data")


def only_activity(db) -> Activity:
    return db.session.scalars(select(Activity)).one()


# --- school year rule ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "year"),
    [(date(2026, 7, 31), 2025), (date(2026, 8, 1), 2026), (date(2026, 1, 15), 2025), (date(2025, 12, 31), 2025)],
)
def test_school_year_runs_from_first_august_to_thirty_first_july(day, year):
    assert school_year_of(day) == year


def test_school_year_label():
    assert label(2025) == "2025/26" and label(2099) == "2099/00"


def test_obligation_counts_only_published_projects_in_that_school_year(app, users, db):
    school = users["school_a"]
    ActivityFactory(school=school, start_date=date(2026, 7, 31), state=ActivityState.PUBLISHED)
    assert obligation_met(school.id, 2025) and not obligation_met(school.id, 2026)
    ActivityFactory(school=school, start_date=date(2026, 8, 1), state=ActivityState.DRAFT)
    assert not obligation_met(school.id, 2026)
    ActivityFactory(school=school, start_date=date(2026, 8, 1), state=ActivityState.PUBLISHED, counts_as_project=False)
    assert not obligation_met(school.id, 2026)
    ActivityFactory(school=school, start_date=date(2026, 8, 1), state=ActivityState.PUBLISHED)
    assert obligation_met(school.id, 2026)
    assert not obligation_met(users["school_b"].id, 2026)


# --- reporting -------------------------------------------------------------------------------------------------


def test_coordinator_publishes_a_report_that_the_public_sees(app, client, users, db):
    login(client, users["coord_a"])
    response = create(client, users["school_a"], report())
    assert response.status_code == 302
    activity = only_activity(db)
    assert activity.state == ActivityState.PUBLISHED and activity.school_year == school_year_of(TODAY)
    public = app.test_client()
    page = public.get(f"/aktivitaeten/{activity.id}").get_data(as_text=True)
    assert "<strong>Klasse 8</strong>" in page
    assert "Projekttag Courage" in public.get("/aktivitaeten/").get_data(as_text=True)
    assert "Projekttag Courage" in public.get(f"/schulen/{users['school_a'].slug}").get_data(as_text=True)


def test_draft_is_invisible_to_the_public_and_to_other_schools(app, client, users, db):
    login(client, users["coord_a"])
    create(client, users["school_a"], report(action="draft"))
    activity = only_activity(db)
    assert activity.state == ActivityState.DRAFT
    assert client.get(f"/aktivitaeten/{activity.id}").status_code == 200
    assert app.test_client().get(f"/aktivitaeten/{activity.id}").status_code == 404
    other = app.test_client()
    login(other, users["coord_b"])
    assert other.get(f"/aktivitaeten/{activity.id}").status_code == 404
    assert other.get(f"/aktivitaeten/{activity.id}/bearbeiten").status_code == 404
    assert "Projekttag Courage" not in app.test_client().get("/aktivitaeten/").get_data(as_text=True)
    # Publishing later makes it public.
    post_form(client, f"/aktivitaeten/{activity.id}/veroeffentlichen", {})
    assert app.test_client().get(f"/aktivitaeten/{activity.id}").status_code == 200


def test_other_schools_coordinator_cannot_edit_or_delete_a_published_report(app, users, db):
    activity = ActivityFactory(school=users["school_a"], state=ActivityState.PUBLISHED)
    other = app.test_client()
    login(other, users["coord_b"])
    assert post_form(other, f"/aktivitaeten/{activity.id}/bearbeiten", report(title="Gekapert")).status_code == 403
    assert post_form(other, f"/aktivitaeten/{activity.id}/loeschen", {}).status_code == 403
    assert db.session.scalar(select(Activity.title).where(Activity.id == activity.id)) != "Gekapert"
    # Nor report for a school that is not theirs.
    assert other.get(f"/aktivitaeten/neu?schule={users['school_a'].slug}").status_code == 403


def test_editing_a_published_report_keeps_it_published(client, users, db):
    login(client, users["coord_a"])
    create(client, users["school_a"], report())
    activity = only_activity(db)
    data = report(title="Neuer Titel", version=str(activity.version), action="save")
    assert post_form(client, f"/aktivitaeten/{activity.id}/bearbeiten", data).status_code == 302
    db.session.refresh(activity)
    assert activity.title == "Neuer Titel" and activity.state == ActivityState.PUBLISHED


def test_stale_edit_shows_a_conflict_and_keeps_both_texts(app, users, db):
    activity = ActivityFactory(school=users["school_a"], state=ActivityState.PUBLISHED, title="Original")
    first, second = app.test_client(), app.test_client()
    login(first, users["coord_a"])
    login(second, users["ki"])
    version = str(activity.version)
    assert (
        post_form(first, f"/aktivitaeten/{activity.id}/bearbeiten", report(title="Erste", version=version)).status_code
        == 302
    )
    conflict = post_form(second, f"/aktivitaeten/{activity.id}/bearbeiten", report(title="Zweite", version=version))
    assert conflict.status_code == 409
    html = conflict.get_data(as_text=True)
    assert "Erste" in html and "Zweite" in html
    assert db.session.scalar(select(Activity.title).where(Activity.id == activity.id)) == "Erste"


def test_failed_validation_keeps_input_and_chosen_files(client, users, db):
    login(client, users["coord_a"])
    data = report(title="", description="Viel Text, der nicht verloren geht")
    response = create(client, users["school_a"], data, attachments=(simple_pdf("Ablauf", "Plan"), "ablauf.pdf"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Viel Text, der nicht verloren geht" in html
    assert "Bereits hochgeladen: ablauf.pdf" in html and len(pending_tokens(response)["attachment"]) == 1
    assert db.session.scalar(select(func.count()).select_from(Activity)) == 0


def test_photos_and_attachment_survive_a_forgotten_consent_and_are_attached_without_new_upload(client, users, db):
    login(client, users["coord_a"])
    url = f"/aktivitaeten/neu?schule={users['school_a'].slug}"
    chosen = multipart(
        report(),
        photos=[(jpeg_with_gps(), "foto.jpg"), (png_bytes(), "buehne.png")],
        attachments=(simple_pdf("Ablauf", "Plan"), "ablauf.pdf"),
    )
    first = post_form(client, url, chosen, content_type="multipart/form-data")
    html = first.get_data(as_text=True)
    assert first.status_code == 200
    assert "Bereits hochgeladen: foto.jpg" in html and "Bereits hochgeladen: buehne.png" in html
    assert "Bereits hochgeladen: ablauf.pdf" in html
    tokens = pending_tokens(first)
    described = {f"alt-{token}": alt for token, alt in zip(tokens["photo"], ["Plakat", "Bühne"], strict=True)}
    kept = {"pending-photo": tokens["photo"], "pending-attachment": tokens["attachment"], **described}
    forgot_consent = post_form(client, url, {**report(), **kept}, content_type="multipart/form-data")
    assert forgot_consent.status_code == 200 and CONSENT_ERROR in forgot_consent.get_data(as_text=True)
    assert pending_tokens(forgot_consent) == tokens  # still kept, nothing chosen again
    saved = post_form(client, url, {**report(photo_consent="y"), **kept}, content_type="multipart/form-data")
    assert saved.status_code == 302
    files = db.session.scalars(select(ActivityFile).order_by(ActivityFile.id)).all()
    assert [(f.kind, f.original_name, f.alt_text) for f in files] == [
        ("photo", "foto.jpg", "Plakat"),
        ("photo", "buehne.png", "Bühne"),
        ("attachment", "ablauf.pdf", ""),
    ]
    assert all(path_for(f.storage_name).is_file() for f in files)
    assert not any(pending_root().iterdir())  # the kept copies are gone once stored


def test_one_input_takes_several_photos_each_described_afterwards(client, users, db):
    login(client, users["coord_a"])
    page = client.get(f"/aktivitaeten/neu?schule={users['school_a'].slug}").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="photos"[^>]*multiple', page) and 'id="photo_1"' not in page
    photos = [(png_bytes(), f"bild{n}.png", f"Bild {n}") for n in range(1, 5)]
    response = create(client, users["school_a"], report(photo_consent="y"), photos=photos)
    assert response.status_code == 302
    rows = db.session.scalars(select(ActivityFile).order_by(ActivityFile.position)).all()
    assert [(f.original_name, f.alt_text) for f in rows] == [(name, alt) for _c, name, alt in photos]


def test_at_most_ten_photos_are_kept_from_one_choice(client, users, db):
    login(client, users["coord_a"])
    url = f"/aktivitaeten/neu?schule={users['school_a'].slug}"
    chosen = multipart(report(photo_consent="y"), photos=[(png_bytes(), f"bild{n}.png") for n in range(11)])
    response = post_form(client, url, chosen, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "höchstens 10 Dateien" in response.get_data(as_text=True)
    assert len(pending_tokens(response)["photo"]) == 10
    assert db.session.scalar(select(func.count()).select_from(Activity)) == 0


def test_a_kept_file_can_be_removed_before_saving(client, users, db):
    login(client, users["coord_a"])
    url = f"/aktivitaeten/neu?schule={users['school_a'].slug}"
    chosen = multipart(report(title=""), attachments=[(simple_pdf("A", "a"), "a.pdf"), (simple_pdf("B", "b"), "b.pdf")])
    tokens = pending_tokens(post_form(client, url, chosen, content_type="multipart/form-data"))["attachment"]
    kept = {"pending-attachment": tokens, "pending-attachment-remove": tokens[0]}
    assert post_form(client, url, {**report(), **kept}, content_type="multipart/form-data").status_code == 302
    assert db.session.scalars(select(ActivityFile.original_name)).all() == ["b.pdf"]


def test_another_user_cannot_use_a_kept_file(app, client, users, db):
    login(client, users["coord_a"])
    url = f"/aktivitaeten/neu?schule={users['school_a'].slug}"
    chosen = multipart(report(title=""), attachments=(simple_pdf("Geheim", "nur A"), "geheim.pdf"))
    tokens = pending_tokens(post_form(client, url, chosen, content_type="multipart/form-data"))["attachment"]
    assert len(tokens) == 1
    other = app.test_client()
    login(other, users["coord_b"])
    other_url = f"/aktivitaeten/neu?schule={users['school_b'].slug}"
    response = post_form(
        other, other_url, {**report(), "pending-attachment": tokens}, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(ActivityFile)) == 0
    assert "geheim.pdf" not in other.get(other_url).get_data(as_text=True)


def test_cleanup_removes_kept_files_after_an_hour(app, client, users, db):
    login(client, users["coord_a"])
    url = f"/aktivitaeten/neu?schule={users['school_a'].slug}"
    chosen = multipart(report(title=""), attachments=(simple_pdf("A", "a"), "a.pdf"))
    tokens = pending_tokens(post_form(client, url, chosen, content_type="multipart/form-data"))["attachment"]
    assert remove_expired_pending(time.time() + 60) == 0
    assert remove_expired_pending(time.time() + 3601) == 1
    assert not any(pending_root().iterdir())
    response = post_form(client, url, {**report(), "pending-attachment": tokens}, content_type="multipart/form-data")
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(ActivityFile)) == 0


def test_end_date_before_start_is_refused(client, users, db):
    login(client, users["coord_a"])
    response = create(client, users["school_a"], report(end_date="2020-01-01"))
    assert response.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Activity)) == 0


def test_markdown_is_sanitized(app, client, users, db):
    login(client, users["coord_a"])
    evil = "<script>alert(1)</script> [klick](javascript:alert(2)) <img src=x onerror=alert(3)> **fett**"
    create(client, users["school_a"], report(description=evil))
    html = app.test_client().get(f"/aktivitaeten/{only_activity(db).id}").get_data(as_text=True)
    body = html.split("<main", 1)[1]
    assert "<script>" not in body and "javascript:" not in body and "onerror" not in body
    assert "<strong>fett</strong>" in body


def test_delete_asks_for_confirmation_and_removes_files(app, client, users, db):
    login(client, users["coord_a"])
    create(client, users["school_a"], report(photo_consent="y"), photos=[(jpeg_with_gps(), "a.jpg", "Plakat")])
    activity = only_activity(db)
    stored = db.session.scalars(select(ActivityFile)).one()
    paths = [path_for(stored.storage_name), path_for(stored.thumb_name)]
    assert all(p.exists() for p in paths)
    confirmation = client.get(f"/aktivitaeten/{activity.id}/loeschen")
    assert confirmation.status_code == 200 and "Endgültig löschen" in confirmation.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Activity)) == 1  # asking deletes nothing
    assert all(p.exists() for p in paths)
    assert post_form(client, f"/aktivitaeten/{activity.id}/loeschen", {}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Activity)) == 0
    assert db.session.scalar(select(func.count()).select_from(ActivityFile)) == 0
    assert not any(p.exists() for p in paths)


def test_ki_unpublishes_with_a_reason_the_school_sees(app, client, users, db):
    activity = ActivityFactory(school=users["school_a"], state=ActivityState.PUBLISHED)
    login(client, users["ki"])
    assert post_form(client, f"/aktivitaeten/{activity.id}/sperren", {"reason": ""}).status_code == 200
    post_form(client, f"/aktivitaeten/{activity.id}/sperren", {"reason": "Foto ohne Einwilligung"})
    assert app.test_client().get(f"/aktivitaeten/{activity.id}").status_code == 404
    coordinator = app.test_client()
    login(coordinator, users["coord_a"])
    assert "Foto ohne Einwilligung" in coordinator.get(f"/aktivitaeten/{activity.id}").get_data(as_text=True)
    # The school cannot simply publish it again.
    post_form(coordinator, f"/aktivitaeten/{activity.id}/veroeffentlichen", {})
    assert db.session.scalar(select(Activity.state).where(Activity.id == activity.id)) == ActivityState.UNPUBLISHED


def test_coordinator_cannot_moderate(client, users, db):
    activity = ActivityFactory(school=users["school_a"], state=ActivityState.PUBLISHED)
    login(client, users["coord_a"])
    assert post_form(client, f"/aktivitaeten/{activity.id}/sperren", {"reason": "x"}).status_code == 403


def test_start_page_of_coordinator_says_when_this_years_project_is_missing(client, users, db):
    login(client, users["coord_a"])
    html = client.get(f"/schulen/{users['school_a'].slug}/verwalten").get_data(as_text=True)
    year = label(school_year_of(TODAY))
    assert f"Für {year} ist noch kein Projekt gemeldet" in html
    assert f"/aktivitaeten/neu?schule={users['school_a'].slug}" in html
    ActivityFactory(school=users["school_a"], state=ActivityState.PUBLISHED, start_date=TODAY)
    assert f"Für {year} ist noch kein Projekt gemeldet" not in client.get(
        f"/schulen/{users['school_a'].slug}/verwalten"
    ).get_data(as_text=True)


# --- photos and attachments ------------------------------------------------------------------------------------


def test_photo_loses_exif_and_gps_and_gets_a_thumbnail(app, client, users, db):
    login(client, users["coord_a"])
    response = create(
        client,
        users["school_a"],
        report(photo_consent="y"),
        photos=[(jpeg_with_gps(), "IMG_0001.jpg", "Schüler*innen malen ein Banner")],
    )
    assert response.status_code == 302
    stored = db.session.scalars(select(ActivityFile)).one()
    for name in (stored.storage_name, stored.thumb_name):
        raw = path_for(name).read_bytes()
        assert b"GeheimeKamera" not in raw and b"GPS" not in raw and b"Exif" not in raw
        with Image.open(io.BytesIO(raw)) as image:
            assert not image.getexif()
            assert not image.info.get("exif")
    with Image.open(path_for(stored.thumb_name)) as thumb:
        assert max(thumb.size) <= 480
    served = app.test_client().get(f"/aktivitaeten/dateien/{stored.id}")
    assert served.status_code == 200 and served.headers["X-Content-Type-Options"] == "nosniff"
    assert "inline" in served.headers.get("Content-Disposition", "inline")


CONSENT_ERROR = "Bitte bestätigen Sie die Einwilligung für Fotos von Personen."
ALT_TEXT_ERROR = "Bitte beschreiben Sie das Foto für Menschen, die es nicht sehen können."


def test_photo_needs_consent_and_alt_text(client, users, db):
    login(client, users["coord_a"])
    no_consent = create(client, users["school_a"], report(), photos=[(jpeg_with_gps(), "a.jpg", "Plakat")])
    consent_error, alt_error = CONSENT_ERROR, ALT_TEXT_ERROR
    assert no_consent.status_code == 200 and consent_error in no_consent.get_data(as_text=True)
    assert alt_error not in no_consent.get_data(as_text=True)  # the alt text was given
    no_alt = create(client, users["school_a"], report(photo_consent="y"), photos=[(jpeg_with_gps(), "a.jpg", "")])
    assert no_alt.status_code == 200
    assert alt_error in no_alt.get_data(as_text=True)
    assert consent_error not in no_alt.get_data(as_text=True)  # the consent was given: only the alt text is missing
    assert db.session.scalar(select(func.count()).select_from(Activity)) == 0
    assert db.session.scalar(select(func.count()).select_from(ActivityFile)) == 0
    assert list((path_for("0" * 32 + ".webp").parent).glob("*")) == []


def test_png_renamed_to_pdf_is_stored_as_what_it_is_and_svg_with_script_is_refused(client, users, db):
    login(client, users["coord_a"])
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    refused = create(client, users["school_a"], report(), attachments=(svg, "bild.svg"))
    assert refused.status_code == 200 and "nicht erlaubt" in refused.get_data(as_text=True)
    html = b"<html><script>alert(1)</script></html>"
    assert create(client, users["school_a"], report(), attachments=(html, "bericht.pdf")).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Activity)) == 0
    ok = create(client, users["school_a"], report(), attachments=(png_bytes(), "tabelle.pdf"))
    assert ok.status_code == 302
    stored = db.session.scalars(select(ActivityFile)).one()
    assert stored.content_type.startswith("image/") and not stored.original_name.endswith(".pdf")


def zip_with_program() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("evil.exe", b"MZ")
    return buffer.getvalue()


def docx_with_macros() -> bytes:
    from .test_uploads import VBA, docx

    return docx(extra=[("word/vbaProject.bin", b"\x00" * 64)], overrides={"word/vbaProject.bin": VBA})


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (zip_with_program, "doc.docx", "nicht erlaubt"),
        (docx_with_macros, "bericht.docx", "enthält Makros"),
    ],
    ids=["archive-named-docx", "docx-with-macros"],
)
def test_archives_and_macro_documents_are_refused(client, users, db, content, name, message):
    login(client, users["coord_a"])
    response = create(client, users["school_a"], report(), attachments=(content(), name))
    assert response.status_code == 200
    assert message in html.unescape(response.get_data(as_text=True))
    assert db.session.scalar(select(func.count()).select_from(Activity)) == 0
    assert db.session.scalar(select(func.count()).select_from(ActivityFile)) == 0


def test_pdf_attachment_is_served_as_download_with_a_safe_name(app, client, users, db):
    login(client, users["coord_a"])
    pdf = simple_pdf("Plan", "Ablauf des Projekttags")
    create(client, users["school_a"], report(), attachments=(pdf, "../../etc/passwd.pdf"))
    stored = db.session.scalars(select(ActivityFile)).one()
    assert stored.original_name == "passwd.pdf"
    response = app.test_client().get(f"/aktivitaeten/dateien/{stored.id}")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and "projekttag-courage-anhang-1.pdf" in disposition
    assert "passwd" not in disposition and ".." not in disposition


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        (".htaccess", "htaccess"),
        ("a\x00b\nc.pdf", "abc.pdf"),
        ("", "datei"),
    ],
)
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected


def test_files_of_drafts_are_hidden_from_others(app, client, users, db):
    login(client, users["coord_a"])
    create(client, users["school_a"], report(action="draft"), attachments=(simple_pdf("Plan", "x"), "plan.pdf"))
    stored = db.session.scalars(select(ActivityFile)).one()
    assert client.get(f"/aktivitaeten/dateien/{stored.id}").status_code == 200
    assert app.test_client().get(f"/aktivitaeten/dateien/{stored.id}").status_code == 404


def test_photo_is_removed_at_once_including_files(client, users, db):
    login(client, users["coord_a"])
    create(client, users["school_a"], report(photo_consent="y"), photos=[(jpeg_with_gps(), "a.jpg", "Plakat")])
    activity, stored = only_activity(db), db.session.scalars(select(ActivityFile)).one()
    paths = [path_for(stored.storage_name), path_for(stored.thumb_name)]
    response = post_form(client, f"/aktivitaeten/{activity.id}/dateien/{stored.id}/entfernen", {})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(ActivityFile)) == 0
    assert not any(p.exists() for p in paths)


def test_oversize_request_gets_the_german_413_page(app, client, users):
    app.config["MAX_CONTENT_LENGTH"] = 2000
    login(client, users["coord_a"])
    response = create(client, users["school_a"], report(), attachments=(b"%PDF-1.4" + b"x" * 5000, "gross.pdf"))
    assert response.status_code == 413
    assert "Datei zu groß" in response.get_data(as_text=True)


def test_photo_over_ten_megabytes_is_refused(client, users, db, monkeypatch):
    from courage_hub.core import uploads

    monkeypatch.setattr(uploads, "PHOTO_MAX_BYTES", 1000)
    login(client, users["coord_a"])
    response = create(client, users["school_a"], report(photo_consent="y"), photos=[(jpeg_with_gps(), "a.jpg", "x")])
    assert response.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(ActivityFile)) == 0


def test_decompression_bomb_is_refused(client, users, db):
    from werkzeug.datastructures import FileStorage

    from courage_hub.core.uploads import UploadRejected, store_photo

    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, format="PNG")
    with pytest.raises(UploadRejected):
        store_photo(FileStorage(io.BytesIO(out.getvalue()), filename="bomb.png"))


# --- feed ------------------------------------------------------------------------------------------------------


def test_feed_filters_by_topic_type_municipality_school_and_year(client, users, db):
    a = ActivityFactory(
        school=users["school_a"],
        state=ActivityState.PUBLISHED,
        title="Lippstadt-Workshop",
        activity_type="Workshop",
        topics=["Antisemitismus"],
        start_date=date(2025, 3, 1),
    )
    ActivityFactory(
        school=users["school_b"],
        state=ActivityState.PUBLISHED,
        title="Soester Gedenken",
        activity_type="Gedenkveranstaltung",
        topics=["Erinnerungskultur und Gedenken"],
        start_date=date(2025, 11, 9),
    )
    assert "Soester Gedenken" not in client.get("/aktivitaeten/?thema=Antisemitismus").get_data(as_text=True)
    assert a.title in client.get("/aktivitaeten/?thema=Antisemitismus").get_data(as_text=True)
    assert a.title not in client.get("/aktivitaeten/?art=Gedenkveranstaltung").get_data(as_text=True)
    assert a.title not in client.get("/aktivitaeten/?gemeinde=Soest").get_data(as_text=True)
    assert a.title in client.get(f"/aktivitaeten/?schule={users['school_a'].slug}").get_data(as_text=True)
    by_year = client.get("/aktivitaeten/?jahr=2024").get_data(as_text=True)
    assert a.title in by_year and "Soester Gedenken" not in by_year
    assert "Soester Gedenken" in client.get("/aktivitaeten/?q=gedenken").get_data(as_text=True)


def test_feed_search_uses_the_full_text_index_with_german_word_forms(client, users, db):
    ActivityFactory(school=users["school_a"], title="Fahrt zur Gedenkstätte", description="Besuch in Bergen-Belsen.")
    ActivityFactory(school=users["school_a"], title="Rassistische Sprüche kontern", description="Ein Workshop.")
    edited = ActivityFactory(school=users["school_a"], title="Sportfest", description="Spiele für alle.")

    def titles(q: str) -> str:
        return client.get("/aktivitaeten/?q=" + q).get_data(as_text=True)

    assert "Fahrt zur Gedenkstätte" in titles("Gedenken") and "Rassistische" not in titles("Gedenken")
    assert "Rassistische Sprüche kontern" in titles("Rassismus")
    assert "Fahrt zur Gedenkstätte" in titles("bergen belsen")  # the description counts
    assert "Sportfest" not in titles("Courage")
    edited.description = "Ein Sportfest mit Courage."  # the index follows every edit
    db.session.commit()
    assert "Sportfest" in titles("Courage")


def test_feed_hides_reports_of_pending_schools(client, users, db):
    ActivityFactory(school=users["school_pending"], state=ActivityState.PUBLISHED, title="Noch nicht freigegeben")
    assert "Noch nicht freigegeben" not in client.get("/aktivitaeten/").get_data(as_text=True)


def test_atom_feed_lists_published_reports(client, users, db):
    ActivityFactory(school=users["school_a"], state=ActivityState.PUBLISHED, title="Im Feed & sichtbar")
    ActivityFactory(school=users["school_a"], state=ActivityState.DRAFT, title="Entwurf")
    response = client.get("/aktivitaeten/feed.xml")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    from xml.etree import ElementTree

    root = ElementTree.fromstring(response.data)
    titles = [e.text for e in root.iter("{http://www.w3.org/2005/Atom}title")]
    assert "Im Feed & sichtbar" in titles and "Entwurf" not in titles


def test_feed_query_count_is_the_same_for_5_and_50_reports(client, users, db):
    for _ in range(5):
        ActivityFactory(school=users["school_a"], state=ActivityState.PUBLISHED, topics=["Rassismus", "Sexismus"])
    small = count_queries(client, "/aktivitaeten/")
    for _ in range(45):
        ActivityFactory(school=users["school_b"], state=ActivityState.PUBLISHED, topics=["Klassismus"])
    large = count_queries(client, "/aktivitaeten/")
    assert small == large <= 7  # one of them reads the regions and their municipalities for the filters


# --- the Atom feed: the page's filters and order, honest dates -------------------------------------------------

ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"


def atom_root(client, query: str = ""):
    response = client.get("/aktivitaeten/feed.xml" + query)
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    return ElementTree.fromstring(response.data)


def atom_titles(client, query: str = "") -> list[str]:
    return [entry.findtext(ATOM + "title") for entry in atom_root(client, query).iter(ATOM + "entry")]


def page_titles(client, query: str = "") -> list[str]:
    page = client.get("/aktivitaeten/" + query).get_data(as_text=True)
    return [html.unescape(t) for t in re.findall(r'<h[23]><a href="/aktivitaeten/\d+">([^<]+)</a></h[23]>', page)]


@pytest.fixture
def feed_reports(users):
    school_a, school_b = users["school_a"], users["school_b"]
    return [
        ActivityFactory(
            school=school_a, title="Antisemitismus-Workshop", topics=["Antisemitismus"], start_date=date(2024, 10, 2)
        ),
        ActivityFactory(
            school=school_b,
            title="Soester Gedenken",
            activity_type="Gedenkveranstaltung",
            topics=["Erinnerungskultur und Gedenken"],
            start_date=date(2025, 11, 9),
        ),
        ActivityFactory(school=school_b, title="Sportfest mit Courage", start_date=date(2025, 6, 1)),
        ActivityFactory(school=users["school_pending"], title="Noch nicht freigegeben", start_date=date(2025, 6, 2)),
    ]


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?schule={a}",
        "?schule={b}",
        "?gemeinde=Soest",
        "?thema=Antisemitismus",
        "?q=gedenken",
        "?art=Gedenkveranstaltung",
        "?jahr=2024",
    ],
)
def test_atom_feed_takes_the_filters_of_the_page(client, users, feed_reports, query):
    query = query.format(a=users["school_a"].slug, b=users["school_b"].slug)
    expected = page_titles(client, query)
    assert expected, "every filter here matches at least one report"
    assert atom_titles(client, query) == expected
    assert "Noch nicht freigegeben" not in expected


def test_atom_feed_of_one_school_shows_only_that_school(client, users, feed_reports):
    titles = atom_titles(client, f"?schule={users['school_b'].slug}")
    assert titles == ["Soester Gedenken", "Sportfest mit Courage"]


def test_atom_feed_is_ordered_by_activity_date_like_the_page(client, users, db):
    # Written late about an old activity, and two reports of the same day (the later written first).
    ActivityFactory(
        school=users["school_a"],
        title="Alt, spät berichtet",
        start_date=date(2023, 5, 1),
        published_at=datetime(2025, 12, 1, tzinfo=UTC),
    )
    ActivityFactory(
        school=users["school_a"],
        title="Neu, früh berichtet",
        start_date=date(2025, 9, 1),
        published_at=datetime(2025, 9, 2, tzinfo=UTC),
    )
    ActivityFactory(school=users["school_a"], title="Gleicher Tag 1", start_date=date(2024, 3, 1))
    ActivityFactory(school=users["school_a"], title="Gleicher Tag 2", start_date=date(2024, 3, 1))
    order = ["Neu, früh berichtet", "Gleicher Tag 2", "Gleicher Tag 1", "Alt, spät berichtet"]
    assert atom_titles(client) == order == page_titles(client)


def test_atom_entries_tell_when_a_report_was_published_and_last_changed(client, users, db):
    published = datetime(2025, 3, 4, 10, 0, tzinfo=UTC)
    activity = ActivityFactory(school=users["school_a"], title="Workshop", published_at=published)
    activity.updated_at = datetime(2025, 3, 5, 9, 30, tzinfo=UTC)
    older = ActivityFactory(school=users["school_b"], title="Älter", start_date=date(2020, 1, 1))
    older.updated_at = datetime(2025, 1, 1, tzinfo=UTC)
    db.session.commit()
    root = atom_root(client)
    entries = {e.findtext(ATOM + "title"): e for e in root.iter(ATOM + "entry")}
    entry = entries["Workshop"]
    assert datetime.fromisoformat(entry.findtext(ATOM + "published")) == published
    assert datetime.fromisoformat(entry.findtext(ATOM + "updated")) == datetime(2025, 3, 5, 9, 30, tzinfo=UTC)
    # The feed changed when its newest entry changed (not when the first one was published).
    assert datetime.fromisoformat(root.findtext(ATOM + "updated")) == datetime(2025, 3, 5, 9, 30, tzinfo=UTC)


def test_atom_feed_is_valid_and_entry_ids_survive_an_edit(client, app, users, db):
    login(client, users["coord_a"])
    post_form(client, f"/aktivitaeten/neu?schule={users['school_a'].slug}", report(title="Erster Titel"))
    activity = db.session.scalar(select(Activity).order_by(Activity.id.desc()))
    activity.updated_at = datetime(2025, 1, 1, tzinfo=UTC)  # an older change, so that the edit shows
    db.session.commit()
    anonymous = app.test_client()
    school_feed = f"?schule={users['school_a'].slug}"
    root = atom_root(anonymous, school_feed)
    assert root.tag == ATOM + "feed"
    for name in ("id", "title", "updated"):
        assert root.findtext(ATOM + name), name
    assert root.find(ATOM + "author/" + ATOM + "name").text
    self_link = [link for link in root.findall(ATOM + "link") if link.get("rel") == "self"]
    assert self_link and self_link[0].get("href").endswith("/aktivitaeten/feed.xml" + school_feed)
    assert root.findtext(ATOM + "id") != atom_root(anonymous).findtext(ATOM + "id")  # a filtered feed is its own
    (entry,) = root.findall(ATOM + "entry")
    for name in ("id", "title", "updated", "published", "summary"):
        assert entry.findtext(ATOM + name), name
    dates = (root.findtext(ATOM + "updated"), entry.findtext(ATOM + "updated"), entry.findtext(ATOM + "published"))
    assert all(re.match(RFC3339, value) for value in dates), dates

    post_form(client, f"/aktivitaeten/{activity.id}/bearbeiten", report(title="Neuer Titel", version="1"))
    (edited,) = atom_root(anonymous, school_feed).findall(ATOM + "entry")
    assert edited.findtext(ATOM + "title") == "Neuer Titel"
    assert edited.findtext(ATOM + "id") == entry.findtext(ATOM + "id")
    assert edited.findtext(ATOM + "published") == entry.findtext(ATOM + "published")
    assert datetime.fromisoformat(edited.findtext(ATOM + "updated")) > datetime(2025, 1, 1, tzinfo=UTC)


def test_feed_page_links_its_atom_feed_with_the_current_filters(client, users, feed_reports):
    slug = users["school_b"].slug
    page = client.get(f"/aktivitaeten/?schule={slug}&thema=Rassismus").get_data(as_text=True)
    head_link = re.search(r'<link rel="alternate" type="application/atom\+xml"[^>]*href="([^"]+)"', page)
    assert head_link is not None
    href = html.unescape(head_link.group(1))
    assert href.startswith("/aktivitaeten/feed.xml?") and f"schule={slug}" in href and "thema=Rassismus" in href
    assert f'<a href="{head_link.group(1)}">' in page  # the same link, visible
    profile = client.get(f"/schulen/{slug}").get_data(as_text=True)
    assert f'href="/aktivitaeten/feed.xml?schule={slug}"' in profile


# --- download names --------------------------------------------------------------------------------------------


def test_photos_and_attachments_are_served_under_the_report_title_never_the_uploaded_name(app, client, users, db):
    login(client, users["coord_a"])
    pdf = simple_pdf("Einverständnis", "Unterschrift")
    response = create(
        client,
        users["school_a"],
        report(title="Gedenkfahrt „Erinnern“ nach Münster", photo_consent="y"),
        photos=[(jpeg_with_gps(), "Max_8a.jpg", "Ein Banner")],
        attachments=(pdf, "Einverständnis_Lena_Schmidt.pdf"),
    )
    assert response.status_code == 302
    activity = only_activity(db)
    photo = db.session.scalars(select(ActivityFile).where(ActivityFile.kind == "photo")).one()
    attachment = db.session.scalars(select(ActivityFile).where(ActivityFile.kind == "attachment")).one()
    assert photo.original_name.startswith("Max_8a")
    # The school's own edit form may still show the original name.
    assert "Lena_Schmidt" in client.get(f"/aktivitaeten/{activity.id}/bearbeiten").get_data(as_text=True)
    visitor = app.test_client()
    slug = "gedenkfahrt-erinnern-nach-muenster"
    expected = {
        f"/aktivitaeten/dateien/{photo.id}": f"inline; filename={slug}-foto-1.webp",
        f"/aktivitaeten/dateien/{photo.id}/vorschau": f"inline; filename={slug}-foto-1-vorschau.webp",
        f"/aktivitaeten/dateien/{attachment.id}": f"attachment; filename={slug}-anhang-1.pdf",
    }
    for url, disposition in expected.items():
        served = visitor.get(url)
        assert served.status_code == 200
        assert served.headers["Content-Disposition"] == disposition
    page = visitor.get(f"/aktivitaeten/{activity.id}").get_data(as_text=True)
    assert "Max_8a" not in page and "Lena_Schmidt" not in page
    assert f"{slug}-anhang-1.pdf" in page
