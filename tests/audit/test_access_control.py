"""Access-control audit: every URL the project serves, tried as each role and as a visitor.

The URL configuration is enumerated, so a new URL without a rule in RULES fails
`test_every_url_has_a_rule` with the line to add. For each rule:

- a visitor: public pages answer, portal pages send to the login, the API refuses;
- each Huweigou role (OWN_USERS): the index answers 200 (or what the rule says); an
  object URL answers 200 to the roles in `see` and 404 to the other roles;
- the same roles held in another community or street (OTHER_USERS) get a 404 for the
  Huweigou object, exactly as for an id that does not exist: never a 403 or a 400 that
  tells them it exists, never a 200 (GET, and every write the URL accepts);
- API lists shown to those other users hold none of Huweigou's rows.

What a write may change is the mass-assignment audit's (test_mass_assignment.py): no body
moves a row to another community, owner, status or score.

Adding a URL is one line: `"namespace:name": Portal(...)`, `Api(...)`, `Public(...)` or
`Skip("why")`. The objects come from the demo data (tests/audit/conftest.py).
"""

from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse

from hive.models import Community, User
from tests.audit.conftest import OTHER_USERS, OWN_USERS, ROLES
from tests.crawl import url_patterns

ALL = frozenset(ROLES)
STAFF = frozenset({"sa", "staff"})
MISSING_PK = 10**8


@dataclass(frozen=True)
class Rule:
    # For URLs with an object: "app_label.Model", or None for an API route (its viewset's).
    model: str | None = None
    # Roles of Huweigou that get 200 on the object (or on the index when there is none).
    see: frozenset = ALL
    # Roles held elsewhere that rightly see a Huweigou object (a street is shared).
    other_see: frozenset = frozenset()
    # Status other than 200/404 for some roles, e.g. {"unit": 302}.
    status: dict = field(default_factory=dict)
    # Method tried on the object ("GET" or "POST"); POST only checks the other users.
    method: str = "GET"
    # Extra URL kwargs beyond "pk", from the picked object: {"kwarg": "attribute"}.
    kwargs: dict = field(default_factory=dict)
    # Lookups the picked object must match (default: the one the most roles can read).
    pick: dict = field(default_factory=dict)
    kind: str = "portal"
    reason: str = ""


def Portal(model=None, *, see=ALL, **options):
    return Rule(model=model, see=frozenset(see), kind="portal", **options)


def Api(*, see=ALL, other_see=(), **options):
    return Rule(see=frozenset(see), other_see=frozenset(other_see), kind="api", **options)


def Public(model=None, **options):
    return Rule(model=model, kind="public", **options)


def Skip(reason):
    return Rule(kind="skip", reason=reason)


UNIT = frozenset({"sa", "staff", "unit"})
GRID = frozenset({"sa", "staff", "grid"})
MEDIATOR = frozenset({"sa", "staff", "mediator"})
PARTY = frozenset({"sa", "staff", "party"})

