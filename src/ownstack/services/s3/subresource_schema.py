"""S3's schema check of a sub-resource document (MalformedXML), from the pinned botocore model.

S3 validates a configuration document against its published XML schema before reading it: an
element the schema requires that is missing, or a value outside an enumeration, is MalformedXML
("The XML you provided was not well-formed or did not validate against our published schema").
The wire layer has already parsed the document by the model's shapes (and refused what is not
XML, or a number that is not one); this walks the parsed value against the same shapes for
what the parser does not check: required members and enumerations, at every depth.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from botocore.loaders import Loader
from botocore.model import ListShape, ServiceModel, Shape, StructureShape

from .errors import malformed_xml


@cache
def _model() -> ServiceModel:
    return ServiceModel(Loader().load_service_model("s3", "service-2"), "s3")


@cache
def _document_shape(operation: str, member: str) -> Shape:
    shape = _model().operation_model(operation).input_shape
    assert isinstance(shape, StructureShape)
    return shape.members[member]


def check_document(
    operation: str, member: str, value: Any, *, skip_enums: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """MalformedXML unless `value` (the operation's input member `member`, as parsed) has every
    member its shapes require and only enumerated values where they enumerate. Enumerations of
    members named in `skip_enums` are left to the caller (S3 answers some with their own error).
    Returns the document."""
    if not isinstance(value, dict):
        raise malformed_xml()
    _check(_document_shape(operation, member), value, skip_enums)
    return value


def _check(shape: Shape, value: Any, skip_enums: frozenset[str]) -> None:
    if isinstance(shape, StructureShape):
        if not isinstance(value, Mapping):
            raise malformed_xml()
        for name in shape.required_members:
            if value.get(name) is None:
                raise malformed_xml()
        for name, member in shape.members.items():
            found = value.get(name)
            if found is None:
                continue
            if name in skip_enums and member.type_name == "string":
                continue
            _check(member, found, skip_enums)
    elif isinstance(shape, ListShape):
        if not isinstance(value, list):
            raise malformed_xml()
        for item in value:
            _check(shape.member, item, skip_enums)
    elif shape.type_name == "string":
        enum = shape.metadata.get("enum")
        if enum and value not in enum:
            raise malformed_xml()
