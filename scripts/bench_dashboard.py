"""Benchmark of the staff dashboard (issue 9); prints its figures.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hive_bench REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python scripts/bench_dashboard.py [--incidents 1000000] [--runs 40]

Builds the incidents with scripts/bench_grids.py's bulk builder (PostgreSQL
generate_series; a few minutes at full size, reused when already there), then renders
/admin/dashboard/ in process through Django's test client as the community's staff
member, with production settings (DEBUG off):
  * cold: the community's cached figures forgotten before each render (every aggregate
    runs on the database);
  * cached: the figures from the cache (Redis when REDIS_URL is set).
Prints p50/p95 in milliseconds and the queries of each. Target: p95 < 300 ms.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Production settings, minus what a test client over plain HTTP cannot follow.
os.environ.update(
    DEBUG="0",
    SECRET_KEY=os.environ.get("SECRET_KEY", "bench-only-secret-key-0123456789abcdef"),
    SECURE_SSL_REDIRECT="0",
    SESSION_COOKIE_SECURE="0",
    CSRF_COOKIE_SECURE="0",
    STATIC_MANIFEST="0",
    ALLOWED_HOSTS="testserver",
)


def percentile(values: list[float], share: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * share))]


def measure(client, path: str, runs: int, before=None) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings, queries = [], 0
    for _ in range(runs):
        if before:
            before()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
        queries = len(captured)
    return {
        "p50": statistics.median(timings),
        "p95": percentile(timings, 0.95),
        "queries": queries,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()

    from scripts.bench_grids import build

    info = build(args.incidents, 0)

    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)  # the dashboard's covering index
    with connection.cursor() as cursor:
        # Index-only scans need the visibility map that autovacuum would set in time.
        cursor.execute("VACUUM ANALYZE grids_incident")

    from django.conf import settings
    from django.test import Client

    from hive.dashboard import dashboard_invalidate
    from hive.models import User

    print(f"cache: {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}")
    client = Client()
    client.force_login(User.objects.get(username="bench_staff"))
    community = info["community"]

    def forget():
        dashboard_invalidate(community_id=community)

    for period in ["year", "all"]:
        path = f"/admin/dashboard/?period={period}"
        measure(client, path, 2, forget)  # warm the process and the database's buffers
        cold = measure(client, path, args.runs, forget)
        cached = measure(client, path, args.runs * 5)
        for label, result in [("cold  ", cold), ("cached", cached)]:
            print(
                f"dashboard period={period:<4} {label}: p50 {result['p50']:6.1f} ms, "
                f"p95 {result['p95']:6.1f} ms, {result['queries']} queries (target p95 < 300 ms)"
            )


if __name__ == "__main__":
    main()