RULES: dict[str, Rule] = {
    # --- not audited here ---------------------------------------------------------------
    "admin:*": Skip("Django admin: ScopedAdminMixin, covered by each app's test_admin"),
    "set_language": Skip("language switch, no data"),
    "language": Skip("language switch (GET), no data"),
    "schema": Skip("OpenAPI schema: fuzzed by tests/audit/test_api_fuzz.py"),
    "swagger-ui": Skip("static Swagger UI page"),
    "api-root": Skip("DRF router index: links only"),
    "api-token": Skip("login endpoint: answers to credentials"),
    "api-token-rotate": Skip(
        "answers to the token it is called with only: tests/hive/test_api_tokens.py"
    ),
    "portal:api_token_revoke": Skip(
        "one owner per row, another's is a 404: tests/hive/test_api_tokens.py"
    ),
    "healthz": Skip("health check for the load balancer, no data"),
    "volunteers:bench_ping": Skip("benchmark baseline, 404 unless HIVE_BENCH=1"),
    "media": Skip("the demo has no files: every file field's rule in tests/hive/test_media.py"),
    "portal:notification_open": Skip(
        "one recipient per row, another's is a 404: tests/hive/test_notifications.py"
    ),
    # --- Open311: per jurisdiction, partner keys; every answer in the spec's format ------
    # Without a jurisdiction_id every visitor gets the same spec error (400).
    "open311:services": Public(kwargs={"fmt": "<json>"}, status=dict.fromkeys(ROLES, 400)),
    "open311:service_definition": Skip("answers per jurisdiction: tests/open311/test_errors"),
    "open311:requests": Public(kwargs={"fmt": "<json>"}, status=dict.fromkeys(ROLES, 400)),
    "open311:request_detail": Skip("answers per jurisdiction: tests/open311/test_errors"),
    "open311:token_detail": Skip("answers per jurisdiction: tests/open311/test_errors"),
    # --- public pages -------------------------------------------------------------------
    "public:landing": Public(),
    "volunteers:wish_new": Public(),
    "volunteers:wish_track_lookup": Public(),
    "volunteers:wish_track_photo": Skip("the demo has no photo files: tests/hive/test_media.py"),
    "volunteers:wish_track": Public("volunteers.MicroWish", kwargs={"code": "tracking_code"}),
    "volunteers:wish_withdraw": Public(
        "volunteers.MicroWish", kwargs={"code": "tracking_code"}, method="POST"
    ),
    "volunteers:wish_confirm": Public(
        "volunteers.MicroWish", kwargs={"code": "tracking_code"}, method="POST"
    ),
    "volunteers:wall_index": Public(),
    "partycommittee:public_progress_index": Public(),
    "partycommittee:public_selection_index": Public(),
    "partycommittee:public_selection": Public("hive.Community", kwargs={"community_code": "code"}),
    "partycommittee:public_announcement": Public(
        "partycommittee.Campaign",
        kwargs={"community_code": "community.code"},
        pick={"announced_at__isnull": False},
    ),
    "partycommittee:public_object": Public(
        "partycommittee.Campaign",
        kwargs={"community_code": "community.code"},
        pick={"announced_at__isnull": False},
    ),
    "partycommittee:public_nominate": Public(
        "partycommittee.Campaign", kwargs={"community_code": "community.code"}
    ),
    "partycommittee:public_progress": Public("hive.Community", kwargs={"community_code": "code"}),
    "grids:report_new": Public(),
    "grids:report_track_lookup": Public(),
    "grids:report_track_photo": Skip(
        "the demo has no photo files: tests/grids/test_resident_reports"
    ),
    "grids:report_track": Public("grids.ResidentReport", kwargs={"code": "tracking_code"}),
    "grids:report_rate": Public(
        "grids.ResidentReport", kwargs={"code": "tracking_code"}, method="POST"
    ),
    "volunteers:wall": Public("hive.Community", kwargs={"community_code": "code"}),
    "voice:suggestion_list": Public("hive.Community", kwargs={"community_code": "code"}),
    "voice:suggestion_new": Public("hive.Community", kwargs={"community_code": "code"}),
    "voice:solicitation_list": Public("hive.Community", kwargs={"community_code": "code"}),
    "voice:submission_new": Public(
        "voice.Solicitation", kwargs={"community_code": "community.code"}
    ),
    "voice:track_lookup": Public(),
    "voice:suggestion_track": Public("voice.Suggestion", kwargs={"code": "tracking_code"}),
    "voice:submission_track": Public("voice.Submission", kwargs={"code": "tracking_code"}),
    "voice:portal_solicitations": Portal(),
    # Only a unit representative of the solicitation's community sends demands there.
    "voice:portal_submission_new": Portal("voice.Solicitation", see={"unit"}),
    # --- portal: core -------------------------------------------------------------------
    "portal:home": Portal(),
    "portal:notifications": Portal(),
    "portal:notifications_read_all": Portal(method="POST"),
    "portal:login": Public(status=dict.fromkeys(ROLES, 302)),
    "portal:logout": Public(method="POST"),
    # Only staff who have not typed the code stay there; everyone else is sent on.
    "portal:second_factor": Public(status=dict.fromkeys(ROLES, 302)),
    "portal:second_factor_setup": Public(status=dict.fromkeys(ROLES, 302)),
    "portal:api_tokens": Portal(),
    "portal:password_change": Portal(),
    "portal:password_change_done": Portal(),
    "portal:notification_settings": Portal(),
    # --- portal: resident units (partycommittee) -----------------------------------------
    "partycommittee:unit_home": Portal(),
    "partycommittee:unit_edit": Portal("partycommittee.ResidentUnit", see={"unit"}),
    "partycommittee:resource_list": Portal(),
    "partycommittee:resource_add": Portal(),
    "partycommittee:resource_edit": Portal("partycommittee.ResourceItem", see={"unit"}),
    "partycommittee:responsibility_list": Portal(),
    "partycommittee:responsibility_report": Portal(
        "partycommittee.Responsibility", see={"unit"}, method="POST"
    ),
    "partycommittee:project_list": Portal(),
    "partycommittee:project_detail": Portal("partycommittee.Project", see=UNIT),
    "partycommittee:meeting_detail": Portal("partycommittee.JointMeeting", see=UNIT),
    "partycommittee:evaluation_list": Portal(),
    "partycommittee:evaluation_round": Portal("partycommittee.EvaluationRound", see=UNIT),
    "partycommittee:evaluation_results": Portal("partycommittee.EvaluationRound", see=UNIT),
    "partycommittee:evaluation_sheet": Portal("partycommittee.EvaluationSheet", see={"unit"}),
    "partycommittee:evaluation_report": Portal("partycommittee.DutyReport", see={"unit"}),
    # --- portal: grids ------------------------------------------------------------------
    "grids:my_grid": Portal(),
    "grids:grid_detail": Portal("grids.Grid", see=GRID),
    "grids:household_list": Portal(),
    "grids:household_detail": Portal("grids.Household", see=GRID),
    "grids:resident_add": Portal("grids.Household", see=GRID, kwargs={"household_pk": "pk"}),
    "grids:visit_create": Portal("grids.Household", see=GRID, kwargs={"household_pk": "pk"}),
    "grids:resident_reveal": Portal("grids.Resident", see=GRID, method="POST"),
    "grids:resident_leave": Portal("grids.Resident", see=GRID, method="POST"),
    "grids:key_person_list": Portal(),
    "grids:visit_list": Portal(),
    "grids:incident_list": Portal(),
    "grids:incident_create": Portal(status={"unit": 403, "mediator": 403, "party": 403}),
    # The demo hands one incident to a resident unit: its representative follows it.
    "grids:incident_detail": Portal(
        "grids.Incident", see=GRID | {"unit"}, pick={"assigned_unit__isnull": False}
    ),
    "grids:incident_reply": Portal("grids.Incident", see=GRID, method="POST"),
    "grids:incident_photo": Skip("the demo has no photo files: tests/grids/test_views.py"),
    "grids:incident_action": Portal(
        "grids.Incident", see=GRID, kwargs={"action": "<accept>"}, method="POST"
    ),
    "grids:task_list": Portal(),
    "grids:task_done": Portal("grids.GridTask", see=GRID, method="POST"),
    "grids:sweep_list": Portal(),
    "grids:sweep_detail": Portal("grids.Sweep", see=GRID),
    # --- portal: mediators (disputes) ---------------------------------------------------
    "disputes:portal_cases": Portal(),
    "disputes:portal_followups": Portal(),
    "disputes:portal_followup_record": Portal("disputes.FollowUp", see=MEDIATOR),
    "disputes:portal_case_detail": Portal("disputes.DisputeCase", see=MEDIATOR),
    "disputes:portal_session_new": Portal("disputes.DisputeCase", see=MEDIATOR),
    "disputes:portal_agreement_new": Portal("disputes.DisputeCase", see=MEDIATOR),
    "disputes:portal_agreement_document": Portal(
        "disputes.DisputeCase", see=MEDIATOR, pick={"agreement__isnull": False}
    ),
    "disputes:portal_followup_schedule": Portal(
        "disputes.DisputeCase", see=MEDIATOR, method="POST"
    ),
    # --- portal: advanced selection (partycommittee) ------------------------------------
    "partycommittee:campaign_list": Portal(),
    "partycommittee:campaign_nominate": Portal("partycommittee.Campaign"),
    "partycommittee:campaign_vote": Portal(
        "partycommittee.Nomination",
        kwargs={"pk": "campaign_id", "nomination_pk": "pk"},
        method="POST",
    ),
    # --- portal: party members (volunteers) ---------------------------------------------
    "volunteers:portal_wall": Portal(),
    "volunteers:portal_mine": Portal(),
    "volunteers:portal_wish_detail": Portal("volunteers.MicroWish", see=PARTY),
    "volunteers:portal_wish_claim": Portal("volunteers.MicroWish", see=PARTY, method="POST"),
    "volunteers:activity_list": Portal(),
    "volunteers:activity_detail": Portal("volunteers.Activity", see=PARTY),
    "volunteers:activity_sign_up": Portal("volunteers.Activity", see=PARTY, method="POST"),
    "volunteers:activity_cancel_sign_up": Portal("volunteers.Activity", see=PARTY, method="POST"),
    "volunteers:my_points": Portal(),
    "volunteers:leaderboard": Portal(see=STAFF),
    # --- API (router names) ---------------------------------------------------------------
    # The map's GeoJSON (grids.map_api): scoped like the lists, tests/grids/test_map.py.
    "map:grids": Api(),
    "map:incidents": Api(),
    "map:heat": Api(),
    "map:layer-sweeps": Api(),
    "map:layer-buildings": Api(),
    "map:layer-units": Api(),
    "map:layer-wishes": Api(),
    "street-list": Api(),
    "street-detail": Api(other_see={"staff", "unit", "grid", "mediator", "party"}),
    "community-list": Api(),
    "community-detail": Api(),
    "user-list": Api(),
    "user-me": Api(),
    "user-detail": Api(see=UNIT),
    "roleassignment-list": Api(),
    "roleassignment-detail": Api(see=UNIT),
    "timelineentry-list": Api(),
    "timelineentry-detail": Api(see=STAFF),
    "residentunit-list": Api(),
    "residentunit-detail": Api(see=UNIT),
    "committeemember-list": Api(),
    "committeemember-detail": Api(see=STAFF),
    "jointmeeting-list": Api(),
    "jointmeeting-detail": Api(see=UNIT),
    "jointmeeting-decide": Api(),
    "demanditem-list": Api(),
    "demanditem-detail": Api(see=STAFF),
    "resourceitem-list": Api(),
    "resourceitem-detail": Api(see=UNIT),
    "project-list": Api(),
    "project-detail": Api(see=UNIT),
    "project-agreement": Api(),
    "project-transition": Api(),
    "responsibility-list": Api(),
    "responsibility-detail": Api(see=UNIT),
    "responsibility-report": Api(),
    "campaign-list": Api(),
    "campaign-detail": Api(),
    "campaign-results": Api(),
    "nomination-list": Api(),
    "nomination-detail": Api(),
    "vote-list": Api(),
    "evaluationround-list": Api(),
    "evaluationround-detail": Api(see=UNIT),
    "evaluationround-close": Api(),
    "evaluationround-compute": Api(),
    "evaluationround-distribution": Api(see=UNIT),
    "evaluationround-open": Api(),
    "evaluationround-publish": Api(),
    "evaluationsheet-list": Api(),
    "evaluationsheet-detail": Api(see=UNIT),
    "evaluationsheet-submit": Api(),
    "dutyreport-list": Api(),
    "dutyreport-detail": Api(see=UNIT),
    "dutyreport-submit": Api(),
    "unitresult-list": Api(),
    "unitresult-detail": Api(see=UNIT),
    "grid-list": Api(),
    "grid-detail": Api(see=GRID),
    "household-list": Api(),
    "household-detail": Api(see=GRID),
    "resident-list": Api(),
    "resident-detail": Api(see=GRID),
    "resident-reveal": Api(),
    "keyplace-list": Api(),
    "keyplace-detail": Api(see=GRID),
    "changelogentry-list": Api(),
    "changelogentry-detail": Api(see=GRID),
    "visit-list": Api(),
    "visit-detail": Api(see=GRID),
    "gridtask-list": Api(),
    "gridtask-detail": Api(see=GRID),
    "gridtask-complete": Api(),
    "sweep-list": Api(),
    "sweep-detail": Api(see=GRID),
    "sweep-check": Api(),
    "incident-list": Api(),
    "incident-detail": Api(see=GRID | {"unit"}),
    "incident-accept": Api(),
    "incident-assign": Api(),
    "incident-close": Api(),
    "incident-close-not-fixed": Api(),
    "incident-escalate": Api(),
    "incident-mark-duplicate": Api(),
    "incident-reject": Api(),
    "incident-reopen": Api(),
    "incident-reply": Api(),
    "incident-resolve": Api(),
    "incident-send-back": Api(),
    "incident-start": Api(),
    "incident-verify": Api(),
    "mediationroom-list": Api(),
    "mediationroom-detail": Api(see=MEDIATOR),
    "partnerinstitution-list": Api(),
    "partnerinstitution-detail": Api(see=MEDIATOR),
    "mediator-list": Api(),
    "mediator-detail": Api(see=MEDIATOR),
    "disputecase-list": Api(),
    "disputecase-statistics": Api(),
    "disputecase-detail": Api(see=MEDIATOR),
    "disputecase-accept": Api(),
    "disputecase-agreement": Api(),
    "disputecase-assign": Api(),
    "disputecase-close": Api(),
    "disputecase-fail": Api(),
    "disputecase-refer": Api(),
    "disputecase-schedule-followup": Api(),
    "disputecase-sessions": Api(see=MEDIATOR),
    "disputecase-start-mediation": Api(),
    "disputecase-withdraw": Api(),
    "followup-list": Api(),
    "followup-detail": Api(see=MEDIATOR),
    "followup-record": Api(),
    "consultation-list": Api(),
    "consultation-detail": Api(see=MEDIATOR),
    "microwish-list": Api(),
    "microwish-funnel": Api(),
    "microwish-detail": Api(see=PARTY),
    "microwish-assign": Api(),
    "microwish-claim": Api(),
    "microwish-confirm": Api(),
    "microwish-fulfil": Api(),
    "microwish-publish": Api(),
    "microwish-reject": Api(),
    "team-list": Api(),
    "team-detail": Api(see=PARTY),
    "activity-list": Api(),
    "activity-unit-records": Api(),
    "activity-detail": Api(see=PARTY),
    "activity-cancel": Api(),
    "activity-cancel-sign-up": Api(),
    "activity-record-attendance": Api(),
    "activity-sign-up": Api(),
    "signup-list": Api(),
    "signup-detail": Api(see=PARTY),
    "partymember-list": Api(),
    "partymember-detail": Api(see=PARTY),
    "pointentry-list": Api(),
    "pointentry-detail": Api(see=PARTY),
    "pointentry-reverse": Api(),
    "pointaward-list": Api(),
    "pointaward-detail": Api(see=STAFF),
    "pointaward-approve": Api(),
    "pointaward-reject": Api(),
    "starrating-list": Api(),
    "starrating-detail": Api(see=PARTY),
}


