"""HTTP done once for every resource: JSON with validators and cache headers, conditional requests (304), CORS for
reading, ``Link`` headers, and the per-client rate limit.

The hooks run for ``/api/v1/`` only and are registered before the public page cache (see ``courage_hub.create_app``):
every request counts toward the rate limit, also one that the page cache answers, and a kept answer is still judged
against ``If-None-Match``.

Validators. ``ETag`` is a hash of the body: exact, and the validator that decides. ``Last-Modified`` is the newest
change among the records a response is built from. For one item (a URL with an id) ``If-Modified-Since`` is honoured
as well; for a collection it is not, because an entry that leaves a list (a material the KI hides) leaves no date
behind, and a 304 would keep it in a harvester's copy. ``If-None-Match`` wins over ``If-Modified-Since`` (RFC 9110).
"""

from __future__ import annotations

import hashlib
import ipaddress
from datetime import datetime

from flask import Flask, Request, Response, current_app, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from pydantic import BaseModel
from werkzeug.http import is_resource_modified, remove_entity_headers

from ..core.links import external_url
from ..core.ratelimit import hashed_key, limiter
from . import problems

PREFIX = "/api/v1/"
DATA_CACHE_CONTROL = "public, max-age=60"
READ_METHODS = ("GET", "HEAD")
# Request headers a browser script may send (beyond the always allowed ones), and response headers it may read.
ALLOWED_HEADERS = "Accept, Accept-Language, If-None-Match, If-Modified-Since"
EXPOSED_HEADERS = "ETag, Last-Modified, Link, Retry-After"


def json_response(body: BaseModel | bytes, *, last_modified: datetime | None, next_url: str | None = None) -> Response:
    """``body`` (a model, or JSON already encoded) with a strong ``ETag`` (hash of the bytes), ``Last-Modified``,
    ``Cache-Control`` for shared caches and ``Link`` headers (the next page, and the OpenAPI document)."""
    data = body if isinstance(body, bytes) else body.model_dump_json(by_alias=True).encode()
    response = Response(data, mimetype="application/json")
    response.set_etag(hashlib.sha256(data).hexdigest()[:32])
    if last_modified is not None:
        response.last_modified = last_modified
    response.headers["Cache-Control"] = DATA_CACHE_CONTROL
    links = [f'<{next_url}>; rel="next"'] if next_url else []
    links.append(f'<{external_url("api.openapi")}>; rel="service-desc"')
    response.headers["Link"] = ", ".join(links)
    return response


def newest(*moments: datetime | None) -> datetime | None:
    """The latest of ``moments`` (None when there is none): a response's ``Last-Modified``."""
    return max((moment for moment in moments if moment is not None), default=None)


def client_key() -> str:
    """Whom the rate limit counts: the client's address (hashed), an IPv6 client by its /64 network, which one
    household or school usually gets as a whole."""
    address = request.remote_addr or ""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return hashed_key("api", address)
    if ip.version == 6 and ip.ipv4_mapped is None:
        address = str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return hashed_key("api", address)


def _rate_limited() -> Response | None:
    limit = current_app.config["API_RATE_LIMIT"]
    if limit <= 0:
        return None
    wait = limiter().hit_if_allowed(client_key(), limit, current_app.config["API_RATE_WINDOW_SECONDS"])
    return problems.problem(429, headers={"Retry-After": str(wait)}) if wait else None


def _preflight() -> Response:
    """The answer to a browser's CORS preflight: reading is allowed from any origin, nothing else."""
    response = Response(status=204)
    response.headers["Allow"] = "GET, HEAD, OPTIONS"
    response.headers["Cache-Control"] = "public, max-age=86400"
    if request.headers.get("Access-Control-Request-Method") in READ_METHODS:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD"
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = "86400"
    return response


def _not_modified(response: Response) -> Response:
    """Turn a 200 into 304 when the client's copy is current (``If-None-Match``; for items ``If-Modified-Since``)."""
    if response.status_code != 200 or "ETag" not in response.headers:
        return response
    etag, _weak = response.get_etag()
    dated = bool(request.view_args)  # one item (its URL names an id); collections revalidate by ETag only
    last_modified = response.last_modified if dated else None
    if is_resource_modified(request.environ, etag=etag, last_modified=last_modified):
        return response
    response.status_code = 304
    response.response = []
    remove_entity_headers(response.headers)  # no body, so no Content-Type or Content-Length; the ETag says it all
    return response


class SessionlessAPI(SecureCookieSessionInterface):
    """The site's signed-cookie sessions, except under ``/api/v1/``: the API's answers are the same for everyone, so
    it opens no session and never sets a cookie, and shared caches may keep its answers, also when a signed-in
    person's browser asks."""

    def open_session(self, app: Flask, request: Request) -> SessionMixin | None:
        if request.path.startswith(PREFIX):
            return self.make_null_session(app)
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    """Register the API's request hooks (before the page cache's, see the module docstring)."""
    if type(app.session_interface) is not SecureCookieSessionInterface:
        raise RuntimeError("the API expects Flask's cookie sessions")
    app.session_interface = SessionlessAPI()

    @app.before_request
    def _api_request() -> Response | None:
        if not request.path.startswith(PREFIX):
            return None
        if request.method == "OPTIONS" and request.routing_exception is None:
            return _preflight()
        return _rate_limited()

    @app.after_request
    def _api_response(response: Response) -> Response:
        if not request.path.startswith(PREFIX) or request.method not in READ_METHODS:
            return response
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        return _not_modified(response)
