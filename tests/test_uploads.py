"""Uploads that pretend to be documents: OOXML, ODF and PDF files are judged by their structure, not by one entry.

The files are built in memory; each hostile one is posted through the forms that accept documents (sharing a
material, attachments of an activity report) and must be refused with a German reason while the form keeps what was
typed. Plain documents of each kind still pass.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject
from sqlalchemy import func, select

from courage_hub.activities.models import Activity, ActivityFile
from courage_hub.core.uploads import UploadRejected, sniff_document, upload_root
from courage_hub.materials.models import Material
from courage_hub.materials.samples import simple_pdf

from .conftest import login
from .test_activities import create, report
from .test_materials import share

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODP = "application/vnd.oasis.opendocument.presentation"
OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WORD_MAIN = DOCX + ".main+xml"
VBA = "application/vnd.ms-office.vbaProject"


# --- builders ---------------------------------------------------------------------------------------------------


def content_types(overrides: dict[str, str], defaults: dict[str, str] | None = None) -> bytes:
    defaults = {
        "rels": "application/vnd.openxmlformats-package.relationships+xml",
        "xml": "application/xml",
        "png": "image/png",
        **(defaults or {}),
    }
    body = "".join(f'<Default Extension="{e}" ContentType="{t}"/>' for e, t in defaults.items())
    body += "".join(f'<Override PartName="/{p}" ContentType="{t}"/>' for p, t in overrides.items())
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">{body}</Types>'
    ).encode()


def relationships(*rels: tuple[str, str, str]) -> bytes:
    """(type, target, target mode) triples as a .rels part."""
    body = "".join(
        f'<Relationship Id="rId{n}" Type="{kind}" Target="{target}"' + (f' TargetMode="{mode}"' if mode else "") + "/>"
        for n, (kind, target, mode) in enumerate(rels, start=1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{body}</Relationships>'
    ).encode()


WORD_BODY = (
    b'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/'
    b'2006/main"><w:body><w:p><w:r><w:t>Zivilcourage &lt;script&gt; im Alltag</w:t></w:r></w:p></w:body></w:document>'
)


def zip_of(entries: list[tuple[str, bytes]], stored_first: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for n, (name, content) in enumerate(entries):
            compression = zipfile.ZIP_STORED if stored_first and n == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name), content, compress_type=compression)
    return buffer.getvalue()


def docx(
    extra: list[tuple[str, bytes]] = (),
    overrides: dict[str, str] | None = None,
    main_type: str = WORD_MAIN,
    document_rels: bytes | None = None,
) -> bytes:
    """A minimal DOCX as Word writes it, with extra parts and content types where a test needs them."""
    entries = [
        ("[Content_Types].xml", content_types({"word/document.xml": main_type, **(overrides or {})})),
        ("_rels/.rels", relationships((OFFICE_DOCUMENT, "word/document.xml", ""))),
        ("word/document.xml", WORD_BODY),
        *extra,
    ]
    if document_rels is not None:
        entries.append(("word/_rels/document.xml.rels", document_rels))
    return zip_of(entries)


def pptx() -> bytes:
    main = PPTX + ".main+xml"
    presentation = (
        b'<?xml version="1.0" encoding="UTF-8"?><p:presentation '
        b'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"/>'
    )
    return zip_of(
        [
            ("[Content_Types].xml", content_types({"ppt/presentation.xml": main})),
            ("_rels/.rels", relationships((OFFICE_DOCUMENT, "ppt/presentation.xml", ""))),
            ("ppt/presentation.xml", presentation),
        ]
    )


def manifest(*entries: tuple[str, str], mime: str = ODT) -> bytes:
    body = f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mime}"/>'
    body += "".join(f'<manifest:file-entry manifest:full-path="{p}" manifest:media-type="{t}"/>' for p, t in entries)
    return (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        f'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">{body}'
        "</manifest:manifest>"
    ).encode()


ODF_CONTENT = (
    b'<?xml version="1.0" encoding="UTF-8"?><office:document-content '
    b'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    b'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3"><office:scripts/>'
    b"<office:body><office:text><text:p>Zivilcourage</text:p></office:text></office:body></office:document-content>"
)


def odf(
    mime: str = ODT, extra: list[tuple[str, bytes]] = (), content: bytes = ODF_CONTENT, entries=(), stored=True
) -> bytes:
    """A minimal ODF file: ``mimetype`` first and stored, the manifest, the content."""
    return zip_of(
        [
            ("mimetype", mime.encode()),
            ("META-INF/manifest.xml", manifest(("content.xml", "text/xml"), *entries, mime=mime)),
            ("content.xml", content),
            *extra,
        ],
        stored_first=stored,
    )


def pdf_with(change) -> bytes:
    """A one-page PDF written by pypdf after ``change(writer)`` added something to it."""
    writer = PdfWriter(clone_from=io.BytesIO(simple_pdf("Arbeitsblatt", "Text")))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _open_action(kind: str, **entries):
    def change(writer: PdfWriter) -> None:
        action = DictionaryObject({NameObject("/S"): NameObject(kind)})
        for key, value in entries.items():
            action[NameObject("/" + key)] = TextStringObject(value)
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)

    return change


def _page_additional_action(writer: PdfWriter) -> None:
    script = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("x")})
    writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): writer._add_object(script)})


def _document_javascript(writer: PdfWriter) -> None:
    """A script in the document's names tree: it runs when the document opens."""
    script = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("x")})
    tree = DictionaryObject(
        {NameObject("/Names"): ArrayObject([TextStringObject("start"), writer._add_object(script)])}
    )
    writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): tree})