# --- enumeration --------------------------------------------------------------------------


@dataclass
class Route:
    key: str  # the RULES key
    name: str  # for reverse()
    kwargs: tuple[str, ...]
    callback: object
    is_api: bool


def routes() -> dict[str, Route]:
    found: dict[str, Route] = {}
    for namespace, pattern, route in url_patterns():
        if namespace and namespace.split(":")[0] == "admin":
            key = "admin:*"
        elif pattern.name is None:
            key = "<media>"
        else:
            key = f"{namespace}:{pattern.name}" if namespace else pattern.name
        if key in found or "(?P<format>" in route:
            continue  # DRF's format-suffix twins share the view and the rule
        converters = list(pattern.pattern.converters) or list(pattern.pattern.regex.groupindex)
        found[key] = Route(
            key=key,
            name=key,
            kwargs=tuple(converters),
            callback=pattern.callback,
            is_api=hasattr(pattern.callback, "cls") and route.startswith("api/"),
        )
    return found


ROUTES = routes()


def test_every_url_has_a_rule():
    missing = sorted(key for key in ROUTES if key not in RULES)
    assert not missing, (
        "These URLs have no access rule. Add one line per URL to RULES in "
        "tests/audit/test_access_control.py, e.g. "
        + ", ".join(f'"{key}": Portal(...)' for key in missing)
    )
    stale = sorted(key for key in RULES if key not in ROUTES)
    assert not stale, f"RULES name URLs that no longer exist: {stale}"


