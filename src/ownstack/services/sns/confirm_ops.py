"""ConfirmSubscription and Unsubscribe, and the confirmation messages they and Subscribe send:
a pending HTTP/S subscription is confirmed with the token SNS POSTed to it; unsubscribing an
HTTP/S subscription POSTs an UnsubscribeConfirmation whose token brings it back."""

from __future__ import annotations

import contextlib
import dataclasses
import re
import secrets
import uuid

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import ABSENT, Delete, Op, Put

from .base import SnsBase
from .confirmations import UNSUBSCRIBE, confirmation_job
from .errors import authorization_error, invalid_parameter
from .names import parse_topic_arn, topic_of_subscription
from .records import (
    SUBSCRIPTIONS,
    TOKEN_TTL,
    TOKENS,
    TOPICS,
    SubscriptionRecord,
    TokenRecord,
    TopicRecord,
)

HTTP_PROTOCOLS = ("http", "https")
_TOKEN_SHAPE = re.compile(r"[0-9a-f]{128,1024}")
"""Long lowercase hex, like the tokens AWS (288 digits) and ownstack (128) hand out."""


class ConfirmationOps(SnsBase):
    async def send_confirmation(
        self,
        ctx: RequestContext,
        topic: TopicRecord,
        sub: SubscriptionRecord,
        token: str,
        kind: str,
    ) -> None:
        job = await confirmation_job(
            kind,
            topic,
            sub,
            token,
            self.signer,
            message_id=str(uuid.uuid4()),
            now=self.clock.now(),
            base_url=self.base_url(ctx),
        )
        await self.http.accept([job])

    async def confirm_subscription(self, ctx: RequestContext, params: Params) -> Result:
        parse_topic_arn(params["TopicArn"])
        token = params["Token"]
        ref = await self._token(token)  # before the topic, as AWS: a bad token is the error
        topic = await self.topic(ctx, params["TopicArn"])
        if ref.restore is not None:
            return await self._restore(token, ref.restore, topic)
        authenticate = str(params.get("AuthenticateOnUnsubscribe", "")).lower() == "true"
        while True:
            raw = await self.meta.get(SUBSCRIPTIONS, ref.arn)
            if raw is None:
                raise invalid_parameter("Invalid parameter: Token")  # unsubscribed meanwhile
            sub = SubscriptionRecord.decode(raw.value)
            if sub.topic_arn != topic.arn:
                raise invalid_parameter("Invalid parameter: Token")
            if sub.confirmed:
                return {"SubscriptionArn": sub.arn}
            sub.confirmed = True
            sub.authenticated = not ctx.principal.is_anonymous
            sub.authenticate_unsubscribe = authenticate
            try:
                await self.meta.commit(
                    [Put(SUBSCRIPTIONS, sub.arn, sub.encode(), expect=raw.version)]
                )
            except ConditionFailed:
                continue  # changed meanwhile (confirmed, unsubscribed): look again
            return {"SubscriptionArn": sub.arn}

    async def _token(self, token: str) -> TokenRecord:
        """The token's record. AWS says "Invalid token" for a string that cannot be a token,
        and "Invalid parameter: Token" for a well-formed one it does not know."""
        if not _TOKEN_SHAPE.fullmatch(token):
            raise invalid_parameter("Invalid token")
        raw = await self.meta.get(TOKENS, token)
        ref = TokenRecord.decode(raw.value) if raw is not None else None
        if ref is None or ref.expires <= self.clock.now():
            raise invalid_parameter("Invalid parameter: Token")
        return ref

    async def _restore(self, token: str, sub: SubscriptionRecord, topic: TopicRecord) -> Result:
        """Bring back the subscription an UnsubscribeConfirmation's token names."""
        if sub.topic_arn != topic.arn:
            raise invalid_parameter("Invalid parameter: Token")
        restore: list[Op] = [
            Put(SUBSCRIPTIONS, sub.arn, sub.encode(), expect=ABSENT),
            Delete(TOKENS, token),
        ]
        # ConditionFailed: restored meanwhile, by another visit of the same link.
        with contextlib.suppress(ConditionFailed):
            await self.meta.commit(restore)
        return {"SubscriptionArn": sub.arn}

    async def unsubscribe(self, ctx: RequestContext, params: Params) -> Result:
        arn = params["SubscriptionArn"]
        if topic_of_subscription(arn) is None:
            raise invalid_parameter("Invalid parameter: SubscriptionArn")
        raw = await self.meta.get(SUBSCRIPTIONS, arn)
        if raw is None:
            return {}  # already gone: the caller's intent stands
        sub = SubscriptionRecord.decode(raw.value)
        _check_may_unsubscribe(ctx, sub)
        ops: list[Op] = [Delete(SUBSCRIPTIONS, arn, expect=raw.version)]
        if sub.token:
            ops.append(Delete(TOKENS, sub.token))
        token = ""
        if sub.confirmed and sub.protocol in HTTP_PROTOCOLS:
            token = secrets.token_hex(64)
            restore = dataclasses.replace(sub, token="")
            record = TokenRecord(sub.arn, self.clock.now() + TOKEN_TTL, restore=restore)
            ops.append(Put(TOKENS, token, record.encode()))
        try:
            await self.meta.commit(ops)
        except ConditionFailed:
            return {}  # unsubscribed (or changed) meanwhile: the caller's intent stands
        if token:
            await self._confirm_unsubscribe(ctx, sub, token)
        return {}

    async def _confirm_unsubscribe(
        self, ctx: RequestContext, sub: SubscriptionRecord, token: str
    ) -> None:
        raw = await self.meta.get(TOPICS, sub.topic_arn)
        if raw is not None:
            topic = TopicRecord.decode(raw.value)
            await self.send_confirmation(ctx, topic, sub, token, UNSUBSCRIBE)


def _check_may_unsubscribe(ctx: RequestContext, sub: SubscriptionRecord) -> None:
    """An unsigned Unsubscribe (a visit to the UnsubscribeURL) is allowed, unless the
    subscription was confirmed with AuthenticateOnUnsubscribe; a signed one must be the
    owner's."""
    if ctx.principal.is_anonymous:
        if sub.authenticate_unsubscribe:
            raise authorization_error(
                "Authorization error: Unsubscribe requires authentication for this subscription"
            )
        return
    if ctx.principal.account_id != sub.owner:
        raise authorization_error("Authorization error: not the subscription's owner")
