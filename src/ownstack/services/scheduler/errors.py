"""EventBridge Scheduler's errors (rest-json: the body's `Message` member, the code in
x-amzn-ErrorType). Messages AWS is known to answer are quoted; docs/scheduler.md lists them."""

from __future__ import annotations

from ownstack.core.errors import ServiceError


def scheduler_error(code: str, message: str, status: int) -> ServiceError:
    return ServiceError(code, message, status, fields={"Message": message})


def validation(message: str) -> ServiceError:
    return scheduler_error("ValidationException", message, 400)


def validation_errors(problems: list[str]) -> ServiceError:
    """The model-constraint refusal: `1 validation error detected: Value 'x' at 'name' failed
    to satisfy constraint: ...`, every problem of the request in one answer."""
    count = len(problems)
    noun = "error" if count == 1 else "errors"
    return validation(f"{count} validation {noun} detected: " + "; ".join(problems))


def invalid_expression(expression: str) -> ServiceError:
    return validation(f"Invalid Schedule Expression {expression}.")


def schedule_not_found(name: str) -> ServiceError:
    return scheduler_error("ResourceNotFoundException", f"Schedule {name} does not exist.", 404)


def group_not_found(name: str) -> ServiceError:
    return scheduler_error(
        "ResourceNotFoundException", f"Schedule group {name} does not exist.", 404
    )


def schedule_exists(name: str) -> ServiceError:
    return scheduler_error("ConflictException", f"Schedule {name} already exists.", 409)


def group_exists(name: str) -> ServiceError:
    return scheduler_error("ConflictException", f"Schedule group {name} already exists.", 409)


def conflict(message: str) -> ServiceError:
    return scheduler_error("ConflictException", message, 409)


def busy() -> ServiceError:
    return conflict("Multiple concurrent requests to update the same resource were in conflict.")


def not_implemented(message: str) -> ServiceError:
    """What ownstack does not carry out is refused, never accepted and ignored."""
    return ServiceError("NotImplemented", message, 501, sender_fault=False)
