"""Reserved concurrency: PutFunctionConcurrency, GetFunctionConcurrency,
DeleteFunctionConcurrency; and the account's settings (GetAccountSettings), which count it.

The account may run 1,000 executions at once; reservations may leave no fewer than 100
unreserved, as AWS's default quotas say."""

from __future__ import annotations

from collections.abc import AsyncIterator

from ownstack.core.context import RequestContext
from ownstack.core.service import STATUS, Params, Result
from ownstack.ports.meta import Op, prefix_end

from .base import LambdaBase
from .code import INLINE_ZIP_LIMIT
from .errors import invalid
from .names import FunctionRef, function_key, locate
from .records import FUNCTIONS, LAYERS, VERSIONS, FunctionRecord, LayerVersionRecord, VersionRecord
from .unpack import UNZIPPED_LIMIT
from .validate import checked

ACCOUNT_CONCURRENCY = 1000
MIN_UNRESERVED = 100
TOTAL_CODE_SIZE = 80_530_636_800
"""75 GB: AWS's default storage quota for functions and layers per region."""


class ConcurrencyOps(LambdaBase):
    def _function_only(self, ctx: RequestContext, params: Params) -> FunctionRef:
        ref = locate(ctx, params["FunctionName"])
        if ref.qualifier is not None:
            raise invalid(
                "This operation is permitted on Lambda functions only. Aliases and versions do "
                "not support this operation. Please specify either a function name or an "
                "unqualified function ARN."
            )
        return ref

    @checked
    async def put_function_concurrency(self, ctx: RequestContext, params: Params) -> Result:
        ref = self._function_only(ctx, params)
        wanted = int(params["ReservedConcurrentExecutions"])

        async def reserve(fn: FunctionRecord) -> list[Op]:
            others = await self.reserved(ref.region, ref.account, exclude=ref.name)
            if ACCOUNT_CONCURRENCY - others - wanted < MIN_UNRESERVED:
                raise invalid(
                    "Specified ReservedConcurrentExecutions for function decreases account's "
                    f"UnreservedConcurrentExecution below its minimum value of [{MIN_UNRESERVED}]."
                )
            fn.concurrency = wanted
            return []

        await self.change(ref, reserve)
        return {"ReservedConcurrentExecutions": wanted}

    @checked
    async def get_function_concurrency(self, ctx: RequestContext, params: Params) -> Result:
        ref = self._function_only(ctx, params)
        fn, _ = await self.function(ref)
        return {} if fn.concurrency is None else {"ReservedConcurrentExecutions": fn.concurrency}

    @checked
    async def delete_function_concurrency(self, ctx: RequestContext, params: Params) -> Result:
        ref = self._function_only(ctx, params)

        async def release(fn: FunctionRecord) -> list[Op]:
            fn.concurrency = None
            return []

        await self.change(ref, release)
        return {STATUS: 204}

    async def reserved(self, region: str, account: str, exclude: str = "") -> int:
        total = 0
        async for fn in self._account_functions(region, account):
            if fn.name != exclude and fn.concurrency is not None:
                total += fn.concurrency
        return total

    async def _account_functions(self, region: str, account: str) -> AsyncIterator[FunctionRecord]:
        base = function_key(region, account, "")
        start = base
        while True:
            batch = await self.meta.scan(FUNCTIONS, start=start, end=prefix_end(base), limit=200)
            for raw in batch:
                yield FunctionRecord.decode(raw.value)
            if len(batch) < 200:
                return
            start = batch[-1].key + "\x00"

    async def get_account_settings(self, ctx: RequestContext, params: Params) -> Result:
        count = reserved = code_size = 0
        async for fn in self._account_functions(ctx.region, ctx.account_id):
            count += 1
            reserved += fn.concurrency or 0
            blobs = {fn.latest.code.blob_id: fn.latest.code.size}
            ref = FunctionRef(fn.region, fn.account_id, fn.name)
            async for raw in self.children(VERSIONS, ref.key):
                code = VersionRecord.decode(raw.value).config.code
                blobs[code.blob_id] = code.size
            code_size += sum(blobs.values())
        code_size += await self._layer_bytes(ctx.region, ctx.account_id)
        return {
            "AccountLimit": {
                "TotalCodeSize": TOTAL_CODE_SIZE,
                "CodeSizeUnzipped": UNZIPPED_LIMIT,
                "CodeSizeZipped": INLINE_ZIP_LIMIT,
                "ConcurrentExecutions": ACCOUNT_CONCURRENCY,
                "UnreservedConcurrentExecutions": ACCOUNT_CONCURRENCY - reserved,
            },
            "AccountUsage": {"TotalCodeSize": code_size, "FunctionCount": count},
        }

    async def _layer_bytes(self, region: str, account: str) -> int:
        base = function_key(region, account, "")
        total, start = 0, base
        while True:
            batch = await self.meta.scan(LAYERS, start=start, end=prefix_end(base), limit=500)
            total += sum(LayerVersionRecord.decode(r.value).code.size for r in batch)
            if len(batch) < 500:
                return total
            start = batch[-1].key + "\x00"
