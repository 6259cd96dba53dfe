"""Small stored images (school logos): re-encoded to PNG with Pillow, which drops EXIF/GPS."""

from __future__ import annotations

import io
import secrets
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from PIL import ImageOps

from .uploads import UploadRejected as ImageRejected
from .uploads import open_checked_image, safe_filename

__all__ = ["ImageRejected", "delete_stored", "reencode_image", "store_png", "upload_dir"]


def upload_dir(kind: str) -> Path:
    path = Path(current_app.instance_path) / "uploads" / kind
    path.mkdir(parents=True, exist_ok=True)
    return path


def reencode_image(data: bytes, *, name: str, max_size: tuple[int, int], max_bytes: int) -> bytes:
    """Return ``data`` re-encoded as PNG, resized to fit ``max_size``, without any metadata.

    The checks (format by content, pixel count, integrity) are the upload service's.
    """
    if len(data) > max_bytes:
        raise ImageRejected(_("The image is larger than %(mb)d MB.", mb=max_bytes // (1024 * 1024)))
    image = ImageOps.exif_transpose(open_checked_image(data, safe_filename(name, "logo")))
    image.thumbnail(max_size)
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def store_png(kind: str, png: bytes) -> str:
    """Write re-encoded PNG bytes under a random name and return that name."""
    name = secrets.token_hex(16) + ".png"
    target = upload_dir(kind) / name
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(png)
    tmp.replace(target)
    return name


def delete_stored(kind: str, name: str | None) -> None:
    if name and name.replace(".", "").isalnum():
        (upload_dir(kind) / name).unlink(missing_ok=True)
