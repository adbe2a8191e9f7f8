"""AccessDenied as each service words it, with AWS's explanatory message:
`User: <arn> is not authorized to perform: <action> on resource: <arn> because ...`."""

from __future__ import annotations

from ownstack.core.context import ANONYMOUS, RequestContext
from ownstack.core.errors import ServiceError

_CODES = {"sns": "AuthorizationError"}
_JSON_SERVICES = frozenset(
    {"dynamodb", "dynamodbstreams", "kinesis", "logs", "events", "lambda", "states", "scheduler"}
)
_STATUS = {"dynamodb": 400, "dynamodbstreams": 400, "logs": 400}
"""DynamoDB and CloudWatch Logs answer AccessDeniedException with 400 (their API references'
common errors), where the other services answer 403."""


class Denial(ServiceError):
    """An authorisation refusal (the audit log records every one)."""

    def __init__(
        self, code: str, message: str, action: str, resource: str, status: int = 403
    ) -> None:
        super().__init__(code, message, status)
        self.action = action
        self.resource = resource


def access_denied(
    ctx: RequestContext, action: str, resource: str, reason: str, *, cross: bool = False
) -> Denial:
    service = ctx.service
    default = "AccessDeniedException" if service in _JSON_SERVICES else "AccessDenied"
    code = _CODES.get(service, default)
    message = _message(ctx, action, resource, reason, cross)
    return Denial(code, message, action, resource, _STATUS.get(service, 403))


def _message(ctx: RequestContext, action: str, resource: str, reason: str, cross: bool) -> str:
    principal = ctx.principal
    if ctx.service == "s3" and (principal.kind == ANONYMOUS or cross):
        return "Access Denied"  # S3 explains denials only to callers of the owning account
    if ctx.service == "sqs":
        # SQS spells its actions lower-case in these messages.
        action = action.lower()
    elif ctx.service == "sns":
        action = "SNS:" + action.split(":", 1)[-1]
    who = principal.arn if principal.kind != ANONYMOUS else "anonymous"
    target = f'"{resource}"' if ctx.service == "s3" else resource
    text = f"User: {who} is not authorized to perform: {action} on resource: {target}"
    if reason:
        text += " " + _respell(reason, action)
    return text


def _respell(reason: str, action: str) -> str:
    """The reason names the action as the service spells it in the message."""
    service_action = action.split(":", 1)
    if len(service_action) != 2:
        return reason
    words = reason.split(" ")
    return " ".join(action if w.lower() == action.lower() else w for w in words)
