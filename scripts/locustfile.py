"""The request mix of scripts/load_test.py (read that first; it prepares the data).

Each class is one kind of person; each logs in once (on_start) and then browses with
1-3 s think time (HIVE_LOAD_SHAPE=think) or none (closed). Class weights approximate who
uses the site: residents on the public pages most, then grid members and party members,
few staff. Request names group URLs with ids ("/portal/grids/incidents/[id]/").
Logins and the warm-up (HIVE_LOAD_WARMUP seconds after the start) are not measured: the
statistics are reset when the warm-up ends.
"""

import itertools
import json
import os
import random
import re
import time
from pathlib import Path

import gevent
from locust import between, constant, events, task
from locust.contrib.fasthttp import FastHttpUser

SHAPE = os.environ.get("HIVE_LOAD_SHAPE", "think")
WARMUP = float(os.environ.get("HIVE_LOAD_WARMUP", "0"))
DATA = (
    json.loads(Path(os.environ["HIVE_LOAD_DATA"]).read_text())
    if "HIVE_LOAD_DATA" in os.environ
    else {}
)
TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
WAIT = constant(0) if SHAPE != "think" else between(1, 3)
_staff_numbers = itertools.count()


@events.test_start.add_listener
def _reset_after_warmup(environment, **kwargs):
    if WARMUP > 0 and environment.runner is not None:
        gevent.spawn_later(WARMUP, environment.runner.stats.reset_all)


def _token(response) -> str:
    match = TOKEN_RE.search(response.text or "")
    if not match:
        raise RuntimeError(f"no CSRF token on {response.url} ({response.status_code})")
    return match.group(1)


class HiveUser(FastHttpUser):
    abstract = True
    wait_time = WAIT
    # A request slower than this counts as an error rather than waiting forever.
    network_timeout = 30.0
    connection_timeout = 30.0

    def post_form(self, path, fields, *, name=None, expect=302):
        with self.client.post(
            path,
            data=fields,
            headers={"Referer": f"{self.host}{path}"},
            allow_redirects=False,
            name=name or path,
            catch_response=True,
        ) as response:
            if response.status_code != expect:
                response.failure(f"expected {expect}, got {response.status_code}")
            else:
                response.success()
            return response

    def portal_login(self, username):
        page = self.client.get("/portal/login/", name="login: portal")
        response = self.post_form(
            "/portal/login/",
            {
                "username": username,
                "password": DATA["password"],
                "csrfmiddlewaretoken": _token(page),
            },
            name="login: portal POST",
        )
        if response.status_code != 302:
            raise RuntimeError(f"{username} could not log in ({response.status_code})")


# --- the public --------------------------------------------------------------------------


class PublicVisitor(HiveUser):
    """A resident: landing page, wish form and submission, tracking, the wish wall."""

    weight = 50

    def on_start(self):
        self.codes = list(DATA["codes"])
        self.rng = random.Random()  # noqa: S311 - test data

    @task(4)
    def landing(self):
        self.client.get("/")

    @task(3)
    def wall(self):
        self.client.get("/wishes/wall/")
        community = self.rng.choice(DATA["communities"])["code"]
        self.client.get(f"/wishes/wall/{community}/", name="/wishes/wall/[community]/")

    @task(3)
    def track(self):
        code = self.rng.choice(self.codes[-50:])
        self.client.get(f"/wishes/track/{code}/", name="/wishes/track/[code]/")

    @task(2)
    def submit_wish(self):
        form = self.client.get("/wishes/new/")
        community = self.rng.choice(DATA["communities"])["id"]
        response = self.post_form(
            "/wishes/new/",
            {
                "csrfmiddlewaretoken": _token(form),
                "community": community,
                "category": "medical_accompaniment",
                "title": f"想请人陪同去医院 {self.rng.randrange(1000)} 号",
                "description": "周二上午，腿脚不便。",
                "resident_name": "压测居民",
                "resident_phone": f"13{self.rng.randrange(3, 10)}{self.rng.randrange(10**8):08d}",
                "address": "虎尾沟3号楼2单元",
                "consent": "on",
                "website": "",
            },
            name="/wishes/new/ POST",
        )
        match = re.search(r"/wishes/track/([A-Z0-9]+)/", response.headers.get("Location") or "")
        if match:
            self.codes.append(match.group(1))
            self.client.get(f"/wishes/track/{match.group(1)}/", name="/wishes/track/[code]/")


# --- the portal --------------------------------------------------------------------------


