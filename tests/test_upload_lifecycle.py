"""One service owns an upload's whole life: a save that fails anywhere leaves neither a file nor a row behind."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from courage_hub.activities.models import Activity, ActivityFile
from courage_hub.core import images, uploads
from courage_hub.core.images import upload_dir
from courage_hub.core.uploads import upload_root
from courage_hub.materials.models import Material
from courage_hub.schools import services as school_services
from courage_hub.schools.models import School

from .conftest import login, post_form
from .test_activities import create, jpeg_with_gps, png_bytes, report
from .test_materials import PDF, form, share
from .test_schools import profile_form


def fail_on_write(monkeypatch, call: int) -> None:
    """Make the ``call``-th file written by the upload service fail as a full disk would."""
    real_write, calls = uploads._write, []

    def write(data: bytes, suffix: str):
        calls.append(suffix)
        if len(calls) == call:
            raise OSError(28, "No space left on device")
        return real_write(data, suffix)

    monkeypatch.setattr(uploads, "_write", write)


def stored_files() -> list[str]:
    return sorted(path.name for path in upload_root().iterdir())


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- activities ------------------------------------------------------------------------------------------------


def test_a_failure_on_the_second_photo_removes_the_first_and_writes_no_report(client, users, db, monkeypatch):
    login(client, users["coord_a"])
    fail_on_write(monkeypatch, 3)  # photo 1 writes its display version and thumbnail, photo 2 fails
    photos = [(jpeg_with_gps(), "a.jpg", "Plakat"), (jpeg_with_gps(), "b.jpg", "Bühne")]
    with pytest.raises(OSError):
        create(client, users["school_a"], report(photo_consent="y"), photos=photos)
    assert stored_files() == []
    assert count(db, Activity) == 0 and count(db, ActivityFile) == 0


def test_a_refused_second_photo_removes_the_first_and_names_the_refused_one(client, users, db):
    login(client, users["coord_a"])
    photos = [(jpeg_with_gps(), "a.jpg", "Plakat"), (b"kein Bild", "b.jpg", "Bühne")]
    response = create(client, users["school_a"], report(photo_consent="y"), photos=photos)
    assert response.status_code == 200
    assert "b.jpg" in response.get_data(as_text=True)
    assert stored_files() == []
    assert count(db, Activity) == 0 and count(db, ActivityFile) == 0


def test_a_failing_attachment_after_a_photo_leaves_the_edited_report_as_it_was(client, users, db, monkeypatch):
    login(client, users["coord_a"])
    assert create(client, users["school_a"], report(title="Vorher")).status_code == 302
    activity = db.session.scalars(select(Activity)).one()
    fail_on_write(monkeypatch, 3)  # the photo writes two files, the attachment (an image, re-encoded) fails
    data = report(title="Nachher", photo_consent="y", version=str(activity.version))
    with pytest.raises(OSError):
        create(
            client,
            users["school_a"],
            data,
            photos=[(jpeg_with_gps(), "a.jpg", "Plakat")],
            url=f"/aktivitaeten/{activity.id}/bearbeiten",
            attachments=(png_bytes(), "t.png"),
        )
    assert stored_files() == []
    db.session.refresh(activity)
    assert activity.title == "Vorher" and count(db, ActivityFile) == 0


# --- materials -------------------------------------------------------------------------------------------------


def test_a_failure_while_writing_the_preview_removes_the_shared_file_and_writes_no_material(
    client, users, db, monkeypatch
):
    login(client, users["coord_a"])
    fail_on_write(monkeypatch, 2)  # the PDF is written, its preview fails
    with pytest.raises(OSError):
        share(client)
    assert stored_files() == []
    assert count(db, Material) == 0


def test_a_refused_file_writes_nothing_and_says_why(client, users, db):
    login(client, users["coord_a"])
    response = share(client, file=(b"<html><script>alert(1)</script></html>", "blatt.pdf"))
    assert response.status_code == 200 and "blatt.pdf" in response.get_data(as_text=True)
    assert stored_files() == []
    assert count(db, Material) == 0


def test_a_stale_edit_with_a_new_file_leaves_neither_the_new_file_nor_its_preview(client, users, db):
    login(client, users["coord_a"])
    assert share(client).status_code == 302
    material = db.session.scalars(select(Material)).one()
    before = stored_files()
    assert len(before) == 2  # the PDF and its preview
    response = share_edit(client, material.id, version="0")
    assert response.status_code == 409
    assert stored_files() == before


def share_edit(client, material_id: int, version: str):
    payload = form(title="Neue Fassung", version=version, file=(io.BytesIO(PDF), "neu.pdf"))
    return post_form(client, f"/materialien/{material_id}/bearbeiten", payload, content_type="multipart/form-data")


# --- school logos ----------------------------------------------------------------------------------------------


def logo_files() -> list[str]:
    return sorted(path.name for path in upload_dir("logos").iterdir())


def post_profile_with_logo(client, school, **overrides):
    data = profile_form(school, **overrides)
    data["logo"] = (io.BytesIO(jpeg_with_gps()), "logo.jpg")
    return post_form(client, f"/schulen/{school.slug}/bearbeiten", data, content_type="multipart/form-data")


def test_a_logo_that_cannot_be_written_saves_nothing_of_the_profile(client, users, db, monkeypatch, tmp_path):
    school = users["school_a"]
    login(client, users["coord_a"])

    not_a_folder = tmp_path / "logos"
    not_a_folder.write_text("")  # writing a logo "into" it fails like a broken disk
    monkeypatch.setattr(images, "upload_dir", lambda kind: not_a_folder)
    version = school.profile_version
    with pytest.raises(OSError):
        post_profile_with_logo(client, school, description="Neu")
    row = db.session.execute(select(School.description, School.profile_version).where(School.id == school.id)).one()
    assert tuple(row) == ("", version)


def test_a_profile_save_that_fails_after_the_logo_was_written_removes_the_logo(client, users, db, monkeypatch):
    school = users["school_a"]
    login(client, users["coord_a"])

    def broken_update(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(school_services, "claim_version", broken_update)
    with pytest.raises(RuntimeError):
        post_profile_with_logo(client, school, description="Neu")
    assert logo_files() == []
    assert db.session.scalar(select(School.logo_filename).where(School.id == school.id)) is None


def test_a_stale_profile_edit_with_a_logo_keeps_no_logo_file(client, users, db):
    school = users["school_a"]
    login(client, users["coord_a"])
    response = post_profile_with_logo(client, school, profile_version=str(school.profile_version - 1))
    assert response.status_code == 409
    assert logo_files() == []


def test_a_new_logo_replaces_the_old_file(client, users, db):
    school = users["school_a"]
    login(client, users["coord_a"])
    assert post_profile_with_logo(client, school).status_code == 302
    first = db.session.scalar(select(School.logo_filename).where(School.id == school.id))
    db.session.refresh(school)
    assert post_profile_with_logo(client, school).status_code == 302
    second = db.session.scalar(select(School.logo_filename).where(School.id == school.id))
    assert first != second and logo_files() == [second]
