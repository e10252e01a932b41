"""GeoReport v2's two formats: JSON, and XML built with xml.etree (never by pasting
strings), with the element names of the specification."""

import json
import re
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
# What XML 1.0 cannot carry, even escaped (its Char production): most control characters,
# lone surrogates, U+FFFE/U+FFFF. ElementTree writes them as they are, and the answer is
# then no XML at all; they become U+FFFD, the replacement character.
NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(value) -> str:
    return NOT_XML_CHAR.sub("\ufffd", str(value))


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
            child.text = _xml_text(value)


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
