import json
from xml.etree import ElementTree

from grids.models import Incident
from open311.models import ServiceRequest


def parse(response, fmt):
    """The answer as Python data: JSON as is; XML as (root tag, list of dicts of text)."""
    if fmt == "json":
        assert response["Content-Type"].startswith("application/json")
        return json.loads(response.content)
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ElementTree.fromstring(response.content)  # noqa: S314 (our own answer)


def xml_items(root, item_tag):
    return [{child.tag: child for child in item} for item in root.findall(item_tag)]


def errors_of(response, fmt):
    """[(code, description)] from the spec's error answer, checking its shape."""
    data = parse(response, fmt)
    if fmt == "json":
        assert isinstance(data, list) and data
        return [(item["code"], item["description"]) for item in data]
    assert data.tag == "errors"
    items = data.findall("error")
    assert items
    return [(int(e.find("code").text), e.find("description").text) for e in items]


def nothing_stored():
    return not Incident.objects.exists() and not ServiceRequest.objects.exists()
