"""XML request bodies (rest-xml): a defusedxml tree into a params dict, by shape. Naming follows
botocore's serializers (see xmlwrite.py for the rules); parsing is lenient about namespaces.
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element, ParseError

from botocore.model import ListShape, MapShape, Shape, StructureShape
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from .values import BadInputError, parse_scalar


class MalformedXmlError(Exception):
    """Not well-formed XML, or XML with a DTD / entities (refused: billion laughs, XXE)."""


def parse_document(data: bytes) -> Element:
    try:
        root: Element = fromstring(data, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise MalformedXmlError(str(exc)) from exc
    return root


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(elem: Element) -> dict[str, list[Element]]:
    index: dict[str, list[Element]] = {}
    for child in elem:
        index.setdefault(local_name(child.tag), []).append(child)
    return index


def _attribute(elem: Element, name: str) -> str | None:
    wanted = name.rsplit(":", 1)[-1]
    for key, value in elem.attrib.items():
        if local_name(key) == wanted:
            return value
    return None


def element_to_value(elem: Element, shape: Shape) -> Any:
    """The value of `elem` interpreted as `shape`."""
    if isinstance(shape, StructureShape):
        return _parse_structure(elem, shape)
    if isinstance(shape, ListShape):
        name = shape.member.serialization.get("name", "member")
        return [element_to_value(c, shape.member) for c in elem if local_name(c.tag) == name]
    if isinstance(shape, MapShape):
        return _parse_map(list(_children(elem).get("entry", [])), shape)
    return parse_scalar(shape, elem.text or "")


def _parse_structure(elem: Element, shape: StructureShape) -> dict[str, Any]:
    index = _children(elem)
    out: dict[str, Any] = {}
    for member_name, member in shape.members.items():
        wire = member.serialization.get("name", member_name)
        if member.serialization.get("xmlAttribute"):
            text = _attribute(elem, wire)
            if text is not None:
                out[member_name] = parse_scalar(member, text)
            continue
        if isinstance(member, ListShape) and member.serialization.get("flattened"):
            items = index.get(wire) or index.get(member.member.serialization.get("name", ""), [])
            if items:
                out[member_name] = [element_to_value(c, member.member) for c in items]
            continue
        if isinstance(member, MapShape) and member.serialization.get("flattened"):
            if wire in index:
                out[member_name] = _parse_map(index[wire], member)
            continue
        found = index.get(wire)
        if found:
            out[member_name] = element_to_value(found[0], member)
    return out


def _parse_map(entries: list[Element], shape: MapShape) -> dict[str, Any]:
    key_name = shape.key.serialization.get("name", "key")
    value_name = shape.value.serialization.get("name", "value")
    out: dict[str, Any] = {}
    for entry in entries:
        index = _children(entry)
        keys, values = index.get(key_name), index.get(value_name)
        if not keys:
            raise BadInputError("Map entry without a key")
        out[keys[0].text or ""] = element_to_value(values[0], shape.value) if values else None
    return out
