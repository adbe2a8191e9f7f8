"""Lambda's errors, as AWS words them. Lambda's modeled errors carry `Type` ("User" for the
caller's faults) beside their message; ResourceNotFoundException spells its member `Message`."""

from __future__ import annotations

from ownstack.core.constraints import validation_message
from ownstack.core.errors import ServiceError

_CAPITAL_MESSAGE = frozenset({"ResourceNotFoundException", "ServiceException"})


def lambda_error(code: str, message: str, status: int) -> ServiceError:
    fields: dict[str, str] = {"Type": "User"}
    if code in _CAPITAL_MESSAGE:
        fields["Message"] = message
    return ServiceError(code, message, status, fields=fields)


def not_found(message: str) -> ServiceError:
    return lambda_error("ResourceNotFoundException", message, 404)


def function_not_found(arn: str) -> ServiceError:
    return not_found(f"Function not found: {arn}")


def no_such_resource() -> ServiceError:
    return not_found("The resource you requested does not exist.")


def invalid(message: str) -> ServiceError:
    return lambda_error("InvalidParameterValueException", message, 400)


def conflict(message: str) -> ServiceError:
    return lambda_error("ResourceConflictException", message, 409)


def precondition_failed(what: str = "GetFunction/GetAlias") -> ServiceError:
    return lambda_error(
        "PreconditionFailedException",
        "The Revision Id provided does not match the latest Revision Id. Call the "
        f"{what} API to retrieve the latest Revision Id",
        412,
    )


def too_large(operation: str, limit: int) -> ServiceError:
    return lambda_error(
        "RequestEntityTooLargeException",
        f"Request must be smaller than {limit} bytes for the {operation} operation",
        413,
    )


def validation(*problems: str) -> ServiceError:
    """AWS's request validation error: each problem is `Value '<v>' at '<member>' failed to
    satisfy constraint: <constraint>`."""
    return ServiceError("ValidationException", validation_message(problems), 400)


def constraint(value: object, member: str, rule: str) -> str:
    """One problem; a sensitive member's value (environment variables...) is not repeated."""
    shown = "" if value is None else f" '{value}'"
    return f"Value{shown} at '{member}' failed to satisfy constraint: {rule}"


def access_denied(caller: str, action: str, resource: str) -> ServiceError:
    return ServiceError(
        "AccessDeniedException",
        f"User: {caller} is not authorized to perform: {action} on resource: {resource} "
        f"because no resource-based policy allows the {action} action",
        403,
    )


def update_in_progress(arn: str) -> ServiceError:
    return conflict(
        "The operation cannot be performed at this time. An update is in progress for "
        f"resource: {arn}"
    )


def state_conflict(state: str) -> ServiceError:
    return conflict(
        "The operation cannot be performed at this time. The function is currently in the "
        f"following state: {state}"
    )