class GridMember(HiveUser):
    weight = 15

    def on_start(self):
        self.portal_login("hwg_grid")

    @task(2)
    def my_grid(self):
        self.client.get("/portal/grids/")

    @task(2)
    def households(self):
        self.client.get("/portal/grids/households/")

    @task(2)
    def household_search(self):
        name = random.choice("王李张刘陈杨赵黄")  # noqa: S311
        self.client.get(
            f"/portal/grids/households/?q={name}", name="/portal/grids/households/?q=[name]"
        )

    @task(3)
    def incidents(self):
        self.client.get("/portal/grids/incidents/")

    @task(3)
    def incident_detail(self):
        pk = random.choice(DATA["incidents"])  # noqa: S311
        self.client.get(f"/portal/grids/incidents/{pk}/", name="/portal/grids/incidents/[id]/")


class UnitRep(HiveUser):
    weight = 5

    def on_start(self):
        self.portal_login("hwg_unit")

    @task(2)
    def unit_home(self):
        self.client.get("/portal/unit/")

    @task(1)
    def evaluations(self):
        self.client.get("/portal/unit/evaluations/")


class Mediator(HiveUser):
    weight = 5

    def on_start(self):
        self.portal_login("hwg_mediator")

    @task
    def my_cases(self):
        self.client.get("/portal/cases/")


class PartyMember(HiveUser):
    weight = 12

    def on_start(self):
        self.portal_login("hwg_party")

    @task(2)
    def wall(self):
        self.client.get("/portal/wishes/")

    @task(1)
    def points(self):
        self.client.get("/portal/points/")


# --- the API -----------------------------------------------------------------------------


class ApiClient(HiveUser):
    """A partner system with a staff token: filtered lists, 50 per page."""

    weight = 8

    def on_start(self):
        self.headers = {"Authorization": f"Token {DATA['token']}", "Accept": "application/json"}

    @task(2)
    def incidents(self):
        status = random.choice(["reported", "assigned", "in_progress", "closed"])  # noqa: S311
        category = random.choice(["sign", "dispute", "hidden_danger"])  # noqa: S311
        self.client.get(
            f"/api/incidents/?status={status}&category={category}&grid={DATA['api_grid']}",
            headers=self.headers,
            name="/api/incidents/?status&category&grid",
        )

    @task(1)
    def households(self):
        self.client.get(
            f"/api/households/?q={random.choice('王李张刘')}",  # noqa: S311
            headers=self.headers,
            name="/api/households/?q=[name]",
        )

    @task(1)
    def wishes(self):
        self.client.get("/api/wishes/", headers=self.headers)


# --- staff -------------------------------------------------------------------------------


class StaffDashboard(HiveUser):
    """Community staff on the admin dashboard, logged in with password and TOTP code."""

    weight = 5

    def on_start(self):
        from django_otp.oath import totp

        staff = DATA["staff"][next(_staff_numbers) % len(DATA["staff"])]
        page = self.client.get("/admin/login/?next=/admin/dashboard/", name="login: admin")
        self.post_form(
            "/admin/login/?next=/admin/dashboard/",
            {
                "username": staff["username"],
                "password": DATA["password"],
                "csrfmiddlewaretoken": _token(page),
                "next": "/admin/dashboard/",
            },
            name="login: admin POST",
        )
        # A code is accepted once per user and 30-second step: wait for the next step if
        # another load user of the same login just used this one.
        for _attempt in range(3):
            page = self.client.get(
                "/admin/second-factor/?next=/admin/dashboard/", name="login: second factor"
            )
            code = f"{totp(bytes.fromhex(staff['key'])):06d}"
            response = self.post_form(
                "/admin/second-factor/?next=/admin/dashboard/",
                {"token": code, "csrfmiddlewaretoken": _token(page), "next": "/admin/dashboard/"},
                name="login: second factor POST",
                expect=302,
            )
            if response.status_code == 302:
                return
            time.sleep(31 - time.time() % 30)
        raise RuntimeError(f"{staff['username']} could not pass the second factor")

    @task(3)
    def dashboard(self):
        self.client.get("/admin/dashboard/")

    @task(1)
    def dashboard_year(self):
        self.client.get("/admin/dashboard/?period=year", name="/admin/dashboard/?period=year")


# --- the baseline ------------------------------------------------------------------------


class HelloUser(HiveUser):
    """The bare JSON view (/bench/ping, HIVE_BENCH=1): the ceiling of gunicorn + Django."""

    @task
    def ping(self):
        self.client.get("/bench/ping")
