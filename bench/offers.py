"""Benchmark of the public offer pages at network size: SQL statements and render time of /angebote/ with 5,000 offers.

Seeds a fresh SQLite database (and PostgreSQL when TEST_DATABASE_URL is set, in a schema of its own) with
``seed-demo --regions 120 --offers 5000`` (the demo's 30 partners and about 400 generated ones), then requests every
variant of the offer list (no filter, a search, each filter, filters combined, later pages), an offer page, a
partner page, the partner list and a region page in-process (Flask test client, anonymous, page cache off), and
prints a Markdown table per database:

- SQL/req: the statements of one request with the per-worker caches of totals and result ids cleared (transaction
  control not counted): what the page costs, however many offers match;
- cold p50/p95: the time of such requests (every request counts and ranks again);
- warm p50/p95: the time with those caches kept, as a worker serves a page again within a minute.

    python bench/offers.py [--offers 5000 --regions 120 --requests 40] [--output bench/results/<date>-offers.md]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TX_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
CACHES = ("count_cache", "id_cache", "row_cache")
# (label, path); "{offer}", "{partner}" are filled with the journey's workshop and its partner.
PAGES = (
    ("/angebote/", "/angebote/"),
    ("search: q=antisemitismus", "/angebote/?q=antisemitismus"),
    ("search, two words: q=workshop gedenken", "/angebote/?q=workshop+gedenken"),
    ("topic: thema=Antisemitismus", "/angebote/?thema=Antisemitismus"),
    ("format=Workshop", "/angebote/?format=Workshop"),
    ("grade: stufe=9", "/angebote/?stufe=9"),
    ("cost: kosten=free", "/angebote/?kosten=free"),
    ("region=kreis-soest", "/angebote/?region=kreis-soest"),
    ("online=1", "/angebote/?online=1"),
    (
        "combined: thema, format, stufe, kosten, region",
        "/angebote/?thema=Antisemitismus&format=Workshop&stufe=9&kosten=free&region=kreis-soest",
    ),
    ("combined with search: q, stufe, region", "/angebote/?q=antisemitismus&stufe=9&region=kreis-soest"),
    ("page 2: seite=2", "/angebote/?seite=2"),
    ("page 100: seite=100", "/angebote/?seite=100"),
    ("offer page", "/angebote/{offer}"),
    ("partner page", "/angebote/partner/{partner}"),
    ("partner list", "/angebote/partner/"),
    ("partner list: region=kreis-soest", "/angebote/partner/?region=kreis-soest"),
    ("region page /regionen/kreis-soest", "/regionen/kreis-soest"),
)


def seed(url: str, instance: str, args) -> float:
    env = {**os.environ, "DATABASE_URL": url, "COURAGE_HUB_ENV": "development", "COURAGE_HUB_INSTANCE": instance}
    flask = [str(BIN / "flask"), "--app", "courage_hub"]
    subprocess.run([*flask, "db", "upgrade"], env=env, check=True, cwd=ROOT, capture_output=True)
    started = time.perf_counter()
    command = [*flask, "seed-demo", "--regions", str(args.regions), "--schools", str(args.schools)]
    command += ["--activities", str(args.activities), "--materials", "0", "--offers", str(args.offers)]
    subprocess.run(command, env=env, check=True, cwd=ROOT, capture_output=True)
    return time.perf_counter() - started


def measure(url: str, instance: str, requests: int) -> dict:
    """Run in a fresh process: the figures of every page (see the module's docstring)."""
    os.environ["COURAGE_HUB_INSTANCE"] = instance
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import event, func, select

    from courage_hub import create_app
    from courage_hub.extensions import db
    from courage_hub.partners.demo import ACCOUNT_PARTNER, JOURNEY_OFFER
    from courage_hub.partners.models import Offer, Partner

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "ENV_NAME": "development", "SECRET_KEY": "bench", "PAGE_CACHE_SECONDS": 0}
    )
    with app.app_context():
        offers = db.session.scalar(select(func.count()).select_from(Offer))
        partners = db.session.scalar(select(func.count()).select_from(Partner))
        partner = db.session.scalar(select(Partner.id).where(Partner.name == ACCOUNT_PARTNER))
        offer = db.session.scalar(select(Offer.id).where(Offer.title == JOURNEY_OFFER))
        engine = db.engine
        db.session.remove()
    # Requests outside this app context: each one gets its own, as in production (nothing kept in ``g``).
    client = app.test_client()
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))

    def get(path: str, cold: bool) -> float:
        if cold:
            for name in CACHES:
                app.extensions.pop(f"courage_hub.{name}", None)
        started = time.perf_counter()
        response = client.get(path)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (path, response.status_code)
        return elapsed

    rows = []
    for label, template in PAGES:
        path = template.format(offer=offer, partner=partner)
        for _ in range(3):
            get(path, cold=True)
        statements.clear()
        get(path, cold=True)
        queries = sum(1 for s in statements if not s.lstrip().upper().startswith(TX_CONTROL))
        cold = [get(path, cold=True) for _ in range(requests)]
        warm = [get(path, cold=False) for _ in range(requests)]
        rows.append((label, path, queries, percentiles(cold), percentiles(warm)))
    engine.dispose()
    return {"offers": offers, "partners": partners, "rows": rows}


def percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def run_one(label: str, url: str, instance: str, args) -> str:
    seconds = seed(url, instance, args)
    code = (
        f"import sys, json; sys.path.insert(0, {str(ROOT)!r}); from bench.offers import measure; "
        f"print(json.dumps(measure({url!r}, {instance!r}, {args.requests:d})))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    lines = [
        f"## {label} — {date.today().isoformat()}",
        "",
        f"- Data: {_n(result['offers'])} offers of {_n(result['partners'])} partners, {args.regions} regions, "
        f"{_n(args.activities)} activity reports; seeding took {seconds:.0f} s",
        f"- In-process (Flask test client, anonymous, page cache off), {args.requests} requests per page and state "
        f"after 3 warm-up requests",
        f"- Machine: {os.cpu_count()} CPUs, {platform.system()} {platform.machine()}, Python "
        f"{platform.python_version()}; commit {_commit()}",
        "",
        "| Page | SQL/req | cold p50 ms | cold p95 ms | warm p50 ms | warm p95 ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, path, queries, (cold50, cold95), (warm50, warm95) in result["rows"]:
        lines.append(f"| {name} (`{path}`) | {queries} | {cold50:.1f} | {cold95:.1f} | {warm50:.1f} | {warm95:.1f} |")
    lines += [
        "",
        "SQL/req: statements of one request with the per-worker caches of totals and result ids cleared, transaction "
        "control not counted. Cold: every request counts and ranks again; warm: totals and ids of large results "
        "(≥ 1,000) kept for a minute, as core/pagination.py does.",
        "",
    ]
    return "\n".join(lines)


def _n(number: int) -> str:
    return f"{number:,}".replace(",", " ")


def _commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--offers", type=int, default=5000)
    parser.add_argument("--regions", type=int, default=120)
    parser.add_argument("--schools", type=int, default=600)
    parser.add_argument("--activities", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / f"{date.today()}-offers.md")
    args = parser.parse_args()
    tables = []
    with tempfile.TemporaryDirectory(prefix="courage-bench-") as tmp:
        tables.append(run_one("SQLite", "sqlite:///" + str(Path(tmp) / "bench.sqlite3"), tmp, args))
        print(tables[-1])
    pg = os.environ.get("TEST_DATABASE_URL")
    if pg:
        from sqlalchemy import create_engine, text

        engine = create_engine(pg)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS courage_bench_offers CASCADE"))
            conn.execute(text("CREATE SCHEMA courage_bench_offers"))
        separator = "&" if "?" in pg else "?"
        url = f"{pg}{separator}options=-csearch_path%3Dcourage_bench_offers"
        try:
            with tempfile.TemporaryDirectory(prefix="courage-bench-") as tmp:
                tables.append(run_one("PostgreSQL", url, tmp, args))
                print(tables[-1])
        finally:
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA IF EXISTS courage_bench_offers CASCADE"))
            engine.dispose()
    header = "# Offers of cooperation partners: /angebote/ at network size (`python bench/offers.py`)\n\n"
    args.output.write_text(header + "\n".join(tables), encoding="utf-8")
    print(f"written to {args.output}")


if __name__ == "__main__":
    main()
