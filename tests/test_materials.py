"""Materials: public search and filters, sharing and review, problem reports, safe files, open metadata (AMB)."""

from __future__ import annotations

import html
import io
import json
import os
import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from jsonschema import Draft7Validator, FormatChecker
from referencing import Registry, Resource
from sqlalchemy import func, select, update

from courage_hub.core.db import utcnow
from courage_hub.core.models import AuditEntry, ThrottleEvent
from courage_hub.core.uploads import path_for, pending_root, upload_root
from courage_hub.materials.models import Material, MaterialReport, MaterialState
from courage_hub.materials.samples import simple_pdf

from . import factories
from .conftest import count_queries, login, post_form

AMB = Path(__file__).resolve().parent / "data" / "amb-20231019" / "schemas"
PDF = simple_pdf("Arbeitsblatt Alltagsrassismus", "Eine Übung für die Klasse 8.")


def form(**overrides) -> dict:
    data = {
        "title": "Arbeitsblatt: Alltagsrassismus erkennen",
        "description": "Eine Übung zu rassistischen Sprüchen im Alltag.",
        "topics": ["Rassismus"],
        "levels": ["Sekundarstufe I"],
        "material_type": "Arbeitsblatt",
        "licence": "cc-by",
        "attribution": "SV der Gesamtschule am Lindenhof",
        "language": "de",
        "tags": "Alltag, Sprache",
        "source": "datei",
        "link_url": "",
    }
    data.update(overrides)
    return data


def share(client, data: dict | None = None, file: tuple[bytes, str] | None = (PDF, "blatt.pdf")):
    payload = form(**(data or {}))
    if file is not None and payload["source"] == "datei":
        payload["file"] = (io.BytesIO(file[0]), file[1])
    return post_form(client, "/materialien/teilen", payload, content_type="multipart/form-data")


def latest(db) -> Material:
    return db.session.scalar(select(Material).order_by(Material.id.desc()))


def approve(client, material_id: int, **extra):
    data = {"decision": "approve", **{f"check_{k}": "y" for k in ("no_pupils", "framing", "licence", "works")}}
    data.update(extra)
    return post_form(client, f"/koordination/pruefung/{material_id}", data)


CARD_TITLE = re.compile(r'class="card-title"><a [^>]*>([^<]+)</a>')


def search_ids(client, query: str) -> str:
    """The titles in the result list of a search, one per line (not the rest of the page)."""
    page = client.get("/materialien/?" + query).get_data(as_text=True)
    titles = [html.unescape(t) for t in CARD_TITLE.findall(page)]
    count = re.search(r'class="result-count">([^<]+)<', page)
    return "\n".join([count.group(1) if count else "", *titles])


# --- search and filters (both databases) -----------------------------------------------------------------------


@pytest.fixture
def library(users):
    school = users["school_a"]
    return {
        "racism": factories.MaterialFactory(
            school=school,
            title="Rassistische Sprüche kontern",
            description="Wie man im Alltag reagiert.",
            tags="Zivilcourage",
            topics=["Rassismus"],
            levels=["Sekundarstufe I"],
        ),
        "roma": factories.MaterialFactory(
            school=None,
            title="Sinti und Roma in Deutschland",
            description="Geschichte des Antiziganismus und Gedenken an den Porajmos.",
            attribution="KI Kreis Soest",
            topics=["Antiziganismus (Rassismus gegen Sinti und Roma)"],
            levels=["Sekundarstufe I", "Sekundarstufe II"],
            material_type="Unterrichtsreihe",
            licence="cc-by-sa",
            download_count=7,
        ),
        "hate": factories.MaterialFactory(
            school=users["school_b"],
            title="Hassrede im Netz",
            description="Methoden gegen Hate Speech.",
            tags="Social Media",
            topics=["Hate Speech und Desinformation"],
            levels=["Sekundarstufe II"],
            material_type="Methode/Übung",
            language="en",
            download_count=3,
        ),
        "hidden": factories.MaterialFactory(
            school=school, title="Rassismus – Entwurf", state=MaterialState.REVIEW, published_at=None
        ),
        "pending_school": factories.MaterialFactory(school=users["school_pending"], title="Rassismus bei Werl"),
    }


@pytest.mark.parametrize(
    ("query", "found", "not_found"),
    [
        ("Rassismus", ["Rassistische Sprüche kontern"], ["Hassrede im Netz", "Rassismus – Entwurf"]),
        ("rassistisch", ["Rassistische Sprüche kontern"], ["Sinti und Roma"]),
        ("Antiziganismus", ["Sinti und Roma in Deutschland"], ["Rassistische Sprüche"]),
        ("gedenken porajmos", ["Sinti und Roma in Deutschland"], ["Hassrede"]),
        ("Zivilcourage", ["Rassistische Sprüche kontern"], ["Hassrede"]),  # a tag
        ("KI Kreis Soest", ["Sinti und Roma in Deutschland"], ["Hassrede"]),  # the author
        ("Hassreden", ["Hassrede im Netz"], ["Sinti und Roma"]),  # another word form
        ("quantenphysik", [], ["Rassistische Sprüche", "Sinti und Roma", "Hassrede"]),
        ('"rass*" OR 1=1 --', ["Rassistische Sprüche kontern"], ["Hassrede"]),  # operators are plain words
    ],
)
def test_search_finds_german_word_forms_on_both_databases(client, library, query, found, not_found):
    page = search_ids(client, "q=" + query)
    for title in found:
        assert title in page
    for title in not_found:
        assert title not in page


