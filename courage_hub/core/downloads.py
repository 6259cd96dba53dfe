"""Which requests count as a download: a GET by a person, once per client and object within a short window.

A HEAD request, a link checker or a crawler fetches a file without anyone reading it; a person who clicks twice
or whose browser resumes a download is still one reader. The client is known only by a hash of its address and
user agent (no IP is stored); the window is shared by all workers through the rate-limit store.
"""

from __future__ import annotations

import re

from flask import current_app, request

from .ratelimit import hashed_key, limiter

# Parts of the User-Agent of well-known crawlers, link checkers, preview fetchers and scripted clients.
AUTOMATED_AGENT = re.compile(
    r"bot|crawl|spider|slurp|linkcheck|link-check|checklink|validator|preview|facebookexternalhit|embedly"
    r"|monitor|uptime|pingdom|archiver|wget|curl|python-requests|python-urllib|httpx|aiohttp|go-http-client"
    r"|java/|okhttp|libwww|scrapy",
    re.IGNORECASE,
)


def is_automated(user_agent: str | None) -> bool:
    """True for an empty User-Agent and for crawlers, link checkers and scripted HTTP clients."""
    agent = (user_agent or "").strip()
    return not agent or AUTOMATED_AGENT.search(agent) is not None


def counts_as_download(kind: str, object_id: int) -> bool:
    """True if this request is the first download of ``kind`` ``object_id`` by this client within the window.

    Only a GET by something that is not a bot counts; the first such request claims the window atomically.
    """
    agent = request.headers.get("User-Agent", "")
    if request.method != "GET" or is_automated(agent):
        return False
    window = int(current_app.config.get("DOWNLOAD_COUNT_WINDOW_SECONDS", 600))
    key = hashed_key(f"download-{kind}", str(object_id), request.remote_addr or "", agent)
    return limiter().first_in_window(key, window)
