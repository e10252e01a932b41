"""Benchmark the public forms (wish, residents' report) on gunicorn + PostgreSQL + Redis.

Only loopback addresses are used (see the end of this text).

    .venv/bin/python scripts/bench_wishes.py [--form wish|report|both] [--seconds 8] [--workers 4]

What it does, and stops by itself (every phase is bounded in time and requests):
1. prepares a PostgreSQL database (default hive_bench: created if missing, migrated,
   demo communities seeded) and uses Redis database 14 for the cache (rate limits);
2. starts gunicorn on 127.0.0.1 with HIVE_BENCH=1, which adds /bench/ping, a bare
   Django view returning {"pong": true}: the baseline for "requests per second";
3. for 16 and then 50 concurrent clients: drives /bench/ping, then the wish form
   (/wishes/new/) and/or the residents' report form (随手拍, /report/?community=<code>),
   as --form says (default both). Each client first GETs the form (CSRF cookie and
   token, as a browser does; for the report form also a building of the "where"
   select), then POSTs submissions, each request from one of many loopback source
   addresses (127.x.y.z), so the per-address rate limit sees real-looking traffic; some
   submissions reuse a phone number, so the per-phone limit is exercised too; every
   description differs, so the duplicate window never folds two into one;
4. prints, for each form, accepted submissions per second and their ratio to
   /bench/ping's requests per second, p50/p95 latency, refusals (429) and errors, and
   checks that every accepted submission (its tracking code, taken from the redirect)
   is in the database (volunteers.MicroWish, grids.ResidentReport).

Only 127.0.0.0/8 addresses are used; nothing leaves the machine.
"""

import argparse
import http.client
import multiprocessing
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
WHERE_RE = re.compile(r'<option value="(b\d+)"')  # a building of the report form's "where"
REPORT_CATEGORIES = ("dispute", "hidden_danger", "sign", "loophole", "demand", "event")

# The two public forms: where to GET and POST, what the redirect to the tracking page
# looks like, and the table holding the tracking codes (the none-lost check).
FORMS = {
    "wish": {
        "label": "wish form  /wishes/new/",
        "path": "/wishes/new/",
        "track": re.compile(r"/wishes/track/([A-Z0-9]+)/"),
        "table": "volunteers_microwish",
        "block": 0,  # loopback blocks 127.1 and 127.2, as before
    },
    "report": {
        "label": "report form /report/  ",
        "path": "/report/?community={community_code}",
        "track": re.compile(r"/report/track/([A-Z0-9]+)/"),
        "table": "grids_residentreport",
        "block": 10,  # loopback blocks 127.11 and 127.12
    },
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def addresses(block: int, count: int) -> list[str]:
    """`count` distinct loopback addresses in 127.<block>.0.0/16."""
    return [f"127.{block}.{1 + i // 250}.{1 + i % 250}" for i in range(count)]


def request(port, method, path, source, body=None, headers=None, timeout=10.0):
    conn = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=timeout, source_address=(source, 0)
    )
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return response.status, response.getheader("Location", ""), response, data
    finally:
        conn.close()


# --- one client process: several client threads ------------------------------------