def test_search_never_shows_unpublished_materials_or_those_of_non_public_schools(client, library):
    page = search_ids(client, "q=Rassismus")
    assert "Rassismus – Entwurf" not in page
    assert "Rassismus bei Werl" not in page
    assert "1 Material gefunden" in page


def test_filters_combine_and_stay_in_the_url(client, users, library):
    page = search_ids(client, "stufe=Sekundarstufe+II&art=Unterrichtsreihe")
    assert "Sinti und Roma" in page and "Hassrede" not in page and "Rassistische" not in page
    page = search_ids(client, "stufe=Sekundarstufe+II&sprache=en")
    assert "Hassrede" in page and "Sinti und Roma" not in page
    page = search_ids(client, "lizenz=cc-by-sa")
    assert "Sinti und Roma" in page and "Hassrede" not in page
    page = search_ids(client, "schule=ki")
    assert "Sinti und Roma" in page and "Rassistische" not in page
    page = search_ids(client, f"schule={users['school_b'].slug}")
    assert "Hassrede" in page and "Sinti und Roma" not in page
    page = search_ids(client, "thema=Rassismus&q=Hass")
    assert page.startswith("0 Materialien gefunden")


def test_sort_by_downloads_and_title(client, library):
    page = search_ids(client, "sortierung=downloads")
    assert page.index("Sinti und Roma") < page.index("Hassrede") < page.index("Rassistische")
    page = search_ids(client, "sortierung=titel")
    assert page.index("Hassrede") < page.index("Rassistische") < page.index("Sinti und Roma")


def test_list_page_needs_the_same_number_of_queries_for_3_and_30_materials(client, users):
    for n in range(3):
        factories.MaterialFactory(school=users["school_a"], title=f"Blatt {n}")
    small = count_queries(client, "/materialien/?q=Blatt")
    small_list = count_queries(client, "/materialien/")
    for n in range(27):
        factories.MaterialFactory(school=users["school_b"], title=f"Blatt {n + 3}", topics=["Sexismus"])
    assert count_queries(client, "/materialien/?q=Blatt") == small
    assert count_queries(client, "/materialien/") == small_list <= 8


def test_pagination_shows_the_result_count(client, users):
    for n in range(25):
        factories.MaterialFactory(school=users["school_a"], title=f"Blatt {n:02d}")
    first = search_ids(client, "sortierung=titel")
    assert "25 Materialien gefunden" in first and "Blatt 00" in first and "Blatt 24" not in first
    assert "Blatt 24" in search_ids(client, "sortierung=titel&seite=2")


def sort_control(page: str) -> str:
    return re.search(r'<select id="f-sortierung".*?</select>', page, re.S).group(0)


def test_the_default_order_follows_the_search_words_so_typing_a_query_sorts_by_best_match(client, users):
    older = factories.MaterialFactory(
        school=users["school_a"],
        title="Gedenkstätte besuchen: Gedenkstätte vorbereiten",
        description="Ein Besuch der Gedenkstätte mit der Klasse.",
        published_at=utcnow() - timedelta(days=30),
    )
    factories.MaterialFactory(
        school=users["school_a"], title="Projekttag planen", description="Auch eine Gedenkstätte."
    )
    unsearched = client.get("/materialien/").get_data(as_text=True)
    assert '<option value="">Neueste zuerst</option>' in sort_control(unsearched)
    assert 'value="neu"' not in sort_control(unsearched)  # so the form sends no order along with new words
    sent = "q=Gedenkst%C3%A4tte&thema=&stufe=&art=&sprache=&lizenz=&schule=&sortierung="
    response = client.get("/materialien/?" + sent)
    assert response.status_code == 302 and response.location == "/materialien/?q=Gedenkst%C3%A4tte"
    searched = client.get(response.location).get_data(as_text=True)
    assert '<option value="">Beste Treffer</option>' in sort_control(searched)
    assert '<option value="neu">Neueste zuerst</option>' in sort_control(searched)
    assert search_ids(client, "q=Gedenkst%C3%A4tte").split("\n")[1] == older.title
    assert search_ids(client, "q=Gedenkst%C3%A4tte&sortierung=neu").split("\n")[1] == "Projekttag planen"


