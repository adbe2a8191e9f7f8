"""The `__type` of an awsJson error, and the name of its message member, per service.

Most awsJson services answer the bare code (`{"__type": "ResourceNotFoundException",
"message": ...}`). DynamoDB answers the code qualified by the namespace that raised it, as its
Coral framework writes it: `com.amazonaws.dynamodb.v20120810#ResourceNotFoundException` for the
service's own (modeled) errors, `com.amazon.coral.validate#ValidationException`,
`com.amazon.coral.service#SerializationException` (with `Message`, capitalised) and
`com.amazon.coral.service#UnknownOperationException` (no message at all) for the framework's.
The SDKs keep what follows '#' and read either spelling of the message; a client that reads the
body raw (or compares it to AWS's) sees the difference.
"""

from __future__ import annotations

from typing import Any

from botocore.model import ServiceModel

from ownstack.core.constraints import CORAL_MAX_LISTED, validation_message
from ownstack.core.errors import ServiceError

from .json_required import RequiredMembers

QUALIFIED_NAMESPACES = {"dynamodb": "com.amazonaws.dynamodb.v20120810"}
"""Services whose errors are qualified, and the namespace of their modeled errors."""
_CORAL_SERVICE = "com.amazon.coral.service"
_CORAL = {
    "ValidationException": "com.amazon.coral.validate",
    "ThrottlingException": "com.amazon.coral.availability",
    **dict.fromkeys(
        (
            "SerializationException",
            "UnknownOperationException",
            "MissingAuthenticationTokenException",
            "IncompleteSignatureException",
            "InvalidSignatureException",
            "UnrecognizedClientException",
            "ExpiredTokenException",
            "AccessDeniedException",
            "RequestEntityTooLarge",
            "InternalFailure",
        ),
        _CORAL_SERVICE,
    ),
}
"""The framework's errors: qualified by the framework's namespace, even where the service's
model also names the code (DynamoDB's ThrottlingException)."""
CAPITALISED = frozenset({"SerializationException", "AccessDeniedException"})
"""Errors whose message member is `Message`."""
MESSAGELESS = frozenset({"UnknownOperationException"})


class QualifiedErrors:
    """How one service with qualified errors writes an error's body."""

    def __init__(self, namespace: str, modeled: frozenset[str]) -> None:
        self._namespace = namespace
        self._modeled = modeled

    def error_type(self, code: str) -> str:
        framework = _CORAL.get(code)
        if framework is not None:
            return f"{framework}#{code}"
        return f"{self._namespace}#{code}" if code in self._modeled else code

    def missing(self, operation: str, paths: list[str], params: dict[str, Any]) -> ServiceError:
        """Required members absent from a request to `operation` (json_required's paths):
        every one of them named; the service may list them with its other violations
        (MissingMembers)."""
        if operation in TABLE_NAME_FIRST and "tableName" in paths:
            message = "The parameter 'TableName' is required but was not present in the request"
            return ServiceError("ValidationException", message, 400)
        return MissingMembers(paths, params)

    def body(self, err: ServiceError) -> dict[str, Any]:
        """`__type` and the message; the caller adds the error's other members."""
        doc: dict[str, Any] = {"__type": self.error_type(err.code)}
        if err.message and err.code not in MESSAGELESS:
            doc["Message" if err.code in CAPITALISED else "message"] = err.message
        return doc


TABLE_NAME_FIRST = frozenset(
    {
        "CreateTable",
        "DeleteTable",
        "DescribeTable",
        "UpdateTable",
        "DescribeTimeToLive",
        "UpdateTimeToLive",
    }
)
"""DynamoDB operations that name a missing TableName before anything else, in words of their
own."""


def null_member(path: str) -> str:
    """A missing required member as AWS's validator lists it."""
    return f"Value null at '{path}' failed to satisfy constraint: Member must not be null"


class MissingMembers(ServiceError):
    """Required members a request lacks, named as AWS's validator names them; it keeps their
    `paths` and the request's `params` for a service that lists them together with its own
    constraint violations (the gateway asks it: core/service.ListsMissingMembers)."""

    def __init__(self, paths: list[str], params: dict[str, Any]) -> None:
        problems = [null_member(path) for path in paths[:CORAL_MAX_LISTED]]
        super().__init__("ValidationException", validation_message(problems), 400)
        self.paths = paths
        self.params = params


def validation_errors(problems: list[str]) -> ServiceError:
    """One ValidationException listing every problem, as AWS's framework words it."""
    return ServiceError("ValidationException", validation_message(problems), 400)


def java_namespace(model: ServiceModel) -> str:
    """The Java package of the service's model that AWS's messages name ("" if unknown)."""
    return QUALIFIED_NAMESPACES.get(model.service_name, "")


LEFT_TO_SERVICE = {"dynamodb": frozenset({("Tag", "Key"), ("Tag", "Value")})}
"""Required members a service checks itself: DynamoDB answers a tag without its key or value
in its own words ("The Tag Key provided is invalid, Key: null"), not its validator's."""


def required_members(model: ServiceModel) -> RequiredMembers:
    """How the service's requests are checked for missing required members."""
    name = model.service_name
    return RequiredMembers(
        coral=name in QUALIFIED_NAMESPACES, left_to_service=LEFT_TO_SERVICE.get(name, frozenset())
    )


def qualified_errors(model: ServiceModel) -> QualifiedErrors | None:
    namespace = java_namespace(model)
    if not namespace:
        return None
    return QualifiedErrors(namespace, frozenset(shape.name for shape in model.error_shapes))
