"""What the gateway learns about a Lambda resource before authorising a request on it: the
owning account, the resource policy of the function qualifier (or layer version) the ARN
names, and the function's tags."""

from __future__ import annotations

from ownstack.core.access import ResourceFacts
from ownstack.core.context import RequestContext

from .layer_access import LayerAccess, layer_policy
from .names import LATEST, FunctionRef, is_version, parse_layer_version_arn
from .records import FunctionRecord


class FactOps(LayerAccess):
    async def resource_facts(self, ctx: RequestContext, arn: str) -> ResourceFacts | None:
        parts = arn.split(":")
        if len(parts) < 7 or parts[2] != "lambda":
            return None
        if parts[5] == "layer":
            return await self._layer_facts(arn)
        if parts[5] != "function" or len(parts) > 8:
            return None
        ref = FunctionRef(parts[3], parts[4], parts[6], parts[7] if len(parts) == 8 else None)
        fn = await self.find_function(ref)
        if fn is None:
            return None
        policy = await self._qualifier_policy(ref, fn)
        if policy is None:
            return None
        return ResourceFacts(fn.account_id, policy, dict(fn.tags))

    async def _qualifier_policy(self, ref: FunctionRef, fn: FunctionRecord) -> str | None:
        qualifier = ref.qualifier
        if qualifier is None or qualifier == LATEST:
            return fn.policy
        if is_version(qualifier):
            version = await self.version(ref, qualifier)
            return None if version is None else version.policy
        alias = await self.alias(ref, qualifier)
        return None if alias is None else alias.policy

    async def _layer_facts(self, arn: str) -> ResourceFacts | None:
        ref = parse_layer_version_arn(arn)
        if ref is None or ref.version is None:
            return None
        record = await self.layer_version(ref.region, ref.account, ref.name, ref.version)
        if record is None:
            return None
        return ResourceFacts(record.account_id, layer_policy(record) if record.statements else "")
