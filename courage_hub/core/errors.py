"""German error pages in the site layout, and the form-resubmit page for an expired CSRF token.

A database error is one of two kinds. The database cannot be reached or is busy (connection refused or closed, the
SQLite file missing or locked past the busy timeout): the visitor gets the German 503 and the log one line with the
driver's message. Anything else (a missing table or column after a forgotten migration, a syntax error) is a fault
in the code or the schema: it surfaces as a 500 with its traceback in the log, never disguised as an outage. The
engine hides bound parameters (``hide_parameters``), so neither log line carries what a visitor typed.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable

from flask import Flask, Response, current_app, g, has_request_context, render_template, request
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


def register_renderer(app: Flask, prefix: str, renderer: Callable[..., Response]) -> None:
    """Answer errors of requests under ``prefix`` with ``renderer`` instead of the German error page (the API answers
    with problem details). ``renderer(code, retry_after=…, detail=…, allow=…)`` returns the response."""
    app.extensions.setdefault("courage_hub.error_renderers", []).append((prefix, renderer))


def _renderer() -> Callable[..., Response] | None:
    if not has_request_context():
        return None
    renderers = current_app.extensions.get("courage_hub.error_renderers", ())
    return next((renderer for prefix, renderer in renderers if request.path.startswith(prefix)), None)


def render_error(
    code: int, *, retry_after: int | None = None, detail: str | None = None, allow: Iterable[str] | None = None
):
    renderer = _renderer()
    if renderer is not None:
        return renderer(code, retry_after=retry_after, detail=detail, allow=allow)
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
        allow = getattr(error, "valid_methods", None) if error.code == 405 else None
        return render_error(error.code if error.code in ERROR_TEXTS else 400, retry_after=retry, allow=allow)

    @app.errorhandler(SecurityError)
    def _untrusted_host(error: SecurityError):
        """A request naming a host that is not this site's (TRUSTED_HOSTS): 400, and nothing else ran."""
        g.db_unavailable = True  # nor does the layout read anything from the database for it
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

    @app.errorhandler(DBAPIError)
    def _database_error(error: DBAPIError):
        _discard_session()
        if not is_unavailable(error):
            raise error  # Flask logs the traceback and renders the 500 page
        log.error("database unavailable: %s", driver_message(error))
        g.db_unavailable = True  # the layout then skips everything that needs the database
        return render_error(503)

    @app.errorhandler(500)
    def _internal_error(error):
        _discard_session()
        return render_error(500)


# SQLite result codes of a database that is missing, busy or failing underneath (Python's sqlite_errorname).
_SQLITE_UNAVAILABLE = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_FULL")
# PostgreSQL SQLSTATE classes and codes of a server that is unreachable, shutting down, overloaded or contended:
# connection exception, insufficient resources, system error, admin/crash shutdown, cannot connect now, lock not
# available, serialization failure and deadlock. Class 42 (undefined table or column, syntax) is not among them.
_PG_UNAVAILABLE = ("08", "53", "58", "57P01", "57P02", "57P03", "55P03", "40001", "40P01")


def is_unavailable(error: DBAPIError) -> bool:
    """True if ``error`` means the database cannot serve right now; False for a fault in the code or the schema."""
    if error.connection_invalidated:
        return True  # SQLAlchemy recognised a dropped connection
    orig = error.orig
    sqlite_name = getattr(orig, "sqlite_errorname", None)
    if sqlite_name is not None:
        return sqlite_name.startswith(_SQLITE_UNAVAILABLE)
    if hasattr(orig, "sqlstate"):  # psycopg
        state = orig.sqlstate
        if state is None:  # the client library's own failure: no connection to the server
            return isinstance(error, OperationalError)
        return state.startswith(_PG_UNAVAILABLE)
    return False


def driver_message(error: DBAPIError) -> str:
    """The driver's exception and message, without the SQL statement and its parameters."""
    orig = error.orig
    if orig is None:
        return type(error).__name__
    return f"{type(orig).__name__}: {str(orig).strip()}"


def _discard_session() -> None:
    try:
        db.session.rollback()
    except Exception:  # the connection may be gone; the session is dropped at teardown anyway
        log.warning("rollback after error failed")
