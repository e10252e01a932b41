"""Load test: a realistic mix of pages against gunicorn + PostgreSQL + Redis on loopback.

    .venv/bin/python scripts/load_test.py [--seconds 120] [--users 200] [--closed-users 16]
    .venv/bin/python scripts/load_test.py --smoke      # 10-second check that it all runs

What it does, and stops by itself (every phase is bounded in time):
1. prepares its own PostgreSQL database (default hive_load; created if missing, migrated,
   `seed_demo --allow-production`, then extra rows so lists have pages to turn: incidents,
   households, published wishes), a token for the API client and a pool of staff logins
   each with a confirmed TOTP device whose key the load users know (the admin's second
   factor stays on, as in production);
2. starts gunicorn (`--workers 4`, sync: two per core on this two-core machine, so a
   worker waiting on PostgreSQL or Redis does not leave a core idle, without more
   processes than cores can serve; the load client, PostgreSQL, Redis and one Celery
   worker share the same two cores) with DEBUG=0, a random SECRET_KEY, HIVE_BENCH=1 (adds
   /bench/ping, a bare JSON view: the "hello" baseline), and one Celery worker (the
   dashboard warm-up and notification tasks, as deployed);
3. runs locust (scripts/locustfile.py) headless in three phases:
   * think: `--users` simulated people (default 200) with 1-3 s think time; targets: no
     errors, p95 under 200 ms for every page;
   * closed: `--closed-users` clients (default 16) with no think time: the ceiling;
   * hello: the same number of clients on /bench/ping, same gunicorn, half the time
     right before the closed phase and half right after (averaged, so drifting
     background load on a shared machine skews the ratio less); target: closed-loop mix
     requests/s >= 0.10 x hello requests/s;
   each phase spawns its users, lets logins and caches settle (`--warmup`), resets the
   statistics, then measures for `--seconds`;
4. prints requests, failures, p50/p95 per endpoint, requests/s per phase, the error
   count and the ratio, against the targets.

Per-client protections are widened for this run only, because all the load comes from
one address (127.0.0.1): HIVE_WISH_RATE_PER_ADDRESS=1000000/h, HIVE_LOGIN_FAILURE_LIMIT=1000
(wish submissions still use a random phone each, under the normal per-phone limit).
Only 127.0.0.1 is used; nothing leaves the machine.
"""

import argparse
import csv
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
BIN = Path(PYTHON).parent
STAFF_POOL = 24  # staff logins with their own TOTP device (a code is accepted once per user)
PASSWORD = "hive-demo-2026"  # noqa: S105 - the published demo password (README)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- data ----------------------------------------------------------------------------