# --- the checks ---------------------------------------------------------------------------


def _client(user=None):
    client = Client(raise_request_exception=True)
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture(scope="module")
def people(demo_data, django_db_blocker):
    """Logged-in clients, made once: their sessions live in the module's transaction."""
    usernames = set(OWN_USERS.values()) | set(OTHER_USERS.values())
    with django_db_blocker.unblock():
        users = {user.username: user for user in User.objects.filter(username__in=usernames)}
        return {
            "own": {role: _client(users[name]) for role, name in OWN_USERS.items()},
            "other": {role: _client(users[name]) for role, name in OTHER_USERS.items()},
            "own_users": {role: users[name] for role, name in OWN_USERS.items()},
            "community": Community.objects.get(code="huweigou"),
        }


def _model_of(route: Route, rule: Rule):
    if rule.model:
        return apps.get_model(rule.model)
    if route.is_api and route.kwargs:
        return route.callback.cls.queryset.model
    return None


def _pick(model, rule: Rule, people):
    """The Huweigou object the most Huweigou roles may read (their own, not a stranger's)."""
    queryset = model._default_manager.all()
    if hasattr(queryset, "in_community"):
        queryset = queryset.in_community(people["community"])
    candidates = list(queryset.filter(**rule.pick).order_by("pk")[:200])
    assert candidates, f"the demo has no {model.__name__} in Huweigou matching {rule.pick}"
    if not hasattr(queryset, "visible_to"):
        return candidates[0]
    ids = {c.pk for c in candidates}
    readers = {c.pk: 0 for c in candidates}
    for user in people["own_users"].values():
        for pk in (
            model._default_manager.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True)
        ):
            readers[pk] += 1
    return max(candidates, key=lambda c: (readers[c.pk], -c.pk))