def run_clients(job):
    """Run `job['clients']` threads for at most `job['seconds']`; return raw results."""
    port, kind, seconds = job["port"], job["kind"], job["seconds"]
    results = []  # (status, latency, code or "")
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(index):
        rng = random.Random(job["seed"] + index)  # noqa: S311 - test data, not secrets
        my_addresses = job["addresses"][index :: job["clients"]] or job["addresses"]
        local = []
        cookie = token = None
        where = ""
        if kind in FORMS:
            form_path = FORMS[kind]["path"].format(community_code=job["community_code"])
            try:
                status, _, response, data = request(port, "GET", form_path, my_addresses[0])
                cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie", ""))
                page = data.decode()
                token = TOKEN_RE.search(page)
                cookie, token = cookie.group(1), token.group(1)
                if kind == "report":
                    buildings = WHERE_RE.findall(page)
                    where = rng.choice(buildings) if buildings else ""
            except Exception as exc:
                local.append(("error:" + exc.__class__.__name__, 0.0, ""))
                with lock:
                    results.extend(local)
                return
        sent = 0
        while time.monotonic() < deadline and sent < job["max_requests"]:
            source = my_addresses[sent % len(my_addresses)]
            sent += 1
            started = time.perf_counter()
            try:
                if kind == "ping":
                    status, _, _, _ = request(port, "GET", "/bench/ping", source)
                    code = ""
                else:
                    # One submission in ten reuses one of a few phones: the phone limit.
                    phone = (
                        f"1390000{rng.randrange(5):04d}"
                        if rng.random() < 0.1
                        else f"13{rng.randrange(3, 10)}{rng.randrange(10**8):08d}"
                    )
                    if kind == "wish":
                        fields = {
                            "csrfmiddlewaretoken": token,
                            "community": job["community_id"],
                            "category": "repairs",
                            "title": f"压测心愿 {job['seed']}-{index}-{sent}",
                            "description": "基准测试提交",
                            "resident_name": "测试居民",
                            "resident_phone": phone,
                            "address": "虎尾沟1号楼",
                            "consent": "on",
                            "website": "",
                        }
                    else:
                        fields = {
                            "csrfmiddlewaretoken": token,
                            "category": rng.choice(REPORT_CATEGORIES),
                            # Each one differs: the duplicate window would fold repeats.
                            "description": f"压测随手拍 {job['seed']}-{index}-{sent}：楼道灯不亮",
                            "where": where,
                            "location": "",
                            "latitude": "",
                            "longitude": "",
                            "contact_name": "测试居民",
                            "contact_phone": phone,
                            "consent": "on",
                            "website": "",
                        }
                    body = urllib.parse.urlencode(fields)
                    status, location, _, _ = request(
                        port,
                        "POST",
                        form_path,
                        source,
                        body=body,
                        headers={
                            "Content-Type": "application/x-www-form-urlencoded",
                            "Cookie": f"csrftoken={cookie}",
                            "Referer": f"http://127.0.0.1:{port}{form_path}",
                        },
                    )
                    match = FORMS[kind]["track"].search(location)
                    code = match.group(1) if (status == 302 and match) else ""
                local.append((status, time.perf_counter() - started, code))
            except Exception as exc:
                local.append(("error:" + exc.__class__.__name__, time.perf_counter() - started, ""))
        with lock:
            results.extend(local)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(job["clients"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 30)
    return results


def phase(port, kind, clients, seconds, community, block, address_count, seed):
    processes = min(4, clients)
    per_process = [
        clients // processes + (1 if i < clients % processes else 0) for i in range(processes)
    ]
    all_addresses = addresses(block, address_count)
    jobs, offset = [], 0
    for i, count in enumerate(per_process):
        jobs.append(
            {
                "port": port,
                "kind": kind,
                "seconds": seconds,
                "clients": count,
                "addresses": all_addresses[i::processes],
                "community_id": community[0],
                "community_code": community[1],
                "seed": seed * 1000 + i * 100,
                "max_requests": 100_000,
            }
        )
        offset += count
    started = time.monotonic()
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        parts = pool.map(run_clients, jobs)
    elapsed = time.monotonic() - started
    results = [item for part in parts for item in part]
    return results, elapsed, len(all_addresses)


def percentile(values, fraction):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, round(fraction * (len(values) - 1)))]


