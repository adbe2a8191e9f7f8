"""Layers: PublishLayerVersion, GetLayerVersion, GetLayerVersionByArn, ListLayers,
ListLayerVersions, DeleteLayerVersion; and resolving the layers a function names.

Version numbers grow per layer name and are never reused (LAYER_NAMES keeps the next one even
when every version is deleted). A deleted version's content stays for the functions that use
it, as on AWS: the function's configuration keeps its own copy of the layer's code record."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import ABSENT, Delete, Put, prefix_end

from .errors import constraint, invalid, no_such_resource, validation
from .intake import IntakeOps
from .layer_access import LayerAccess, layer_policy
from .names import (
    LayerRef,
    layer_arn,
    layer_version_arn,
    parse_layer,
    parse_layer_version_arn,
)
from .paging import after, page
from .records import (
    LAYER_NAMES,
    LAYERS,
    LayerRecord,
    LayerUse,
    LayerVersionRecord,
    layer_key,
    layer_version_key,
)
from .render import lambda_time
from .validate import checked

MAX_LAYERS = 5
_LAYER_VERSION_PATTERN = (
    "(arn:[a-zA-Z0-9-]+:lambda:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\\d{1}:\\d{12}:layer:"
    "[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)"
)


class LayerOps(IntakeOps, LayerAccess):
    @checked
    async def publish_layer_version(self, ctx: RequestContext, params: Params) -> Result:
        ref = parse_layer(ctx, params["LayerName"])
        if ref.account != ctx.account_id or ref.region != ctx.region:
            raise invalid("Layers can only be published in the caller's account and region.")
        code = await self.take_code(ctx, params["Content"], "PublishLayerVersion")
        try:
            record = await self._commit_layer(ref, params, code)
        except BaseException:
            await self.code.discard(code)
            raise
        return await self.layer_output(ctx, record)

    async def _commit_layer(self, ref: LayerRef, params: Params, code: Any) -> LayerVersionRecord:
        name_key = layer_key(ref.region, ref.account, ref.name)
        while True:
            raw = await self.meta.get(LAYER_NAMES, name_key)
            counter = LayerRecord() if raw is None else LayerRecord.decode(raw.value)
            record = LayerVersionRecord(
                name=ref.name,
                region=ref.region,
                account_id=ref.account,
                version=counter.next_version,
                code=code,
                created=self.now(),
                description=params.get("Description") or "",
                runtimes=list(params.get("CompatibleRuntimes") or []),
                architectures=list(params.get("CompatibleArchitectures") or []),
                license=params.get("LicenseInfo") or "",
            )
            counter.next_version += 1
            expect = ABSENT if raw is None else raw.version
            key = layer_version_key(ref.region, ref.account, ref.name, record.version)
            try:
                await self.meta.commit(
                    [
                        Put(LAYER_NAMES, name_key, counter.encode(), expect=expect),
                        Put(LAYERS, key, record.encode(), expect=ABSENT),
                    ]
                )
            except ConditionFailed:
                continue
            return record

    @checked
    async def get_layer_version(self, ctx: RequestContext, params: Params) -> Result:
        ref = parse_layer(ctx, params["LayerName"])
        return await self.layer_output(
            ctx, await self._existing_layer(ref, params["VersionNumber"])
        )

    @checked
    async def get_layer_version_by_arn(self, ctx: RequestContext, params: Params) -> Result:
        ref = parse_layer_version_arn(params["Arn"])
        if ref is None or ref.version is None:
            raise validation(
                constraint(
                    params["Arn"],
                    "arn",
                    "Member must satisfy regular expression pattern: "
                    "arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\\d{1}:"
                    "\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+",
                )
            )
        return await self.layer_output(ctx, await self._existing_layer(ref, ref.version))

    async def _existing_layer(self, ref: LayerRef, version: int) -> LayerVersionRecord:
        if version < 1:
            raise invalid("Layer Version Cannot be less than 1")
        found = await self.layer_version(ref.region, ref.account, ref.name, version)
        if found is None:
            raise no_such_resource()
        return found

    @checked
    async def delete_layer_version(self, ctx: RequestContext, params: Params) -> Result:
        ref = parse_layer(ctx, params["LayerName"])
        version = int(params["VersionNumber"])
        if version < 1:
            raise invalid("Layer Version Cannot be less than 1")
        key = layer_version_key(ref.region, ref.account, ref.name, version)
        await self.meta.commit([Delete(LAYERS, key)])
        return {}

    @checked
    async def list_layer_versions(self, ctx: RequestContext, params: Params) -> Result:
        ref = parse_layer(ctx, params["LayerName"])
        base = layer_key(ref.region, ref.account, ref.name) + "/"
        start = after(params.get("Marker"))
        records = await self._all(base)
        newest_first = [r for r in reversed(records) if _matches(r, params)]

        async def items() -> AsyncIterator[tuple[str, dict[str, Any]]]:
            for record in newest_first:
                key = layer_version_key(
                    record.region, record.account_id, record.name, record.version
                )
                if not start or key < start:
                    yield key, layer_listing(record)

        found, marker = await page(items(), params.get("MaxItems"))
        return {"LayerVersions": found, **({"NextMarker": marker} if marker else {})}

    @checked
    async def list_layers(self, ctx: RequestContext, params: Params) -> Result:
        base = layer_key(ctx.region, ctx.account_id, "")
        start = after(params.get("Marker"))
        records = await self._all(base)
        latest: dict[str, LayerVersionRecord] = {}
        for record in records:
            if _matches(record, params):
                latest[record.name] = record  # ascending: the last one wins

        async def items() -> AsyncIterator[tuple[str, dict[str, Any]]]:
            for name in sorted(latest):
                key = base + name
                if key > start:
                    record = latest[name]
                    yield (
                        key,
                        {
                            "LayerName": name,
                            "LayerArn": layer_arn(record.region, record.account_id, name),
                            "LatestMatchingVersion": layer_listing(record),
                        },
                    )

        found, marker = await page(items(), params.get("MaxItems"))
        return {"Layers": found, **({"NextMarker": marker} if marker else {})}

    async def _all(self, base: str) -> list[LayerVersionRecord]:
        found: list[LayerVersionRecord] = []
        start = base
        while True:
            batch = await self.meta.scan(LAYERS, start=start, end=prefix_end(base), limit=500)
            found += [LayerVersionRecord.decode(r.value) for r in batch]
            if len(batch) < 500:
                return found
            start = batch[-1].key + "\x00"

    async def layer_output(self, ctx: RequestContext, record: LayerVersionRecord) -> Result:
        out = layer_listing(record)
        out["LayerArn"] = out["LayerVersionArn"].rsplit(":", 1)[0]
        out["Content"] = {
            "Location": await self.links.link(ctx, record.code),
            "CodeSha256": record.code.sha256,
            "CodeSize": record.code.size,
        }
        return out

    async def resolve_layers(self, ctx: RequestContext, arns: list[str]) -> list[LayerUse]:
        """The layers a function configuration names: at most 5, each an existing version the
        caller may use, no layer twice."""
        if len(arns) > MAX_LAYERS:
            raise invalid("Cannot reference more than 5 layers.")
        uses: list[LayerUse] = []
        seen: dict[str, str] = {}
        for arn in arns:
            ref = parse_layer_version_arn(arn)
            if ref is None or ref.version is None:
                raise validation(
                    constraint(
                        f"[{arn}]",
                        "layers",
                        "Member must satisfy constraint: [Member must have length less than or "
                        "equal to 140, Member must have length greater than or equal to 1, Member "
                        f"must satisfy regular expression pattern: {_LAYER_VERSION_PATTERN}, "
                        "Member must not be null]",
                    )
                )
            layer = arn.rsplit(":", 1)[0]
            if layer in seen:
                raise invalid(
                    "Two different versions of the same layer are not allowed to be referenced "
                    f"in the same function. {seen[layer]} and {arn} are versions of the same layer."
                )
            seen[layer] = arn
            record = await self.usable_layer(ctx, ref, arn)
            uses.append(LayerUse(arn, record.code))
        return uses


def _matches(record: LayerVersionRecord, params: Params) -> bool:
    runtime = params.get("CompatibleRuntime")
    architecture = params.get("CompatibleArchitecture")
    if runtime and runtime not in record.runtimes:
        return False
    return not (architecture and architecture not in record.architectures)


def layer_listing(record: LayerVersionRecord) -> dict[str, Any]:
    out: dict[str, Any] = {
        "LayerVersionArn": layer_version_arn(
            record.region, record.account_id, record.name, record.version
        ),
        "Version": record.version,
        "Description": record.description,
        "CreatedDate": lambda_time(record.created),
    }
    if record.runtimes:
        out["CompatibleRuntimes"] = list(record.runtimes)
    if record.license:
        out["LicenseInfo"] = record.license
    if record.architectures:
        out["CompatibleArchitectures"] = list(record.architectures)
    return out


__all__ = ["LayerOps", "layer_policy"]