@pytest.mark.parametrize(
    ("query", "canonical"),
    [
        ("sortierung=neu", "/materialien/"),
        ("sortierung=relevanz", "/materialien/"),
        ("q=Hass&sortierung=relevanz", "/materialien/?q=Hass"),
        ("q=&thema=&seite=1", "/materialien/"),
        ("thema=Rassismus&seite=01", "/materialien/?thema=Rassismus"),
    ],
)
def test_a_list_url_with_the_default_order_or_empty_fields_redirects_to_its_one_short_url(client, query, canonical):
    response = client.get("/materialien/?" + query)
    assert response.status_code == 302 and response.location == canonical
    assert client.get(canonical).status_code == 200


def test_filters_sit_in_a_section_closed_until_one_is_active_and_counted(client, library):
    page = client.get("/materialien/").get_data(as_text=True)
    assert '<details class="filter-panel">' in page and "<summary>Filter (0 aktiv)</summary>" in page
    page = client.get("/materialien/?thema=Rassismus&stufe=Sekundarstufe+I").get_data(as_text=True)
    assert '<details class="filter-panel" open>' in page and "<summary>Filter (2 aktiv)</summary>" in page
    assert page.index('id="f-q"') < page.index("<details") < page.index('class="result-count"')


def test_ki_review_page_previews_the_file_and_names_a_links_domain(client, users, db, app):
    login(client, users["coord_a"])
    share(client)
    material = latest(db)
    link = factories.MaterialFactory(
        school=users["school_a"], state=MaterialState.REVIEW, published_at=None, link_url="https://lernen.example.org/x"
    )
    ki = app.test_client()
    login(ki, users["ki"])
    page = ki.get(f"/koordination/pruefung/{material.id}").get_data(as_text=True)
    assert f'src="/materialien/{material.id}/vorschau"' in page
    preview = ki.get(f"/materialien/{material.id}/vorschau")
    assert preview.status_code == 200 and preview.mimetype == "image/webp"
    assert "(lernen.example.org)" in ki.get(f"/koordination/pruefung/{link.id}").get_data(as_text=True)


def test_ki_hides_a_material_directly_from_its_problem_report_in_the_queue(client, users, db, app):
    material = factories.MaterialFactory(school=users["school_a"], author_id=users["coord_a"].id)
    post_form(client, f"/materialien/{material.id}/problem", {"reason": "copyright", "text": "Aus einem Buch."})
    ki = app.test_client()
    login(ki, users["ki"])
    queue = ki.get("/koordination/pruefung/").get_data(as_text=True)
    action = f'action="/koordination/pruefung/{material.id}/ausblenden"'
    assert action in queue
    response = post_form(
        ki, f"/koordination/pruefung/{material.id}/ausblenden", {"reason": "Urheberrecht wird geprüft."}
    )
    assert response.status_code == 302
    db.session.refresh(material)
    assert material.state == MaterialState.HIDDEN and material.review_reason == "Urheberrecht wird geprüft."
    queue = ki.get("/koordination/pruefung/").get_data(as_text=True)
    assert action not in queue and "Das Material ist ausgeblendet." in queue


# --- sharing and review ----------------------------------------------------------------------------------------


def test_coordinator_shares_a_pdf_which_waits_for_review_and_is_hidden_until_approved(client, users, db, app):
    login(client, users["coord_a"])
    response = share(client)
    assert response.status_code == 302
    material = latest(db)
    assert material.state == MaterialState.REVIEW and material.school_id == users["school_a"].id
    assert material.content_type == "application/pdf" and material.preview_name  # first page rendered
    assert "Alltagsrassismus" not in app.test_client().get("/materialien/").get_data(as_text=True)
    anonymous = app.test_client()
    assert anonymous.get(f"/materialien/{material.id}").status_code == 404
    assert anonymous.get(f"/materialien/{material.id}/datei").status_code == 404
    assert anonymous.get(f"/materialien/{material.id}/vorschau").status_code == 404
    assert anonymous.get(f"/materialien/{material.id}.jsonld").status_code == 404
    other = app.test_client()
    login(other, users["coord_b"])
    assert other.get(f"/materialien/{material.id}/datei").status_code == 404
    assert client.get(f"/materialien/{material.id}/datei").status_code == 200  # the author

    ki = app.test_client()
    login(ki, users["ki"])
    assert "Alltagsrassismus erkennen" in ki.get("/koordination/pruefung/").get_data(as_text=True)
    assert ki.get(f"/materialien/{material.id}/datei").status_code == 200
    incomplete = approve(ki, material.id, check_works="")
    assert incomplete.status_code == 200 and "Checkliste" in incomplete.get_data(as_text=True)
    db.session.refresh(material)
    assert material.state == MaterialState.REVIEW
    assert approve(ki, material.id).status_code == 302
    db.session.refresh(material)
    assert material.state == MaterialState.PUBLISHED
    assert material.reviewed_by_id == users["ki"].id and material.reviewed_at is not None
    assert "KI Staff" in client.get(f"/materialien/{material.id}").get_data(as_text=True)  # the author sees who
    assert "KI Staff" not in anonymous.get(f"/materialien/{material.id}").get_data(as_text=True)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "material.approve"))
    assert entry.object_id == material.id and entry.user_id == users["ki"].id
    assert "Alltagsrassismus erkennen" in anonymous.get("/materialien/?q=rassismus").get_data(as_text=True)
    assert anonymous.get(f"/materialien/{material.id}/datei").status_code == 200


