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
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from hive.models import User
from tests.audit.conftest import OWN_USERS

# Staff get more examples: they reach every operation; a portal role mostly meets 403/404.
EXAMPLES = {"staff": 6, "unit": 2, "grid": 2, "mediator": 2, "party": 2}

config = schemathesis.Config.from_dict(
    {
        "seed": 20260110,
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        "generation": {"max-examples": max(EXAMPLES.values())},
    }
)
schema = schemathesis.openapi.from_wsgi(
    "/api/schema/?format=json", get_wsgi_application(), config=config
)


@pytest.fixture(scope="module")
def tokens(demo_data, django_db_blocker):
    with django_db_blocker.unblock():
        users = User.objects.filter(username__in=[OWN_USERS[role] for role in EXAMPLES])
        by_name = {user.username: Token.objects.get_or_create(user=user)[0].key for user in users}
    return {role: by_name[OWN_USERS[role]] for role in EXAMPLES}


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


@pytest.mark.parametrize("role", list(EXAMPLES))
@schema.given(data=st.data())
@schema.parametrize()
@settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
)
def test_api_answers_without_5xx_and_within_its_schema(
    case, data, role, tokens, wsgi_in_test_transaction
):
    if data.draw(st.integers(min_value=1, max_value=EXAMPLES["staff"])) > EXAMPLES[role]:
        return  # fewer examples for the portal roles
    if "id" in case.path_parameters:
        ids = _known_ids(case.operation.path)
        if ids:
            case.path_parameters["id"] = data.draw(st.sampled_from([*ids, 10**8]))
    case.call_and_validate(
        headers={"Authorization": f"Token {tokens[role]}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