def _url(route: Route, rule: Rule, obj, *, pk=None):
    kwargs = {}
    for name in route.kwargs:
        source = rule.kwargs.get(name)
        if source and source.startswith("<"):
            kwargs[name] = source.strip("<>")  # a literal, e.g. an action's slug
        elif source:
            value = obj
            for part in source.split("."):
                value = getattr(value, part)
            if pk is not None:
                value = pk if isinstance(value, int) else f"missing{pk}"
            kwargs[name] = value
        elif name == "pk":
            kwargs[name] = obj.pk if pk is None else pk
        else:
            raise AssertionError(f"{route.key}: say how to fill <{name}> in its rule's kwargs")
    return reverse(route.name, kwargs=kwargs)


def _request(client, method, url):
    if method == "GET":
        return client.get(url)
    return getattr(client, method.lower())(url, data={}, content_type="application/json")


def _writes(route: Route, rule: Rule) -> list[str]:
    if route.is_api:
        # PUT goes through the same lookup as PATCH; HEAD and OPTIONS change nothing.
        return sorted(m.upper() for m in _actions(route) if m in {"post", "patch", "delete"})
    return ["POST"] if rule.method == "POST" else []


def _actions(route: Route) -> dict:
    return getattr(route.callback, "actions", None) or {}


def _anonymous_expected(rule: Rule) -> set[int]:
    if rule.kind == "public":
        return {200, 302, 404, 405}  # public: whatever it is, the same for everyone
    if rule.kind == "api":
        return {401, 403}
    return {302}