def test_rejection_needs_a_reason_which_the_author_sees_and_a_fix_goes_back_to_review(client, users, db, app):
    login(client, users["coord_a"])
    share(client)
    material = latest(db)
    ki = app.test_client()
    login(ki, users["ki"])
    no_reason = post_form(ki, f"/koordination/pruefung/{material.id}", {"decision": "reject", "reason": ""})
    assert no_reason.status_code == 200
    db.session.refresh(material)
    assert material.state == MaterialState.REVIEW
    post_form(ki, f"/koordination/pruefung/{material.id}", {"decision": "reject", "reason": "Bitte Quelle nennen."})
    db.session.refresh(material)
    assert material.state == MaterialState.REJECTED
    assert "Bitte Quelle nennen." in client.get("/materialien/meine").get_data(as_text=True)
    edit = post_form(
        client,
        f"/materialien/{material.id}/bearbeiten",
        form(attribution="SV, nach einer Idee von …", version=str(material.version)),
        content_type="multipart/form-data",
    )
    assert edit.status_code == 302
    db.session.refresh(material)
    assert material.state == MaterialState.REVIEW and material.review_reason == ""


def test_new_file_replaces_the_old_one_deletes_it_and_sends_the_material_back_to_review(client, users, db):
    material = factories.MaterialFactory(
        school=users["school_a"],
        author_id=users["coord_a"].id,
        link_url=None,
        storage_name="a" * 32 + ".pdf",
        original_name="alt.pdf",
        content_type="application/pdf",
        size=10,
    )
    old = upload_root() / material.storage_name
    old.write_bytes(b"%PDF-1.4 alt")
    login(client, users["coord_a"])
    payload = form(version=str(material.version))
    payload["file"] = (io.BytesIO(simple_pdf("Neu", "Neue Fassung")), "neu.pdf")
    response = post_form(client, f"/materialien/{material.id}/bearbeiten", payload, content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.refresh(material)
    assert not old.exists()
    assert material.original_name == "neu.pdf" and (upload_root() / material.storage_name).is_file()
    assert material.state == MaterialState.REVIEW


def test_a_stale_edit_gets_the_conflict_page_and_changes_nothing(client, users, db):
    material = factories.MaterialFactory(school=users["school_a"], author_id=users["coord_a"].id)
    login(client, users["coord_a"])
    stale = form(source="link", link_url="https://www.example.org/neu", title="Meine Fassung", version="0")
    response = post_form(client, f"/materialien/{material.id}/bearbeiten", stale)
    assert response.status_code == 409
    assert "Meine Fassung" in response.get_data(as_text=True)
    db.session.refresh(material)
    assert material.title != "Meine Fassung"


def test_ki_staff_materials_are_published_at_once(client, users, db):
    login(client, users["ki"])
    response = share(client, {"source": "link", "link_url": "https://www.bpb.de/themen/rassismus/"}, file=None)
    assert response.status_code == 302
    material = latest(db)
    assert material.state == MaterialState.PUBLISHED and material.school_id is None
    assert material.link_url == "https://www.bpb.de/themen/rassismus/"
    page = client.get(f"/materialien/{material.id}").get_data(as_text=True)
    assert "www.bpb.de" in page


def test_author_withdraws_and_can_submit_again(client, users, db, app):
    material = factories.MaterialFactory(school=users["school_a"], author_id=users["coord_a"].id)
    login(client, users["coord_a"])
    assert post_form(client, f"/materialien/{material.id}/zurueckziehen").status_code == 302
    db.session.refresh(material)
    assert material.state == MaterialState.WITHDRAWN
    assert app.test_client().get(f"/materialien/{material.id}").status_code == 404
    post_form(client, f"/materialien/{material.id}/erneut-einreichen")
    db.session.refresh(material)
    assert material.state == MaterialState.REVIEW


def test_coordinator_cannot_edit_another_schools_material(client, users, db):
    material = factories.MaterialFactory(school=users["school_b"], author_id=users["coord_b"].id)
    login(client, users["coord_a"])
    assert client.get(f"/materialien/{material.id}/bearbeiten").status_code == 403
    assert post_form(client, f"/materialien/{material.id}/zurueckziehen").status_code == 403
    db.session.refresh(material)
    assert material.state == MaterialState.PUBLISHED


def test_failed_form_keeps_what_was_typed(client, users, db):
    login(client, users["coord_a"])
    response = share(client, {"topics": [], "title": "Mein Titel bleibt"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'value="Mein Titel bleibt"' in page
    assert "Bitte wählen Sie mindestens ein Thema" in page
    assert db.session.scalar(select(func.count(Material.id))) == 0


KEPT_FILE_RE = re.compile(r'name="pending-material" value="([0-9a-f]{32})"')


def test_file_survives_a_failed_form_and_is_shared_without_choosing_it_again(client, users, db):
    login(client, users["coord_a"])
    failed = share(client, {"topics": []}, file=(PDF, "blatt.pdf"))
    page = failed.get_data(as_text=True)
    assert failed.status_code == 200 and "Bereits hochgeladen: blatt.pdf" in page
    tokens = KEPT_FILE_RE.findall(page)
    assert len(tokens) == 1
    response = share(client, {"pending-material": tokens[0]}, file=None)
    assert response.status_code == 302
    material = latest(db)
    assert material.original_name == "blatt.pdf" and path_for(material.storage_name).read_bytes() == PDF
    assert not any(pending_root().iterdir())


def test_another_user_cannot_share_a_kept_material_file(app, client, users, db):
    login(client, users["coord_a"])
    tokens = KEPT_FILE_RE.findall(share(client, {"topics": []}).get_data(as_text=True))
    other = app.test_client()
    login(other, users["coord_b"])
    payload = {**form(), "pending-material": tokens[0]}
    response = post_form(other, "/materialien/teilen", payload, content_type="multipart/form-data")
    assert response.status_code == 200 and "Bitte wählen Sie eine Datei" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Material.id))) == 0


