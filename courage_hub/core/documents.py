"""What an uploaded document really is: PDF, OOXML (DOCX, PPTX) and ODF (ODT, ODP) checked by their structure.

A file is accepted as a document only if it is built like one, not because it starts with the right bytes or holds
one well-known entry: a ZIP with ``[Content_Types].xml`` and a ``word/`` folder is not yet a DOCX. Anything that can
act when the document is opened is refused: macros (under any part name: their content type gives them away),
ActiveX controls, OLE objects, external templates, programs, scripts and web pages inside the container, ODF Basic
and script folders and event listeners; in PDFs JavaScript, launch and import actions, embedded files and XFA forms.
PDFs are read with pypdf, a maintained parser, rather than searched for byte patterns (names may be hex-encoded).

:func:`identify` answers (content type, extension) for an acceptable document, None for something that is no
document at all, and raises :class:`DocumentProblem` with a reason for a document that must be refused.
"""

from __future__ import annotations

import io
import logging
import posixpath
import re
import zipfile
from xml.etree.ElementTree import Element

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

# --- limits -----------------------------------------------------------------------------------------------------

MAX_ENTRIES = 2_000
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 200  # a part that unpacks to more than 200 times its packed size is a zip bomb
MAX_PDF_OBJECTS = 200_000

# --- the accepted formats ---------------------------------------------------------------------------------------

OOXML_MAIN_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ".docx",
    ),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ".pptx",
    ),
}
OFFICE_DOCUMENT_RELATIONSHIPS = {
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument",
    "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument",
}
ODF_TYPES = {
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.presentation": ".odp",
}
CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
MANIFEST_NS = "{urn:oasis:names:tc:opendocument:xmlns:manifest:1.0}"

# --- what is refused --------------------------------------------------------------------------------------------

# Content types (lower case) of parts that run code or load it: VBA, macro-enabled formats, ActiveX, OLE objects.
ACTIVE_CONTENT_TYPES = re.compile(
    r"macro|vba|activex|oleobject|ole-object|msdownload|x-msdos|executable|javascript|ecmascript|vbscript|html|"
    r"x-sh\b|x-python|java-archive|x-ms-shortcut|x-shockwave"
)
# Relationship types that pull code in, even without a matching content type.
ACTIVE_RELATIONSHIPS = re.compile(r"vbaproject|activex|oleobject|wordvbadata|control", re.IGNORECASE)
# Word records the template a document was made from as a path on the author's disk: harmless elsewhere.
LOCAL_FILE = re.compile(r"^file:///[A-Za-z]:")
# File names of programs, scripts and web pages, and of macro-enabled or legacy Office formats.
DANGEROUS_NAMES = re.compile(
    r"\.(exe|dll|com|scr|pif|cpl|msi|msp|bat|cmd|ps1|psm1|vbs|vbe|js|jse|mjs|wsf|wsh|hta|htm|html|xhtml|mht|mhtml|"
    r"jar|class|jnlp|lnk|url|reg|inf|scf|chm|sh|py|pl|php|apk|app|dmg|iso|swf|xbap|gadget|application|"
    r"docm|dotm|xlsm|xltm|xlam|pptm|potm|ppam|ppsm|sldm|doc|xls|ppt)$",
    re.IGNORECASE,
)
MAGIC_EXECUTABLES = (b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"#!")
DTD = re.compile(rb"<!DOCTYPE|<!ENTITY")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE compound file: VBA projects, embedded objects
MARKUP = re.compile(rb"<\s*script[\s>/]|<\s*html\b|<!doctype\s+html|<\s*iframe\b", re.IGNORECASE)
ODF_MACRO_FOLDERS = ("basic/", "scripts/", "dialogs/")
# Event listeners and links that start macros (Basic or scripts of the office installation).
ODF_ACTIVE_MARKERS = re.compile(rb"vnd\.sun\.star\.script:|href=\"macro:|<\s*script:event-listener", re.IGNORECASE)
PDF_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/RichMediaExecute"}
PDF_KEYS = {"/JS", "/JavaScript", "/EmbeddedFiles", "/EmbeddedFile", "/XFA", "/RichMedia"}
PDF_TYPES = {"/EmbeddedFile", "/FileAttachment", "/RichMedia"}

log = logging.getLogger(__name__)


