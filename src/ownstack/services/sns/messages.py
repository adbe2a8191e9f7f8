"""What a Publish (or a PublishBatch entry) carries, validated as AWS validates it, and the
Notification that fan-out delivers."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ownstack.core.errors import ServiceError

from .errors import invalid_parameter
from .records import TopicRecord

MAX_MESSAGE_BYTES = 256 * 1024
"""The whole message (body plus attribute names, types and values)."""
MAX_SUBJECT = 100
MAX_GROUP_ID = 128
_ID_CHARS = re.compile(r"[!-~]{1,128}")
MAX_ATTRIBUTE_NAME = 256
_ATTRIBUTE_NAME_CHAR = re.compile(r"[A-Za-z0-9_.-]")
_RESERVED_PREFIXES = ("aws.", "amazon.")


@dataclass(slots=True)
class Notification:
    topic_arn: str
    message_id: str
    message: str
    """The default message (MessageStructure=json: its "default" entry)."""
    timestamp: float
    subject: str | None = None
    attributes: dict[str, dict[str, Any]] = field(default_factory=dict)
    per_protocol: dict[str, str] = field(default_factory=dict)
    """MessageStructure=json: the message for each protocol that has its own."""
    group: str | None = None
    dedup_id: str | None = None
    sequence: str | None = None
    signature_version: str = "1"
    base_url: str = ""

    def text_for(self, protocol: str) -> str:
        return self.per_protocol.get(protocol, self.message)


def _value_invalid(message: str) -> ServiceError:
    return ServiceError("ParameterValueInvalid", message, 400)


def check_message(params: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
    """(default message, per-protocol messages) of a Publish; InvalidParameter."""
    message = params.get("Message")
    if not message:
        raise invalid_parameter("Invalid parameter: Empty message")
    structure = params.get("MessageStructure")
    if structure is None:
        return message, {}
    if structure != "json":
        raise invalid_parameter("Invalid parameter: MessageStructure")
    try:
        doc = json.loads(message)
    except ValueError:
        raise invalid_parameter(
            "Invalid parameter: Message Structure - JSON message body failed to parse"
        ) from None
    if not isinstance(doc, dict):
        raise invalid_parameter(
            "Invalid parameter: Message Structure - JSON message body failed to parse"
        )
    # AWS ignores entries that are not strings: those protocols get the default message
    # (and a non-string "default" is no default at all).
    doc = {k: v for k, v in doc.items() if isinstance(v, str)}
    if "default" not in doc:
        raise invalid_parameter(
            "Invalid parameter: Message Structure - No default entry in JSON message body"
        )
    default = doc.pop("default")
    return default, doc


def check_subject(subject: str | None) -> None:
    if subject is None:
        return
    # ASCII letters, digits, punctuation and spaces, not beginning with a space.
    printable = all(32 <= ord(c) < 127 for c in subject)
    if not subject or subject[0] == " " or len(subject) > MAX_SUBJECT or not printable:
        raise invalid_parameter("Invalid parameter: Subject")


def check_attributes(attributes: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name, attr in attributes.items():
        _check_attribute_name(name)
        out[name] = _check_attribute(name, attr or {})
    return out


def _check_attribute_name(name: str) -> None:
    """ParameterValueInvalid, worded as AWS words each flaw of a message attribute name."""
    if len(name.encode()) > MAX_ATTRIBUTE_NAME:
        raise _value_invalid("Length of message attribute name must be less than 256 bytes.")
    bad = next((c for c in name if not _ATTRIBUTE_NAME_CHAR.fullmatch(c)), None)
    if bad is not None:
        raise _value_invalid(
            f"Invalid non-alphanumeric character '#x{ord(bad):X}' was found in the message "
            "attribute name. Can only include alphanumeric characters, hyphens, underscores, "
            "or dots."
        )
    if name.startswith("."):
        raise _value_invalid(
            "Invalid message attribute name starting with character '.' was found."
        )
    if name.endswith("."):
        raise _value_invalid("Invalid message attribute name ending with character '.' was found.")
    if ".." in name:
        raise _value_invalid("Message attribute name can not have successive '.' character.")
    if not name or name.lower().startswith(_RESERVED_PREFIXES):
        raise invalid_parameter(
            f"Invalid parameter: MessageAttributes Reason: The message attribute name "
            f"'{name}' is invalid"
        )


def _check_attribute(name: str, attr: Mapping[str, Any]) -> dict[str, Any]:
    data_type = attr.get("DataType") or ""
    base, dot, custom = data_type.partition(".")
    if base not in ("String", "Number", "Binary") or (dot and not custom):
        raise _value_invalid(
            f"The message attribute '{name}' has an invalid message attribute type, the set of "
            "supported type prefixes is Binary, Number, and String."
        )
    key = "BinaryValue" if base == "Binary" else "StringValue"
    other = "StringValue" if base == "Binary" else "BinaryValue"
    value = attr.get(key)
    if value is None and attr.get(other) is not None:
        field_name = key.removesuffix("Value")
        raise _value_invalid(
            f"The message attribute '{name}' with type '{base}' must use field '{field_name}'."
        )
    if value is None or len(value) == 0:
        raise _value_invalid(
            f"The message attribute '{name}' must contain non-empty message attribute value "
            f"for message attribute type '{base}'."
        )
    if base == "Number":
        _check_number(name, value)
    if data_type == "String.Array":
        _check_array(name, value)
    return {"DataType": data_type, key: value}


def _check_number(name: str, value: str) -> None:
    try:
        number = float(value)
    except ValueError:
        raise _value_invalid(
            f"Could not cast message attribute '{name}' value to number."
        ) from None
    if number != number or abs(number) > 1e9:  # NaN or beyond SNS's numeric range
        raise _value_invalid(f"Could not cast message attribute '{name}' value to number.")


def _check_array(name: str, value: str) -> None:
    try:
        parsed = json.loads(value)
    except ValueError:
        parsed = None
    if not isinstance(parsed, list) or any(isinstance(v, dict | list) for v in parsed):
        raise _value_invalid(
            f"The message attribute '{name}' with type 'String.Array' has an invalid value."
        )


def message_size(message: str, attributes: Mapping[str, Mapping[str, Any]]) -> int:
    size = len(message.encode())
    for name, attr in attributes.items():
        size += len(name.encode()) + len(str(attr["DataType"]).encode())
        value = attr.get("BinaryValue", attr.get("StringValue", ""))
        size += len(value) if isinstance(value, bytes) else len(str(value).encode())
    return size


def check_size(raw_message: str, attributes: Mapping[str, Mapping[str, Any]]) -> None:
    if message_size(raw_message, attributes) > MAX_MESSAGE_BYTES:
        raise invalid_parameter("Invalid parameter: Message too long")


def fifo_ids(
    topic: TopicRecord, params: Mapping[str, Any], message: str
) -> tuple[str | None, str | None]:
    """(message group id, deduplication id) of a Publish to `topic`; InvalidParameter."""
    group = params.get("MessageGroupId")
    dedup = params.get("MessageDeduplicationId")
    if not topic.fifo:
        if dedup is not None:
            raise invalid_parameter(
                "Invalid parameter: MessageDeduplicationId Reason: The request includes "
                "MessageDeduplicationId parameter that is not valid for this topic type"
            )
        return _checked_id("MessageGroupId", group), None
    if not group:
        raise invalid_parameter(
            "Invalid parameter: The MessageGroupId parameter is required for FIFO topics"
        )
    if dedup is None:
        if topic.attributes.get("ContentBasedDeduplication") != "true":
            raise invalid_parameter(
                "Invalid parameter: The topic should either have ContentBasedDeduplication "
                "enabled or MessageDeduplicationId provided explicitly"
            )
        dedup = hashlib.sha256(message.encode()).hexdigest()
    return _checked_id("MessageGroupId", group), _checked_id("MessageDeduplicationId", dedup)


def _checked_id(name: str, value: str | None) -> str | None:
    if value is not None and not _ID_CHARS.fullmatch(value):
        raise invalid_parameter(
            f"Invalid parameter: {name} Reason: {name} can only include alphanumeric and "
            "punctuation characters. 1 to 128 in length."
        )
    return value
