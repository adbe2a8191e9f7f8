"""Delivering what firings put in the outbox, at least once, with retries.

Each attempt acts as the execution role: the role must exist and trust Scheduler, and its
own policies must allow the target's action on the target (sqs:SendMessage, lambda:Invoke-
Function, sns:Publish, events:PutEvents), evaluated by the gateway's authorizer; then the
delivery goes through the events bus. A failed attempt is retried with exponential back-off
(RETRY_BASE_S, doubling, at most RETRY_CAP_S, with jitter) while the target's RetryPolicy
allows (MaximumRetryAttempts retries, within MaximumEventAgeInSeconds of the firing); then the
dead-letter event goes to the DeadLetterConfig queue (the role needs sqs:SendMessage on it),
or the event is dropped (logged).

An entry is taken out of the outbox after its delivery succeeded: a crash in between delivers
it again (Scheduler promises at least once, as AWS does)."""

from __future__ import annotations

import contextlib
import logging
import random
import secrets
from collections.abc import Callable

from ownstack.core.clock import Clock
from ownstack.core.errors import ServiceError
from ownstack.events.bus import Delivery, DeliveryFailed
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import Delete, MetaStore, Op, Put, Record

from .base import Authorize, Deliver, RoleOf
from .records import OUTBOX, PendingRecord, ms_bound, ms_key
from .roles import RoleProblem, role_session
from .targets import ACTIONS, BadInput, dead_letter_of, delivery_of, target_service

log = logging.getLogger("ownstack.scheduler")
RETRY_BASE_S = 1.0
RETRY_CAP_S = 300.0
PAGE = 100
Error = tuple[str, str]


class Deliverer:
    def __init__(
        self,
        meta: MetaStore,
        clock: Clock,
        role_of: RoleOf,
        authorize: Authorize,
        deliver: Deliver,
    ) -> None:
        self.meta = meta
        self.clock = clock
        self.role_of = role_of
        self.authorize = authorize
        self.deliver = deliver

    async def deliver_due(self, held: Callable[[], bool]) -> int:
        """Make the attempts due now (one page); how many there were."""
        page = await self.meta.scan(OUTBOX, end=ms_bound(self.clock.now()), limit=PAGE)
        for stored in page:
            if not held():
                break
            await self._one(stored)
        return len(page)

    async def _one(self, stored: Record) -> None:
        pending = PendingRecord.decode(stored.value)
        pending.attempts += 1
        execution_id = secrets.token_hex(8)
        error = await self._attempt(pending, execution_id)
        done: list[Op] = [Delete(OUTBOX, stored.key, expect=stored.version)]
        if error is None:
            await self._commit(done)
            return
        pending.last_error_code, pending.last_error_message = error
        now = self.clock.now()
        retry_at = now + backoff(pending.attempts)
        if self._exhausted(pending, retry_at):
            await self._dead_letter(pending, execution_id, error)
            await self._commit(done)
            return
        entry_id = stored.key.split("/", 1)[1]
        await self._commit([*done, Put(OUTBOX, ms_key(retry_at, entry_id), pending.encode())])

    async def _attempt(self, pending: PendingRecord, execution_id: str) -> Error | None:
        """One attempt; the error (code, message) when it failed."""
        arn: str = pending.target["Arn"]
        try:
            delivery = delivery_of(pending, execution_id, pending.attempts)
        except BadInput as bad:
            return ("ValidationException", str(bad))
        return await self._as_role(pending, arn, delivery, execution_id)

    async def _as_role(
        self, pending: PendingRecord, arn: str, delivery: Delivery, execution_id: str
    ) -> Error | None:
        service = target_service(arn)
        action = ACTIONS.get(service)
        if action is None:
            return ("ValidationException", f"EventBridge Scheduler cannot deliver to {arn}.")
        try:
            ctx = await role_session(
                self.role_of,
                pending.target["RoleArn"],
                pending.schedule_arn,
                region=pending.schedule_arn.split(":")[3],
                service=service,
                execution_id=execution_id,
                now=self.clock.now(),
            )
            await self.authorize(ctx, action, arn, {})
            await self.deliver(delivery)
        except RoleProblem as problem:
            return ("AccessDeniedException", str(problem))
        except ServiceError as err:
            return (err.code, err.message)
        except DeliveryFailed as failed:
            return _failure(failed.reason)
        return None

    def _exhausted(self, pending: PendingRecord, retry_at: float) -> bool:
        policy = pending.target.get("RetryPolicy") or {}
        retries_made = pending.attempts - 1
        if retries_made >= int(policy.get("MaximumRetryAttempts", 185)):
            return True
        return retry_at - pending.fired > float(policy.get("MaximumEventAgeInSeconds", 86400))

    async def _dead_letter(self, pending: PendingRecord, execution_id: str, error: Error) -> None:
        config = pending.target.get("DeadLetterConfig") or {}
        if not config.get("Arn"):
            log.warning(
                "schedule %s: event dropped after %d attempt(s): %s: %s",
                pending.schedule_arn,
                pending.attempts,
                *error,
            )
            return
        letter = dead_letter_of(pending, execution_id, error)
        failed = await self._as_role(pending, letter.target, letter, execution_id)
        if failed is not None:
            log.warning(
                "schedule %s: dead-letter event to %s failed: %s: %s",
                pending.schedule_arn,
                letter.target,
                *failed,
            )

    async def _commit(self, ops: list[Op]) -> None:
        # ConditionFailed: another holder handled this entry meanwhile (a lease taken over).
        with contextlib.suppress(ConditionFailed):
            await self.meta.commit(ops)


def backoff(attempts: int) -> float:
    """Seconds before the next attempt after `attempts` failed ones."""
    delay: float = min(RETRY_BASE_S * 2 ** (attempts - 1), RETRY_CAP_S)
    return delay * random.uniform(0.8, 1.0)  # jitter, not a secret


def _failure(reason: str) -> Error:
    """A bus failure's reason as (code, message): "Code: message" when the target answered
    with an error of its own."""
    code, sep, message = reason.partition(": ")
    if sep and code and " " not in code:
        return (code, message)
    return ("DeliveryFailed", reason)
