"""Template globals: the locale, and date formatting in Europe/Berlin."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from flask import Flask
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from . import schoolyear
from .links import external_url
from .markdown import markdown_to_text, plain_text, render_markdown


def init_app(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals["external_url"] = external_url
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale() or "de")
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["plain_text"] = plain_text
    app.jinja_env.filters["markdown_text"] = markdown_to_text
    app.jinja_env.filters["school_year"] = schoolyear.label
    app.jinja_env.filters["date"] = lambda value, fmt="medium": format_date(value, fmt) if value else ""
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": format_datetime(value, fmt) if value else ""
    app.jinja_env.filters["pair"] = lambda value: (value, value)
    app.jinja_env.filters["licence_pair"] = lambda item: (item[0], item[1].label)
    app.jinja_env.filters["filesize"] = filesize
    app.jinja_env.filters["file_kind"] = file_kind
    app.jinja_env.filters["ld_json"] = ld_json


def ld_json(data: Any) -> Markup:
    """``data`` as JSON for a ``<script type="application/ld+json">`` block.

    ``<``, ``>``, ``&`` (and ``'``) are written as ``\\u003c`` etc., which JSON reads back as the same characters: no
    text from a title or a school name (``</script>``, ``<!--<script>``) can end the block early or make the HTML
    parser swallow the rest of the page into it. Every JSON-LD block goes through this filter.
    """
    return htmlsafe_json_dumps(data, dumps=partial(json.dumps, ensure_ascii=False))


FILE_KINDS = {
    "application/pdf": "PDF",
    "application/vnd.oasis.opendocument.text": "ODT",
    "application/vnd.oasis.opendocument.presentation": "ODP",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PPTX",
    "image/webp": "WebP",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
}


def file_kind(content_type: str | None) -> str:
    return FILE_KINDS.get(content_type or "", content_type or "")


def filesize(size: int | None) -> str:
    """A file size as people read it (German decimal comma)."""
    if not size:
        return ""
    if size < 1000 * 1000:
        return format_decimal(max(1, round(size / 1000))) + " kB"
    return format_decimal(round(size / 1_000_000, 1)) + " MB"
