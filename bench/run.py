"""``make bench``: fill a fresh database with Germany-size demo data, serve it with gunicorn, measure each page.

For SQLite (always) and PostgreSQL (when ``TEST_DATABASE_URL`` is set, in a fresh database of its own) the script

1. creates a fresh instance folder, migrates and runs ``seed-demo`` with the benchmark sizes (timed): the national
   network, 120 regional offices over the 16 Länder with 4,400 schools,
2. signs in the demo accounts of a regional office, the Landeskoordination NRW and the Bundeskoordination (password,
   then the demo second factor) and counts the SQL statements of one request per page in-process (Flask test
   client, SQLAlchemy event),
3. starts gunicorn with 2 workers, as in production on a small VM,
4. drives every page with a fixed number of requests over 8 concurrent connections (asyncio + httpx),
5. reads the workers' peak resident memory from ``/proc``,
6. prints one markdown table per database and writes it to ``bench/results/<date>-<db>.md``.

Pages that do not exist yet (404, or no sample row to link to) are skipped with a note.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import httpx

logging.getLogger("httpx").setLevel(logging.WARNING)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BIN = Path(sys.executable).parent
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TX_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.IGNORECASE)

# Targets of the issue, on a 2-core machine.
PUBLIC_P95_MS, DASHBOARD_P95_MS, NATIONAL_P95_MS = 50.0, 200.0, 300.0
MIN_RATIO = 0.20
PUBLIC_MAX_QUERIES, DASHBOARD_QUERIES = 10, 15
MAX_RSS_MB = 200.0
# The demo accounts (password and second factor from courage_hub.demo) whose dashboards are measured.
REGIONAL_LOGIN, LAND_LOGIN, NATIONAL_LOGIN = "ki@example.org", "land-nrw@example.org", "bund@example.org"
SIZES = {"regions": 120, "schools": 4400, "activities": 200_000, "materials": 100_000}


@dataclass
class Page:
    label: str
    path: str | None  # None: no sample row exists, so the page cannot be measured
    login: str | None = None  # the demo account that requests the page (None: anonymous)
    note: str = ""
    p95_ms: float = PUBLIC_P95_MS
    max_queries: int = PUBLIC_MAX_QUERIES


@dataclass
class Result:
    page: Page
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    queries: int | None = None
    skipped: str = ""

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# --- database and instance ---------------------------------------------------------------------------------------


@contextmanager
def fresh_database(kind: str, workdir: Path) -> Iterator[str]:
    """A URL of an empty database: a new SQLite file, or a new PostgreSQL database dropped afterwards."""
    if kind == "sqlite":
        yield "sqlite:///" + str(workdir / "instance" / "courage_hub.sqlite3")
        return
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(os.environ["TEST_DATABASE_URL"])
    name = f"courage_bench_{secrets.token_hex(4)}"
    admin_dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def app_env(workdir: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "FLASK_APP"}}
    env.update(
        COURAGE_HUB_ENV="production",
        SECRET_KEY=secrets.token_hex(32),
        COURAGE_HUB_INSTANCE=str(workdir / "instance"),
        DATABASE_URL=database_url,
        # Links are built from it; the load tool's Host (127.0.0.1:<port>) is then the one trusted host.
        PUBLIC_URL=f"http://{BENCH_HOST}",
        # The load tool speaks plain HTTP to 127.0.0.1; the session cookie must travel over it.
        SESSION_COOKIE_SECURE="false",
        MAIL_OUTBOX=str(workdir / "outbox"),
        # The load tool is one client sending hundreds of requests per page: the API's limit stays on (its cost is
        # measured) but high enough never to refuse.
        API_RATE_LIMIT="100000000",
    )
    return env


def flask(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "courage_hub", *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.exit(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def seed(env: dict[str, str], sizes: dict[str, int]) -> tuple[float, str]:
    """Migrate and seed; returns the seconds spent seeding and a note about options the CLI lacks."""
    flask(env, "db", "upgrade")
    supported = flask(env, "seed-demo", "--help")
    args, missing = [], []
    for option, n in sizes.items():
        if f"--{option}" in supported:
            args += [f"--{option}", str(n)]
        else:
            missing.append(f"--{option}")
    started = time.perf_counter()
    flask(env, "seed-demo", *args)
    note = f"seed-demo has no {', '.join(missing)} yet" if missing else ""
    return time.perf_counter() - started, note


# --- pages and query counts --------------------------------------------------------------------------------------


def sample_pages(app) -> list[Page]:
    """The benchmarked pages, with real ids and slugs from the seeded database."""
    from sqlalchemy import select

    from courage_hub.activities.models import Activity, ActivityState, ActivityTopic
    from courage_hub.extensions import db
    from courage_hub.schools.models import School

    with app.app_context():
        slug = db.session.scalar(select(School.slug).where(School.is_public).order_by(School.id).limit(1))
        activity_id = db.session.scalar(
            select(Activity.id).where(Activity.state == ActivityState.PUBLISHED).order_by(Activity.id.desc()).limit(1)
        )
        year = db.session.scalar(select(Activity.school_year).order_by(Activity.start_date.desc()).limit(1))
        topic = db.session.scalar(select(ActivityTopic.topic).limit(1))
        material_id = None
        try:
            from courage_hub.materials.models import Material, MaterialState

            material_id = db.session.scalar(
                select(Material.id).where(Material.state == MaterialState.PUBLISHED).order_by(Material.id).limit(1)
            )
        except Exception:  # the materials table may not exist yet
            db.session.rollback()
    feed_filter = f"/aktivitaeten/?thema={topic}&jahr={year - 1}" if topic and year else None
    return [
        Page("/healthz (baseline)", "/healthz"),
        Page("/schulen/", "/schulen/"),
        Page("/schulen/<slug>", f"/schulen/{slug}" if slug else None),
        Page("/aktivitaeten/", "/aktivitaeten/"),
        Page("/aktivitaeten/?thema=…&jahr=…", feed_filter),
        Page("/aktivitaeten/?q=gedenk", "/aktivitaeten/?q=gedenk"),
        Page("/aktivitaeten/<id>", f"/aktivitaeten/{activity_id}" if activity_id else None),
        Page("/materialien/", "/materialien/"),
        Page("/materialien/?q=rassismus", "/materialien/?q=rassismus"),
        Page("/materialien/<id>", f"/materialien/{material_id}" if material_id else None, note="no material"),
        # The open data API, with the public pages' targets (its rate limit counts every request, see app_env).
        Page("/api/v1/schools", "/api/v1/schools"),
        Page("/api/v1/materials?q=rassismus", "/api/v1/materials?q=rassismus"),
        # The dashboard shows each account its own scope: the office's region, NRW's roll-up, the national one.
        Page("/koordination/ (KI staff)", "/koordination/", REGIONAL_LOGIN, "", DASHBOARD_P95_MS, DASHBOARD_QUERIES),
        Page("/koordination/ (NRW roll-up)", "/koordination/", LAND_LOGIN, "", DASHBOARD_P95_MS, DASHBOARD_QUERIES),
        Page("/koordination/ (national)", "/koordination/", NATIONAL_LOGIN, "", NATIONAL_P95_MS, DASHBOARD_QUERIES),
    ]


BENCH_HOST = "127.0.0.1"  # PUBLIC_URL's host: the one host the app answers in production


def test_client(app):
    """A Flask test client that names the trusted host (the default "localhost" is refused with 400)."""
    from flask.testing import FlaskClient

    class Client(FlaskClient):
        def open(self, *args, **kwargs):
            kwargs.setdefault("base_url", f"http://{BENCH_HOST}")
            return super().open(*args, **kwargs)

    return Client(app, app.response_class, use_cookies=True)


def signed_in_clients(app, pages: list[Page]) -> dict[str, object]:
    """A Flask test client per demo account the pages need, signed in; or the reason why not."""
    clients: dict[str, object] = {}
    for email in dict.fromkeys(page.login for page in pages if page.login):
        client = test_client(app)
        problem = sign_in(client, email)
        clients[email] = problem or client
    return clients


def count_queries(app, pages: list[Page], clients: dict[str, object]) -> dict[str, int | str]:
    """SQL statements per request (transaction control not counted), from the second of two requests, or a reason.

    The second request shows the steady state that the load test sees (e.g. with a warm count cache).
    """
    from sqlalchemy import event

    from courage_hub.extensions import db

    found: dict[str, int | str] = {}
    anonymous = test_client(app)
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def record(conn, cursor, statement, *args) -> None:
        if not TX_CONTROL.match(statement):
            statements.append(statement)

    for page in pages:
        if page.path is None:
            found[page.label] = page.note or "no sample row"
            continue
        client = clients[page.login] if page.login else anonymous
        if isinstance(client, str):
            found[page.label] = client
            continue
        client.get(page.path)
        statements.clear()
        event.listen(engine, "before_cursor_execute", record)
        try:
            status = client.get(page.path).status_code
        finally:
            event.remove(engine, "before_cursor_execute", record)
        found[page.label] = len(statements) if status == 200 else f"HTTP {status}"
    return found


def _csrf(page) -> str | None:
    match = CSRF_RE.search(page.get_data(as_text=True))
    return match.group(1) if match else None


def sign_in(client, email: str) -> str:
    """Sign a test client in as a demo account: password, then a code of the demo second factor. Returns a problem
    or "". A code counts once per account: when the current one was just used, wait for the next."""
    from courage_hub.auth.twofactor import totp
    from courage_hub.demo import demo_password, demo_totp_secret

    token = _csrf(client.get("/anmelden"))
    if not token:
        return "no login form"
    answer = client.post("/anmelden", data={"csrf_token": token, "email": email, "password": demo_password()})
    if answer.status_code != 302:
        return f"login of {email} failed (HTTP {answer.status_code})"
    if not answer.headers["Location"].endswith("/anmelden/code"):
        return ""
    code = totp(demo_totp_secret())
    for attempt in range(2):
        token = _csrf(client.get("/anmelden/code"))
        answer = client.post("/anmelden/code", data={"csrf_token": token, "code": code.now()})
        if answer.status_code == 302:
            return ""
        if attempt == 0:
            time.sleep(code.interval - time.time() % code.interval + 1)
    return f"second factor of {email} refused"


def session_cookies(app, clients: dict[str, object]) -> dict[str, httpx.Cookies]:
    """The signed-in test clients' session cookies, for the load tool (the server shares the secret key)."""
    name = app.config["SESSION_COOKIE_NAME"]
    jars = {}
    for email, client in clients.items():
        cookie = None if isinstance(client, str) else client.get_cookie(name, domain=BENCH_HOST)
        if cookie is not None:
            jars[email] = httpx.Cookies({name: cookie.value})
    return jars


