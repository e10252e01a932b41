"""API fuzzing: schemathesis sends generated requests for every operation of the live
OpenAPI schema (/api/schema/) through the WSGI app, as community staff and as each portal
role, on the demo data. No answer may be a 5xx or break the schema the API publishes.

Bounded for CI (a few minutes on two cores): a fixed seed, a few examples per operation,
the "coverage" phase (every boundary case of every parameter) off. A failure prints the
request to reproduce it; fix the app and add a regular regression test next to its app.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from hive.models import User
from tests.audit.conftest import OWN_USERS
from tests.factories import api_token_key

# Staff reach every operation; a portal role reads (its writes are the access audit's).
STAFF_EXAMPLES = 3
PORTAL_EXAMPLES = 1
PORTAL_ROLES = ["unit", "grid", "mediator", "party"]

# Schema gaps the fuzz found and that are not fixed yet (see the issue-10 report): the
# response a client is promised differs from the one it gets. Remove a line once fixed.
KNOWN_SCHEMA_GAPS: dict[str, str] = {}

config = schemathesis.Config.from_dict(
    {
        "seed": 20260110,
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        "generation": {"max-examples": STAFF_EXAMPLES},
    }
)
schema = schemathesis.openapi.from_wsgi(
    "/api/schema/?format=json", get_wsgi_application(), config=config
)


@pytest.fixture(scope="module")
def tokens(demo_data, django_db_blocker):
    with django_db_blocker.unblock():
        users = User.objects.filter(username__in=OWN_USERS.values())
        by_name = {user.username: api_token_key(user) for user in users}
    return {role: by_name[username] for role, username in OWN_USERS.items()}


@pytest.fixture
def wsgi_in_test_transaction(db):
    """The WSGI handler closes the connection after each request (request_finished), which
    would end the test's transaction; Django's test client unhooks it the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _known_ids(operation_path: str) -> list[int]:
    """Ids that exist for the resource of a `{id}` path, so generated requests reach real
    objects (random integers would only ever meet a 404)."""
    from django.urls import resolve

    sample = operation_path.replace("{id}", "1")
    view = resolve(sample).func
    model = view.cls.queryset.model
    return list(model._default_manager.order_by("pk").values_list("pk", flat=True)[:5])


def _check(case, data, token):
    if "id" in case.path_parameters:
        ids = _known_ids(case.operation.path)
        if ids:
            case.path_parameters["id"] = data.draw(st.sampled_from([*ids, 10**8]))
    checks = [not_a_server_error, response_schema_conformance]
    if case.operation.label in KNOWN_SCHEMA_GAPS:
        checks = [not_a_server_error]  # still never a 5xx
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=checks)


HYPOTHESIS = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": list(HealthCheck),
    "phases": [Phase.explicit, Phase.generate],
}


# The role parameter also gives each operation's test an id of its own ("...[GET /api/x/]
# [staff]"): without a pytest parameter schemathesis gives them all one node id, which
# pytest-xdist (`make test`) would run as a single test.
@pytest.mark.parametrize("role", ["staff"])
@schema.given(data=st.data())
@schema.parametrize()
@settings(max_examples=STAFF_EXAMPLES, **HYPOTHESIS)
def test_api_as_staff(case, data, role, tokens, wsgi_in_test_transaction):
    _check(case, data, tokens[role])


@pytest.mark.parametrize("role", PORTAL_ROLES)
@schema.given(data=st.data())
@schema.include(method="GET").parametrize()
@settings(max_examples=PORTAL_EXAMPLES, **HYPOTHESIS)
def test_api_as_portal_role(case, data, role, tokens, wsgi_in_test_transaction):
    _check(case, data, tokens[role])
