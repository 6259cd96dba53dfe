"""Errors of the API as RFC 9457 problem details (``application/problem+json``), in German or English.

The language is the one chosen on the site (the ``lang`` cookie), else the best match of ``Accept-Language``, else
German. Every kind of problem has a ``type`` that links to its explanation on the documentation page
(``/api/#problem-not-found``). Problems are never kept by caches (``no-store``): they vary by language, and a 429 or
503 is about this moment only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from flask import Response, current_app, request
from flask_babel import force_locale
from flask_babel import gettext as _
from pydantic import ValidationError

from ..core.links import external_url
from .schemas import N_, InvalidParam, Problem

PROBLEM_MIMETYPE = "application/problem+json"


@dataclass(frozen=True)
class Kind:
    slug: str
    title: str  # msgid
    detail: str  # msgid


KINDS = {
    400: Kind("bad-request", N_("Bad request"), N_("The request could not be processed.")),
    404: Kind("not-found", N_("Not found"), N_("There is nothing public at this address.")),
    405: Kind(
        "method-not-allowed",
        N_("Method not allowed"),
        N_("The API only reads: it answers GET, HEAD and OPTIONS requests."),
    ),
    429: Kind(
        "too-many-requests",
        N_("Too many requests"),
        N_("Too many requests from your address in a short time. Please wait as long as Retry-After says."),
    ),
    500: Kind("server-error", N_("Server error"), N_("An unexpected error occurred. Please try again later.")),
    503: Kind(
        "unavailable",
        N_("Temporarily unavailable"),
        N_("The service is briefly unavailable. Please try again in a few minutes."),
    ),
}
INVALID_PARAMETER = Kind(
    "invalid-parameter",
    N_("Invalid query parameter"),
    N_("A query parameter was not accepted: see invalid-params and the documentation of the parameter."),
)
# Every kind, in the order the documentation page explains them.
ALL_KINDS = (INVALID_PARAMETER, *KINDS.values())

# Why a parameter was refused, by pydantic's error type.
REASONS = {
    "literal_error": N_("Not one of the allowed values."),
    "enum": N_("Not one of the allowed values."),
    "int_parsing": N_("Not a whole number."),
    "int_from_float": N_("Not a whole number."),
    "greater_than_equal": N_("Too small: see the documented range."),
    "less_than_equal": N_("Too large: see the documented range."),
    "string_too_long": N_("Too long: see the documented length."),
    "string_pattern_mismatch": N_("Not in the documented form (control characters are not allowed)."),
    "bool_parsing": N_("Must be true or false."),
    "cursor": N_("Not a cursor of this collection: follow the next link of a page."),
}
OTHER_REASON = N_("Not a valid value.")


def language() -> str:
    """The language of problem texts: the site's choice (cookie), else the browser's, else German."""
    languages = current_app.config["LANGUAGES"]
    chosen = request.cookies.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def type_url(kind: Kind) -> str:
    return external_url("api.docs", _anchor=f"problem-{kind.slug}")


def problem(
    status: int,
    *,
    kind: Kind | None = None,
    detail: str | None = None,
    invalid: Iterable[tuple[str, str]] = (),
    headers: dict[str, str] | None = None,
) -> Response:
    """A problem response; ``detail`` (a msgid or lazy text) replaces the kind's, ``invalid`` lists refused
    parameters as (name, reason msgid)."""
    kind = kind or KINDS.get(status) or KINDS[500 if status >= 500 else 400]
    lang = language()
    with force_locale(lang):
        body = Problem(
            type=type_url(kind),
            title=_(kind.title),
            status=status,
            detail=str(detail) if detail is not None else _(kind.detail),
            instance=request.path,
            invalid_params=[InvalidParam(name=name, reason=_(reason)) for name, reason in invalid] or None,
        )
    response = Response(
        json.dumps(body.model_dump(mode="json", by_alias=True, exclude_none=True), ensure_ascii=False),
        status=status,
        mimetype=PROBLEM_MIMETYPE,
    )
    response.headers["Content-Language"] = lang
    response.headers["Vary"] = "Accept-Language, Cookie"
    response.headers["Cache-Control"] = "no-store"
    response.headers.update(headers or {})
    return response


def invalid_parameters(error: ValidationError) -> Response:
    """400 for query parameters that do not fit their schema, naming each one and why."""
    refused = {}
    for item in error.errors():
        name = str(item["loc"][0]) if item["loc"] else "?"
        refused.setdefault(name, REASONS.get(item["type"], OTHER_REASON))
    return problem(400, kind=INVALID_PARAMETER, invalid=refused.items())


def invalid_cursor() -> Response:
    return problem(400, kind=INVALID_PARAMETER, invalid=[("cursor", REASONS["cursor"])])


def render_error(
    code: int, *, retry_after: int | None = None, detail: str | None = None, allow: Iterable[str] | None = None
) -> Response:
    """The API's answer to an error the app handles (404 of an unknown path, 405, 429, 500, 503 …).

    Registered with ``core.errors`` for the API's paths, instead of the site's German error page.
    """
    headers = {}
    if retry_after:
        headers["Retry-After"] = str(retry_after)
    if allow:
        headers["Allow"] = ", ".join(sorted(allow))
    return problem(code, detail=detail if code == 400 else None, headers=headers)