# --- gunicorn and load -------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(env: dict[str, str], workers: int, log: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    port = free_port()
    log_file = log.open("w")
    proc = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "courage_hub:create_app()"],
        env=env,
        cwd=ROOT,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                sys.exit("gunicorn did not start:\n" + log.read_text())
            time.sleep(0.2)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log_file.close()


def worker_pids(master: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            children.append(int(stat.parent.name))
    return children


def peak_rss_mb(pids: list[int]) -> float:
    """The highest peak resident set size (VmHWM) among the processes, in MB."""
    peak = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
        if match:
            peak = max(peak, int(match.group(1)))
    return peak / 1024


async def drive(url: str, path: str, requests: int, concurrency: int, cookies: httpx.Cookies | None) -> Result:
    """``requests`` GETs of ``path`` over ``concurrency`` connections; latency per request, wall time for all."""
    result = Result(Page(path, path))
    remaining = requests
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60, cookies=cookies) as client:

        async def one_connection() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                started = time.perf_counter()
                response = await client.get(path)
                result.latencies_ms.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    result.errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(one_connection() for _ in range(concurrency)))
        result.seconds = time.perf_counter() - started
    result.requests = requests
    return result


# --- the report --------------------------------------------------------------------------------------------------


def verdict(result: Result, baseline: float) -> str:
    if result.skipped:
        return "skipped"
    dashboard = result.page.login
    problems = []
    if result.errors:
        problems.append(f"{result.errors} errors")
    if result.percentile(95) > result.page.p95_ms:
        problems.append("p95")
    if not dashboard and baseline and result.rps / baseline < MIN_RATIO and result.page.path != "/healthz":
        problems.append("throughput")
    if isinstance(result.queries, int) and result.queries > result.page.max_queries:
        problems.append("queries")
    return "✗ " + ", ".join(problems) if problems else "✓"


