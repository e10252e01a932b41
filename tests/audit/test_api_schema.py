"""The published OpenAPI schema documents what the API answers (issue #10: schemathesis
found these operations promising one shape and answering another). The fuzz in
test_api_fuzz.py checks real answers; this pins the documented shapes cheaply."""

import pytest
from drf_spectacular.generators import SchemaGenerator


@pytest.fixture(scope="module")
def paths():
    return SchemaGenerator().get_schema(request=None, public=True)["paths"]


def _answer(paths, path, method):
    responses = paths[path][method]["responses"]
    code = next(code for code in responses if code.startswith("2"))
    return responses[code]["content"]["application/json"]["schema"]


@pytest.mark.parametrize(
    ("path", "item"),
    [
        ("/api/wishes/funnel/", "FunnelStep"),
        ("/api/campaigns/{id}/results/", "Result"),
        ("/api/dispute-cases/{id}/sessions/", "Session"),
    ],
)
def test_unpaginated_lists_are_documented_as_arrays(paths, path, item):
    schema = _answer(paths, path, "get")
    assert schema == {"type": "array", "items": {"$ref": f"#/components/schemas/{item}"}}


@pytest.mark.parametrize(
    ("path", "request_body", "answer"),
    [
        ("/api/incidents/{id}/reject/", "ReasonInput", "Incident"),
        ("/api/incidents/{id}/accept/", "NoteInput", "Incident"),
        ("/api/incidents/{id}/reply/", "ReplyInput", "ReplyOutput"),
        ("/api/wishes/{id}/reject/", "Reject", "MicroWish"),
        ("/api/residents/{id}/reveal/", "Reveal", "Revealed"),
        ("/api/activities/{id}/cancel/", "ActivityCancel", "Activity"),
        ("/api/dispute-cases/", "CaseRegister", "Case"),
        ("/api/dispute-cases/{id}/refer/", "Refer", "Case"),
        ("/api/dispute-followups/{id}/record/", "FollowUpRecord", "FollowUp"),
    ],
)
def test_actions_document_their_input_and_their_answer(paths, path, request_body, answer):
    operation = paths[path]["post"]
    sent = operation["requestBody"]["content"]["application/json"]["schema"]
    assert sent == {"$ref": f"#/components/schemas/{request_body}"}
    assert _answer(paths, path, "post") == {"$ref": f"#/components/schemas/{answer}"}
