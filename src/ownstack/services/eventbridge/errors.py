"""EventBridge's errors, as AWS words them (JSON protocol: `__type` is the shape name)."""

from __future__ import annotations

from ownstack.core.errors import ServiceError


def validation(message: str) -> ServiceError:
    return ServiceError("ValidationException", message, 400)


def not_found(message: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException", message, 400)


def bus_not_found(name: str) -> ServiceError:
    return not_found(f"Event bus {name} does not exist.")


def rule_not_found(name: str, bus: str) -> ServiceError:
    return not_found(f"Rule {name} does not exist on EventBus {bus}.")


def already_exists(message: str) -> ServiceError:
    return ServiceError("ResourceAlreadyExistsException", message, 400)


def invalid_pattern(reason: str) -> ServiceError:
    return ServiceError(
        "InvalidEventPatternException", f"Event pattern is not valid. Reason: {reason}", 400
    )


def limit_exceeded(message: str) -> ServiceError:
    return ServiceError("LimitExceededException", message, 400)


def conflict() -> ServiceError:
    return ServiceError(
        "ConcurrentModificationException",
        "Another process is modifying this resource. Try again later.",
        400,
    )


def bad_token() -> ServiceError:
    return validation("The NextToken provided is invalid.")


def bad_arn(arn: str) -> ServiceError:
    return validation(
        f"Parameter {arn} is not valid. Reason: Provided Arn is not in correct format."
    )