def summarise(kind, clients, results, elapsed, address_count):
    ok_status = 200 if kind == "ping" else 302
    ok = [r for r in results if r[0] == ok_status]
    refused = [r for r in results if r[0] == 429]
    errors = [r for r in results if r[0] not in (ok_status, 429)]
    latencies = [r[1] for r in results if r[0] in (ok_status, 429)]
    line = {
        "kind": kind,
        "clients": clients,
        "addresses": address_count,
        "requests": len(results),
        "ok": len(ok),
        "refused_429": len(refused),
        "errors": len(errors),
        "seconds": round(elapsed, 2),
        "ok_per_s": round(len(ok) / elapsed, 1),
        "requests_per_s": round(len(results) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
    }
    if errors:
        kinds = {}
        for r in errors:
            kinds[str(r[0])] = kinds.get(str(r[0]), 0) + 1
        line["error_kinds"] = kinds
    return line, [r[2] for r in ok if r[2]]


def pass_stderr(stream):
    """Pass gunicorn's stderr on, but for Django's warning on each 429 (the refusals are
    expected and counted in the results)."""
    for line in stream:
        if not line.startswith("Too Many Requests: "):
            sys.stderr.write(line)


def prepare_database(env, code="huweigou"):
    import psycopg2

    url = urllib.parse.urlparse(env["DATABASE_URL"])
    name = url.path.lstrip("/")
    admin = psycopg2.connect(
        host=url.hostname,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname="postgres",
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    subprocess.run(  # noqa: S603 - fixed arguments
        [PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    subprocess.run(  # noqa: S603 - fixed arguments
        [PYTHON, "manage.py", "seed_demo", "--allow-production"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    out = subprocess.run(  # noqa: S603 - fixed arguments
        [
            PYTHON,
            "manage.py",
            "shell",
            "-c",
            f"from hive.models import Community; print(Community.objects.get(code={code!r}).pk)",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return int(out.stdout.strip().splitlines()[-1])


def codes_in_database(env, codes, table="volunteers_microwish") -> int:
    import psycopg2

    url = urllib.parse.urlparse(env["DATABASE_URL"])
    conn = psycopg2.connect(
        host=url.hostname,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname=url.path.lstrip("/"),
    )
    with conn, conn.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {table} WHERE tracking_code = ANY(%s)",  # noqa: S608 - fixed names
            [list(codes)],
        )
        found = cursor.fetchone()[0]
    conn.close()
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/hive_bench")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each phase")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--addresses", type=int, default=400, help="loopback addresses per phase")
    parser.add_argument("--rate-per-address", default="30/h")
    parser.add_argument("--rate-per-phone", default="5/h")
    parser.add_argument(
        "--form",
        choices=("wish", "report", "both"),
        default="both",
        help="which public form to drive (same limits for both)",
    )
    parser.add_argument("--community", default="huweigou", help="code of the seeded community")
    args = parser.parse_args()
    kinds = ("wish", "report") if args.form == "both" else (args.form,)

    port = free_port()
    env = dict(
        os.environ,
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        CACHE_KEY_PREFIX=f"bench-{secrets.token_hex(4)}",  # fresh rate-limit counters
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        STATIC_MANIFEST="0",
        LOG_LEVEL="ERROR",  # 429s are expected; do not log each one
        HIVE_BENCH="1",
        HIVE_WISH_RATE_PER_ADDRESS=args.rate_per_address,
        HIVE_WISH_RATE_PER_PHONE=args.rate_per_phone,
        HIVE_REPORT_RATE_PER_ADDRESS=args.rate_per_address,
        HIVE_REPORT_RATE_PER_PHONE=args.rate_per_phone,
    )
    community = (prepare_database(env, args.community), args.community)
    server = subprocess.Popen(  # noqa: S603 - fixed arguments
        [
            GUNICORN,
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--worker-class",
            "gthread",
            "--backlog",
            "512",
            "--log-level",
            "warning",
            "--timeout",
            "30",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stderr=subprocess.PIPE,
        text=True,
    )
    threading.Thread(target=pass_stderr, args=(server.stderr,), daemon=True).start()
    try:
        for _ in range(100):
            try:
                if request(port, "GET", "/bench/ping", "127.0.0.1", timeout=1)[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit("gunicorn did not start")
        print(
            f"gunicorn {args.workers} workers x {args.threads} threads on 127.0.0.1:{port}; "
            f"PostgreSQL {args.database_url.rsplit('/', 1)[-1]}; Redis {args.redis_url}; "
            f"limits {args.rate_per_address} per address, {args.rate_per_phone} per phone; "
            f"{args.seconds:g} s per phase"
        )
        summary = {}
        for number, clients in enumerate((16, 50), start=1):
            ping, elapsed, count = phase(
                port, "ping", clients, args.seconds, community, 200, 50, number
            )
            ping_line, _ = summarise("ping", clients, ping, elapsed, count)
            lines = {}
            for kind in kinds:
                form, elapsed, count = phase(
                    port,
                    kind,
                    clients,
                    args.seconds,
                    community,
                    FORMS[kind]["block"] + number,
                    args.addresses,
                    number,
                )
                # The wish form's line keeps its old name ("form") in the output.
                form_line, codes = summarise(
                    "form" if kind == "wish" else kind, clients, form, elapsed, count
                )
                found = codes_in_database(env, codes, FORMS[kind]["table"])
                form_line["accepted_in_db"] = found
                form_line["lost"] = len(set(codes)) - found
                ping_rate = ping_line["ok_per_s"]
                ratio = form_line["ok_per_s"] / ping_rate if ping_rate else 0
                form_line["accepted_vs_ping"] = round(ratio, 3)
                form_line["all_vs_ping"] = round(
                    form_line["requests_per_s"] / ping_rate if ping_rate else 0, 3
                )
                lines[kind] = form_line
            print(f"\n== {clients} concurrent clients")
            print("  bare JSON /bench/ping :", ping_line)
            for kind in kinds:
                print(f"  {FORMS[kind]['label']}:", lines[kind])
            summary[clients] = (ping_line, lines)
        print("\n== targets")
        for kind in kinds:
            form16 = summary[16][1][kind]
            form50 = summary[50][1][kind]
            prefix = "" if kinds == ("wish",) else f"[{kind}] "
            print(
                f"  {prefix}16 clients: accepted/s ÷ ping/s = {form16['accepted_vs_ping']} "
                f"(target ≥ 0.15), all form requests/s ÷ ping/s = {form16['all_vs_ping']}; "
                f"p95 {form16['p95_ms']} ms (target < 250)"
            )
            print(
                f"  {prefix}50 clients: errors {form50['errors']}, lost {form50['lost']} "
                f"(target 0 and 0); refused over the limit: {form50['refused_429']}"
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
