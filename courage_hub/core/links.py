"""Absolute links, always on PUBLIC_URL: for mails, feeds and open metadata, also outside a request (command line).

A link is never built from the request's Host header: a forged one would otherwise end up in a password-reset mail or
in a page that the page cache hands to every visitor.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    """The absolute URL of ``endpoint`` under PUBLIC_URL (scheme, host and any path prefix taken from it)."""
    public = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(public.netloc, script_name=public.path or "/", url_scheme=public.scheme)
    anchor = values.pop("_anchor", None)
    current_app.inject_url_defaults(endpoint, values)
    url = adapter.build(endpoint, values, force_external=True)
    return f"{url}#{anchor}" if anchor else url
