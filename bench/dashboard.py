"""Benchmark of the KI dashboard: SQL queries and render time of /koordination/ on a large demo network.

Seeds a fresh SQLite database (and PostgreSQL when TEST_DATABASE_URL is set) with
``seed-demo --schools 5000 --activities 200000 --materials 100000``, signs in as the demo KI account and prints
the median of N warm requests and the number of SQL statements per request.

    .venv/bin/python bench/dashboard.py [--schools 5000 --activities 200000 --materials 100000 --requests 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PATHS = ("/koordination/", "/koordination/?gemeinde=Lippstadt", "/koordination/schulen", "/koordination/kontakt")


def seed(url: str, instance: str, args) -> float:
    env = {**os.environ, "DATABASE_URL": url, "COURAGE_HUB_ENV": "development", "COURAGE_HUB_INSTANCE": instance}
    flask = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "courage_hub"]
    started = time.perf_counter()
    subprocess.run([*flask, "db", "upgrade"], env=env, check=True, cwd=ROOT, capture_output=True)
    command = [*flask, "seed-demo", "--schools", str(args.schools), "--activities", str(args.activities)]
    help_text = subprocess.run([*flask, "seed-demo", "--help"], env=env, cwd=ROOT, capture_output=True, text=True)
    if "--materials" in help_text.stdout:
        command += ["--materials", str(args.materials)]
    else:
        print("note: seed-demo has no --materials option; seeded without materials", file=sys.stderr)
    subprocess.run(command, env=env, check=True, cwd=ROOT, capture_output=True)
    return time.perf_counter() - started


def measure(url: str, instance: str, requests: int) -> list[tuple[str, int, float]]:
    os.environ["COURAGE_HUB_INSTANCE"] = instance
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import event

    from courage_hub import create_app
    from courage_hub.demo import demo_password
    from courage_hub.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "ENV_NAME": "development", "SECRET_KEY": "bench"})
    app.config["WTF_CSRF_ENABLED"] = False
    results = []
    with app.app_context():
        client = app.test_client()
        login = client.post("/anmelden", data={"email": "ki@example.org", "password": demo_password()})
        assert login.status_code == 302, "sign-in failed"
        statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        for path in PATHS:
            for _ in range(3):  # warm up
                assert client.get(path).status_code == 200
            timings, counts = [], []
            for _ in range(requests):
                statements.clear()
                started = time.perf_counter()
                response = client.get(path)
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
                counts.append(len(statements))
            results.append((path, max(counts), statistics.median(timings)))
        db.engine.dispose()
    return results


def run_one(label: str, url: str, instance: str, args) -> None:
    seconds = seed(url, instance, args)
    code = (
        f"import sys, json; sys.path.insert(0, {str(ROOT)!r}); from bench.dashboard import measure; "
        f"print(json.dumps(measure({url!r}, {instance!r}, {args.requests:d})))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    import json

    rows = json.loads(out.stdout.strip().splitlines()[-1])
    print(
        f"\n{label}: seeded in {seconds:.0f} s ({args.schools} schools, {args.activities} activities, "
        f"{args.materials} materials)"
    )
    print(f"{'path':<40} {'queries':>8} {'median ms':>10}")
    for path, queries, ms in rows:
        print(f"{path:<40} {queries:>8} {ms:>10.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schools", type=int, default=5000)
    parser.add_argument("--activities", type=int, default=200_000)
    parser.add_argument("--materials", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="courage-bench-") as tmp:
        run_one("SQLite", "sqlite:///" + str(Path(tmp) / "bench.sqlite3"), tmp, args)
    pg = os.environ.get("TEST_DATABASE_URL")
    if pg:
        from sqlalchemy import create_engine, text

        engine = create_engine(pg)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS courage_bench CASCADE"))
            conn.execute(text("CREATE SCHEMA courage_bench"))
        separator = "&" if "?" in pg else "?"
        url = f"{pg}{separator}options=-csearch_path%3Dcourage_bench"
        with tempfile.TemporaryDirectory(prefix="courage-bench-") as tmp:
            run_one("PostgreSQL", url, tmp, args)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS courage_bench CASCADE"))
        engine.dispose()


if __name__ == "__main__":
    main()