def test_link_must_be_http_or_https(client, users, db):
    login(client, users["coord_a"])
    response = share(client, {"source": "link", "link_url": "javascript:alert(1)"}, file=None)
    assert response.status_code == 200
    assert db.session.scalar(select(func.count(Material.id))) == 0


# --- safe files ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "bild.svg"),
        (b"<html><script>alert(1)</script></html>", "blatt.pdf"),
        (b"PK\x03\x04" + b"\x00" * 100, "sammlung.zip"),
        (b"MZ\x90\x00" + b"\x00" * 100, "programm.pdf"),
        (b"#!/bin/sh\nrm -rf /\n", "skript.odt"),
    ],
)
def test_dangerous_files_are_refused_with_a_german_message(client, users, db, content, name):
    login(client, users["coord_a"])
    response = share(client, file=(content, name))
    assert response.status_code == 200
    assert "ist als Datei nicht erlaubt" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Material.id))) == 0
    assert not list(upload_root().iterdir())


def test_file_over_25_mb_is_refused(client, users, db):
    login(client, users["coord_a"])
    response = share(client, file=(b"%PDF-1.4\n" + b"0" * (25 * 1024 * 1024), "gross.pdf"))
    assert response.status_code == 200
    assert "größer als 25 MB" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Material.id))) == 0


def test_traversal_file_name_is_sanitised_and_download_is_an_attachment(client, users, db):
    login(client, users["ki"])
    share(client, file=(PDF, "../../etc/pass<wd>.pdf"))
    material = latest(db)
    assert material.original_name == "passwd.pdf"
    response = client.get(f"/materialien/{material.id}/datei")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "arbeitsblatt-alltagsrassismus-erkennen.pdf" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.data == PDF


def test_downloads_are_counted(client, users, db, app):
    material = factories.MaterialFactory(school=users["school_a"])
    for reader in range(3):
        response = app.test_client().get(
            f"/materialien/{material.id}/datei", environ_base={"REMOTE_ADDR": f"198.51.100.{reader + 1}"}
        )
        assert response.status_code == 303 and response.headers["Location"] == material.link_url
    db.session.refresh(material)
    assert material.download_count == 3


# --- problem reports -------------------------------------------------------------------------------------------


def test_anyone_reports_a_problem_and_ki_hides_the_material_at_once(client, users, db, app):
    material = factories.MaterialFactory(school=users["school_a"], author_id=users["coord_a"].id)
    response = post_form(
        client, f"/materialien/{material.id}/problem", {"reason": "copyright", "text": "Das ist aus einem Buch."}
    )
    assert response.status_code == 302
    report = db.session.scalar(select(MaterialReport))
    assert report.reason == "copyright" and report.resolved_at is None
    ki = app.test_client()
    login(ki, users["ki"])
    assert "Das ist aus einem Buch." in ki.get("/koordination/pruefung/").get_data(as_text=True)
    post_form(ki, f"/koordination/pruefung/{material.id}/ausblenden", {"reason": "Urheberrecht wird geprüft."})
    db.session.refresh(material)
    assert material.state == MaterialState.HIDDEN
    assert app.test_client().get(f"/materialien/{material.id}").status_code == 404
    author = app.test_client()
    login(author, users["coord_a"])
    assert "Urheberrecht wird geprüft." in author.get(f"/materialien/{material.id}").get_data(as_text=True)
    post_form(ki, f"/koordination/pruefung/meldungen/{report.id}/erledigt", {"resolution": "Ausgeblendet."})
    db.session.refresh(report)
    assert report.resolved_at is not None and report.resolved_by_id == users["ki"].id
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "material.hide")) is not None


