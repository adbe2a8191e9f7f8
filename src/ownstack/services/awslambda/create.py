"""CreateFunction."""

from __future__ import annotations

import uuid

from ownstack.core.context import RequestContext
from ownstack.core.service import STATUS, Params, Result
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import ABSENT, Op, Put

from .base import new_revision
from .errors import access_denied, conflict, constraint, invalid, not_found, validation
from .layers import LayerOps
from .lookup import LookupOps
from .names import FunctionRef, function_arn, parse_function
from .records import FUNCTIONS, CodeRecord, FunctionConfig, FunctionRecord, LayerUse
from .render import configuration
from .roles import check_role
from .runtimes import check_architecture, check_runtime
from .settings import apply_settings, check_package, refuse_unsupported
from .states import mark_pending
from .tags import check_tags
from .unpack import UNZIPPED_LIMIT
from .validate import checked
from .versions import published

NAME_LIMIT = 64


class CreateOps(LookupOps, LayerOps):
    @checked
    async def create_function(self, ctx: RequestContext, params: Params) -> Result:
        ref = self._new_ref(ctx, params["FunctionName"])
        await self._check_settings(ctx, ref, params)
        layers = await self.resolve_layers(ctx, list(params.get("Layers") or []))
        tags = check_tags(params.get("Tags") or {}, {})
        if await self.find_function(ref) is not None:
            raise conflict(f"Function already exist: {ref.name}")
        code = await self.take_code(ctx, params["Code"], "CreateFunction")
        try:
            check_combined_size(code, layers)
            fn = self._record(ref, params, code, layers, tags)
            ops: list[Op] = []
            version = None
            if params.get("Publish"):
                version, ops = published(fn, fn.latest.description, self.now())
            await self.meta.commit([Put(FUNCTIONS, ref.key, fn.encode(), expect=ABSENT), *ops])
        except ConditionFailed:
            await self.code.discard(code)
            raise conflict(f"Function already exist: {ref.name}") from None
        except BaseException:
            await self.code.discard(code)
            raise
        self.settle_soon(ref)
        if version is not None:
            self.settle_soon(ref, version.version)
            out = configuration(fn, version.config, version.version, update_status=False)
        else:
            out = configuration(fn, fn.latest, update_status=False)
        return {**out, STATUS: 201}

    def _new_ref(self, ctx: RequestContext, given: str) -> FunctionRef:
        parsed = parse_function(given)
        if parsed is None:
            raise not_found(f"Function not found: {given}")
        region, account, name, qualifier = parsed
        if qualifier is not None:
            raise validation(
                constraint(
                    given,
                    "functionName",
                    "Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:"
                    "lambda:)?([a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?"
                    "(function:)?([a-zA-Z0-9-_]+)",
                )
            )
        if region and region != ctx.region:
            raise not_found(
                f"Functions from '{region}' are not reachable in this region ('{ctx.region}')"
            )
        if account and account != ctx.account_id:
            arn = function_arn(region or ctx.region, account, name)
            raise access_denied(ctx.principal.arn, "lambda:CreateFunction", arn)
        if len(name) > NAME_LIMIT:
            raise invalid(
                "1 validation error detected: "
                + constraint(
                    name, "functionName", "Member must have length less than or equal to 64"
                )
            )
        return FunctionRef(ctx.region, ctx.account_id, name)

    async def _check_settings(self, ctx: RequestContext, ref: FunctionRef, params: Params) -> None:
        check_package(params)
        runtime, handler = params.get("Runtime"), params.get("Handler")
        if not runtime or not handler:
            raise invalid(
                "Runtime and Handler are mandatory parameters for functions created with "
                "deployment packages."
            )
        refuse_unsupported(params, runtime)
        check_runtime(runtime)
        self.check_runtime_available(runtime)
        architectures = params.get("Architectures") or ["x86_64"]
        check_architecture(architectures[0], self.architecture)
        await check_role(ctx, params["Role"], ref.account, self.identity, self.authorize)

    def check_runtime_available(self, runtime: str) -> None:
        reason = self.runtime.unavailable(runtime) if self.runtime is not None else None
        if reason:
            raise invalid(f"The runtime {runtime} cannot run on this ownstack server: {reason}")

    def _record(
        self,
        ref: FunctionRef,
        params: Params,
        code: CodeRecord,
        layers: list[LayerUse],
        tags: dict[str, str],
    ) -> FunctionRecord:
        now = self.now()
        config = FunctionConfig(
            runtime=params["Runtime"],
            handler=params["Handler"],
            role=params["Role"],
            code=code,
            layers=layers,
            architecture=(params.get("Architectures") or ["x86_64"])[0],
            last_modified=now,
            revision_id=new_revision(),
            config_id=new_revision(),
        )
        apply_settings(config, params, ref.name)
        mark_pending(config, now)
        return FunctionRecord(
            name=ref.name,
            region=ref.region,
            account_id=ref.account,
            id=uuid.uuid4().hex,
            created=now,
            latest=config,
            tags=tags,
        )


def check_combined_size(code: CodeRecord, layers: list[LayerUse]) -> None:
    total = code.unzipped + sum(use.code.unzipped for use in layers)
    if total > UNZIPPED_LIMIT:
        raise invalid(
            "Function code combined with layers exceeds the maximum allowed size of "
            f"{UNZIPPED_LIMIT} bytes. The actual size is {total} bytes."
        )
