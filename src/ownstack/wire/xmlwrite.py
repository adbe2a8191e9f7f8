"""Result dicts as XML text (rest-xml and query responses), through writers compiled once per shape.

Walking botocore shapes per response costs ~20 µs per listed object; instead each (shape, element
name) is compiled once into a closure that only looks at the value. Naming follows botocore's
parsers: a member's `locationName` names its element; non-flattened lists wrap items in
`member` (or the list member's locationName); flattened lists repeat the item element in place,
named after the list member's locationName, else the member's; maps use `entry`/`key`/`value`
unless renamed; `xmlAttribute` members become attributes (with their namespace declared).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape

from .values import FLOAT_TYPES, INTEGER_TYPES, format_timestamp, timestamp_format

Writer = Callable[[Any, list[str]], None]


def escape_text(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    return text


def escape_attr(text: str) -> str:
    return escape_text(text).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


def scalar_text(shape: Shape, ts_default: str = "iso8601") -> Callable[[Any], str]:
    """A function turning a value of scalar `shape` into its (unescaped) XML text."""
    kind = shape.type_name
    if kind == "boolean":
        return lambda v: "true" if v else "false"
    if kind == "timestamp":
        fmt = timestamp_format(shape, ts_default)
        return lambda v: str(format_timestamp(v, fmt))
    if kind == "blob":
        return lambda v: base64.b64encode(v.encode() if isinstance(v, str) else bytes(v)).decode()
    if kind in FLOAT_TYPES:
        return lambda v: repr(float(v))
    return str


class XmlWriters:
    """Compiled writers for one model, cached by shape, element name and serialization traits."""

    def __init__(self, query_names: bool = False) -> None:
        self._cache: dict[tuple[str, str, str, str], Writer] = {}
        self._query_names = query_names
        """Prefer a member's `queryName` (a patch's query-era name, e.g. SQS's `Attribute` for
        the json-era `Attributes`) when naming its elements."""

    def element(self, name: str, shape: Shape, xmlns: str = "") -> Writer:
        """Writes `<name>value</name>` (xmlns: the root's ` xmlns="..."` attribute text)."""
        key = (shape.name, name, xmlns, repr(sorted(shape.serialization.items())))
        found = self._cache.get(key)
        if found is not None:
            return found
        # Recursive shapes reach this key again while it is built: point them at the result.
        slot: list[Writer] = []
        self._cache[key] = lambda value, out: slot[0](value, out)
        writer = self._build(name, shape, xmlns)
        slot.append(writer)
        self._cache[key] = writer
        return writer

    def _build(self, name: str, shape: Shape, xmlns: str) -> Writer:
        if isinstance(shape, StructureShape):
            return self._structure(name, shape, xmlns)
        if isinstance(shape, ListShape):
            items = self._items(shape.member.serialization.get("name", "member"), shape)
            return _wrapped(name, xmlns, items)
        if isinstance(shape, MapShape):
            return _wrapped(name, xmlns, self._entries("entry", shape))
        open_tag, close_tag = f"<{name}{xmlns}>", f"</{name}>"
        if shape.type_name == "string":

            def write_string(value: Any, out: list[str]) -> None:
                out.append(open_tag + escape_text(str(value)) + close_tag)

            return write_string
        if shape.type_name in INTEGER_TYPES:
            # Digits need no escaping.
            return lambda value, out: out.append(f"{open_tag}{int(value)}{close_tag}")
        text = scalar_text(shape)

        def write_scalar(value: Any, out: list[str]) -> None:
            out.append(open_tag + escape_text(text(value)) + close_tag)

        return write_scalar

    def _items(self, item_name: str, shape: ListShape) -> Writer:
        item = self.element(item_name, shape.member)

        def write_items(values: Any, out: list[str]) -> None:
            for value in values:
                item(value, out)

        return write_items

    def _entries(self, entry_name: str, shape: MapShape) -> Writer:
        key = self.element(shape.key.serialization.get("name", "key"), shape.key)
        val = self.element(shape.value.serialization.get("name", "value"), shape.value)
        open_tag, close_tag = f"<{entry_name}>", f"</{entry_name}>"

        def write_entries(entries: Mapping[str, Any], out: list[str]) -> None:
            for k, v in entries.items():
                out.append(open_tag)
                key(k, out)
                if v is not None:
                    val(v, out)
                out.append(close_tag)

        return write_entries

    def members(self, shape: StructureShape) -> Writer:
        """Writes a structure's child elements (not its own element)."""
        entries: list[tuple[str, Writer]] = []
        for member_name, member in shape.members.items():
            if member.serialization.get("xmlAttribute"):
                continue
            wire = member.serialization.get("name", member_name)
            if self._query_names:
                wire = member.serialization.get("queryName", wire)
            flattened = member.serialization.get("flattened")
            if isinstance(member, ListShape) and flattened:
                item_name = member.member.serialization.get("name", wire)
                entries.append((member_name, self._items(item_name, member)))
            elif isinstance(member, MapShape) and flattened:
                entries.append((member_name, self._entries(wire, member)))
            else:
                entries.append((member_name, self.element(wire, member)))

        def write_members(value: Mapping[str, Any], out: list[str]) -> None:
            for member_name, writer in entries:
                item = value.get(member_name)
                if item is not None:
                    writer(item, out)

        return write_members

    def _structure(self, name: str, shape: StructureShape, xmlns: str) -> Writer:
        children = self.members(shape)
        static = f"<{name}{xmlns}{_namespace_attr(shape)}"
        close_tag = f"</{name}>"
        attrs = [
            (member_name, member.serialization.get("name", member_name), scalar_text(member))
            for member_name, member in shape.members.items()
            if member.serialization.get("xmlAttribute")
        ]

        if not attrs:

            def write_plain(value: Mapping[str, Any], out: list[str]) -> None:
                out.append(static + ">")
                children(value, out)
                out.append(close_tag)

            return write_plain

        def write_structure(value: Mapping[str, Any], out: list[str]) -> None:
            dynamic = "".join(
                f' {wire}="{escape_attr(text(value[m]))}"'
                for m, wire, text in attrs
                if value.get(m) is not None
            )
            out.append(static + dynamic + ">")
            children(value, out)
            out.append(close_tag)

        return write_structure


def _wrapped(name: str, xmlns: str, inner: Writer) -> Writer:
    open_tag, close_tag = f"<{name}{xmlns}>", f"</{name}>"

    def write_wrapped(value: Any, out: list[str]) -> None:
        out.append(open_tag)
        inner(value, out)
        out.append(close_tag)

    return write_wrapped


def _namespace_attr(shape: StructureShape) -> str:
    namespace = shape.serialization.get("xmlNamespace")
    if isinstance(namespace, Mapping) and namespace.get("prefix"):
        return f' xmlns:{namespace["prefix"]}="{escape_attr(str(namespace["uri"]))}"'
    return ""