AUDITED = sorted(key for key, rule in RULES.items() if rule.kind != "skip" and key in ROUTES)


@pytest.mark.parametrize("key", AUDITED)
def test_access(key, people, db):
    route, rule = ROUTES[key], RULES[key]
    model = _model_of(route, rule)
    obj = _pick(model, rule, people) if model else None
    url = _url(route, rule, obj)
    method = rule.method
    if route.is_api and "get" not in _actions(route):
        method = "POST"
    problems = []

    # A visitor.
    response = _request(_client(), method, url)
    if rule.kind != "public" and response.status_code not in _anonymous_expected(rule):
        problems.append(f"visitor {method}: {response.status_code}")
    redirected = response.status_code == 302 and response["Location"]
    if rule.kind == "portal" and redirected and not redirected.startswith(reverse("portal:login")):
        problems.append(f"visitor sent to {response['Location']}, not the login")

    # The same roles elsewhere: an object of Huweigou is exactly as absent as a missing one.
    if obj is not None and rule.kind != "public":
        missing_url = _url(route, rule, obj, pk=MISSING_PK)
        for role, client in people["other"].items():
            if role in rule.other_see:
                continue
            for tried in ["GET", *_writes(route, rule)]:
                got = _request(client, tried, url).status_code
                if got == 404:
                    continue  # the answer for an object that does not exist
                missing = _request(client, tried, missing_url).status_code
                if got != missing or (tried == "GET" and got != 405):
                    problems.append(
                        f"other {role} {tried}: {got} (missing object: {missing}, expected 404)"
                    )
    if route.is_api and obj is None and "list" in _actions(route).values():
        model = route.callback.cls.queryset.model
        if hasattr(model._default_manager.all(), "in_community"):
            own_ids = set(
                model._default_manager.in_community(people["community"]).values_list(
                    "pk", flat=True
                )
            )
            for role, client in people["other"].items():
                if role in rule.other_see:
                    continue
                response = client.get(url)
                rows = response.json()
                rows = rows.get("results", rows) if isinstance(rows, dict) else rows
                leaked = {row["id"] for row in rows if isinstance(row, dict)} & own_ids
                if leaked:
                    problems.append(f"other {role} lists Huweigou's {model.__name__} {leaked}")

    # Huweigou's own roles.
    if method == "GET":
        for role, client in people["own"].items():
            expected = rule.status.get(role, 200 if role in rule.see else 404)
            got = _request(client, "GET", url).status_code
            if got != expected:
                problems.append(f"own {role} GET: {got}, expected {expected}")

    assert not problems, f"{key} {url}:\n  " + "\n  ".join(problems)