class DocumentProblem(Exception):
    """Why a file that looks like a document is refused: ``kind`` is one of the keys of the upload messages."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


BROKEN = "broken"  # not built like the document it claims to be
ACTIVE = "active"  # macros, ActiveX, OLE objects, external templates, ODF scripts
PROGRAM = "program"  # a program, script or web page inside the container
PDF_ACTIVE = "pdf-active"  # JavaScript, launch actions, embedded files
PDF_BROKEN = "pdf-broken"  # not readable by the PDF parser, or password-protected
BOMB = "bomb"  # unpacks to far more than it weighs


def identify(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) of an acceptable PDF, DOCX, PPTX, ODT or ODP; None if it is no such document."""
    if data.startswith(b"%PDF-"):
        check_pdf(data)
        return "application/pdf", ".pdf"
    if data.startswith(b"PK\x03\x04"):
        return _identify_zip(data)
    return None


# --- ZIP containers ---------------------------------------------------------------------------------------------


def _identify_zip(data: bytes) -> tuple[str, str] | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    with archive:
        infos = archive.infolist()
        names = {info.filename for info in infos}
        if "mimetype" in names or "META-INF/manifest.xml" in names:
            parts = _read_parts(archive, infos)
            return _check_odf(infos, parts)
        if "[Content_Types].xml" in names:
            parts = _read_parts(archive, infos)
            return _check_ooxml(parts)
    return None


