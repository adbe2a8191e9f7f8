"""Function URLs: CreateFunctionUrlConfig, GetFunctionUrlConfig, UpdateFunctionUrlConfig,
DeleteFunctionUrlConfig, ListFunctionUrlConfigs. The records only: serving the URLs is built on
them (resolve.py's `resolve_url`).

A URL is `http://<url id>.lambda-url.<region>.localhost[:<port>]/`: `*.localhost` names this
machine, and the port is the one the client reached ownstack on. The URL id (32 characters,
[a-z0-9], as AWS's) is indexed in URL_IDS, so a request's Host header finds its function."""

from __future__ import annotations

import secrets
import string
from collections.abc import AsyncIterator
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.service import STATUS, Params, Result
from ownstack.ports.meta import ABSENT, Delete, Op, Put

from .errors import conflict, invalid, no_such_resource, not_found
from .lookup import LookupOps
from .names import LATEST, FunctionRef, function_arn, locate
from .paging import after, page
from .records import URL_IDS, URLS, FunctionRecord, UrlRecord, child_key
from .render import lambda_time
from .validate import checked

_ID_CHARS = string.ascii_lowercase + string.digits


def function_url(ctx: RequestContext, url_id: str) -> str:
    host = ctx.host or ""
    port = host.rsplit(":", 1)[1] if ":" in host and not host.endswith("]") else ""
    suffix = f":{port}" if port and port.isdigit() else ""
    return f"{ctx.scheme}://{url_id}.lambda-url.{ctx.region}.localhost{suffix}/"


class UrlOps(LookupOps):
    async def _url_target(self, ctx: RequestContext, params: Params) -> tuple[FunctionRef, str]:
        ref = locate(ctx, params["FunctionName"], params.get("Qualifier"))
        base = FunctionRef(ref.region, ref.account, ref.name)
        if await self.find_function(base) is None:
            raise not_found("Function does not exist")
        qualifier = ref.qualifier or LATEST
        if qualifier != LATEST and await self.alias(base, qualifier) is None:
            raise not_found("Function does not exist")
        return base, qualifier

    @checked
    async def create_function_url_config(self, ctx: RequestContext, params: Params) -> Result:
        _refuse_streaming(params)
        ref, qualifier = await self._url_target(ctx, params)
        key = child_key(ref.key, qualifier)
        url_id = "".join(secrets.choice(_ID_CHARS) for _ in range(32))
        now = self.now()
        made: list[UrlRecord] = []

        async def create(fn: FunctionRecord) -> list[Op]:
            made.clear()
            if await self.meta.get(URLS, key) is not None:
                raise conflict(
                    "Failed to create function url config for [functionArn = "
                    f"{_arn(ref, qualifier)}]. Error message:  FunctionUrlConfig exists for this "
                    "Lambda function"
                )
            record = UrlRecord(
                fn.id,
                qualifier,
                url_id,
                function_url(ctx, url_id),
                params["AuthType"],
                now,
                now,
                params.get("Cors"),
                params.get("InvokeMode") or "BUFFERED",
            )
            made.append(record)
            return [
                Put(URLS, key, record.encode(), expect=ABSENT),
                Put(URL_IDS, url_id, key.encode(), expect=ABSENT),
            ]

        await self.change(ref, create)
        out = _output(ref, made[0])
        out.pop("LastModifiedTime")
        return {**out, STATUS: 201}

    @checked
    async def get_function_url_config(self, ctx: RequestContext, params: Params) -> Result:
        ref, qualifier = await self._existing_url(ctx, params)
        raw = await self.meta.get(URLS, child_key(ref.key, qualifier))
        if raw is None:
            raise no_such_resource()
        return _output(ref, UrlRecord.decode(raw.value))

    async def _existing_url(self, ctx: RequestContext, params: Params) -> tuple[FunctionRef, str]:
        ref = locate(ctx, params["FunctionName"], params.get("Qualifier"))
        base = FunctionRef(ref.region, ref.account, ref.name)
        if await self.find_function(base) is None:
            raise no_such_resource()
        return base, ref.qualifier or LATEST

    @checked
    async def update_function_url_config(self, ctx: RequestContext, params: Params) -> Result:
        _refuse_streaming(params)
        ref, qualifier = await self._url_target(ctx, params)
        key = child_key(ref.key, qualifier)
        made: list[UrlRecord] = []

        async def update(fn: FunctionRecord) -> list[Op]:
            made.clear()
            raw = await self.meta.get(URLS, key)
            if raw is None:
                raise no_such_resource()
            record = UrlRecord.decode(raw.value)
            record.auth_type = params.get("AuthType") or record.auth_type
            if params.get("Cors") is not None:
                record.cors = params["Cors"]
            record.invoke_mode = params.get("InvokeMode") or record.invoke_mode
            record.modified = self.now()
            made.append(record)
            return [Put(URLS, key, record.encode())]

        await self.change(ref, update)
        return _output(ref, made[0])

    @checked
    async def delete_function_url_config(self, ctx: RequestContext, params: Params) -> Result:
        ref, qualifier = await self._existing_url(ctx, params)
        key = child_key(ref.key, qualifier)

        async def delete(fn: FunctionRecord) -> list[Op]:
            raw = await self.meta.get(URLS, key)
            if raw is None:
                raise no_such_resource()
            url_id = UrlRecord.decode(raw.value).url_id
            return [Delete(URLS, key), Delete(URL_IDS, url_id)]

        await self.change(ref, delete)
        return {STATUS: 204}

    @checked
    async def list_function_url_configs(self, ctx: RequestContext, params: Params) -> Result:
        ref = locate(ctx, params["FunctionName"])
        base = FunctionRef(ref.region, ref.account, ref.name)
        if await self.find_function(base) is None:
            raise not_found("Function does not exist")
        start = after(params.get("Marker"))

        async def items() -> AsyncIterator[tuple[str, dict[str, Any]]]:
            async for raw in self.children(URLS, base.key):
                if raw.key > start:
                    yield raw.key, _output(base, UrlRecord.decode(raw.value))

        found, marker = await page(items(), params.get("MaxItems"))
        return {"FunctionUrlConfigs": found, **({"NextMarker": marker} if marker else {})}


def _refuse_streaming(params: Params) -> None:
    """URLs answer buffered only: a RESPONSE_STREAM URL would be served buffered, so it is
    refused rather than accepted and ignored."""
    if params.get("InvokeMode") == "RESPONSE_STREAM":
        raise invalid("InvokeMode RESPONSE_STREAM is not supported by ownstack; use BUFFERED.")


def _arn(ref: FunctionRef, qualifier: str) -> str:
    return function_arn(
        ref.region, ref.account, ref.name, None if qualifier == LATEST else qualifier
    )


def _output(ref: FunctionRef, record: UrlRecord) -> dict[str, Any]:
    out: dict[str, Any] = {
        "FunctionUrl": record.url,
        "FunctionArn": _arn(ref, record.qualifier),
        "AuthType": record.auth_type,
        "CreationTime": lambda_time(record.created),
        "LastModifiedTime": lambda_time(record.modified),
        "InvokeMode": record.invoke_mode,
    }
    if record.cors is not None:
        out["Cors"] = record.cors
    return out
