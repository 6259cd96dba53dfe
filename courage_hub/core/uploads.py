"""The upload service shared by activities and materials.

Files are checked by their content (magic bytes and, for documents, their structure: see ``core.documents``), never
by their name; photos are re-encoded with Pillow, which drops EXIF/GPS and every other piece of metadata, and get a
display version and a thumbnail. Everything lands under
``instance/uploads/`` with random names; the caller stores the returned description in the database. A failed
upload leaves nothing behind: files are written under a temporary name and renamed at the end, and a service that
stores several files for one save does so inside :func:`upload_batch`, which removes every file of the batch when
anything in the save fails (a rejected file, a full disk, a rule, the database write).

Files chosen in a form that then fails (a forgotten consent tick, a missing field) are not lost: :class:`PendingUploads`
keeps them for an hour under ``instance/uploads/pending/`` with random names, tied to the signed-in user's session
(the token of a pending file is useless to anyone else), and hands them to the owning service on the successful
submit. Pending files are never served; ``cleanup`` removes expired ones.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import secrets
import time
import unicodedata
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from PIL import Image, ImageOps
from werkzeug.datastructures import FileStorage

from . import documents

MB = 1024 * 1024
PHOTO_MAX_BYTES = 10 * MB
ATTACHMENT_MAX_BYTES = 20 * MB
MAX_PIXELS = 40_000_000
DISPLAY_SIZE = (1600, 1600)
THUMB_SIZE = (480, 480)
PHOTO_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
PENDING_LIFETIME_SECONDS = 3600


class UploadRejected(Exception):
    """A file that may not be stored; ``message`` says why in German."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UploadsRejected(Exception):
    """One or more files of a save were refused; ``problems`` maps the key each file was given to German messages."""

    def __init__(self, problems: dict[str, list[str]]) -> None:
        super().__init__("; ".join(message for messages in problems.values() for message in messages))
        self.problems = problems


@dataclass
class StoredFile:
    """What the database keeps about one stored file."""

    kind: str  # "photo" or "attachment"
    storage_name: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    thumb_name: str | None = None
    paths: list[Path] = field(default_factory=list, repr=False)


def upload_root() -> Path:
    root = Path(current_app.instance_path) / "uploads" / "files"
    root.mkdir(parents=True, exist_ok=True)
    return root


def path_for(storage_name: str) -> Path:
    """The path of a stored file; refuses anything that is not one of our random names."""
    if not re.fullmatch(r"[0-9a-f]{32}\.[a-z0-9]{2,5}", storage_name or ""):
        raise FileNotFoundError(storage_name)
    return upload_root() / storage_name


