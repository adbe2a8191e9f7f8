"""SQS: queue ARNs from QueueUrl / QueueName / SourceArn / TaskHandle; the batch operations are
authorised as their single action (sqs:SendMessage, sqs:DeleteMessage,
sqs:ChangeMessageVisibility), as the SQS developer guide's "Amazon SQS API permissions: Actions
and resource reference" says: a batch has no action of its own."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from ownstack.core.tokens import token_text

from .arns import ArnTemplate
from .conditions import aws_tag_conditions
from .derive import ServiceSpec, direct, first_of, renamed
from .model import Params, Resolver, Scope


def queue_of_url(url: str, caller_account: str) -> tuple[str, str] | None:
    """(account, name) a QueueUrl names: `http(s)://<any host>/<account>/<name>`, the path alone
    (`/<account>/<name>`), or a bare queue name (the caller's account); None when it is none of
    them (the handler answers such a URL with AWS's InvalidAddress)."""
    path = urlsplit(url).path if "://" in url else url
    parts = [unquote(p) for p in path.split("/") if p]
    if len(parts) == 2 and len(parts[0]) == 12 and parts[0].isdigit():
        return parts[0], parts[1]
    if len(parts) == 1 and "://" not in url and not url.startswith("/"):
        return caller_account, parts[0]
    return None


def _by_url(members: frozenset[str], template: ArnTemplate) -> Resolver | None:
    if "QueueUrl" not in members:
        return None

    def resolve(params: Params, scope: Scope) -> str | None:
        found = queue_of_url(str(params.get("QueueUrl") or ""), scope.account)
        if found is None:
            return None
        return template.fill({"Account": found[0], "QueueName": found[1]}, scope)

    return resolve


def _by_name(members: frozenset[str], template: ArnTemplate) -> Resolver | None:
    """CreateQueue (the caller's account) and GetQueueUrl (QueueOwnerAWSAccountId, if given)."""
    if "QueueName" not in members:
        return None

    def resolve(params: Params, scope: Scope) -> str | None:
        name = params.get("QueueName")
        if not name:
            return None
        account = params.get("QueueOwnerAWSAccountId") or scope.account
        return template.fill({"Account": str(account), "QueueName": str(name)}, scope)

    return resolve


def _by_task_handle(members: frozenset[str], template: ArnTemplate) -> Resolver | None:
    """CancelMessageMoveTask: the handle names its source queue (`<source arn>/<task id>`, see
    services/sqs/move_records.py), which is the queue the permission is checked on."""
    if "TaskHandle" not in members:
        return None

    def resolve(params: Params, scope: Scope) -> str | None:
        key = token_text(str(params.get("TaskHandle") or "")) or ""
        if not key.startswith("arn:aws:sqs:") or "/" not in key:
            return None
        return key.rsplit("/", 1)[0]

    return resolve


def sqs_spec() -> ServiceSpec:
    return ServiceSpec(
        prefix="sqs",
        resolvers={
            "queue": first_of(_by_url, _by_name, direct("SourceArn"), _by_task_handle),
        },
        conditions=aws_tag_conditions(["tags", "Tags"]),
        exceptions={
            "SendMessageBatch": renamed("SendMessage"),
            "DeleteMessageBatch": renamed("DeleteMessage"),
            "ChangeMessageVisibilityBatch": renamed("ChangeMessageVisibility"),
        },
    )