def test_problem_reports_are_rate_limited_per_ip(client, users, db):
    material = factories.MaterialFactory(school=users["school_a"])
    for _ in range(5):
        ok = post_form(client, f"/materialien/{material.id}/problem", {"reason": "other", "text": "Test"})
        assert ok.status_code == 302
    limited = post_form(client, f"/materialien/{material.id}/problem", {"reason": "other", "text": "Test"})
    assert limited.status_code == 429
    assert db.session.scalar(select(func.count(MaterialReport.id))) == 5


def test_problem_report_of_an_unpublished_material_is_not_possible(client, users):
    material = factories.MaterialFactory(school=users["school_a"], state=MaterialState.REVIEW)
    assert client.get(f"/materialien/{material.id}/problem").status_code == 404


# --- open metadata ---------------------------------------------------------------------------------------------


def amb_validator() -> Draft7Validator:
    resources = []
    for path in AMB.glob("*.json"):
        schema = json.loads(path.read_text())
        resources.append((schema["$id"], Resource.from_contents(schema)))
        # Some references spell the file name with a lower-case first letter.
        lowered = schema["$id"].rsplit("/", 1)
        resources.append((lowered[0] + "/" + lowered[1][0].lower() + lowered[1][1:], Resource.from_contents(schema)))
    registry = Registry().with_resources(resources)
    main = json.loads((AMB / "schema.json").read_text())
    return Draft7Validator(main, registry=registry, format_checker=FormatChecker())


def test_jsonld_is_valid_amb_and_embedded_in_the_page(client, users, db):
    login(client, users["ki"])
    share(client, file=(PDF, "blatt.pdf"))
    material = latest(db)
    response = client.get(f"/materialien/{material.id}.jsonld")
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    data = response.get_json(force=True)
    errors = [e.message for e in amb_validator().iter_errors(data)]
    assert errors == []
    for key in ("name", "description", "keywords", "inLanguage", "license", "creator", "educationalLevel"):
        assert data[key], key
    assert data["license"]["id"] == "https://creativecommons.org/licenses/by/4.0/"
    assert data["learningResourceType"][0]["id"] == "https://w3id.org/kim/hcrt/worksheet"
    assert data["isAccessibleForFree"] is True and data["dateCreated"]
    page = client.get(f"/materialien/{material.id}").get_data(as_text=True)
    assert '<script type="application/ld+json">' in page and '"LearningResource"' in page


def test_amb_feed_lists_public_materials_only(client, library):
    data = client.get("/materialien/amb.json").get_json()
    names = {item["name"] for item in data["items"]}
    assert names == {"Rassistische Sprüche kontern", "Sinti und Roma in Deutschland", "Hassrede im Netz"}
    assert data["total"] == 3
    validator = amb_validator()
    assert all(not list(validator.iter_errors(item)) for item in data["items"])


def test_detail_page_shows_licence_hint_and_related_materials(client, users, library):
    page = client.get(f"/materialien/{library['racism'].id}").get_data(as_text=True)
    assert "CC BY 4.0" in page and "Sie dürfen das Material teilen und bearbeiten" in page
    assert "Problem melden" in page
    related = factories.MaterialFactory(school=users["school_a"], title="Noch ein Blatt zu Rassismus")
    page = client.get(f"/materialien/{library['racism'].id}").get_data(as_text=True)
    assert related.title in page


def test_cached_result_pages_never_show_a_material_hidden_since(client, users, db, monkeypatch):
    from courage_hub.core import pagination

    monkeypatch.setattr(pagination, "CACHE_COUNTS_FROM", 1)  # cache even this small result, as for large ones
    kept = factories.MaterialFactory(school=users["school_a"], title="Rassismus im Sport")
    hidden = factories.MaterialFactory(school=users["school_a"], title="Rassismus in der Werbung")
    assert {"Rassismus im Sport", "Rassismus in der Werbung"} <= set(search_ids(client, "q=rassismus").split("\n"))
    hidden.state = MaterialState.HIDDEN
    db.session.commit()
    titles = search_ids(client, "q=rassismus").split("\n")
    assert kept.title in titles and "Rassismus in der Werbung" not in titles


# --- open metadata: distinct ids, creator types, always a licence ----------------------------------------------