def _read_parts(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> dict[str, bytes]:
    """Every file of the container, after checking names and sizes (zip bombs, path traversal, encryption)."""
    if len(infos) > MAX_ENTRIES:
        raise DocumentProblem(BOMB)
    if sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
        raise DocumentProblem(BOMB)
    seen: set[str] = set()
    parts: dict[str, bytes] = {}
    for info in infos:
        name = info.filename
        normal = posixpath.normpath(name)
        if (
            name.startswith(("/", "\\"))
            or "\\" in name
            or "\x00" in name
            or re.match(r"^[A-Za-z]:", name)
            or normal.startswith("..")
            or name.lower() in seen
        ):
            raise DocumentProblem(BROKEN)
        seen.add(name.lower())
        if info.flag_bits & 0x1:  # encrypted entries cannot be checked
            raise DocumentProblem(BROKEN)
        if info.is_dir():
            continue
        if info.file_size > MAX_RATIO * max(info.compress_size, 1) and info.file_size > 1024 * 1024:
            raise DocumentProblem(BOMB)
        if DANGEROUS_NAMES.search(name):
            raise DocumentProblem(PROGRAM)
        try:
            with archive.open(info) as stream:
                content = stream.read(info.file_size + 1)
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
            raise DocumentProblem(BROKEN) from None
        if len(content) > info.file_size:
            raise DocumentProblem(BOMB)
        _check_content(content)
        parts[name] = content
    return parts


def _check_content(content: bytes) -> None:
    """Programs and web pages inside a container, judged by their bytes whatever their name.

    Office XML never declares a DTD; one that does may carry entity expansion (billion laughs) for other readers.
    """
    if DTD.search(content[:4096]):
        raise DocumentProblem(BROKEN)
    if content.startswith(MAGIC_EXECUTABLES):
        raise DocumentProblem(PROGRAM)
    if content.startswith(OLE_MAGIC):
        raise DocumentProblem(ACTIVE)
    if MARKUP.search(content):
        raise DocumentProblem(PROGRAM)


def _xml(content: bytes | None) -> Element:
    if content is None:
        raise DocumentProblem(BROKEN)
    try:
        return ElementTree.fromstring(content, forbid_dtd=True)
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        raise DocumentProblem(BROKEN) from None


def _check_ooxml(parts: dict[str, bytes]) -> tuple[str, str] | None:
    """A DOCX or PPTX: content types for every part, none of them active, and the main part the package names."""
    types = _xml(parts.get("[Content_Types].xml"))
    defaults = {
        (e.get("Extension") or "").lower(): (e.get("ContentType") or "").lower() for e in types.iter(CT_NS + "Default")
    }
    overrides = {
        (e.get("PartName") or "").lstrip("/").lower(): (e.get("ContentType") or "").lower()
        for e in types.iter(CT_NS + "Override")
    }
    part_types = {}
    for name in parts:
        if name == "[Content_Types].xml":
            continue
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        content_type = overrides.get(name.lower()) or defaults.get(extension)
        if not content_type:
            raise DocumentProblem(BROKEN)
        if ACTIVE_CONTENT_TYPES.search(content_type):
            raise DocumentProblem(ACTIVE)
        part_types[name] = content_type
    if any(ACTIVE_CONTENT_TYPES.search(t) for t in [*defaults.values(), *overrides.values()]):
        raise DocumentProblem(ACTIVE)
    for name, content in parts.items():
        if name.endswith(".rels"):
            _check_relationships(_xml(content))
    main = _main_part(_xml(parts.get("_rels/.rels")))
    if main is None or main not in part_types:
        raise DocumentProblem(BROKEN)
    return OOXML_MAIN_TYPES.get(part_types[main])


def _check_relationships(rels: Element) -> None:
    for rel in rels.iter(REL_NS + "Relationship"):
        kind = rel.get("Type") or ""
        external = (rel.get("TargetMode") or "").lower() == "external"
        if ACTIVE_RELATIONSHIPS.search(kind.rsplit("/", 1)[-1]):
            raise DocumentProblem(ACTIVE)
        if external and not kind.endswith("/hyperlink") and not LOCAL_FILE.match(rel.get("Target") or ""):
            # A template, frame or picture fetched from a server or network share when the document opens.
            raise DocumentProblem(ACTIVE)


def _main_part(rels: Element) -> str | None:
    for rel in rels.iter(REL_NS + "Relationship"):
        if rel.get("Type") in OFFICE_DOCUMENT_RELATIONSHIPS and (rel.get("TargetMode") or "") != "External":
            return posixpath.normpath((rel.get("Target") or "").lstrip("/"))
    return None


def _check_odf(infos: list[zipfile.ZipInfo], parts: dict[str, bytes]) -> tuple[str, str] | None:
    """An ODT or ODP: ``mimetype`` first and stored, a manifest, content, and no macros or scripts."""
    first = infos[0]
    if first.filename != "mimetype" or first.compress_type != zipfile.ZIP_STORED:
        raise DocumentProblem(BROKEN)
    mime = parts.get("mimetype", b"").decode("ascii", "replace")
    if "content.xml" not in parts or "META-INF/manifest.xml" not in parts:
        raise DocumentProblem(BROKEN)
    if any(name.lower().startswith(ODF_MACRO_FOLDERS) for name in parts):
        raise DocumentProblem(ACTIVE)
    manifest = _xml(parts["META-INF/manifest.xml"])
    for entry in manifest.iter(MANIFEST_NS + "file-entry"):
        path = (entry.get(MANIFEST_NS + "full-path") or "").lower()
        media = (entry.get(MANIFEST_NS + "media-type") or "").lower()
        if path.startswith(ODF_MACRO_FOLDERS) or re.search(r"script|basic|macro", media):
            raise DocumentProblem(ACTIVE)
        if ACTIVE_CONTENT_TYPES.search(media):
            raise DocumentProblem(ACTIVE)
    if any(ODF_ACTIVE_MARKERS.search(content) for name, content in parts.items() if name.endswith(".xml")):
        raise DocumentProblem(ACTIVE)
    if mime not in ODF_TYPES:
        return None
    return mime, ODF_TYPES[mime]


# --- PDF --------------------------------------------------------------------------------------------------------


def check_pdf(data: bytes) -> None:
    """A PDF that pypdf can read, with at least one page and nothing that acts or carries files."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentProblem(PDF_BROKEN)
        if len(reader.pages) < 1:
            raise DocumentProblem(PDF_BROKEN)
        _walk_pdf(reader.trailer)
    except DocumentProblem:
        raise
    except Exception as error:  # pypdf raises many kinds of errors for broken files
        log.info("unreadable PDF refused: %s", type(error).__name__)
        raise DocumentProblem(PDF_BROKEN) from None


def _walk_pdf(root: object) -> None:
    """Visit every object reachable from the trailer once and refuse active content wherever it is."""
    seen: set[tuple[int, int]] = set()
    stack = [root]
    visited = 0
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            item = item.get_object()
        visited += 1
        if visited > MAX_PDF_OBJECTS:
            raise DocumentProblem(PDF_BROKEN)
        if isinstance(item, DictionaryObject):
            _check_pdf_dictionary(item)
            stack.extend(item.values())
        elif isinstance(item, ArrayObject):
            stack.extend(item)


def _check_pdf_dictionary(item: DictionaryObject) -> None:
    if any(key in item for key in PDF_KEYS):
        raise DocumentProblem(PDF_ACTIVE)
    if item.get("/S") in PDF_ACTIONS:
        raise DocumentProblem(PDF_ACTIVE)
    if item.get("/Type") in PDF_TYPES or item.get("/Subtype") in PDF_TYPES:
        raise DocumentProblem(PDF_ACTIVE)
    if "/EF" in item:  # a file specification that carries the file itself
        raise DocumentProblem(PDF_ACTIVE)