def safe_filename(name: str, default: str = "datei") -> str:
    """A download name without path parts, control characters or shell-special characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*;\x7f')
    name = re.sub(r"\s+", " ", name).strip(" .")
    name = name.lstrip(".")
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:110] + dot + ext[:8]) if dot else name[:120]
    return name or default


def _read_limited(file: FileStorage, max_bytes: int) -> bytes:
    data = file.stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UploadRejected(
            _("The file “%(name)s” is larger than %(mb)d MB.", name=safe_filename(file.filename), mb=max_bytes // MB)
        )
    if not data:
        raise UploadRejected(_("The file “%(name)s” is empty.", name=safe_filename(file.filename)))
    return data


def _write(data: bytes, suffix: str) -> tuple[str, Path]:
    name = secrets.token_hex(16) + suffix
    target = upload_root() / name
    tmp = target.with_name(target.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(target)
    return name, target


def discard(stored: StoredFile | None) -> None:
    """Delete the files of an upload whose database row was not written (or is being removed)."""
    if stored is None:
        return
    for path in stored.paths:
        path.unlink(missing_ok=True)


class UploadBatch:
    """The files that one save writes. Every stored file is recorded, so that a failure anywhere removes them all."""

    def __init__(self) -> None:
        self.files: list[StoredFile] = []
        self.problems: dict[str, list[str]] = {}

    def store(self, key: str, store: Callable[[FileStorage], StoredFile], upload: FileStorage) -> StoredFile | None:
        """Store one upload with ``store``; a refused file is noted under ``key`` and gives None."""
        try:
            stored = store(upload)
        except UploadRejected as rejected:
            self.reject(key, rejected.message)
            return None
        self.files.append(stored)
        return stored

    def reject(self, key: str, message: str) -> None:
        self.problems.setdefault(key, []).append(message)

    def check(self) -> None:
        """Raise :class:`UploadsRejected` if any file was refused (the ``upload_batch`` block then removes the rest)."""
        if self.problems:
            raise UploadsRejected(self.problems)

    def discard(self) -> None:
        for stored in self.files:
            discard(stored)
        self.files.clear()


@contextmanager
def upload_batch() -> Iterator[UploadBatch]:
    """Store the files of one save; if the block raises, every file stored in it is deleted again."""
    batch = UploadBatch()
    try:
        yield batch
    except BaseException:
        batch.discard()
        raise


def delete_files(*storage_names: str | None) -> None:
    """Delete stored files for good (e.g. when photo consent is withdrawn)."""
    for name in storage_names:
        if name:
            with suppress(FileNotFoundError):
                path_for(name).unlink(missing_ok=True)


# --- photos ----------------------------------------------------------------------------------------------------


def open_checked_image(data: bytes, display_name: str) -> Image.Image:
    """Open a JPEG, PNG or WebP after checking its format, pixel count (decompression bombs) and integrity."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            if probe.format not in PHOTO_FORMATS:
                raise UploadRejected(_("“%(name)s” is not a JPEG, PNG or WebP photo.", name=display_name))
            if probe.width * probe.height > MAX_PIXELS:
                raise UploadRejected(_("“%(name)s” has too many pixels.", name=display_name))
            probe.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
    except UploadRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRejected(_("“%(name)s” has too many pixels.", name=display_name)) from None
    except Exception:
        raise UploadRejected(_("“%(name)s” is not a readable photo.", name=display_name)) from None
    return image


def _encode(image: Image.Image, size: tuple[int, int]) -> bytes:
    copy = image.copy()
    copy.thumbnail(size)
    out = io.BytesIO()
    if copy.mode not in ("RGB", "RGBA"):
        copy = copy.convert("RGBA" if "A" in copy.mode or copy.mode == "P" else "RGB")
    # WebP keeps photos small and supports transparency; no metadata is passed on.
    copy.save(out, format="WEBP", quality=82, method=4)
    return out.getvalue()


def store_photo(file: FileStorage, max_bytes: int | None = None) -> StoredFile:
    """Check a photo by content, re-encode it without metadata and store display version and thumbnail."""
    display_name = safe_filename(file.filename, "foto")
    data = _read_limited(file, max_bytes or PHOTO_MAX_BYTES)
    image = open_checked_image(data, display_name)
    image = ImageOps.exif_transpose(image)
    display = _encode(image, DISPLAY_SIZE)
    thumb = _encode(image, THUMB_SIZE)
    stored = StoredFile(
        kind="photo",
        storage_name="",
        original_name=display_name,
        content_type="image/webp",
        size=len(display),
        sha256=hashlib.sha256(display).hexdigest(),
    )
    try:
        stored.storage_name, path = _write(display, ".webp")
        stored.paths.append(path)
        stored.thumb_name, thumb_path = _write(thumb, ".webp")
        stored.paths.append(thumb_path)
    except OSError:
        discard(stored)
        raise
    return stored


# --- attachments -----------------------------------------------------------------------------------------------


def sniff_document(data: bytes, display_name: str = "datei") -> tuple[str, str] | None:
    """(content type, extension) of an allowed document, judged by its bytes and structure; None for anything else.

    A PDF or office document that carries active content or is damaged raises :class:`UploadRejected` with the reason.
    """
    for fmt, mime in PHOTO_FORMATS.items():
        if _image_format(data) == fmt:
            return mime, {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}[fmt]
    try:
        return documents.identify(data)
    except documents.DocumentProblem as problem:
        raise UploadRejected(_document_message(problem.kind, display_name)) from None


