"""State shared by every SNS operation mixin: the stores, the clock, and record loading."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from ownstack.core.access import ResourceFacts
from ownstack.core.clock import Clock
from ownstack.core.context import RequestContext
from ownstack.core.tokens import token_text
from ownstack.events.bus import EventBus
from ownstack.events.egress import EgressPolicy
from ownstack.ports.meta import MetaStore, prefix_end

from .errors import invalid_parameter, subscription_not_found, topic_not_found
from .fanout import Fanout
from .http_delivery import HttpDispatcher
from .limits import SnsLimits
from .managed_delivery import ManagedDelivery
from .names import parse_topic_arn
from .records import SUBSCRIPTIONS, TOPICS, SubscriptionRecord, TopicRecord
from .signing import Signer
from .sweep import Sweeper

PAGE_SIZE = 100
"""ListTopics and ListSubscriptions(ByTopic) return at most 100 entries per page."""
_SCAN_CHUNK = 1000
DEFAULT_OWN_URL = "http://127.0.0.1:4566"


class SnsBase:
    def __init__(
        self,
        meta: MetaStore,
        bus: EventBus,
        clock: Clock,
        region: str,
        egress: EgressPolicy | None = None,
        limits: SnsLimits | None = None,
        own_url: str = DEFAULT_OWN_URL,
    ) -> None:
        self.meta = meta
        self.bus = bus
        self.clock = clock
        self.region = region
        self.signer = Signer(meta)
        self.egress = egress or EgressPolicy()
        """Where HTTP/S deliveries may connect (ownstack.yaml `egress`; default: not to
        link-local addresses)."""
        self.http = HttpDispatcher(bus, meta, clock, self.egress)
        self.limits = limits or SnsLimits()
        self.managed = ManagedDelivery(bus, meta, clock, self.limits.managed_retries)
        self.fanout = Fanout(self.signer, self.http, self.managed)
        self.own_url = own_url
        """This server's URL, for the links of messages published without a request (through
        the events bus): UnsubscribeURL, SigningCertURL."""
        self.sweeper = Sweeper(meta, clock)
        self.fifo_locks: dict[str, asyncio.Lock] = {}
        """One publish at a time per FIFO topic in this process (delivery in sequence order)."""
        self.last_sequence = 0

    @staticmethod
    def base_url(ctx: RequestContext) -> str:
        """This server as the client reached it: what SubscribeURL, UnsubscribeURL and
        SigningCertURL begin with."""
        return f"{ctx.scheme}://{ctx.host or '127.0.0.1'}"

    async def topic(
        self, ctx: RequestContext, arn: str, parameter: str = "TopicArn"
    ) -> TopicRecord:
        """The caller's topic `arn`; InvalidParameter for a malformed ARN, NotFound otherwise."""
        parsed = parse_topic_arn(arn, parameter)
        raw = await self.meta.get(TOPICS, arn)
        if raw is None or not ctx.may_use(parsed.account_id) or parsed.region != ctx.region:
            raise topic_not_found()
        return TopicRecord.decode(raw.value)

    async def resource_facts(self, ctx: RequestContext, arn: str) -> ResourceFacts | None:
        """Owner, topic policy and tags of the topic `arn` names, for the gateway's checks."""
        raw = await self.meta.get(TOPICS, arn)
        if raw is None:
            return None
        topic = TopicRecord.decode(raw.value)
        return ResourceFacts(topic.account_id, topic.attributes.get("Policy", ""), topic.tags)

    async def subscription(self, ctx: RequestContext, arn: str) -> SubscriptionRecord:
        raw = await self.meta.get(SUBSCRIPTIONS, arn)
        if raw is None:
            if not arn.startswith("arn:aws:sns:"):
                raise invalid_parameter("Invalid parameter: SubscriptionArn")
            raise subscription_not_found()
        sub = SubscriptionRecord.decode(raw.value)
        if sub.owner != ctx.account_id:
            raise subscription_not_found()
        return sub

    async def topic_subscriptions(self, topic_arn: str) -> list[SubscriptionRecord]:
        return [sub async for sub in self.scan_subscriptions(topic_arn + ":")]

    async def scan_subscriptions(
        self, prefix: str, start: str = ""
    ) -> AsyncIterator[SubscriptionRecord]:
        """Every subscription whose ARN starts with `prefix`, from `start` on (exclusive)."""
        async for raw in self._scan(SUBSCRIPTIONS, prefix, start):
            yield SubscriptionRecord.decode(raw)

    async def scan_topics(self, prefix: str, start: str = "") -> AsyncIterator[TopicRecord]:
        async for raw in self._scan(TOPICS, prefix, start):
            yield TopicRecord.decode(raw)

    async def _scan(self, ns: str, prefix: str, after: str) -> AsyncIterator[bytes]:
        cursor = after + "\x00" if after else prefix
        end = prefix_end(prefix)
        while True:
            page = await self.meta.scan(ns, start=cursor, end=end, limit=_SCAN_CHUNK)
            for record in page:
                yield record.value
            if len(page) < _SCAN_CHUNK:
                return
            cursor = page[-1].key + "\x00"


def decode_token(token: str | None, prefix: str) -> str:
    """The key a NextToken resumes after ("" for the first page)."""
    if not token:
        return ""
    key = token_text(token)
    if key is None or not key.startswith(prefix):
        raise invalid_parameter("Invalid parameter: NextToken")
    return key
