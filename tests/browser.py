"""Helpers for browser journeys: a live server on a free local port and axe checks."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from werkzeug.serving import make_server

from courage_hub.auth.twofactor import totp

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
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXP"
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


_last_step: dict[tuple[str, str], int] = {}


def fresh_code(base_url: str, email: str, secret: str = DEMO_TOTP_SECRET) -> str:
    """A code the site has not accepted yet for this account: the current step, or the next one (still valid) if
    the account has used the current step already; the app refuses replayed steps."""
    generator = totp(secret)
    step = max(generator.timecode(datetime.now(UTC)), _last_step.get((base_url, email), -1) + 1)
    _last_step[(base_url, email)] = step
    return generator.generate_otp(step)


def sign_in(page, base_url: str, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the form; staff (and coordinators who switched it on) complete the code step too."""
    page.goto(base_url + "/anmelden")
    assert_accessible(page)
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(password)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_load_state()
    if "/anmelden/code" in page.url:
        expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden: zweiter Schritt")
        assert_accessible(page)
        page.get_by_label("Code aus Ihrer Authenticator-App").fill(fresh_code(base_url, email))
        page.get_by_role("button", name="Code bestätigen").click()


def sign_out(page) -> None:
    page.get_by_role("button", name="Abmelden").click()
    expect(page.get_by_text("Sie wurden abgemeldet.")).to_be_visible()
    assert_accessible(page)
