"""SQS's errors, as AWS words them. Modeled errors are raised by their shape name (the JSON
protocol's `__type`); the wire layer adds the query-era code (wire/querycodes.py)."""

from __future__ import annotations

from ownstack.core.errors import ServiceError


def invalid_parameter(message: str) -> ServiceError:
    return ServiceError("InvalidParameterValue", message, 400)


def invalid_value(name: str, value: object, reason: str) -> ServiceError:
    return invalid_parameter(f"Value {value} for parameter {name} is invalid. Reason: {reason}.")


def missing_parameter(name: str) -> ServiceError:
    return ServiceError("MissingParameter", f"The request must contain the parameter {name}.", 400)


def queue_does_not_exist() -> ServiceError:
    return ServiceError("QueueDoesNotExist", "The specified queue does not exist.", 400)


def invalid_attribute_name(name: str) -> ServiceError:
    return ServiceError("InvalidAttributeName", f"Unknown Attribute {name}.", 400)


def invalid_attribute_value(name: str, reason: str = "") -> ServiceError:
    message = f"Invalid value for the parameter {name}."
    if reason:
        message = f"Value for parameter {name} is invalid. Reason: {reason}."
    return ServiceError("InvalidAttributeValue", message, 400)


def receipt_handle_invalid(handle: str) -> ServiceError:
    return ServiceError(
        "ReceiptHandleIsInvalid",
        f'The input receipt handle "{handle}" is not a valid receipt handle.',
        404,
    )


def access_denied(url: str) -> ServiceError:
    return ServiceError("AccessDenied", f"Access to the resource {url} is denied.", 403)


def resource_not_found(message: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException", message, 404)
