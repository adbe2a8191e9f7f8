"""State and lookups every Lambda operation module shares. The operation modules are mixins
over `LambdaBase`; `LambdaService` (service.py) composes them."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path

from ownstack.core.clock import Clock
from ownstack.identity.model import IdentityReader
from ownstack.ports.blobs import BlobStore
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import MetaStore, Op, Put, Record, prefix_end
from ownstack.ports.runtime import Runtime

from .code import CodeStore
from .code_links import CodeLinks
from .errors import conflict, function_not_found
from .names import FunctionRef
from .records import (
    ALIASES,
    FUNCTIONS,
    VERSIONS,
    AliasRecord,
    FunctionRecord,
    VersionRecord,
    child_key,
    version_key,
)
from .runtimes import host_architecture
from .s3_source import Authorize, GetObject, S3Packages

Edit = Callable[[FunctionRecord], Awaitable[Sequence[Op]]]
"""Changes a function record in place and returns the other writes of the same commit."""
ATTEMPTS = 8
PAGE = 500


class LambdaBase:
    def __init__(
        self,
        meta: MetaStore,
        blobs: BlobStore,
        clock: Clock,
        region: str,
        *,
        data_dir: Path,
        identity: IdentityReader | None = None,
        runtime: Runtime | None = None,
    ) -> None:
        """`blobs`: a blob store of Lambda's own (no other service's sweep may see its blobs);
        `data_dir`: where packages are unpacked (`<data>/lambda`); `identity`: IAM's roles (None:
        roles are not checked, for tests of other parts); `runtime`: the sandbox engine, asked
        whether it can run a runtime (None: not asked)."""
        self.meta = meta
        self.clock = clock
        self.region = region
        self.identity = identity
        self.runtime = runtime
        self.code = CodeStore(blobs, data_dir)
        self.links = CodeLinks(meta, self.code, clock)
        self.packages: S3Packages | None = None
        self.authorize: Authorize | None = None
        self.architecture = host_architecture()
        self.tasks: set[asyncio.Task[None]] = set()
        """Background work of this process (settling states), cancelled at stop."""

    def connect(self, get_object: GetObject, authorize: Authorize | None) -> None:
        """Wire the cross-service hooks (app.py): S3's GetObject for packages in S3, and the
        gateway's check of a further permission (iam:PassRole, s3:GetObject)."""
        self.authorize = authorize
        self.packages = S3Packages(get_object, authorize)

    # -- reading

    async def function(self, ref: FunctionRef) -> tuple[FunctionRecord, Record]:
        raw = await self.meta.get(FUNCTIONS, ref.key)
        if raw is None:
            raise function_not_found(ref.unqualified_arn)
        return FunctionRecord.decode(raw.value), raw

    async def find_function(self, ref: FunctionRef) -> FunctionRecord | None:
        raw = await self.meta.get(FUNCTIONS, ref.key)
        return None if raw is None else FunctionRecord.decode(raw.value)

    async def version(self, ref: FunctionRef, version: str) -> VersionRecord | None:
        raw = await self.meta.get(VERSIONS, version_key(ref.key, version))
        return None if raw is None else VersionRecord.decode(raw.value)

    async def alias(self, ref: FunctionRef, name: str) -> AliasRecord | None:
        raw = await self.meta.get(ALIASES, child_key(ref.key, name))
        return None if raw is None else AliasRecord.decode(raw.value)

    async def children(self, ns: str, fkey: str, after: str = "") -> AsyncIterator[Record]:
        """Every record of `ns` under the function, in key order (after `after`, a full key)."""
        base = f"{fkey}/"
        start = after + "\x00" if after else base
        while True:
            page = await self.meta.scan(ns, start=start, end=prefix_end(base), limit=PAGE)
            for record in page:
                yield record
            if len(page) < PAGE:
                return
            start = page[-1].key + "\x00"

    async def versions(self, ref: FunctionRef) -> list[VersionRecord]:
        return [VersionRecord.decode(r.value) async for r in self.children(VERSIONS, ref.key)]

    async def aliases(self, ref: FunctionRef) -> list[AliasRecord]:
        return [AliasRecord.decode(r.value) async for r in self.children(ALIASES, ref.key)]

    # -- writing

    async def change(self, ref: FunctionRef, edit: Edit) -> FunctionRecord:
        """Read the function, let `edit` change it (it may raise), commit it with the other
        writes `edit` returns, unless anyone wrote the function meanwhile (then start over)."""
        for _ in range(ATTEMPTS):
            fn, raw = await self.function(ref)
            extra = await edit(fn)
            fn.generation += 1
            try:
                await self.meta.commit(
                    [Put(FUNCTIONS, ref.key, fn.encode(), expect=raw.version), *extra]
                )
            except ConditionFailed:
                continue
            return fn
        raise conflict(f"Too many concurrent changes of {ref.unqualified_arn}; try again.")

    def now(self) -> float:
        return self.clock.now()

    def background(self, work: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def stop(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        if self.tasks:
            await asyncio.wait(list(self.tasks))


def new_revision() -> str:
    return str(uuid.uuid4())
