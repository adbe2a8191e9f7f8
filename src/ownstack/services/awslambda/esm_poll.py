"""What the pollers of event source mappings share: how they invoke the function (synchronously,
as AWS's pollers do), how they report what happened, and their back-off."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from .esm_records import MappingRecord

log = logging.getLogger("ownstack.lambda.esm")

BACKOFF = (0.2, 10.0)
"""First and longest wait before a batch is tried again (it doubles in between)."""
GRACE_S = 5.0
"""How long a batch under way may take to finish once its poller is stopped."""
OK = "OK"
FUNCTION_FAILED = "PROBLEM: Function call failed"


@dataclass(frozen=True, slots=True)
class Invoked:
    request_id: str
    payload: bytes
    function_error: str | None
    version: str


Invoke = Callable[[MappingRecord, bytes], Awaitable[Invoked]]
"""Runs the function of the mapping with the payload, to its end; raises ServiceError when it
could not run (throttled, gone, not Active)."""
Report = Callable[[MappingRecord, str], Awaitable[None]]
"""Records a mapping's LastProcessingResult (stream mappings), when it changed."""


def backoff(tries: int) -> float:
    """Seconds to wait before try number `tries` + 1 of one batch (tries >= 1)."""
    first, longest = BACKOFF
    return float(min(longest, first * 2 ** max(0, tries - 1)))


async def finishing(work: Awaitable[None], grace: float = GRACE_S) -> None:
    """Run `work` (one batch: invoke, then delete or checkpoint); when the poller is stopped
    meanwhile (the mapping disabled, the server stopping), let it finish for up to `grace`
    seconds first, so the outcome of an invocation under way is recorded rather than the
    batch delivered again."""
    task = asyncio.ensure_future(work)
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        done, _ = await asyncio.wait([task], timeout=grace)
        if not done:
            task.cancel()
            await asyncio.wait([task])
        raise
