"""SNS's errors, as AWS words them (codes from botocore's model)."""

from __future__ import annotations

from ownstack.core.errors import ServiceError


def invalid_parameter(message: str) -> ServiceError:
    """`message` is the whole text, as AWS sends it ("Invalid parameter: ...")."""
    return ServiceError("InvalidParameter", message, 400)


def topic_not_found() -> ServiceError:
    return ServiceError("NotFound", "Topic does not exist", 404)


def subscription_not_found() -> ServiceError:
    return ServiceError("NotFound", "Subscription does not exist", 404)


def resource_not_found() -> ServiceError:
    return ServiceError("ResourceNotFound", "Resource does not exist", 404)


def authorization_error(message: str) -> ServiceError:
    return ServiceError("AuthorizationError", message, 403)
