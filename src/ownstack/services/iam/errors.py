"""IAM's errors as AWS words them (query-protocol codes, HTTP statuses)."""

from __future__ import annotations

from ownstack.core.errors import ServiceError


def no_such_entity(message: str) -> ServiceError:
    return ServiceError("NoSuchEntity", message, 404)


def not_found(label: str, name: str) -> ServiceError:
    """`label`: user, group, role (AWS: "The user with name X cannot be found.")."""
    return no_such_entity(f"The {label} with name {name} cannot be found.")


def already_exists(message: str) -> ServiceError:
    return ServiceError("EntityAlreadyExists", message, 409)


def delete_conflict(message: str) -> ServiceError:
    return ServiceError("DeleteConflict", message, 409)


def limit_exceeded(message: str) -> ServiceError:
    return ServiceError("LimitExceeded", message, 409)


def malformed_policy(message: str) -> ServiceError:
    return ServiceError("MalformedPolicyDocument", message, 400)


def invalid_input(message: str) -> ServiceError:
    return ServiceError("InvalidInput", message, 400)


def validation_error(message: str) -> ServiceError:
    return ServiceError("ValidationError", message, 400)


def concurrent_modification() -> ServiceError:
    return ServiceError(
        "ConcurrentModification",
        "The request was rejected because multiple requests to change this object were"
        " submitted simultaneously. Wait a few minutes and submit your request again.",
        409,
    )


def policy_not_found(arn: str) -> ServiceError:
    return no_such_entity(f"Policy {arn} was not found.")


def policy_not_attachable(arn: str) -> ServiceError:
    return no_such_entity(f"Policy {arn} does not exist or is not attachable.")


def protected_role(name: str) -> ServiceError:
    """A service-linked role changed other than through its service (DeleteRole,
    UpdateAssumeRolePolicy...)."""
    return ServiceError(
        "UnmodifiableEntity",
        f"Cannot perform the operation on the protected role '{name}' - this role is only"
        " modifiable by AWS",
        400,
    )
