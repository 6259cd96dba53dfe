"""Helpers for browser journeys: a live server on a free local port and axe checks."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
# Nothing may leave the machine: no background networking, no proxy but a dead one, no name resolution.
CHROMIUM_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
    "--proxy-server=http://127.0.0.1:9",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]
_axe = Axe()
DEMO_PASSWORD = "Courage-Demo-2026"
browser_marks = [
    pytest.mark.browser,
    pytest.mark.skipif(os.environ.get("SKIP_BROWSER_TESTS") == "1", reason="SKIP_BROWSER_TESTS=1"),
]


@dataclass(frozen=True)
class LiveSite:
    url: str
    instance: Path


@contextmanager
def live_server(app) -> Iterator[str]:
    """Serve ``app`` in a thread on 127.0.0.1 and yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def assert_accessible(page) -> None:
    """Run axe on the page; fail on any serious or critical violation."""
    results = _axe.run(page)
    bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    report = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} – " + "; ".join(n["target"][0] for n in v["nodes"][:5]) for v in bad
    )
    assert not bad, f"axe violations on {page.url}:\n{report}"