def render(kind: str, results: list[Result], meta: dict[str, str], rss: float) -> str:
    baseline = next((r.rps for r in results if r.page.path == "/healthz"), 0.0)
    lines = [
        f"## {kind} — {meta['date']}",
        "",
        f"- Data: {meta['sizes']}; seeding took {meta['seed_seconds']} s{meta['seed_note']}",
        f"- Server: gunicorn, 2 sync workers; load: {meta['load']}",
        f"- Machine: {meta['machine']}; commit {meta['commit']}",
        f"- Workers' peak RSS: {rss:.0f} MB (target ≤ {MAX_RSS_MB:.0f} MB) {'✓' if rss <= MAX_RSS_MB else '✗'}",
        "",
        "| Page | req/s | p50 ms | p95 ms | p99 ms | vs /healthz | SQL/req | Targets |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        queries = r.queries if r.queries is not None else "–"
        if r.skipped:
            lines.append(f"| {r.page.label} | – | – | – | – | – | {queries} | skipped: {r.skipped} |")
            continue
        ratio = f"{r.rps / baseline:.0%}" if baseline else "–"
        lines.append(
            f"| {r.page.label} | {r.rps:.0f} | {r.percentile(50):.1f} | {r.percentile(95):.1f} | "
            f"{r.percentile(99):.1f} | {ratio} | {queries} | {verdict(r, baseline)} |"
        )
    lines += [
        "",
        f"Targets: public pages p95 ≤ {PUBLIC_P95_MS:.0f} ms, ≥ {MIN_RATIO:.0%} of /healthz's req/s, "
        f"≤ {PUBLIC_MAX_QUERIES} SQL statements; a region's dashboard and the NRW roll-up p95 ≤ "
        f"{DASHBOARD_P95_MS:.0f} ms, the national roll-up p95 ≤ {NATIONAL_P95_MS:.0f} ms, each ≤ {DASHBOARD_QUERIES} "
        "statements. SQL/req: statements of one warm request, transaction control not counted.",
        "",
    ]
    return "\n".join(lines)


def commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


def bench_database(kind: str, args: argparse.Namespace) -> str:
    sizes = {key: getattr(args, key) for key in SIZES}
    workdir = Path(tempfile.mkdtemp(prefix=f"courage-bench-{kind}-"))
    try:
        with fresh_database(kind, workdir) as database_url:
            env = app_env(workdir, database_url)
            print(f"[{kind}] migrating and seeding {sizes} …", flush=True)
            seed_seconds, seed_note = seed(env, sizes)
            print(f"[{kind}] seeded in {seed_seconds:.0f} s", flush=True)
            print(f"[{kind}] every page rendered anew (PAGE_CACHE_SECONDS=0) …", flush=True)
            rendered, rendered_rss = measure({**env, "PAGE_CACHE_SECONDS": "0"}, args)
            print(f"[{kind}] with the public page cache (PAGE_CACHE_SECONDS=30, the default) …", flush=True)
            kept, kept_rss = measure({**env, "PAGE_CACHE_SECONDS": "30"}, args)
            meta = {
                "date": date.today().isoformat(),
                "sizes": ", ".join(f"{n:,} {k}".replace(",", " ") for k, n in sizes.items()),
                "seed_seconds": f"{seed_seconds:.0f}",
                "seed_note": f" ({seed_note})" if seed_note else "",
                "load": f"asyncio + httpx, {args.concurrency} connections, {args.requests} requests per page "
                f"after {args.warmup} warm-up requests",
                "machine": f"{os.cpu_count()} CPUs, {platform.system()} {platform.machine()}, "
                f"Python {platform.python_version()}",
                "commit": commit(),
            }
            name = "SQLite" if kind == "sqlite" else "PostgreSQL"
            return "\n".join(
                (
                    render(f"{name}, production setting: public page cache on", kept, meta, kept_rss),
                    "Anonymous visitors' pages are kept for 30 s (`core/pagecache.py`); every change to the data "
                    "starts a new generation, signed-in people (the dashboard) always get fresh pages.",
                    "",
                    render(f"{name}, every page rendered anew (PAGE_CACHE_SECONDS=0)", rendered, meta, rendered_rss),
                )
            )
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def measure(env: dict[str, str], args: argparse.Namespace) -> tuple[list[Result], float]:
    saved = dict(os.environ)
    # Counted as rendered (a kept page would run no SQL at all).
    os.environ.update({**env, "PAGE_CACHE_SECONDS": "0"})
    try:
        from courage_hub import create_app

        app = create_app()
        pages = sample_pages(app)
        clients = signed_in_clients(app, pages)
        queries = count_queries(app, pages, clients)
        cookies = session_cookies(app, clients)
        with app.app_context():
            from courage_hub.extensions import db

            db.engine.dispose()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    results: list[Result] = []
    with gunicorn(env, workers=2, log=Path(env["COURAGE_HUB_INSTANCE"]) / "gunicorn.log") as (url, proc):
        for page in pages:
            counted = queries.get(page.label)
            if page.path is None or isinstance(counted, str):
                results.append(Result(page, queries=None, skipped=str(counted or page.note)))
                print(f"  skip {page.label}: {counted}", flush=True)
                continue
            jar = cookies.get(page.login) if page.login else None
            asyncio.run(drive(url, page.path, args.warmup, args.concurrency, jar))
            measured = asyncio.run(drive(url, page.path, args.requests, args.concurrency, jar))
            measured.page, measured.queries = page, counted
            results.append(measured)
            print(
                f"  {page.label:<34} {measured.rps:7.0f} req/s  p95 {measured.percentile(95):6.1f} ms"
                f"  {counted} SQL  {measured.errors} errors",
                flush=True,
            )
        rss = peak_rss_mb(worker_pids(proc.pid))
    return results, rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for key, default in SIZES.items():
        parser.add_argument(f"--{key}", type=int, default=default)
    parser.add_argument("--requests", type=int, default=int(os.environ.get("BENCH_REQUESTS", 400)))
    parser.add_argument("--warmup", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--db", choices=("sqlite", "postgres", "all"), default="all")
    parser.add_argument("--keep", action="store_true", help="keep the temporary instance folder")
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.db == "all" else [args.db]
    if "postgres" in kinds and not os.environ.get("TEST_DATABASE_URL"):
        if args.db == "postgres":
            sys.exit("TEST_DATABASE_URL is not set")
        print("TEST_DATABASE_URL is not set: PostgreSQL skipped.")
        kinds.remove("postgres")
    RESULTS.mkdir(parents=True, exist_ok=True)
    for kind in kinds:
        table = bench_database(kind, args)
        target = RESULTS / f"{date.today().isoformat()}-{kind}.md"
        target.write_text(table, encoding="utf-8")
        print()
        print(table)
        print(f"written to {target.relative_to(ROOT)}")


if __name__ == "__main__":
    if not shutil.which(str(BIN / "gunicorn")):
        sys.exit("gunicorn is missing: run `make bench`")
    main()