def test_two_links_to_the_same_page_get_distinct_amb_ids(client, users):
    video = "https://www.example.org/video/zivilcourage"
    first = factories.MaterialFactory(school=users["school_a"], title="Video mit Arbeitsblatt", link_url=video)
    second = factories.MaterialFactory(school=None, title="Video mit Unterrichtsreihe", link_url=video)
    items = client.get("/materialien/amb.json").get_json()["items"]
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids)) == 2
    validator = amb_validator()
    for material in (first, second):
        data = client.get(f"/materialien/{material.id}.jsonld").get_json(force=True)
        assert data["id"].endswith(f"/materialien/{material.id}")  # the record's own, stable address here
        assert data["url"] == video  # the linked page itself
        assert data["id"] in ids
        assert list(validator.iter_errors(data)) == []
        page = client.get(f"/materialien/{material.id}").get_data(as_text=True)
        embedded = json.loads(re.search(r'<script type="application/ld\+json">(.+?)</script>', page, re.S).group(1))
        assert embedded["id"] == data["id"]


def test_a_group_as_creator_is_an_organization_and_a_person_stays_a_person(client, app, users, db):
    login(client, users["coord_a"])
    share(client, {"attribution": "SV der Gesamtschule am Lindenhof"})
    group = latest(db)
    share(client, {"attribution": "Aylin Demir", "creator_is_person": "y", "title": "Blatt von Aylin"})
    person = latest(db)
    assert person.id != group.id
    ki = app.test_client()
    login(ki, users["ki"])
    for material in (group, person):
        approve(ki, material.id)
        db.session.refresh(material)
        assert material.state == MaterialState.PUBLISHED, material.state
    anonymous = app.test_client()
    validator = amb_validator()
    creators = {}
    for material in (group, person):
        data = anonymous.get(f"/materialien/{material.id}.jsonld").get_json(force=True)
        assert list(validator.iter_errors(data)) == []
        creators[material.id] = data["creator"]
    assert creators[group.id] == [{"type": "Organization", "name": "SV der Gesamtschule am Lindenhof"}]
    assert creators[person.id] == [{"type": "Person", "name": "Aylin Demir"}]


def test_sharing_without_a_licence_is_refused_with_a_german_message(client, users, db):
    login(client, users["coord_a"])
    # none, or one that is not offered
    for licence, message in (("", "Bitte wählen Sie eine Lizenz."), ("frei", "Keine gültige Auswahl.")):
        response = share(client, {"licence": licence})
        assert response.status_code == 200
        assert f'<p class="error-message" id="licence-error">{message}</p>' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Material.id))) == 0


def test_every_material_in_amb_has_a_licence_and_all_rights_reserved_is_not_offered_as_oer(client, users):
    open_one = factories.MaterialFactory(school=users["school_a"], title="Offen", licence="cc-by-sa")
    closed = factories.MaterialFactory(school=users["school_a"], title="Geschlossen", licence="arr")
    data = client.get("/materialien/amb.json").get_json()
    assert [item["name"] for item in data["items"]] == ["Offen"] and data["total"] == 1
    assert all(item["license"]["id"].startswith("https://creativecommons.org/") for item in data["items"])
    assert client.get(f"/materialien/{open_one.id}.jsonld").get_json(force=True)["license"]
    assert client.get(f"/materialien/{closed.id}.jsonld").status_code == 404
    page = client.get(f"/materialien/{closed.id}").get_data(as_text=True)
    assert "Alle Rechte vorbehalten" in page and "application/ld+json" not in page


def test_ki_sees_materials_whose_licence_was_filled_in_until_a_licence_is_chosen(client, users, db):
    material = factories.MaterialFactory(school=users["school_a"], title="Altes Blatt", licence="arr")
    material.licence_assumed = True
    db.session.commit()
    login(client, users["ki"])
    queue = client.get("/koordination/pruefung/").get_data(as_text=True)
    assert "1 Material ohne gewählte Lizenz" in queue and "Altes Blatt" in queue
    assert "Für dieses Material war keine Lizenz angegeben" in client.get(f"/materialien/{material.id}").get_data(
        as_text=True
    )
    edit = form(title="Altes Blatt", licence="cc-by", source="link", link_url=material.link_url, version="1")
    post_form(client, f"/materialien/{material.id}/bearbeiten", edit)
    db.session.refresh(material)
    assert material.licence == "cc-by" and material.licence_assumed is False
    assert "ohne gewählte Lizenz" not in client.get("/koordination/pruefung/").get_data(as_text=True)


# --- download names --------------------------------------------------------------------------------------------


def test_download_name_comes_from_the_title_never_from_the_uploaded_file_name(client, users, db, app):
    login(client, users["ki"])
    share(client, form(title="Übung: Flucht & Migration – Größe zeigen"), file=(PDF, "Max_Mustermann_8a.pdf"))
    material = latest(db)
    assert material.state == MaterialState.PUBLISHED  # KI materials are published at once
    assert material.original_name == "Max_Mustermann_8a.pdf"  # kept for the owner and the KI
    edit_form = client.get(f"/materialien/{material.id}/bearbeiten").get_data(as_text=True)
    assert "Max_Mustermann_8a.pdf" in edit_form
    visitor = app.test_client()
    response = visitor.get(f"/materialien/{material.id}/datei")
    assert response.status_code == 200
    slug = "uebung-flucht-migration-groesse-zeigen"
    assert response.headers["Content-Disposition"] == f"attachment; filename={slug}.pdf"
    page = visitor.get(f"/materialien/{material.id}").get_data(as_text=True)
    assert "Max_Mustermann" not in page
    assert f"{slug}.pdf" in page
    preview = visitor.get(f"/materialien/{material.id}/vorschau")
    assert preview.status_code == 200
    assert preview.headers["Content-Disposition"] == f"inline; filename={slug}-vorschau.webp"


