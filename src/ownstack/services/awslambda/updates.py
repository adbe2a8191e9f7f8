"""Changing $LATEST: UpdateFunctionCode and UpdateFunctionConfiguration. Each sets
LastUpdateStatus InProgress until the change is prepared (states.py); a change while one is
in progress, or while the function is still Pending, is refused as AWS refuses it."""

from __future__ import annotations

import copy

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.ports.meta import Op

from .base import new_revision
from .create import CreateOps, check_combined_size
from .errors import invalid, precondition_failed
from .names import FunctionRef, locate
from .records import CodeRecord, FunctionConfig, FunctionRecord, VersionRecord
from .render import configuration
from .roles import check_role
from .runtimes import check_architecture
from .settings import apply_settings, refuse_unsupported
from .states import mark_updating
from .validate import checked
from .versions import check_updatable, published


class UpdateOps(CreateOps):
    @checked
    async def update_function_code(self, ctx: RequestContext, params: Params) -> Result:
        ref = self._unqualified(ctx, params["FunctionName"])
        if params.get("ImageUri"):
            raise invalid(
                "Please don't provide ImageUri when updating a function with packageType Zip."
            )
        if params.get("SourceKMSKeyArn"):
            raise invalid("The SourceKMSKeyArn setting is not supported by ownstack.")
        if params.get("PublishTo"):
            raise invalid("The PublishTo setting is not supported by ownstack.")
        fn, _ = await self.function(ref)
        check_updatable(fn)
        architectures = params.get("Architectures")
        if architectures:
            check_architecture(architectures[0], self.architecture)
        code = await self.take_code(ctx, params, "UpdateFunctionCode")
        if params.get("DryRun"):
            await self.code.discard(code)
            preview = copy.deepcopy(fn.latest)
            preview.code = code
            return configuration(fn, preview)
        try:
            return await self._apply_code(ref, params, code)
        except BaseException:
            await self.code.discard(code)
            raise

    async def _apply_code(self, ref: FunctionRef, params: Params, code: CodeRecord) -> Result:
        replaced: list[CodeRecord] = []
        made: list[VersionRecord] = []

        async def update(fn: FunctionRecord) -> list[Op]:
            replaced.clear()
            made.clear()
            self._check_revision(fn, params)
            check_combined_size(code, fn.latest.layers)
            old = fn.latest.code
            versions = await self.versions(ref)
            if all(v.config.code.blob_id != old.blob_id for v in versions):
                replaced.append(old)
            fn.latest.code = code
            if params.get("Architectures"):
                fn.latest.architecture = params["Architectures"][0]
            self._touch(fn.latest)
            if not params.get("Publish"):
                return []
            record, ops = published(fn, fn.latest.description, self.now())
            made.append(record)
            return ops

        fn = await self.change(ref, update)
        for old in replaced:
            await self.code.discard(old)
        self.settle_soon(ref)
        if made:
            self.settle_soon(ref, made[0].version)
            return configuration(fn, made[0].config, made[0].version, qualified=True)
        return configuration(fn, fn.latest)

    @checked
    async def update_function_configuration(self, ctx: RequestContext, params: Params) -> Result:
        ref = self._unqualified(ctx, params["FunctionName"])
        fn, _ = await self.function(ref)
        check_updatable(fn)
        runtime = params.get("Runtime") or fn.latest.runtime
        refuse_unsupported(params, runtime)
        if params.get("Runtime"):
            self.check_runtime_available(runtime)
        if params.get("Role"):
            await check_role(ctx, params["Role"], ref.account, self.identity, self.authorize)
        layers = None
        if params.get("Layers") is not None:
            layers = await self.resolve_layers(ctx, list(params["Layers"]))

        async def update(fn: FunctionRecord) -> list[Op]:
            self._check_revision(fn, params)
            check_updatable(fn)
            apply_settings(fn.latest, params, ref.name)
            if layers is not None:
                check_combined_size(fn.latest.code, layers)
                fn.latest.layers = layers
            self._touch(fn.latest)
            return []

        fn = await self.change(ref, update)
        self.settle_soon(ref)
        return configuration(fn, fn.latest)

    def _unqualified(self, ctx: RequestContext, given: str) -> FunctionRef:
        ref = locate(ctx, given)
        return FunctionRef(ref.region, ref.account, ref.name)

    @staticmethod
    def _check_revision(fn: FunctionRecord, params: Params) -> None:
        revision = params.get("RevisionId")
        if revision and revision != fn.latest.revision_id:
            raise precondition_failed()

    def _touch(self, config: FunctionConfig) -> None:
        now = self.now()
        config.last_modified = now
        config.revision_id = new_revision()
        config.config_id = new_revision()
        mark_updating(config, now)
