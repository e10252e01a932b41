"""Benchmark: close and compute a three-double round with full peer evaluation.

    .venv/bin/python scripts/bench_three_double.py [--units 200] [--server-url postgres://postgres@127.0.0.1:5432]

1. creates a throwaway PostgreSQL database (hive_bench3 by default; dropped at the end,
   also when something fails) and migrates it;
2. for each size (a small round, then the full one) builds a community with N active
   units, opens a round (N reports, 2N two-way sheets, N·(N-1) peer sheets: 40,200 for
   200 units), and fills ~95 % of the sheets and ~90 % of the duty reports with random
   scores in one SQL UPDATE (the rest will be marked missing);
3. times `round_close` and `round_compute_results` — the same services the Celery tasks
   call, in this one process like one worker — and counts their queries.

Target (issue 4): close + compute under 10 s for 200 units, with a query count that does
not grow with the number of sheets (the two sizes print the same counts).
"""

import argparse
import os
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def admin_connection(server_url: str):
    import psycopg2

    url = urllib.parse.urlparse(server_url)
    connection = psycopg2.connect(
        host=url.hostname or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password or None,
        dbname="postgres",
    )
    connection.autocommit = True
    return connection


def build_round(units: int, label: str):
    import datetime

    from django.db import connection
    from django.utils import timezone

    from hive.models import Community, Street
    from partycommittee.evaluations import services
    from partycommittee.evaluations.models import EvaluationSheet
    from partycommittee.models import ResidentUnit

    street, _ = Street.objects.get_or_create(code="bench", defaults={"name": "基准街道"})
    community = Community.objects.create(street=street, name=f"基准社区{label}", code=label)
    ResidentUnit.objects.bulk_create(
        [ResidentUnit(community=community, name=f"单位{i:03d}") for i in range(units)]
    )
    now = timezone.now()
    evaluation_round = services.round_create(
        community=community,
        day=timezone.localdate(),
        opens_at=now - datetime.timedelta(days=1),
        deadline=now + datetime.timedelta(days=7),
    )
    started = time.perf_counter()
    services.round_open(round_id=evaluation_round.pk)
    opened = time.perf_counter() - started
    sheets = EvaluationSheet.objects.filter(round=evaluation_round).count()
    table = EvaluationSheet._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {table} SET status = 'submitted', submitted_at = now(),
                   communication = 50 + floor(random() * 51)::int,
                   service = 50 + floor(random() * 51)::int,
                   overall = 50 + floor(random() * 51)::int
               WHERE round_id = %s AND random() < 0.95""",  # noqa: S608 (table name is ours)
            [evaluation_round.pk],
        )
        cursor.execute(
            """UPDATE partycommittee_dutyreport SET status = 'submitted', submitted_at = now(),
                   text = '本期履职情况' WHERE round_id = %s AND random() < 0.9""",
            [evaluation_round.pk],
        )
        cursor.execute("ANALYZE")
    return evaluation_round, sheets, opened


def measure(evaluation_round):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from partycommittee.evaluations import services

    with CaptureQueriesContext(connection) as close_queries:
        started = time.perf_counter()
        services.round_close(round_id=evaluation_round.pk, early=True)
        closed = time.perf_counter() - started
    with CaptureQueriesContext(connection) as compute_queries:
        started = time.perf_counter()
        services.round_compute_results(round_id=evaluation_round.pk)
        computed = time.perf_counter() - started
    return closed, len(close_queries), computed, len(compute_queries)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--small", type=int, default=20, help="units in the comparison round")
    parser.add_argument("--server-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="hive_bench3")
    args = parser.parse_args()

    admin = admin_connection(args.server_url)
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{args.database}"')
        cursor.execute(f'CREATE DATABASE "{args.database}"')
    os.environ["DATABASE_URL"] = f"{args.server_url.rstrip('/')}/{args.database}"
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        print(f"PostgreSQL database {args.database} (dropped afterwards); one process.")
        print(
            f"{'units':>6} {'sheets':>7} {'open s':>7} {'close s':>8} {'close q':>8} "
            f"{'compute s':>10} {'compute q':>10} {'total s':>8}"
        )
        rows = []
        for label, units in (("small", args.small), ("full", args.units)):
            evaluation_round, sheets, opened = build_round(units, f"bench-{label}")
            closed, close_q, computed, compute_q = measure(evaluation_round)
            rows.append((close_q, compute_q))
            print(
                f"{units:>6} {sheets:>7} {opened:>7.2f} {closed:>8.3f} {close_q:>8} "
                f"{computed:>10.3f} {compute_q:>10} {closed + computed:>8.3f}"
            )
        total = closed + computed
        constant = rows[0] == rows[1]
        print(
            f"close + compute for {args.units} units: {total:.2f} s "
            f"({'under' if total < 10 else 'OVER'} the 10 s target); query count "
            f"{'does not grow' if constant else 'GROWS'} with the sheets "
            f"({rows[0][0]}+{rows[0][1]} vs {rows[1][0]}+{rows[1][1]})."
        )
        connection.close()
        return 0 if total < 10 and constant else 1
    finally:
        with admin.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [args.database],
            )
            cursor.execute(f'DROP DATABASE IF EXISTS "{args.database}"')
        admin.close()


if __name__ == "__main__":
    sys.exit(main())
