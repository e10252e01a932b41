"""Benchmark the star-rating computation on PostgreSQL.

    .venv/bin/python scripts/bench_stars.py [--members 5000] [--entries 1000000] [--keep]

What it does, and stops by itself:
1. creates a throwaway PostgreSQL database (hive_bench_stars, dropped first if it is
   there) on the server of DATABASE_URL (default postgres://postgres@127.0.0.1:5432/)
   and migrates it;
2. loads one community with `--members` party members (users and profiles with COPY)
   and `--entries` ledger entries (one INSERT … SELECT over generate_series, in the
   database), every entry inside the rated quarter — the worst case: all of them are
   summed — plus a small second community (50 members, 10,000 entries);
3. runs `volunteers.services.ratings_compute` for the big community and prints the
   wall time, the number of SQL queries and the rows written; runs it again (nothing
   changed: 0 rows, the idempotent case); then rates the small community to show the
   query count does not depend on the number of members;
4. drops the database (unless --keep).

Target (issue 8): under 5 s for 5,000 members and 1,000,000 entries, with a query
count that does not grow with the members.
"""

import argparse
import datetime
import io
import os
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DB_NAME = "hive_bench_stars"


def admin_connection(url):
    import psycopg2

    conn = psycopg2.connect(
        host=url.hostname,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname="postgres",
    )
    conn.autocommit = True
    return conn


def recreate_database(url):
    conn = admin_connection(url)
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
        cursor.execute(f'CREATE DATABASE "{DB_NAME}"')
    conn.close()


def drop_database(url):
    conn = admin_connection(url)
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
    conn.close()


def copy_rows(cursor, model, rows):
    """COPY dicts of {column: value} into the model's table."""
    columns = list(rows[0])
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if row[c] is None else str(row[c]) for c in columns))
        buffer.write("\n")
    buffer.seek(0)
    cursor.cursor.copy_expert(
        f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN",
        buffer,
    )


def load_community(cursor, *, street, code, members, entries, start_at, seconds, tag):
    """One community with `members` party members and `entries` ledger entries spread
    over [start_at, start_at + seconds)."""
    from hive.models import Community, User
    from volunteers.models import PartyMember, PointEntry, PointRule

    community = Community.objects.create(street=street, name=f"社区{code}", code=code)
    rules = [
        PointRule.objects.create(
            community=community,
            code="service",
            name="志愿服务",
            category="volunteer_service",
            points=5,
        ),
        PointRule.objects.create(
            community=community, code="advice", name="建言献策", category="advice", points=3
        ),
        PointRule.objects.create(
            community=community, code="late", name="迟到", category="deduction", points=-2
        ),
    ]
    now = datetime.datetime.now(datetime.UTC).isoformat()
    copy_rows(
        cursor,
        User,
        [
            {
                "password": "!",
                "is_superuser": "f",
                "username": f"{tag}{n:06d}",
                "first_name": "",
                "last_name": "",
                "email": "",
                "is_staff": "f",
                "is_active": "t",
                "date_joined": now,
                "name": f"党员{tag}{n}",
                "phone": "",
            }
            for n in range(members)
        ],
    )
    cursor.execute("SELECT id FROM hive_user WHERE username LIKE %s ORDER BY id", [f"{tag}%"])
    user_ids = [row[0] for row in cursor.fetchall()]
    copy_rows(
        cursor,
        PartyMember,
        [
            {
                "created_at": now,
                "updated_at": now,
                "community_id": community.pk,
                "user_id": user_id,
                "branch": f"第{n % 7 + 1}党支部",
                "joined_party_on": None,
                "is_in_service": "f",
                "registered_unit_id": None,
                "is_active": "t",
            }
            for n, user_id in enumerate(user_ids)
        ],
    )
    cursor.execute(
        "SELECT min(id), max(id) FROM volunteers_partymember WHERE community_id = %s",
        [community.pk],
    )
    first_member, last_member = cursor.fetchone()
    assert last_member - first_member + 1 == members  # noqa: S101 - contiguous after COPY
    # A million rows are generated in the database itself: no round trips, no Python.
    # The generated keys are valid by construction, so the foreign-key triggers are
    # skipped for this load (needs a superuser, as the throwaway database's owner is).
    cursor.execute("SET LOCAL session_replication_role = replica")
    cursor.execute(
        f"""
        INSERT INTO {PointEntry._meta.db_table}
            (community_id, member_id, rule_id, points, reason, awarded_at, created_at)
        SELECT %(community)s,
               %(first_member)s + (g * 7919) %% %(members)s,
               (ARRAY[%(r1)s, %(r1)s, %(r2)s, %(r3)s])[1 + g %% 4],
               (ARRAY[5, 5, 3, -2])[1 + g %% 4],
               'bench',
               %(start)s::timestamptz + ((g * 104729) %% %(seconds)s) * interval '1 second',
               now()
        FROM generate_series(0::bigint, %(entries)s - 1) AS g
        """,  # noqa: S608 - table name from the model
        {
            "community": community.pk,
            "first_member": first_member,
            "members": members,
            "r1": rules[0].pk,
            "r2": rules[1].pk,
            "r3": rules[2].pk,
            "start": start_at,
            "seconds": seconds,
            "entries": entries,
        },
    )
    cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    return community


