"""Helpers for browser journeys: a live server on a free local port, signing in, and the checks every page gets:
axe in the browser, and the W3C Nu Html Checker (vnu) on the HTML the server sent."""

from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urldefrag

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, Response, expect
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
# `make vnu` installs the checker here (npm package vnu-jar, version pinned in the Makefile); VNU_JAR overrides it.
_DEFAULT_VNU_JAR = Path(__file__).resolve().parent.parent / ".venv/vnu/node_modules/vnu-jar/build/dist/vnu.jar"
VNU_JAR = Path(os.environ.get("VNU_JAR", _DEFAULT_VNU_JAR))
# Every axe violation fails a page, whatever its impact (minor and moderate too). A rule that misjudges this site
# would be listed here with the reason; none does today.
AXE_IGNORED: dict[str, str] = {}
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


def watch(page: Page) -> Page:
    """Remember the last document the server sent to ``page`` (after redirects, POSTs included), for vnu."""

    def record(response: Response) -> None:
        if response.frame == page.main_frame and response.request.is_navigation_request():
            page._courage_document = response  # type: ignore[attr-defined]

    page.on("response", record)
    page.set_default_timeout(10_000)
    return page


def new_page(browser: Browser, **context_args) -> Page:
    """A page in a fresh browser context (its own cookies), watched like the ``page`` fixture."""
    return watch(browser.new_context(**context_args).new_page())


_last_step: dict[tuple[str, str], int] = {}


def fresh_code(base_url: str, email: str, secret: str = DEMO_TOTP_SECRET) -> str:
    """A code the site has not accepted yet for this account: the current step, or the next one (still valid) if
    the account has used the current step already; the app refuses replayed steps."""
    generator = totp(secret)
    now = generator.timecode(datetime.now(UTC))
    step = max(now, _last_step.get((base_url, email), -1) + 1)
    if step > now + 1:  # the app accepts the next step at most: wait for the clock (TOTP), not for the page
        time.sleep(max(0.0, (step - 1) * generator.interval - time.time()) + 0.1)
    _last_step[(base_url, email)] = step
    return generator.generate_otp(step)


def sign_in(page: Page, base_url: str, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the form, as a person would; staff (and coordinators who switched it on) complete the code
    step too. Every journey signs in here, so a change of the sign-in flow is made in one place."""
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
    expect(page).not_to_have_url(base_url + "/anmelden")


def outbox_link(instance: Path, prefix: str, to: str | None = None) -> str:
    """The path of the newest link starting with ``prefix`` in the mails delivered to the outbox (to ``to`` only,
    if given): what the person clicks in their mail."""
    from email import policy
    from email.parser import BytesParser

    for path in sorted((instance / "outbox").glob("*.eml"), reverse=True):
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        if to is not None and message["To"] != to:
            continue
        body = message.get_body(("plain",)).get_content()
        match = re.search(r"http://\S+(" + re.escape(prefix) + r"\S+)", body)
        if match:
            return match.group(1)
    raise AssertionError(f"no mail with a {prefix} link" + (f" to {to}" if to else ""))


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Abmelden").click()
    expect(page.get_by_text("Sie wurden abgemeldet.")).to_be_visible()
    assert_accessible(page)


def assert_accessible(page: Page) -> None:
    """Check the page as it stands: axe in the browser (every violation, of any impact, except AXE_IGNORED), and
    the Nu Html Checker on the HTML the server sent (errors only; warnings and info pass)."""
    page.wait_for_load_state()
    results = _axe.run(page)
    bad = [v for v in results.response["violations"] if v["id"] not in AXE_IGNORED]
    report = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} – " + "; ".join(n["target"][0] for n in v["nodes"][:5]) for v in bad
    )
    assert not bad, f"axe violations on {page.url}:\n{report}"
    assert_valid_html(page)


def assert_valid_html(page: Page) -> None:
    """Validate the document the server last sent to ``page`` (not the DOM after scripts ran)."""
    response: Response | None = getattr(page, "_courage_document", None)
    assert response is not None, "this page is not watched: create it with tests.browser.new_page or watch(page)"
    assert urldefrag(response.url).url == urldefrag(page.url).url, f"no document recorded for {page.url}"
    errors = html_errors(response.body())
    report = "\n".join(f"line {e.get('lastLine', '?')}: {e['message']} – {e.get('extract', '')!r}" for e in errors[:20])
    assert not errors, f"HTML errors (Nu Html Checker) on {page.url}:\n{report}"


def html_errors(html: bytes) -> list[dict]:
    """The Nu Html Checker's errors for one document (warnings and info left out)."""
    request = urllib.request.Request(  # noqa: S310 - our own checker on 127.0.0.1
        _validator_url() + "?out=json", data=html, headers={"Content-Type": "text/html; charset=utf-8"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - the same local checker
        messages = json.load(response)["messages"]
    return [m for m in messages if m.get("type") in ("error", "non-document-error")]


_validator: dict[str, object] = {}


def _validator_url() -> str:
    """Start the checker once per test process as a local HTTP service (one JVM start instead of one per page)."""
    if "url" in _validator:
        return str(_validator["url"])
    java = shutil.which("java")
    if not java or not VNU_JAR.is_file():
        pytest.fail(
            f"The Nu Html Checker needs java and {VNU_JAR}: run `make test` (it installs both) "
            "or set SKIP_BROWSER_TESTS=1"
        )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [
            java,
            "-Xss4m",
            "-Dnu.validator.servlet.bind-address=127.0.0.1",
            "-cp",
            str(VNU_JAR),
            "nu.validator.servlet.Main",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    atexit.register(process.terminate)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):
                break
        except (urllib.error.URLError, ConnectionError):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"The Nu Html Checker did not start on {url} (exit code {process.poll()})")
            time.sleep(0.2)  # waiting for the JVM to listen, not for the page under test
    _validator.update(url=url, process=process)
    return url
