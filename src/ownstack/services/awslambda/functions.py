"""Reading and deleting functions: GetFunction, GetFunctionConfiguration, ListFunctions,
DeleteFunction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import Delete, Op, prefix_end

from .base import ATTEMPTS
from .errors import conflict, invalid
from .lookup import LookupOps
from .names import LATEST, FunctionRef, function_key, is_version, locate
from .paging import after, page
from .records import (
    ALIASES,
    FUNCTIONS,
    INVOKE_CONFIGS,
    URL_IDS,
    URLS,
    VERSIONS,
    CodeRecord,
    FunctionRecord,
    UrlRecord,
    version_key,
)
from .render import configuration, listed
from .validate import checked


class FunctionOps(LookupOps):
    @checked
    async def get_function(self, ctx: RequestContext, params: Params) -> Result:
        ref = locate(ctx, params["FunctionName"], params.get("Qualifier"))
        found = await self.target(ref)
        alias = found.alias.name if found.alias else None
        out: Result = {
            "Configuration": configuration(
                found.fn,
                found.config,
                found.version,
                qualified=ref.qualifier is not None,
                alias=alias,
            ),
            "Code": {
                "RepositoryType": "S3",
                "Location": await self.links.link(ctx, found.config.code),
            },
        }
        if found.fn.tags:
            out["Tags"] = dict(found.fn.tags)
        if found.fn.concurrency is not None:
            out["Concurrency"] = {"ReservedConcurrentExecutions": found.fn.concurrency}
        return out

    @checked
    async def get_function_configuration(self, ctx: RequestContext, params: Params) -> Result:
        ref = locate(ctx, params["FunctionName"], params.get("Qualifier"))
        found = await self.target(ref)
        alias = found.alias.name if found.alias else None
        return configuration(
            found.fn, found.config, found.version, qualified=ref.qualifier is not None, alias=alias
        )

    @checked
    async def list_functions(self, ctx: RequestContext, params: Params) -> Result:
        if params.get("MasterRegion"):
            return {"Functions": []}  # no function here is a Lambda@Edge replica
        every = params.get("FunctionVersion") == "ALL"
        base = function_key(ctx.region, ctx.account_id, "")
        start = after(params.get("Marker"))

        async def items() -> AsyncIterator[tuple[str, dict[str, Any]]]:
            first = start.split("\x00", 1)[0] if start else base
            async for fn in self._functions(base, first):
                ref = FunctionRef(fn.region, fn.account_id, fn.name)
                fkey = ref.key + "\x00"
                if fkey + "0" > start:
                    yield fkey + "0", listed(configuration(fn, fn.latest, LATEST, qualified=every))
                if not every:
                    continue
                for record in await self.versions(ref):
                    key = f"{fkey}1{int(record.version):010d}"
                    if key > start:
                        yield (
                            key,
                            listed(
                                configuration(fn, record.config, record.version, qualified=True)
                            ),
                        )

        found, marker = await page(items(), params.get("MaxItems"))
        return {"Functions": found, **({"NextMarker": marker} if marker else {})}

    async def _functions(self, base: str, start: str) -> AsyncIterator[FunctionRecord]:
        while True:
            batch = await self.meta.scan(FUNCTIONS, start=start, end=prefix_end(base), limit=100)
            for raw in batch:
                yield FunctionRecord.decode(raw.value)
            if len(batch) < 100:
                return
            start = batch[-1].key + "\x00"

    @checked
    async def delete_function(self, ctx: RequestContext, params: Params) -> Result:
        ref = locate(ctx, params["FunctionName"], params.get("Qualifier"))
        if ref.qualifier == LATEST:
            raise invalid("$LATEST version cannot be deleted without deleting the function.")
        if ref.qualifier is not None:
            await self._delete_version(ref, ref.qualifier)
        else:
            await self._delete_function(ref)
        return {"StatusCode": 204}

    async def _delete_version(self, ref: FunctionRef, version: str) -> None:
        gone: list[CodeRecord] = []
        base = FunctionRef(ref.region, ref.account, ref.name)

        async def delete(fn: FunctionRecord) -> list[Op]:
            gone.clear()
            record = await self.version(base, version) if is_version(version) else None
            if record is None:
                return []  # AWS answers 204 for a version that does not exist
            users = sorted(
                a.name
                for a in await self.aliases(base)
                if a.function_version == version or version in a.weights
            )
            if users:
                raise conflict(
                    "Unable to delete version because the following aliases reference it: "
                    f"[{', '.join(users)}]"
                )
            others = {fn.latest.code.blob_id} | {
                v.config.code.blob_id for v in await self.versions(base) if v.version != version
            }
            if record.config.code.blob_id not in others:
                gone.append(record.config.code)
            ops: list[Op] = [
                Delete(VERSIONS, version_key(ref.key, version)),
                Delete(INVOKE_CONFIGS, f"{ref.key}/{version}"),
            ]
            return ops

        await self.change(base, delete)
        for code in gone:
            await self.code.discard(code)

    async def _delete_function(self, ref: FunctionRef) -> None:
        for _ in range(ATTEMPTS):
            fn, raw = await self.function(ref)
            ops: list[Op] = [Delete(FUNCTIONS, ref.key, expect=raw.version)]
            codes = {fn.latest.code.blob_id: fn.latest.code}
            for version in await self.versions(ref):
                ops.append(Delete(VERSIONS, version_key(ref.key, version.version)))
                codes[version.config.code.blob_id] = version.config.code
            for ns in (ALIASES, INVOKE_CONFIGS):
                async for record in self.children(ns, ref.key):
                    ops.append(Delete(ns, record.key))
            async for record in self.children(URLS, ref.key):
                url_id = UrlRecord.decode(record.value).url_id
                ops += [Delete(URLS, record.key), Delete(URL_IDS, url_id)]
            try:
                await self.meta.commit(ops)
            except ConditionFailed:
                continue  # changed meanwhile (a version published...): delete what is there now
            for code in codes.values():
                await self.code.discard(code)
            return
        raise conflict(f"Too many concurrent changes of {ref.unqualified_arn}; try again.")
