"""How SQS keeps its queues in the metadata port, and how queues are named (URL, ARN, key).

Namespace QUEUES holds one record per queue under `<region>/<account>/<name>` (names never
contain "/"), so ListQueues with a prefix is one range scan. The record names the queue engine's
queue by an opaque id: a queue deleted and created again starts empty. Messages live in the
queue port only. Existing data dirs depend on this layout: change it with care.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from ownstack.core.context import RequestContext
from ownstack.core.records import JsonRecord

from .errors import queue_does_not_exist

QUEUES = "sqs:queues"

_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}")
_FIFO_NAME = re.compile(r"[A-Za-z0-9_-]{1,75}\.fifo")
_ACCOUNT = re.compile(r"\d{12}")


LEGACY_FORMAT = 0
CURRENT_FORMAT = 1
LEGACY_MAX_MESSAGE_SIZE = "262144"


@dataclass(slots=True)
class QueueRecord(JsonRecord):
    name: str
    region: str
    account_id: str
    id: str
    """The queue engine's id for this queue."""
    created: float
    modified: float
    attributes: dict[str, str] = field(default_factory=dict)
    """The settable attributes, as given (normalized); defaults are not stored."""
    tags: dict[str, str] = field(default_factory=dict)
    purged_at: float = 0.0
    format: int = LEGACY_FORMAT
    """Records without it were made before SQS's 1 MiB default (2025-08-04): such a queue's
    MaximumMessageSize, never set, was 262,144 bytes, and stays so (SQS kept existing queues'
    values). CreateQueue writes CURRENT_FORMAT."""

    def __post_init__(self) -> None:
        if self.format == LEGACY_FORMAT:
            self.attributes.setdefault("MaximumMessageSize", LEGACY_MAX_MESSAGE_SIZE)
            self.format = CURRENT_FORMAT

    @property
    def fifo(self) -> bool:
        return self.name.endswith(".fifo")

    @property
    def arn(self) -> str:
        return queue_arn(self.region, self.account_id, self.name)


def queue_key(region: str, account_id: str, name: str) -> str:
    return f"{region}/{account_id}/{name}"


def queue_arn(region: str, account_id: str, name: str) -> str:
    return f"arn:aws:sqs:{region}:{account_id}:{name}"


def queue_url(ctx: RequestContext, account_id: str, name: str) -> str:
    host = ctx.host or "localhost"
    return f"{ctx.scheme}://{host}/{account_id}/{name}"


def valid_queue_name(name: str, fifo: bool) -> bool:
    return bool((_FIFO_NAME if fifo else _NAME).fullmatch(name))


def parse_queue_url(url: str) -> tuple[str, str]:
    """(account id, queue name) from `http://<host>/<account>/<name>` (any host, including
    `sqs.<region>.<host>`), or from the bare path. Raises QueueDoesNotExist otherwise: SQS
    answers a QueueUrl that names no queue (`http://whatever-incorrect-queue-address`) so, with
    400 AWS.SimpleQueueService.NonExistentQueue, not 404 InvalidAddress."""
    path = urlsplit(url).path if "://" in url else url
    parts = [unquote(p) for p in path.split("/") if p]
    if len(parts) != 2 or not _ACCOUNT.fullmatch(parts[0]):
        raise queue_does_not_exist()
    return parts[0], parts[1]


def parse_queue_arn(arn: str) -> tuple[str, str, str] | None:
    """(region, account id, name) of an SQS queue ARN, or None when it is not one."""
    parts = arn.split(":")
    if len(parts) != 6 or parts[:3] != ["arn", "aws", "sqs"] or not all(parts[3:]):
        return None
    return parts[3], parts[4], parts[5]
