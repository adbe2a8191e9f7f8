"""CloudWatch Logs' errors, as AWS words them (JSON protocol: `__type` is the shape name)."""

from __future__ import annotations

from ownstack.core.errors import ServiceError


def invalid_parameter(message: str) -> ServiceError:
    return ServiceError("InvalidParameterException", message, 400)


def validation_errors(problems: list[str]) -> ServiceError:
    """AWS's model-constraint refusal: `1 validation error detected: Value 'x' at 'member'
    failed to satisfy constraint: ...` (CloudWatch Logs answers it as InvalidParameterException)."""
    count = len(problems)
    noun = "error" if count == 1 else "errors"
    return invalid_parameter(f"{count} validation {noun} detected: " + "; ".join(problems))


def group_not_found() -> ServiceError:
    return ServiceError("ResourceNotFoundException", "The specified log group does not exist.", 400)


def stream_not_found() -> ServiceError:
    return ServiceError(
        "ResourceNotFoundException", "The specified log stream does not exist.", 400
    )


def group_exists() -> ServiceError:
    return ServiceError(
        "ResourceAlreadyExistsException", "The specified log group already exists", 400
    )


def stream_exists() -> ServiceError:
    return ServiceError(
        "ResourceAlreadyExistsException", "The specified log stream already exists", 400
    )


def too_many_tags(arn: str) -> ServiceError:
    return ServiceError(
        "TooManyTagsException",
        "A resource can have no more than 50 tags.",
        400,
        fields={"resourceName": arn},
    )


def bad_token() -> ServiceError:
    return invalid_parameter("The specified nextToken is invalid.")


def conflict() -> ServiceError:
    return ServiceError(
        "OperationAbortedException",
        "Multiple concurrent requests to update the same resource were in conflict.",
        400,
    )


def not_implemented_setting(message: str) -> ServiceError:
    """A setting ownstack does not carry out, refused rather than accepted and ignored."""
    return ServiceError("NotImplemented", message, 501, sender_fault=False)
