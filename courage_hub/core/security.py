"""Security headers on every response, and the refusal of requests that name a host of someone else."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from flask.globals import request_ctx
from werkzeug.exceptions import SecurityError

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), interest-cohort=()"
)


def refuse_untrusted_hosts(app: Flask) -> None:
    """Answer 400 to a request whose Host is not in TRUSTED_HOSTS, before any other hook (page cache, sessions) runs.

    Flask notices the untrusted host while building the request's URL adapter but raises it only when the view would
    be dispatched, after every ``before_request`` hook; this hook, registered first, raises it at once. The error page
    builds its links for PUBLIC_URL's host.
    """

    @app.before_request
    def _trusted_host_only() -> None:
        error = request.routing_exception
        if isinstance(error, SecurityError):
            public = urlsplit(current_app.config["PUBLIC_URL"])
            request_ctx.url_adapter = current_app.url_map.bind(
                public.netloc, script_name=request.script_root or "/", url_scheme=public.scheme
            )
            raise error


def init_app(app: Flask) -> None:
    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        headers["X-Frame-Options"] = "DENY"
        headers["Permissions-Policy"] = PERMISSIONS_POLICY
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if request.is_secure:
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        # Pages for signed-in people may hold personal data: keep them out of shared caches.
        if "Cache-Control" not in headers and request.endpoint != "static":
            headers["Cache-Control"] = "no-store" if _has_login_cookie() else "no-cache"
        return response


def _has_login_cookie() -> bool:
    from flask_login import current_user

    return bool(getattr(current_user, "is_authenticated", False))