# --- honest download counts ------------------------------------------------------------------------------------

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def shared_file(client, users, db) -> Material:
    login(client, users["ki"])
    share(client)
    material = latest(db)
    assert material.state == MaterialState.PUBLISHED and material.storage_name
    return material


def download_count(db, material_id: int) -> int:
    return db.session.scalar(select(Material.download_count).where(Material.id == material_id))


@pytest.mark.parametrize(
    "agent",
    [
        "",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0)",
        "Mozilla/5.0 (compatible; Yahoo! Slurp)",
        "W3C-checklink/5.0.0 libwww-perl/6.77",
        "LinkChecker/10.5",
        "Screaming Frog SEO Spider/20.0",
        "Mozilla/5.0 (compatible; SemrushCrawler)",
    ],
)
def test_bots_and_link_checkers_do_not_count_as_downloads(client, users, db, app, agent):
    material = shared_file(client, users, db)
    response = app.test_client().get(f"/materialien/{material.id}/datei", headers={"User-Agent": agent})
    assert response.status_code == 200 and response.data == PDF  # they still get the file
    assert download_count(db, material.id) == 0


def test_head_request_does_not_count_only_a_get_that_serves_the_file_does(client, users, db, app):
    material = shared_file(client, users, db)
    visitor = app.test_client()
    head = visitor.head(f"/materialien/{material.id}/datei", headers={"User-Agent": BROWSER})
    assert head.status_code == 200
    assert download_count(db, material.id) == 0
    get = visitor.get(f"/materialien/{material.id}/datei", headers={"User-Agent": BROWSER})
    assert get.status_code == 200 and get.data == PDF
    assert download_count(db, material.id) == 1


def test_missing_file_is_not_counted(client, users, db, app):
    material = shared_file(client, users, db)
    (upload_root() / material.storage_name).unlink()
    response = app.test_client().get(f"/materialien/{material.id}/datei", headers={"User-Agent": BROWSER})
    assert response.status_code == 404
    assert download_count(db, material.id) == 0


def test_same_reader_counts_once_within_the_window_and_again_after_it(users, db, app):
    material = factories.MaterialFactory(school=users["school_a"])
    url = f"/materialien/{material.id}/datei"
    reader = {"environ_base": {"REMOTE_ADDR": "203.0.113.7"}, "headers": {"User-Agent": BROWSER}}
    for _ in range(3):
        assert app.test_client().get(url, **reader).status_code == 303  # a new session each time: still one reader
    assert download_count(db, material.id) == 1
    other_browser = {"environ_base": {"REMOTE_ADDR": "203.0.113.7"}, "headers": {"User-Agent": BROWSER + " Edg/128"}}
    app.test_client().get(url, **other_browser)
    app.test_client().get(url, environ_base={"REMOTE_ADDR": "203.0.113.8"}, headers={"User-Agent": BROWSER})
    assert download_count(db, material.id) == 3
    keys = db.session.scalars(select(ThrottleEvent.key)).all()
    assert len(keys) == 3 and not any("203.0.113" in key for key in keys)  # no address is stored
    # Eleven minutes later the window (ten by default) has passed: the first reader counts again.
    db.session.execute(update(ThrottleEvent).values(created_at=utcnow() - timedelta(minutes=11)))
    db.session.commit()
    app.test_client().get(url, **reader)
    assert download_count(db, material.id) == 4


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL is not set")
def test_with_redis_one_reader_counts_once_across_two_workers(users, db, database_url, tmp_path):
    from .conftest import make_app

    material = factories.MaterialFactory(school=users["school_a"])
    url = f"/materialien/{material.id}/datei"
    first = make_app(database_url, str(tmp_path / "a"), REDIS_URL=os.environ["TEST_REDIS_URL"])
    second = make_app(database_url, str(tmp_path / "b"), REDIS_URL=os.environ["TEST_REDIS_URL"])
    reader = {"User-Agent": f"{BROWSER} {uuid.uuid4().hex}"}  # a reader no earlier run has seen
    for worker in (first, second, first):
        assert worker.test_client().get(url, headers=reader).status_code == 303
    assert download_count(db, material.id) == 1
    second.test_client().get(url, headers={"User-Agent": f"{BROWSER} {uuid.uuid4().hex}"})
    assert download_count(db, material.id) == 2
    assert db.session.scalar(select(func.count(ThrottleEvent.id))) == 0  # the window lives in Redis
