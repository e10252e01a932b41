"""GeoReport v2's two formats: JSON, and XML built with xml.etree (never by pasting
strings), with the element names of the specification."""

import json
from xml.etree import ElementTree

from django.http import HttpResponse

# The element each item of a list becomes, by the list's element name.
ITEM_ELEMENT = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
}
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


def _fill(element: ElementTree.Element, data: dict) -> None:
    for name, value in data.items():
        child = ElementTree.SubElement(element, name)
        if value is None:
            continue
        if isinstance(value, bool):
            child.text = "true" if value else "false"
        elif isinstance(value, list):
            for item in value:
                _fill(ElementTree.SubElement(child, ITEM_ELEMENT[name]), item)
        elif isinstance(value, dict):
            _fill(child, value)
        else:
            child.text = str(value)


def to_xml(root: str, data) -> bytes:
    """A list becomes <root><item>…</item>…</root>; a dict becomes <root>…</root>."""
    element = ElementTree.Element(root)
    if isinstance(data, list):
        for item in data:
            _fill(ElementTree.SubElement(element, ITEM_ELEMENT[root]), item)
    else:
        _fill(element, data)
    return XML_DECLARATION + ElementTree.tostring(element, encoding="utf-8", xml_declaration=False)


def render(fmt: str, root: str, data, *, status: int = 200) -> HttpResponse:
    body = to_xml(root, data) if fmt == "xml" else json.dumps(data, ensure_ascii=False).encode()
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def render_errors(fmt: str, errors: list[tuple[int, str]], *, status: int) -> HttpResponse:
    """The specification's error answer: a list of {code, description}."""
    data = [{"code": code, "description": description} for code, description in errors]
    return render(fmt, "errors", data, status=status)
