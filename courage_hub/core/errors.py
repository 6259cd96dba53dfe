"""German error pages in the site layout, and the form-resubmit page for an expired CSRF token."""

from __future__ import annotations

import logging
import math

from flask import Flask, g, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, SecurityError

from ..extensions import db
from .ratelimit import RateLimited

log = logging.getLogger(__name__)

ERROR_TEXTS = {
    400: (_l("Invalid request"), _l("The request could not be processed. Please check your input and try again.")),
    403: (_l("Access denied"), _l("You do not have permission to open this page.")),
    404: (_l("Page not found"), _l("This page does not exist or is not public (any more).")),
    405: (_l("Action not allowed"), _l("This page cannot be used in this way.")),
    413: (
        _l("File too large"),
        _l("The upload is larger than allowed. Please choose a smaller file or send fewer files at once."),
    ),
    429: (_l("Too many attempts"), _l("There were too many attempts in a short time.")),
    500: (
        _l("Something went wrong"),
        _l("An unexpected error occurred. Nothing was saved half-way; please try again."),
    ),
    503: (
        _l("Temporarily unavailable"),
        _l(
            "Courage Hub is briefly unavailable for maintenance or a technical fault. Please try again in a few minutes."  # noqa: E501
        ),
    ),
}

UNTRUSTED_HOST = _l("This address does not belong to Courage Hub. Please open the site at its usual address.")

# Fields never echoed back into a page.
_SECRET_FIELDS = {"csrf_token", "password", "password_confirm", "new_password", "current_password"}


def render_error(code: int, *, retry_after: int | None = None, detail: str | None = None):
    title, text = ERROR_TEXTS.get(code, ERROR_TEXTS[500])
    minutes = math.ceil(retry_after / 60) if retry_after else None
    body = render_template("errors/error.html", code=code, title=title, text=text, detail=detail, retry_minutes=minutes)
    headers = {"Retry-After": str(retry_after)} if retry_after else {}
    return body, code, headers


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        retry = None
        if error.code == 429:
            retry = getattr(error, "retry_after", None)
        return render_error(error.code if error.code in ERROR_TEXTS else 400, retry_after=retry)

    @app.errorhandler(SecurityError)
    def _untrusted_host(error: SecurityError):
        """A request naming a host that is not this site's (TRUSTED_HOSTS): 400, and nothing else ran."""
        return render_error(400, detail=UNTRUSTED_HOST)

    @app.errorhandler(RateLimited)
    def _rate_limited(error: RateLimited):
        return render_error(429, retry_after=error.retry_after)

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError):
        """Show the submitted input again with a fresh token, so that nothing typed is lost."""
        fields = [
            (key, value)
            for key, values in request.form.lists()
            if key not in _SECRET_FIELDS and key != "website_url"
            for value in values
        ]
        had_files = any(f.filename for f in request.files.values())
        return (
            render_template("errors/csrf.html", fields=fields, action=request.full_path, had_files=had_files),
            400,
        )

    @app.errorhandler(OperationalError)
    def _database_unavailable(error: DBAPIError):
        log.error("database error: %s", type(error.orig).__name__ if error.orig else error)
        _discard_session()
        g.db_unavailable = True  # the layout then skips everything that needs the database
        return render_error(503)

    @app.errorhandler(500)
    def _internal_error(error):
        _discard_session()
        return render_error(500)


def _discard_session() -> None:
    try:
        db.session.rollback()
    except Exception:  # the connection may be gone; the session is dropped at teardown anyway
        log.warning("rollback after error failed")
