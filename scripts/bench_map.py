"""Benchmark of the map's speed target (issue 20); prints its figures.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hive_bench_map \\
    REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python scripts/bench_map.py [--incidents 1000000] [--seconds 20]

Builds the incidents with scripts/bench_grids.py's bulk insert (PostgreSQL
generate_series), gives each a point inside a 5 x 4 block of grids with boundaries,
starts gunicorn (2 sync workers) on the same database and measures with 8 concurrent
clients, in alternating rounds:
  * the staff map's data request (/api/map/incidents/) over varied viewports and zooms:
    clusters at zoom 12-15, individual incidents at 16-17, with and without a category;
  * the incident list API (/api/incidents/), for the ratio.
Also prints an uncached aggregate (the first request of a community, filters and zoom)
and the map page's JavaScript and CSS size, gzip.
Target: map data p95 < 200 ms at 8 clients.
"""

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from scripts.bench_grids import ROUNDS, _combine, build, load  # noqa: E402
from scripts.load_test import create_database, start, stop, wait_for  # noqa: E402

# The bench community's area (Taiyuan-sized numbers): 5 x 4 grids of 0.01 degrees.
WEST, SOUTH = 112.55, 37.85
COLUMNS, ROWS, SIDE = 5, 4, 0.01


def place(community_id: int, grid_ids: list[int]) -> None:
    """Boundaries for the grids and a point for every incident still without one, inside
    its grid's square (spread by its id)."""
    from django.db import connection

    from grids.models import Grid

    for n, grid_id in enumerate(sorted(grid_ids)):
        west = WEST + (n % COLUMNS) * SIDE
        south = SOUTH + (n // COLUMNS) * SIDE
        ring = [
            [west, south],
            [west + SIDE, south],
            [west + SIDE, south + SIDE],
            [west, south + SIDE],
            [west, south],
        ]
        Grid.objects.filter(pk=grid_id).update(boundary={"type": "Polygon", "coordinates": [ring]})
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE grids_incident i SET
                longitude = round((%s + (g.n %% %s) * %s + ((i.id * 7919) %% 997) / 997.0 * %s)
                    ::numeric, 6),
                latitude = round((%s + (g.n / %s) * %s + ((i.id * 104729) %% 991) / 991.0 * %s)
                    ::numeric, 6)
            FROM (SELECT id, (row_number() OVER (ORDER BY id)) - 1 AS n
                  FROM grids_grid WHERE id = ANY(%s)) g
            WHERE i.grid_id = g.id AND i.community_id = %s AND i.latitude IS NULL
            """,
            [WEST, COLUMNS, SIDE, SIDE, SOUTH, COLUMNS, SIDE, SIDE, grid_ids, community_id],
        )
        updated = cursor.rowcount
        cursor.execute("VACUUM ANALYZE grids_incident") if updated else None
    print(f"points: {updated:,} incidents placed in {time.perf_counter() - started:.0f} s")


def viewports() -> list[str]:
    """Varied staff-map data requests: a 1366 x 768 screen (about 5 x 3 tiles) around
    random centres of the area, zoom 12-17, sometimes one category."""
    from grids.map import tile_degrees

    rng = random.Random(20)  # noqa: S311 - reproducible viewports, not security
    paths = []
    for _ in range(64):
        zoom = rng.choice([12, 13, 14, 15, 16, 17])
        lng = WEST + rng.random() * COLUMNS * SIDE
        lat = SOUTH + rng.random() * ROWS * SIDE
        half_w, half_h = tile_degrees(zoom) * 2.7, tile_degrees(zoom) * 1.5
        bbox = f"{lng - half_w:.6f},{lat - half_h:.6f},{lng + half_w:.6f},{lat + half_h:.6f}"
        category = rng.choice(["", "", "", "sign"])
        paths.append(f"/api/map/incidents/?bbox={bbox}&zoom={zoom}&period=year&category={category}")
    return paths


def cold_aggregate(community_id: int) -> None:
    from grids.map import MapFilters, _aggregate, incidents
    from hive import dashboard
    from hive.models import User

    staff = User.objects.get(username="bench_staff")
    filters = MapFilters(period=dashboard.period_for("year"), community_ids=(community_id,))
    for _ in range(2):
        started = time.perf_counter()
        cells = _aggregate(incidents(staff, filters))
        print(
            f"uncached aggregate (a community's first request per filters; every zoom "
            f"merges its cells): {len(cells)} cells in "
            f"{(time.perf_counter() - started) * 1000:.0f} ms, then cached"
        )


def page_budget() -> None:
    from grids.map import page_assets_gzip_bytes

    size = page_assets_gzip_bytes()
    print(f"map page JavaScript + CSS: {size / 1024:.1f} KB gzip (budget 250 KB)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--port", type=int, default=8193)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("The benchmark needs PostgreSQL: set DATABASE_URL.")
    create_database(os.environ["DATABASE_URL"])  # created when missing
    info = build(args.incidents, 0)
    from grids.models import Grid

    grid_ids = list(
        Grid.objects.filter(community_id=info["community"]).values_list("pk", flat=True)
    )
    place(info["community"], grid_ids)
    cold_aggregate(info["community"])
    page_budget()
    env = dict(
        os.environ,
        DEBUG="0",
        SECRET_KEY="bench-only-secret-key-0123456789abcdef",  # noqa: S106
        SECURE_SSL_REDIRECT="0",
        ALLOWED_HOSTS="127.0.0.1",
        LOG_LEVEL="WARNING",
        HIVE_BENCH="1",  # /bench/ping, which wait_for asks
    )
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    log = Path("/tmp/bench_map_gunicorn.log")  # noqa: S108 - a benchmark's own log
    server = start(
        [gunicorn, "config.wsgi:application", "-w", "2", "-b", f"127.0.0.1:{args.port}"],
        env,
        log,
    )
    try:
        wait_for(args.port)
        map_paths = viewports()
        list_path = "/api/incidents/"
        load(args.port, map_paths, info["token"], 10)  # warm up: each filter and zoom once
        load(args.port, list_path, info["token"], 3)
        rounds: dict[str, list] = {"map": [], "list": []}
        for _ in range(ROUNDS):
            rounds["map"].append(load(args.port, map_paths, info["token"], args.seconds / ROUNDS))
            rounds["list"].append(load(args.port, list_path, info["token"], args.seconds / ROUNDS))
        mapped, listed = (_combine(rounds[name]) for name in ("map", "list"))
    finally:
        stop(server)
    print(
        f"map data request : {mapped['rps']:.0f} req/s, p50 {mapped['p50']:.1f} ms, "
        f"p95 {mapped['p95']:.1f} ms (target p95 < 200 ms)"
    )
    print(
        f"incident list API: {listed['rps']:.0f} req/s, p50 {listed['p50']:.1f} ms, "
        f"p95 {listed['p95']:.1f} ms"
    )
    print(
        f"ratio map / list: p95 {mapped['p95'] / listed['p95']:.2f}, "
        f"throughput {mapped['rps'] / listed['rps']:.2f}"
    )


if __name__ == "__main__":
    main()
