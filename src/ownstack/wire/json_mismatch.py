"""What an AWS JSON service says when a request member has the wrong JSON type: the words of
AWS's Coral framework (a Jackson parser over the service's Java model), which clients that test
their validation against AWS (dynalite's suite, recorded from DynamoDB) compare.

The words depend on the JSON token found (`TRUE_VALUE`, `NUMBER_VALUE`...), on the member's
Java type, and, for structures, lists and maps, on where the member sits: a structure's own
field, or an element of a list / value of a map.
"""

from __future__ import annotations

from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape

from .values import BadInputError

START_OF_MAP = "Start of structure or map found where not expected"
FIELD_TYPE = "Unexpected field type"
VALUE_TYPE = "Unexpected value type in payload"
NOT_BASE64 = "only base-64-encoded strings are convertible to bytes"
BOOLEAN_TEXT = "Unexpected token received from parser"
PARAMETERIZED = (
    "class sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl cannot be cast to class "
    "java.lang.Class (sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl and "
    "java.lang.Class are in module java.base of loader 'bootstrap')"
)
"""AWS's answer to a scalar where a list or map nested in a collection belongs."""
_JAVA_SCALARS = {
    "string": "java.lang.String",
    "boolean": "java.lang.Boolean",
    "integer": "java.lang.Integer",
    "long": "java.lang.Long",
    "short": "java.lang.Short",
    "byte": "java.lang.Byte",
    "float": "java.lang.Float",
    "double": "java.lang.Double",
    "blob": "java.nio.ByteBuffer",
    "timestamp": "java.util.Date",
}


def token(value: Any) -> str:
    """The parser's name for the JSON token of a scalar `value`."""
    if value is True:
        return "TRUE_VALUE"
    if value is False:
        return "FALSE_VALUE"
    if isinstance(value, str):
        return "STRING_VALUE"
    return "NUMBER_VALUE" if isinstance(value, int) else "DECIMAL_VALUE"


def java_type(shape: Shape, namespace: str) -> str:
    if isinstance(shape, StructureShape):
        return f"{namespace}.{shape.name}" if namespace else shape.name
    if isinstance(shape, ListShape):
        return f"java.util.List<{java_type(shape.member, namespace)}>"
    if isinstance(shape, MapShape):
        return f"java.util.Map<java.lang.String, {java_type(shape.value, namespace)}>"
    return _JAVA_SCALARS.get(shape.type_name, "java.lang.Object")


def _collection_or_map(value: Any, java_class: str) -> BadInputError | None:
    if isinstance(value, dict):
        return BadInputError(START_OF_MAP)
    if isinstance(value, list):
        return BadInputError(f"Unrecognized collection type class {java_class}")
    return None


def scalar_mismatch(kind: str, value: Any) -> BadInputError:
    """`value` (not None) does not fit a scalar member of type `kind`."""
    java_class = _JAVA_SCALARS.get(kind, "java.lang.Object")
    nested = _collection_or_map(value, java_class)
    if nested is not None:
        return nested
    if kind == "blob":
        return BadInputError(NOT_BASE64)
    if kind == "boolean" and isinstance(value, str):
        return BadInputError(BOOLEAN_TEXT)
    return BadInputError(f"{token(value)} cannot be converted to {java_class.rpartition('.')[2]}")


def structure_mismatch(java_class: str, value: Any, as_value: bool) -> BadInputError:
    if isinstance(value, list):
        return BadInputError(f"Unrecognized collection type class {java_class}")
    return BadInputError(VALUE_TYPE if as_value else FIELD_TYPE)


def list_mismatch(value: Any, as_value: bool) -> BadInputError:
    if isinstance(value, dict):
        return BadInputError(START_OF_MAP)
    return BadInputError(PARAMETERIZED if as_value else FIELD_TYPE)


def map_mismatch(java_map: str, value: Any, as_value: bool) -> BadInputError:
    if isinstance(value, list):
        return BadInputError(f"Unrecognized collection type {java_map}")
    return BadInputError(PARAMETERIZED if as_value else FIELD_TYPE)


def base64_mismatch(text: str) -> BadInputError:
    """`text` is a string but not base64."""
    stripped = text.rstrip("=")
    if len(text) % 4:
        return BadInputError(
            f"Base64 encoded length is expected a multiple of 4 bytes but found: {len(text)}"
        )
    if "=" in stripped:
        # (sic: AWS's own spelling)
        return BadInputError("Invalid last non-pad Base64 character dectected")
    return BadInputError("Invalid Base64 character")
