"""Aliases: CreateAlias, GetAlias, UpdateAlias, DeleteAlias, ListAliases; with weighted
routing to one more version (RoutingConfig.AdditionalVersionWeights)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.service import STATUS, Params, Result
from ownstack.ports.meta import ABSENT, Delete, Op, Put

from .base import new_revision
from .errors import conflict, function_not_found, invalid, not_found, precondition_failed
from .lookup import LookupOps
from .names import LATEST, FunctionRef, function_arn, locate
from .paging import after, page
from .records import (
    ALIASES,
    INVOKE_CONFIGS,
    URL_IDS,
    URLS,
    AliasRecord,
    FunctionRecord,
    UrlRecord,
    child_key,
)
from .validate import checked


def alias_output(fn: FunctionRecord, alias: AliasRecord) -> dict[str, Any]:
    out: dict[str, Any] = {
        "AliasArn": function_arn(fn.region, fn.account_id, fn.name, alias.name),
        "Name": alias.name,
        "FunctionVersion": alias.function_version,
        "Description": alias.description,
        "RevisionId": alias.revision_id,
    }
    if alias.weights:
        out["RoutingConfig"] = {"AdditionalVersionWeights": dict(alias.weights)}
    return out


class AliasOps(LookupOps):
    def _function_of(self, ctx: RequestContext, params: Params) -> FunctionRef:
        ref = locate(ctx, params["FunctionName"])
        return FunctionRef(ref.region, ref.account, ref.name)

    async def _check_version(self, ref: FunctionRef, version: str) -> None:
        if version != LATEST and await self.version(ref, version) is None:
            raise function_not_found(function_arn(ref.region, ref.account, ref.name, version))

    async def _weights(
        self, ref: FunctionRef, primary: str, routing: Mapping[str, Any] | None
    ) -> dict[str, float]:
        weights = dict((routing or {}).get("AdditionalVersionWeights") or {})
        if len(weights) > 1:
            raise invalid("Number of items in AdditionalVersionWeights cannot be greater than 1")
        for version in weights:
            if version == primary:
                raise invalid(
                    f"Invalid function version {primary}. Function version {primary} is already "
                    "included in routing configuration."
                )
            if primary == LATEST:
                raise invalid(
                    "$LATEST is not supported for an alias pointing to more than 1 version"
                )
            await self._check_version(ref, version)
        return {k: float(v) for k, v in weights.items()}

    @checked
    async def create_alias(self, ctx: RequestContext, params: Params) -> Result:
        ref = self._function_of(ctx, params)
        name, version = params["Name"], params["FunctionVersion"]
        made: list[AliasRecord] = []

        async def create(fn: FunctionRecord) -> list[Op]:
            made.clear()
            await self._check_version(ref, version)
            if await self.alias(ref, name) is not None:
                arn = function_arn(ref.region, ref.account, ref.name, name)
                raise conflict(f"Alias already exists: {arn}")
            weights = await self._weights(ref, version, params.get("RoutingConfig"))
            alias = AliasRecord(
                fn.id, name, version, params.get("Description") or "", weights, new_revision()
            )
            made.append(alias)
            return [Put(ALIASES, child_key(ref.key, name), alias.encode(), expect=ABSENT)]

        fn = await self.change(ref, create)
        return {**alias_output(fn, made[0]), STATUS: 201}

    @checked
    async def get_alias(self, ctx: RequestContext, params: Params) -> Result:
        ref = self._function_of(ctx, params)
        fn, _ = await self.function(ref)
        return alias_output(fn, await self._existing_alias(ref, params["Name"]))

    async def _existing_alias(self, ref: FunctionRef, name: str) -> AliasRecord:
        alias = await self.alias(ref, name)
        if alias is None:
            arn = function_arn(ref.region, ref.account, ref.name, name)
            raise not_found(f"Cannot find alias arn: {arn}")
        return alias

    @checked
    async def update_alias(self, ctx: RequestContext, params: Params) -> Result:
        ref = self._function_of(ctx, params)
        name = params["Name"]
        made: list[AliasRecord] = []

        async def update(fn: FunctionRecord) -> list[Op]:
            made.clear()
            alias = await self._existing_alias(ref, name)
            if params.get("RevisionId") and params["RevisionId"] != alias.revision_id:
                raise precondition_failed()
            if params.get("FunctionVersion") is not None:
                await self._check_version(ref, params["FunctionVersion"])
                alias.function_version = params["FunctionVersion"]
            if params.get("Description") is not None:
                alias.description = params["Description"]
            if params.get("RoutingConfig") is not None:
                alias.weights = await self._weights(
                    ref, alias.function_version, params["RoutingConfig"]
                )
            elif alias.weights:
                alias.weights = await self._weights(
                    ref, alias.function_version, {"AdditionalVersionWeights": alias.weights}
                )
            alias.revision_id = new_revision()
            made.append(alias)
            return [Put(ALIASES, child_key(ref.key, name), alias.encode())]

        fn = await self.change(ref, update)
        return alias_output(fn, made[0])

    @checked
    async def delete_alias(self, ctx: RequestContext, params: Params) -> Result:
        ref = self._function_of(ctx, params)
        name = params["Name"]

        async def delete(fn: FunctionRecord) -> list[Op]:
            ops: list[Op] = [
                Delete(ALIASES, child_key(ref.key, name)),
                Delete(INVOKE_CONFIGS, child_key(ref.key, name)),
            ]
            url = await self.meta.get(URLS, child_key(ref.key, name))
            if url is not None:
                url_id = UrlRecord.decode(url.value).url_id
                ops += [Delete(URLS, url.key), Delete(URL_IDS, url_id)]
            return ops

        await self.change(ref, delete)
        return {STATUS: 204}

    @checked
    async def list_aliases(self, ctx: RequestContext, params: Params) -> Result:
        ref = self._function_of(ctx, params)
        fn, _ = await self.function(ref)
        wanted = params.get("FunctionVersion")
        start = after(params.get("Marker"))

        async def items() -> AsyncIterator[tuple[str, dict[str, Any]]]:
            for alias in await self.aliases(ref):
                if alias.name > start and (wanted is None or alias.function_version == wanted):
                    yield alias.name, alias_output(fn, alias)

        found, marker = await page(items(), params.get("MaxItems"))
        return {"Aliases": found, **({"NextMarker": marker} if marker else {})}