def timed_rating(community_id, day):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from volunteers.services import ratings_compute

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        rows = ratings_compute(community_id=community_id, day=day)
        elapsed = time.perf_counter() - started
    return elapsed, len(queries), rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    args = parser.parse_args()

    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        base = "postgres://postgres@127.0.0.1:5432/postgres"
    url = urllib.parse.urlparse(base)
    recreate_database(url)
    os.environ["DATABASE_URL"] = urllib.parse.urlunparse(url._replace(path=f"/{DB_NAME}"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from hive.models import Street
    from volunteers.models import PointsScheme, StarRating

    try:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"migrated in {time.perf_counter() - started:.1f} s")

        day = datetime.date(2026, 2, 15)
        scheme = PointsScheme(**PointsScheme.DEFAULTS)
        start, end = scheme.bounds(day)
        start_at = f"{start.isoformat()} 00:00:00+08"
        seconds = int((end - start).total_seconds())

        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            street = Street.objects.create(name="基准街道", code="bench")
            big = load_community(
                cursor,
                street=street,
                code="big",
                members=args.members,
                entries=args.entries,
                start_at=start_at,
                seconds=seconds,
                tag="b",
            )
            small = load_community(
                cursor,
                street=street,
                code="small",
                members=50,
                entries=10_000,
                start_at=start_at,
                seconds=seconds,
                tag="s",
            )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(
            f"loaded {args.members} + 50 members, {args.entries} + 10000 entries "
            f"in {time.perf_counter() - started:.1f} s"
        )

        elapsed, queries, rows = timed_rating(big.pk, day)
        print(
            f"rate {args.members} members / {args.entries} entries (first run): "
            f"{elapsed:.3f} s, {queries} queries, {rows} rating rows written"
        )
        elapsed2, queries2, rows2 = timed_rating(big.pk, day)
        print(
            f"rate again (nothing changed):                 "
            f"{elapsed2:.3f} s, {queries2} queries, {rows2} rating rows written"
        )
        elapsed3, queries3, rows3 = timed_rating(small.pk, day)
        print(
            f"rate 50 members / 10000 entries:              "
            f"{elapsed3:.3f} s, {queries3} queries, {rows3} rating rows written"
        )
        stars = dict(
            StarRating.objects.filter(community=big)
            .values_list("stars")
            .annotate(n=__import__("django.db.models", fromlist=["Count"]).Count("id"))
        )
        print(f"stars distribution (big community): {dict(sorted(stars.items()))}")
        ok = elapsed < 5 and queries == queries3
        print(
            "target (under 5 s, query count independent of members): "
            + ("MET" if ok else "NOT MET")
        )
    finally:
        connection.close()
        if not args.keep:
            drop_database(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