def _document_message(kind: str, name: str) -> str:
    if kind == documents.ACTIVE:
        return _(
            "“%(name)s” contains macros, controls, embedded objects or content loaded from elsewhere and cannot be "
            "accepted. Please save it as a plain document (e.g. DOCX instead of DOCM) or as PDF.",
            name=name,
        )
    if kind == documents.PROGRAM:
        return _("“%(name)s” contains a program, a script or a web page and cannot be accepted.", name=name)
    if kind == documents.PDF_ACTIVE:
        return _(
            "“%(name)s” contains JavaScript, actions that start programs or embedded files and cannot be accepted. "
            "Please export it again as a plain PDF.",
            name=name,
        )
    if kind == documents.PDF_BROKEN:
        return _("“%(name)s” is not a readable PDF (damaged, password-protected or only named like one).", name=name)
    if kind == documents.BOMB:
        return _("“%(name)s” unpacks to far too much data and cannot be accepted.", name=name)
    return _("“%(name)s” is not a complete document (damaged or only named like one).", name=name)


def _image_format(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def store_attachment(file: FileStorage, max_bytes: int | None = None) -> StoredFile:
    """Store a PDF, ODT/DOCX, ODP/PPTX or image after checking its content; HTML, SVG, scripts, archives are refused."""
    display_name = safe_filename(file.filename)
    max_bytes = max_bytes or ATTACHMENT_MAX_BYTES
    data = _read_limited(file, max_bytes)
    sniffed = sniff_document(data, display_name)
    if sniffed is None:
        raise UploadRejected(
            _(
                "“%(name)s” is not an allowed file. Allowed are PDF, ODT, DOCX, ODP, PPTX, JPEG, PNG and WebP.",
                name=display_name,
            )
        )
    if sniffed[0].startswith("image/"):
        # Images are re-encoded like photos so that no metadata survives.
        file.stream = io.BytesIO(data)
        photo = store_photo(file, max_bytes)
        photo.kind = "attachment"
        photo.original_name = safe_filename(display_name.rsplit(".", 1)[0] + ".webp")
        return photo
    content_type, extension = sniffed
    stem = display_name.rsplit(".", 1)[0] if "." in display_name else display_name
    stored = StoredFile(
        kind="attachment",
        storage_name="",
        original_name=safe_filename(stem + extension),
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    stored.storage_name, path = _write(data, extension)
    stored.paths.append(path)
    return stored


# --- previews --------------------------------------------------------------------------------------------------


def store_pdf_preview(storage_name: str) -> str | None:
    """Render the first page of a stored PDF as a WebP thumbnail; None if the PDF cannot be rendered.

    PDFium (through pypdfium2) only rasterises the page: no script in the PDF runs.
    """
    try:
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(str(path_for(storage_name)))
        try:
            if len(pdf) == 0:
                return None
            page = pdf[0]
            width, height = page.get_size()
            scale = min(THUMB_SIZE[0] / max(width, 1), THUMB_SIZE[1] / max(height, 1), 2.0)
            image = page.render(scale=scale).to_pil()
        finally:
            pdf.close()
    except Exception:  # a broken or encrypted PDF simply gets no preview
        return None
    name, _path = _write(_encode(image, THUMB_SIZE), ".webp")
    return name


# --- files kept across a failed submit -------------------------------------------------------------------------


@dataclass
class PendingFile:
    """A file chosen in a form that has not been saved yet; only its uploader sees it."""

    token: str
    original_name: str
    size: int


def pending_root() -> Path:
    root = Path(current_app.instance_path) / "uploads" / "pending"
    root.mkdir(parents=True, exist_ok=True)
    return root


def _pending_owner() -> str:
    """The signed-in user and their sign-in (a new sign-in or a sign-out elsewhere makes old tokens useless)."""
    return hashlib.sha256(("pending:" + str(current_user.get_id())).encode()).hexdigest()


def _pending_paths(token: str) -> tuple[Path, Path]:
    if not re.fullmatch(r"[0-9a-f]{32}", token or ""):
        raise FileNotFoundError(token)
    root = pending_root()
    return root / f"{token}.bin", root / f"{token}.json"


class PendingUploads:
    """The files one form field keeps across failed submits.

    The form carries the tokens in hidden inputs named ``pending-<purpose>``; a token ticked in
    ``pending-<purpose>-remove`` is dropped. Only tokens of the same user and sign-in that have not expired count.
    """

    def __init__(self, purpose: str, max_bytes: int = ATTACHMENT_MAX_BYTES, limit: int = 10) -> None:
        self.purpose, self.max_bytes, self.limit = purpose, max_bytes, limit
        self.files: list[PendingFile] = []
        self.errors: dict[str, list[str]] = {}
        form = request.form if request.method == "POST" else {}
        removed = set(form.getlist(self.remove_name)) if form else set()
        for token in dict.fromkeys(form.getlist(self.field_name) if form else []):
            pending = self._load(token)
            if pending is None:
                continue
            if token in removed:
                self._delete(token)
            else:
                self.files.append(pending)

    @property
    def field_name(self) -> str:
        return f"pending-{self.purpose}"

    @property
    def remove_name(self) -> str:
        return f"pending-{self.purpose}-remove"

    def _load(self, token: str) -> PendingFile | None:
        try:
            data_path, meta_path = _pending_paths(token)
            meta = json.loads(meta_path.read_text())
        except (FileNotFoundError, ValueError):
            return None
        if meta.get("owner") != _pending_owner() or meta.get("purpose") != self.purpose:
            return None
        if time.time() - meta.get("created", 0) > PENDING_LIFETIME_SECONDS or not data_path.is_file():
            return None
        return PendingFile(token=token, original_name=meta["name"], size=data_path.stat().st_size)

    def keep(self, uploads: list[FileStorage]) -> list[str]:
        """Keep newly chosen files (empty or too large ones are refused); returns the new tokens."""
        tokens = []
        for upload in uploads:
            if not upload or not getattr(upload, "filename", ""):
                continue
            try:
                data = _read_limited(upload, self.max_bytes)
            except UploadRejected as rejected:
                self.errors.setdefault("", []).append(rejected.message)
                continue
            if len(self.files) >= self.limit:
                self.errors.setdefault("", []).append(_("At most %(n)d files can be added at once.", n=self.limit))
                break
            token = secrets.token_hex(16)
            data_path, meta_path = _pending_paths(token)
            meta = {
                "owner": _pending_owner(),
                "purpose": self.purpose,
                "name": safe_filename(upload.filename),
                "created": time.time(),
            }
            data_path.write_bytes(data)
            meta_path.write_text(json.dumps(meta))
            self.files.append(PendingFile(token=token, original_name=meta["name"], size=len(data)))
            tokens.append(token)
        return tokens

    def replace(self, uploads: list[FileStorage]) -> None:
        """For a field that holds one file: a newly chosen file replaces the kept one."""
        if any(upload and getattr(upload, "filename", "") for upload in uploads):
            self.discard()
            self.keep(uploads[:1])

    def open(self, pending: PendingFile) -> FileStorage:
        """The kept file as an upload for the owning service (which checks and stores it as usual)."""
        data_path, _meta = _pending_paths(pending.token)
        return FileStorage(stream=io.BytesIO(data_path.read_bytes()), filename=pending.original_name)

    def drop(self, token: str) -> None:
        """Forget one kept file (e.g. one the service refused)."""
        self.files = [f for f in self.files if f.token != token]
        self._delete(token)

    def discard(self) -> None:
        """Delete every kept file (after the successful save, which stored copies through the service)."""
        for pending in self.files:
            self._delete(pending.token)
        self.files = []

    @staticmethod
    def _delete(token: str) -> None:
        with suppress(FileNotFoundError):
            for path in _pending_paths(token):
                path.unlink(missing_ok=True)


def remove_expired_pending(now: float | None = None) -> int:
    """Delete kept form files older than PENDING_LIFETIME_SECONDS; returns how many files were kept that long."""
    now = time.time() if now is None else now
    removed = 0
    root = pending_root()
    for path in root.iterdir():
        try:
            if path.is_file() and now - path.stat().st_mtime > PENDING_LIFETIME_SECONDS:
                path.unlink(missing_ok=True)
                removed += path.suffix == ".bin"
        except FileNotFoundError:
            continue
    return removed