SAFE_DOCUMENTS = {
    "docx": (docx(), "blatt.docx", DOCX),
    "docx with picture": (
        docx(
            extra=[("word/media/image1.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)],
            document_rels=relationships(
                (REL + "/image", "media/image1.png", ""), (REL + "/hyperlink", "https://example.org", "External")
            ),
        ),
        "bild.docx",
        DOCX,
    ),
    "docx made from a template on the author's disk": (
        docx(document_rels=relationships((REL + "/attachedTemplate", "file:///C:\\Vorlagen\\Schule.dotx", "External"))),
        "vorlage.docx",
        DOCX,
    ),
    "pptx": (pptx(), "folien.pptx", PPTX),
    "odt": (odf(), "text.odt", ODT),
    "odp": (odf(mime=ODP), "folien.odp", ODP),
    "pdf": (simple_pdf("Arbeitsblatt", "Text"), "blatt.pdf", "application/pdf"),
    "pdf opening on its first page": (
        pdf_with(lambda w: w._root_object.__setitem__(NameObject("/OpenAction"), w._add_object(DictionaryObject()))),
        "start.pdf",
        "application/pdf",
    ),
}

NOT_ALLOWED = "ist als Datei nicht erlaubt"
INCOMPLETE = "ist kein vollständiges Dokument"
ACTIVE = "enthält Makros"
PROGRAM = "enthält ein Programm"
PDF_ACTIVE = "enthält JavaScript"
PDF_BROKEN = "ist kein lesbares PDF"
BOMB = "entpackt viel zu viele Daten"

HOSTILE_DOCUMENTS = {
    # Only named like a document: one well-known entry is not enough.
    "zip with content types and word/": (
        zip_of([("[Content_Types].xml", b"<Types/>"), ("word/x.txt", b"x")]),
        "fake.docx",
        INCOMPLETE,
    ),
    "docx without relationships": (
        zip_of(
            [("[Content_Types].xml", content_types({"word/document.xml": WORD_MAIN})), ("word/document.xml", b"<a/>")]
        ),
        "fake.docx",
        INCOMPLETE,
    ),
    "docx whose main part is missing": (
        zip_of(
            [
                ("[Content_Types].xml", content_types({})),
                ("_rels/.rels", relationships((OFFICE_DOCUMENT, "word/document.xml", ""))),
                ("word/other.xml", b"<a/>"),
            ]
        ),
        "fake.docx",
        INCOMPLETE,
    ),
    "docx with a part without content type": (docx(extra=[("word/notes.bin", b"data")]), "a.docx", INCOMPLETE),
    "zip with a mimetype entry": (zip_of([("mimetype", ODT.encode())]), "fake.odt", INCOMPLETE),
    "odt with compressed mimetype": (odf(stored=False), "a.odt", INCOMPLETE),
    "odt without content": (
        zip_of([("mimetype", ODT.encode()), ("META-INF/manifest.xml", manifest())], stored_first=True),
        "a.odt",
        INCOMPLETE,
    ),
    # Macros under any name, ActiveX, OLE, external templates.
    "vba part under another name": (
        docx(extra=[("word/daten.dat", b"\x00" * 64)], overrides={"word/daten.dat": VBA}),
        "makro.docx",
        ACTIVE,
    ),
    "macro-enabled main part": (
        docx(main_type="application/vnd.ms-word.document.macroEnabled.main+xml"),
        "m.docx",
        ACTIVE,
    ),
    "activex control": (
        docx(
            extra=[("word/activeX/activeX1.xml", b"<ax/>")],
            overrides={"word/activeX/activeX1.xml": "application/vnd.ms-office.activeX+xml"},
        ),
        "a.docx",
        ACTIVE,
    ),
    "ole object": (
        docx(
            extra=[("word/embeddings/objekt.bin", b"\x00" * 16)],
            overrides={"word/embeddings/objekt.bin": "application/vnd.openxmlformats-officedocument.oleObject"},
        ),
        "o.docx",
        ACTIVE,
    ),
    "ole compound file under a picture's name": (
        docx(extra=[("word/media/image1.png", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64)]),
        "o.docx",
        ACTIVE,
    ),
    "template from a network share": (
        docx(document_rels=relationships((REL + "/attachedTemplate", "file://server/share/t.dotm", "External"))),
        "t.docx",
        ACTIVE,
    ),
    "external template": (
        docx(document_rels=relationships((REL + "/attachedTemplate", "https://example.org/t.dotm", "External"))),
        "t.docx",
        ACTIVE,
    ),
    # Programs, scripts and web pages inside.
    "exe by name": (docx(extra=[("word/media/tool.exe", b"\x00")]), "p.docx", PROGRAM),
    "javascript by name": (docx(extra=[("word/run.js", b"alert(1)")]), "p.docx", PROGRAM),
    "hta by name": (docx(extra=[("word/start.hta", b"x")]), "p.docx", PROGRAM),
    "windows program under a picture's name": (
        docx(extra=[("word/media/image1.png", b"MZ\x90\x00" + b"\x00" * 64)]),
        "p.docx",
        PROGRAM,
    ),
    "linux program under a picture's name": (
        docx(extra=[("word/media/image1.png", b"\x7fELF" + b"\x00" * 64)]),
        "p.docx",
        PROGRAM,
    ),
    "script in a part": (
        docx(extra=[("word/media/image1.png", b"<svg><script>alert(1)</script></svg>")]),
        "p.docx",
        PROGRAM,
    ),
    "html in an odt": (odf(extra=[("Pictures/seite.html", b"<html></html>")]), "h.odt", PROGRAM),
    # ODF macros and scripts.
    "odt with basic folder": (odf(extra=[("Basic/Standard/Module1.xml", b"<m/>")]), "m.odt", ACTIVE),
    "odt with scripts folder": (odf(extra=[("Scripts/python/run.txt", b"x")]), "m.odt", ACTIVE),
    "odt with a script in its manifest": (
        odf(entries=[("Skript/", "application/vnd.sun.star.basic-script")]),
        "m.odt",
        ACTIVE,
    ),
    "odt with an event listener": (
        odf(
            content=ODF_CONTENT.replace(
                b"<office:scripts/>",
                b"<office:scripts><office:event-listeners "
                b'xmlns:script="urn:oasis:names:tc:opendocument:xmlns:script:1.0"'
                b' xmlns:xlink="http://www.w3.org/1999/xlink"><script:event-listener script:event-name="dom:load" '
                b'xlink:href="vnd.sun.star.script:Standard.Module1.Main?language=Basic"/></office:event-listeners>'
                b"</office:scripts>",
            )
        ),
        "e.odt",
        ACTIVE,
    ),
    # Containers that attack the server.
    "path traversal": (docx(extra=[("../../etc/cron.d/job.xml", b"<a/>")]), "t.docx", INCOMPLETE),
    "absolute path": (docx(extra=[("/etc/passwd.xml", b"<a/>")]), "t.docx", INCOMPLETE),
    "zip bomb": (docx(extra=[("word/media/image1.png", b"\x00" * (5 * 1024 * 1024))]), "b.docx", BOMB),
    "xml with entities": (
        docx(extra=[("word/x.xml", b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>')]),
        "x.docx",
        INCOMPLETE,
    ),
    # PDFs that act or carry files, or are no PDFs.
    "pdf with document javascript": (pdf_with(_document_javascript), "js.pdf", PDF_ACTIVE),
    "pdf opening with javascript": (pdf_with(_open_action("/JavaScript", JS="app.alert(1)")), "js.pdf", PDF_ACTIVE),
    "pdf launching a program": (pdf_with(_open_action("/Launch", F="cmd.exe")), "launch.pdf", PDF_ACTIVE),
    "pdf with a page action": (pdf_with(_page_additional_action), "aa.pdf", PDF_ACTIVE),
    "pdf with an embedded file": (
        pdf_with(lambda w: w.add_attachment("programm.exe", b"MZ")),
        "anhang.pdf",
        PDF_ACTIVE,
    ),
    "pdf header only": (b"%PDF-1.4 test", "kaputt.pdf", PDF_BROKEN),
    "pdf without pages": (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "leer.pdf", PDF_BROKEN),
    "html behind a pdf header": (b"%PDF-1.7\n<html><script>alert(1)</script></html>", "seite.pdf", PDF_BROKEN),
    # Other office formats than the allowed ones.
    "ods": (odf(mime="application/vnd.oasis.opendocument.spreadsheet"), "t.ods", NOT_ALLOWED),
}


def test_hex_encoded_names_are_read_as_the_parser_reads_them():
    """``/J#61vaScript`` is ``/JavaScript``: a byte search would miss it, the parser does not."""
    raw = pdf_with(_open_action("/JavaScript", JS="app.alert(1)")).replace(b"/JavaScript", b"/J#61vaScript")
    assert b"/JavaScript" not in raw
    with pytest.raises(UploadRejected, match="JavaScript"):
        sniff_document(raw, "x.pdf")


@pytest.mark.parametrize("case", SAFE_DOCUMENTS)
def test_plain_documents_are_recognised(app, case):
    content, name, content_type = SAFE_DOCUMENTS[case]
    assert sniff_document(content, name)[0] == content_type


@pytest.mark.parametrize("case", HOSTILE_DOCUMENTS)
def test_pretend_documents_are_refused_when_sharing_a_material(client, users, db, case):
    content, name, message = HOSTILE_DOCUMENTS[case]
    login(client, users["coord_a"])
    response = share(client, {"title": "Mein Titel bleibt"}, file=(content, name))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page, page[page.find("<main") : page.find("<main") + 3000]
    assert 'value="Mein Titel bleibt"' in page
    assert db.session.scalar(select(func.count(Material.id))) == 0
    assert not list(upload_root().iterdir())


@pytest.mark.parametrize(
    "case",
    [
        "zip with content types and word/",
        "vba part under another name",
        "odt with basic folder",
        "pdf launching a program",
    ],
)
def test_pretend_documents_are_refused_as_activity_attachments(client, users, db, case):
    content, name, message = HOSTILE_DOCUMENTS[case]
    login(client, users["coord_a"])
    response = create(client, users["school_a"], report(title="Bericht bleibt"), attachments=(content, name))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert 'value="Bericht bleibt"' in page
    assert db.session.scalar(select(func.count(Activity.id))) == 0
    assert db.session.scalar(select(func.count(ActivityFile.id))) == 0


@pytest.mark.parametrize("case", ["docx", "odt", "pdf"])
def test_plain_documents_are_stored_as_activity_attachments(client, users, db, case):
    content, name, content_type = SAFE_DOCUMENTS[case]
    login(client, users["coord_a"])
    response = create(client, users["school_a"], report(), attachments=(content, name))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert db.session.scalars(select(ActivityFile)).one().content_type == content_type
