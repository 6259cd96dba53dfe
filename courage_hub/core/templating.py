"""Template globals: permission checks, the locale, and date formatting in Europe/Berlin."""

from __future__ import annotations

from flask import Flask
from flask_babel import format_date, format_datetime, get_locale

from . import schoolyear
from .markdown import render_markdown
from .permissions import TEMPLATE_PERMISSIONS


def init_app(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals.update(TEMPLATE_PERMISSIONS)
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale() or "de")
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["school_year"] = schoolyear.label
    app.jinja_env.filters["date"] = lambda value, fmt="medium": format_date(value, fmt) if value else ""
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": format_datetime(value, fmt) if value else ""