def create_database(url: str) -> None:
    import psycopg2

    parsed = urllib.parse.urlparse(url)
    name = parsed.path.lstrip("/")
    admin = psycopg2.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        dbname="postgres",
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def build(incidents: int, households: int, wishes: int) -> dict:
    """Demo data plus bulk rows; idempotent (tops up to the requested counts)."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from grids.models import Grid, Household, Incident
    from hive.access.roles import Role
    from hive.models import Community, User
    from hive.services import api_token_issue, role_assign
    from volunteers import services as wish_services
    from volunteers.models import MicroWish

    call_command("migrate", "--noinput", verbosity=0)
    call_command("seed_demo", "--allow-production", stdout=open(os.devnull, "w"))  # noqa: SIM115
    grids = list(Grid.objects.select_related("member").order_by("pk"))
    have = Incident.objects.count()
    if have < incidents:
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO grids_incident (created_at, updated_at, community_id, grid_id,
                    category, priority, status, location, description, reporter_id,
                    on_behalf_of, deadline, rejection_reason, resolution, rejected_by_id)
                SELECT created, now(), community, grid, category, 'normal', status,
                    '压测位置 ' || n, '压测描述', reporter, '', created + interval '3 days',
                    CASE WHEN status = 'rejected' THEN '重复上报' ELSE '' END, '',
                    CASE WHEN status = 'rejected' THEN reporter END
                FROM (
                    SELECT n, now() - (n || ' minutes')::interval AS created,
                        (%s::bigint[])[1 + n %% %s] AS community,
                        (%s::bigint[])[1 + n %% %s] AS grid,
                        (ARRAY['dispute','hidden_danger','sign','loophole','demand','event'])
                            [1 + (n / 7) %% 6] AS category,
                        (ARRAY['reported','accepted','assigned','in_progress','resolved',
                               'verified','closed','closed_not_fixed','rejected'])
                            [1 + (n / 3) %% 9] AS status,
                        (%s::bigint[])[1 + n %% %s] AS reporter
                    FROM generate_series(%s, %s) AS n
                ) AS rows
                """,
                [
                    [g.community_id for g in grids],
                    len(grids),
                    [g.pk for g in grids],
                    len(grids),
                    [g.member_id for g in grids],
                    len(grids),
                    have + 1,
                    incidents,
                ],
            )
    have = Household.objects.count()
    if have < households:
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO grids_household (created_at, updated_at, community_id, grid_id,
                    number, room, address, head_name, phone, phone_mask, is_rental, notes)
                SELECT now(), now(), (%s::bigint[])[1 + n %% %s], (%s::bigint[])[1 + n %% %s],
                    'LH' || n, '', '',
                    (ARRAY['王','李','张','刘','陈','杨','赵','黄'])[1 + n %% 8] || '户' || n,
                    '138' || lpad(n::text, 8, '0'),
                    '138****' || right(lpad(n::text, 8, '0'), 4), false, ''
                FROM generate_series(%s, %s) AS n
                """,
                [
                    [g.community_id for g in grids],
                    len(grids),
                    [g.pk for g in grids],
                    len(grids),
                    have + 1,
                    households,
                ],
            )
    communities = list(Community.objects.order_by("pk"))
    have = MicroWish.objects.filter(status=MicroWish.Status.PUBLISHED).count()
    for n in range(have, wishes):
        wish, _ = wish_services.wish_submit(
            community=communities[n % len(communities)],
            category=MicroWish.Category.choices[n % len(MicroWish.Category.choices)][0],
            title=f"压测心愿第{n}号",
            description="压测数据",
            resident_name="压测居民",
            resident_phone=f"137{n:08d}",
            address="压测地址",
            notice_version="load",
        )
        MicroWish.objects.filter(pk=wish.pk).update(
            status=MicroWish.Status.PUBLISHED, published_at=timezone.now()
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    huweigou = Community.objects.get(code="huweigou")
    staff = []
    for n in range(STAFF_POOL):
        username = f"load_staff_{n:02d}"
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(username=username, password=PASSWORD, name="压测")
        role_assign(user=user, role=Role.COMMUNITY_STAFF, community=huweigou)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="load", confirmed=True)
        staff.append({"username": username, "key": device.key})
    api_user = User.objects.get(username="hwg_staff")
    grid_member = User.objects.get(username="hwg_grid")
    # As the token endpoint gives it to staff who typed the code (hive.services).
    _token, token_key = api_token_issue(user=api_user, second_factor=True, name="load test")
    incident_ids = list(
        Incident.objects.visible_to(grid_member).order_by("-pk").values_list("pk", flat=True)[:500]
    )
    codes = list(
        MicroWish.objects.filter(status=MicroWish.Status.PUBLISHED).values_list(
            "tracking_code", flat=True
        )[:200]
    )
    print(
        f"data: {Incident.objects.count():,} incidents, {Household.objects.count():,} "
        f"households, {MicroWish.objects.count():,} wishes, {User.objects.count()} users"
    )
    return {
        "password": PASSWORD,
        "staff": staff,
        "token": token_key,
        "incidents": incident_ids,
        "codes": codes,
        "communities": [{"id": c.pk, "code": c.code} for c in communities],
        "api_grid": next(g.pk for g in grids if g.community_id == huweigou.pk),
    }


# --- processes -----------------------------------------------------------------------


def start(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    with open(log, "w") as handle:
        return subprocess.Popen(  # noqa: S603 - fixed arguments
            args, cwd=ROOT, env=env, start_new_session=True, stdout=handle, stderr=handle
        )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def wait_for(port: int) -> None:
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/ping", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def run_locust(*, shape, classes, users, spawn_rate, warmup, seconds, port, env, outdir):
    """One headless locust run; returns the rows of its statistics CSV (after warm-up)."""
    ramp = users / spawn_rate
    total = int(ramp + warmup + seconds + 0.999)
    prefix = outdir / shape
    command = [
        str(BIN / "locust"),
        "-f",
        str(ROOT / "scripts" / "locustfile.py"),
        "--headless",
        "--host",
        f"http://127.0.0.1:{port}",
        "-u",
        str(users),
        "-r",
        f"{spawn_rate:g}",
        "-t",
        f"{total}s",
        "--stop-timeout",
        "10",
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        *classes,
    ]
    locust_env = dict(env, HIVE_LOAD_SHAPE=shape, HIVE_LOAD_WARMUP=f"{ramp + warmup:g}")
    print(
        f"\n== {shape}: {users} users ({', '.join(classes)}), spawn {spawn_rate:g}/s, "
        f"warm-up {ramp + warmup:.0f} s, measured {seconds:g} s",
        flush=True,
    )
    result = subprocess.run(  # noqa: S603 - fixed arguments
        command, cwd=ROOT, env=locust_env, capture_output=True, text=True, timeout=total + 120
    )
    if result.returncode not in (0, 1):  # 1: some requests failed; reported below
        print(result.stdout[-3000:], result.stderr[-3000:])
        raise SystemExit(f"locust exited with {result.returncode}")
    with open(f"{prefix}_stats.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    with open(f"{prefix}_failures.csv", newline="") as handle:
        failures = list(csv.DictReader(handle))
    return rows, failures


def _ms(value: str) -> float:
    try:
        return float(value)
    except ValueError:  # "N/A": no request
        return 0.0


def report(shape, rows, failures, *, p95_target=None):
    """Print the per-endpoint table; return (requests/s, error count, worst p95, rows)."""
    total = next(row for row in rows if row["Name"] == "Aggregated")
    endpoints = sorted(
        (row for row in rows if row["Name"] != "Aggregated"),
        key=lambda row: -int(row["Request Count"]),
    )
    print(f"{'endpoint':44} {'requests':>8} {'fail':>5} {'p50 ms':>7} {'p95 ms':>7} {'req/s':>7}")
    worst = 0.0
    for row in endpoints:
        p95 = _ms(row["95%"])
        is_page = not row["Name"].startswith("login")  # logins are once per user
        if is_page:
            worst = max(worst, p95)
        mark = " <-- over target" if p95_target and is_page and p95 >= p95_target else ""
        print(
            f"{row['Type'] + ' ' + row['Name']:44.44} {int(row['Request Count']):8d} "
            f"{int(row['Failure Count']):5d} {_ms(row['50%']):7.0f} {p95:7.0f} "
            f"{float(row['Requests/s']):7.1f}{mark}"
        )
    errors = int(total["Failure Count"])
    rps = float(total["Requests/s"])
    print(
        f"{shape}: {int(total['Request Count'])} requests, {rps:.1f} req/s, errors {errors}, "
        f"p50 {_ms(total['50%']):.0f} ms, p95 {_ms(total['95%']):.0f} ms"
    )
    for failure in failures:
        print(
            f"  failure x{failure['Occurrences']}: {failure['Method']} {failure['Name']}: "
            f"{failure['Error'][:160]}"
        )
    return rps, errors, worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/hive_load")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--seconds", type=float, default=120, help="measured time per phase")
    parser.add_argument("--hello-seconds", type=float, default=60)
    parser.add_argument("--warmup", type=float, default=20, help="after spawning, not measured")
    parser.add_argument("--users", type=int, default=200, help="think-time shape")
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--closed-users", type=int, default=16, help="closed-loop shape")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--incidents", type=int, default=20_000)
    parser.add_argument("--households", type=int, default=3_000)
    parser.add_argument("--wishes", type=int, default=300)
    parser.add_argument("--smoke", action="store_true", help="10 s in all: does it run?")
    parser.add_argument("--only", choices=["think", "closed"], help="run one shape (+ hello)")
    args = parser.parse_args()
    if args.smoke:
        args.seconds, args.hello_seconds, args.warmup = 3, 2, 1
        args.users, args.spawn_rate, args.closed_users = 10, 10, 4

    port = free_port()
    env = dict(
        os.environ,
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        CACHE_KEY_PREFIX=f"load-{secrets.token_hex(4)}",  # fresh counters and cache
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        STATIC_MANIFEST="0",
        LOG_LEVEL="WARNING",
        HIVE_BENCH="1",
        # One client address for all the load: widen the per-address protections.
        HIVE_WISH_RATE_PER_ADDRESS="1000000/h",
        HIVE_LOGIN_FAILURE_LIMIT="1000",
        HIVE_ADMIN_OTP_REQUIRED="1",
    )
    create_database(args.database_url)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    started = time.perf_counter()
    data = build(args.incidents, args.households, args.wishes)
    print(f"built in {time.perf_counter() - started:.0f} s")
    outdir = Path(tempfile.mkdtemp(prefix="hive-load-"))
    data_file = outdir / "data.json"
    data_file.write_text(json.dumps(data))
    env["HIVE_LOAD_DATA"] = str(data_file)

    server = start(
        [
            str(BIN / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--backlog",
            "2048",
            "--timeout",
            "30",
            "--log-level",
            "warning",
        ],
        env,
        outdir / "gunicorn.log",
    )
    worker = start(
        [
            str(BIN / "celery"),
            "-A",
            "config",
            "worker",
            "--concurrency",
            "1",
            "--loglevel",
            "WARNING",
        ],
        env,
        outdir / "celery.log",
    )
    mix = ["PublicVisitor", "GridMember", "UnitRep", "Mediator", "PartyMember", "ApiClient"]
    mix.append("StaffDashboard")
    results = {}
    try:
        wait_for(port)
        print(
            f"gunicorn {args.workers} sync workers on 127.0.0.1:{port}, 1 Celery worker; "
            f"PostgreSQL {args.database_url.rsplit('/', 1)[-1]}, Redis {args.redis_url}; "
            f"output in {outdir}"
        )
        if args.only != "closed":
            rows, failures = run_locust(
                shape="think",
                classes=mix,
                users=args.users,
                spawn_rate=args.spawn_rate,
                warmup=args.warmup,
                seconds=args.seconds,
                port=port,
                env=env,
                outdir=outdir,
            )
            results["think"] = report("think", rows, failures, p95_target=200)
        if args.only != "think":
            closed_spawn = max(args.closed_users / 4, 1)
            # The baseline before and after the mix, averaged: a machine shared with other
            # work drifts, and the ratio should not hang on when the baseline ran.
            for shape, classes, seconds in (
                ("hello-before", ["HelloUser"], args.hello_seconds / 2),
                ("closed", mix, args.seconds),
                ("hello-after", ["HelloUser"], args.hello_seconds / 2),
            ):
                rows, failures = run_locust(
                    shape=shape,
                    classes=classes,
                    users=args.closed_users,
                    spawn_rate=closed_spawn,
                    warmup=args.warmup,
                    seconds=seconds,
                    port=port,
                    env=env,
                    outdir=outdir,
                )
                results[shape] = report(shape, rows, failures)
    finally:
        stop(server)
        stop(worker)

    print("\n== targets")
    if "think" in results:
        rps, errors, worst = results["think"]
        print(
            f"think ({args.users} users, 1-3 s think time): {rps:.1f} req/s, errors {errors} "
            f"(target 0), worst endpoint p95 {worst:.0f} ms (target < 200)"
        )
    if "closed" in results:
        mix_rps, errors, worst = results["closed"]
        before, after = results["hello-before"], results["hello-after"]
        hello_rps = (before[0] + after[0]) / 2
        ratio = mix_rps / hello_rps if hello_rps else 0.0
        print(
            f"closed ({args.closed_users} clients, no think time): mix {mix_rps:.1f} req/s, "
            f"hello {hello_rps:.1f} req/s (before {before[0]:.1f}, after {after[0]:.1f}), "
            f"ratio {ratio:.3f} (target >= 0.10), errors {errors + before[1] + after[1]}"
        )


if __name__ == "__main__":
    main()
