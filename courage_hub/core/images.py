"""Safe image handling: check by content, re-encode with Pillow (which drops EXIF/GPS), refuse bombs."""

from __future__ import annotations

import io
import secrets
import warnings
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_PIXELS = 40_000_000  # larger images are refused as possible decompression bombs


class ImageRejected(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def upload_dir(kind: str) -> Path:
    path = Path(current_app.instance_path) / "uploads" / kind
    path.mkdir(parents=True, exist_ok=True)
    return path


def reencode_image(data: bytes, *, max_size: tuple[int, int], max_bytes: int) -> bytes:
    """Return ``data`` re-encoded as PNG, resized to fit ``max_size``, without any metadata."""
    if len(data) > max_bytes:
        raise ImageRejected(_("The image is larger than %(mb)d MB.", mb=max_bytes // (1024 * 1024)))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ALLOWED_FORMATS:
                    raise ImageRejected(_("Only PNG, JPEG or WebP images are allowed."))
                if probe.width * probe.height > MAX_PIXELS:
                    raise ImageRejected(_("The image has too many pixels."))
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image = ImageOps.exif_transpose(image)
                image.thumbnail(max_size)
                if image.mode not in ("RGB", "RGBA"):
                    image = image.convert("RGBA")
                out = io.BytesIO()
                image.save(out, format="PNG", optimize=True)
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected(_("The image has too many pixels.")) from None
    except Exception:
        raise ImageRejected(_("The file is not a readable image.")) from None
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
