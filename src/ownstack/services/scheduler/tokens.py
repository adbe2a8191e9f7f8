"""ClientToken idempotency of deletions: the token is written in the deletion's own commit, so
a retried DeleteSchedule or DeleteScheduleGroup (same token, same resource) answers as the
first did instead of ResourceNotFoundException. Creations keep their token in the record they
create. Tokens are kept TOKEN_TTL_S, then swept (firing.py's housekeeping)."""

from __future__ import annotations

from ownstack.ports.meta import Delete, MetaStore, Put, pages

from .records import TOKENS, TokenRecord

TOKEN_TTL_S = 3600.0


def token_key(operation: str, resource_key: str, token: str) -> str:
    return f"{operation}/{resource_key}/{token}"


async def seen(meta: MetaStore, key: str, now: float) -> bool:
    found = await meta.get(TOKENS, key)
    return found is not None and TokenRecord.decode(found.value).expires > now


def remember(key: str, now: float) -> Put:
    return Put(TOKENS, key, TokenRecord(now + TOKEN_TTL_S).encode())


async def sweep_tokens(meta: MetaStore, now: float) -> int:
    """Delete the expired tokens; how many went."""
    gone = 0
    async for page in pages(meta, TOKENS, size=500):
        expired = [r.key for r in page if TokenRecord.decode(r.value).expires <= now]
        if expired:
            await meta.commit([Delete(TOKENS, key) for key in expired])
            gone += len(expired)
    return gone
