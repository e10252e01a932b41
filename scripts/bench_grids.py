"""Benchmark of the grids speed targets (issue 5); prints its figures.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hive_bench \\
        .venv/bin/python scripts/bench_grids.py [--incidents 1000000] [--residents 100000]

Builds the data in bulk (PostgreSQL generate_series; a few minutes at full size), starts
gunicorn (2 sync workers) on the same database, and measures with 8 concurrent clients:
  * the incident list API with status + category + grid filters, 50 per page: p95 and
    requests per second, against a hand-written view returning the same 50 rows through
    .values() (scripts/bench_grids_urls.py), in the same run;
  * the household search by name and by masked phone (in process): milliseconds.
Targets: API p95 < 100 ms, API rps >= 0.7 x baseline rps, search < 150 ms.
"""

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def build(incidents: int, residents: int) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from grids.models import Grid, Household, Incident, Resident
    from hive.access.roles import Role
    from hive.models import Community, Street, User
    from hive.services import api_token_issue, role_assign

    if connection.vendor != "postgresql":
        raise SystemExit("The benchmark needs PostgreSQL: set DATABASE_URL.")
    call_command("migrate", verbosity=0)
    street, _ = Street.objects.get_or_create(code="bench", defaults={"name": "压测街道"})
    community, _ = Community.objects.get_or_create(
        code="bench", defaults={"street": street, "name": "压测社区"}
    )
    staff = User.objects.filter(username="bench_staff").first()
    if staff is None:
        staff = User.objects.create_user(username="bench_staff", password="bench-pass-1")  # noqa: S106
    role_assign(user=staff, role=Role.COMMUNITY_STAFF, community=community)
    member = User.objects.filter(username="bench_grid").first() or User.objects.create_user(
        username="bench_grid",
        password="bench-pass-1",  # noqa: S106
    )
    role_assign(user=member, role=Role.GRID_MEMBER, community=community)
    grids = []
    for n in range(20):
        grid, _ = Grid.objects.get_or_create(
            community=community, code=f"B{n:02d}", defaults={"name": f"压测{n}", "member": member}
        )
        grids.append(grid)
    # As the token endpoint gives it to staff who typed the code (hive.services).
    _token, token_key = api_token_issue(user=staff, second_factor=True, name="bench")
    grid_ids = [g.pk for g in grids]
    have = Incident.objects.filter(community=community).count()
    started = time.perf_counter()
    if have < incidents:
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO grids_incident (created_at, updated_at, community_id, grid_id,
                    category, priority, status, location, description, reporter_id,
                    on_behalf_of, deadline, rejection_reason, resolution, rejected_by_id)
                SELECT now() - (n || ' minutes')::interval, now(), %s,
                    (%s::bigint[])[1 + n %% %s],
                    (ARRAY['dispute','hidden_danger','sign','loophole','demand','event'])
                        [1 + (n / 7) %% 6],
                    'normal',
                    (ARRAY['reported','accepted','assigned','in_progress','resolved',
                           'verified','closed','closed_not_fixed','rejected'])[1 + (n / 3) %% 9],
                    '压测位置 ' || n, '压测描述', %s, '', now() + interval '3 days', '', '', %s
                FROM generate_series(%s, %s) AS n
                """,
                [community.pk, grid_ids, len(grid_ids), member.pk, member.pk, have + 1, incidents],
            )
    have_households = Household.objects.filter(community=community).count()
    households = residents // 2
    if have_households < households:
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO grids_household (created_at, updated_at, community_id, grid_id,
                    number, room, address, head_name, phone, phone_mask, is_rental, notes)
                SELECT now(), now(), %s, (%s::bigint[])[1 + n %% %s], 'BH' || n, '', '',
                    (ARRAY['王','李','张','刘','陈','杨','赵','黄'])[1 + n %% 8] || '户' || n,
                    '138' || lpad(n::text, 8, '0'),
                    '138****' || right(lpad(n::text, 8, '0'), 4), false, ''
                FROM generate_series(%s, %s) AS n
                """,
                [community.pk, grid_ids, len(grid_ids), have_households + 1, households],
            )
    if Resident.objects.filter(community=community).count() < residents:
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO grids_resident (created_at, updated_at, community_id, household_id,
                    name, gender, id_number, phone, phone_mask, relation, status)
                SELECT now(), now(), h.community_id, h.id, h.head_name || s.k, 'male', '',
                    CASE WHEN s.k = 1 THEN '139' || right(h.phone, 8) ELSE '' END,
                    CASE WHEN s.k = 1 THEN '139****' || right(h.phone, 4) ELSE '' END,
                    'head', 'living'
                FROM grids_household h CROSS JOIN generate_series(1, 2) AS s(k)
                WHERE h.community_id = %s
                """,
                [community.pk],
            )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"data: {Incident.objects.count():,} incidents, {Resident.objects.count():,} "
        f"residents, {Household.objects.count():,} households "
        f"(built in {time.perf_counter() - started:.0f} s)"
    )
    return {"token": token_key, "grid": grid_ids[3], "community": community.pk}


def search_timings() -> None:
    from grids.models import Household
    from grids.selectors import household_search

    queryset = Household.objects.filter(community__code="bench")
    for label, query in [("name", "王户8"), ("masked phone", "139****1234"), ("last 4", "1234")]:
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            list(household_search(queryset, query)[:50])
            runs.append((time.perf_counter() - started) * 1000)
        print(
            f"household search by {label}: median {statistics.median(runs):.1f} ms, "
            f"max {max(runs):.1f} ms (target < 150 ms)"
        )


def load(port: int, path: str | list[str], token: str, seconds: float, clients: int = 8) -> dict:
    """Clients ask for `path` (or each of a list of paths in turn) until time is up."""
    paths = [path] if isinstance(path, str) else path
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker(offset: int):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        n = offset
        while time.perf_counter() < stop:
            asked = paths[n % len(paths)]
            n += 1
            started = time.perf_counter()
            connection.request("GET", asked, headers={"Authorization": f"Token {token}"})
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{asked} answered {response.status}")
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(i * 7,)) for i in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "latencies": latencies,
        "elapsed": elapsed,
        "rps": len(latencies) / elapsed,
        "p50": latencies[len(latencies) // 2] * 1000,
        "p95": latencies[int(len(latencies) * 0.95)] * 1000,
    }


ROUNDS = 4


def _combine(results: list[dict]) -> dict:
    latencies = sorted(value for result in results for value in result["latencies"])
    elapsed = sum(result["elapsed"] for result in results)
    return {
        "rps": len(latencies) / elapsed,
        "p50": latencies[len(latencies) // 2] * 1000,
        "p95": latencies[int(len(latencies) * 0.95)] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--port", type=int, default=8191)
    args = parser.parse_args()
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        from scripts.load_test import create_database

        create_database(os.environ["DATABASE_URL"])  # created when missing
    info = build(args.incidents, args.residents)
    search_timings()
    env = dict(
        os.environ,
        DEBUG="0",
        SECRET_KEY="bench-only-secret-key-0123456789abcdef",  # noqa: S106
        SECURE_SSL_REDIRECT="0",
        ALLOWED_HOSTS="127.0.0.1",
        LOG_LEVEL="WARNING",
    )
    server = subprocess.Popen(  # noqa: S603  (our own gunicorn, fixed arguments)
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "scripts.bench_grids_wsgi:application",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{args.port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        time.sleep(3)
        query = f"status=assigned&category=sign&grid={info['grid']}"
        api_path = f"/api/incidents/?{query}"
        base_path = f"/bench/baseline/?{query}"
        load(args.port, api_path, info["token"], 3)  # warm up both workers
        load(args.port, base_path, info["token"], 3)
        # Alternate short rounds so both see the same background load on a shared machine.
        rounds = {"api": [], "base": []}
        for _ in range(ROUNDS):
            rounds["api"].append(load(args.port, api_path, info["token"], args.seconds / ROUNDS))
            rounds["base"].append(load(args.port, base_path, info["token"], args.seconds / ROUNDS))
        api, base = (_combine(rounds[name]) for name in ("api", "base"))
    finally:
        server.terminate()
        server.wait(timeout=20)
    print(
        f"incident list API : {api['rps']:.0f} req/s, p50 {api['p50']:.1f} ms, "
        f"p95 {api['p95']:.1f} ms (target p95 < 100 ms)"
    )
    print(
        f"hand-written view : {base['rps']:.0f} req/s, p50 {base['p50']:.1f} ms, "
        f"p95 {base['p95']:.1f} ms"
    )
    print(f"ratio API / hand-written: {api['rps'] / base['rps']:.2f} (target >= 0.70)")


if __name__ == "__main__":
    main()