# --- Every admin page opens ------------------------------------------------------------------

ADMIN_MODELS = sorted(
    f"{model._meta.app_label}.{model._meta.model_name}" for model in admin.site._registry
)


@pytest.mark.parametrize("label", ADMIN_MODELS)
def test_every_admin_page_opens_for_staff(label, people, db):
    """The list, the add page and the change page of one of their rows, for the community's
    staff and the street admin: a page that answers 500 (the joint meeting's attendance
    inline did, issue 23) fails here whatever model it is on."""
    model = apps.get_model(label)
    model_admin = admin.site._registry[model]
    info = (model._meta.app_label, model._meta.model_name)
    problems = []
    for role in ("staff", "sa"):
        user = people["own_users"][role]
        request = RequestFactory().get("/admin/")
        request.user = user
        if not model_admin.has_view_or_change_permission(request):
            continue
        client = _client(user)  # here, not in `people`: force_login confirms the 2nd factor
        pages = [reverse("admin:{}_{}_changelist".format(*info))]
        if model_admin.has_add_permission(request):
            pages.append(reverse("admin:{}_{}_add".format(*info)))
        row = model_admin.get_queryset(request).order_by("pk").first()
        if row is not None:
            pages.append(reverse("admin:{}_{}_change".format(*info), args=[row.pk]))
        for url in pages:
            try:
                response = client.get(url)
            except Exception as exc:  # raise_request_exception: the 500's cause
                problems.append(f"{role} {url}: {exc.__class__.__name__}: {exc}")
                continue
            if response.status_code != 200:
                where = response.get("Location", "")
                problems.append(f"{role} {url}: {response.status_code} {where}")
    assert not problems, problems
