"""Resolving a qualified reference ($LATEST, a version, an alias) to the configuration it
means."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import function_not_found
from .names import LATEST, FunctionRef, is_alias, is_version
from .records import AliasRecord, FunctionConfig, FunctionRecord, VersionRecord
from .states import StateOps


@dataclass(slots=True)
class Target:
    fn: FunctionRecord
    config: FunctionConfig
    version: str
    """"$LATEST" or the version number (an alias's primary version)."""
    alias: AliasRecord | None = None
    record: VersionRecord | None = None


class LookupOps(StateOps):
    async def target(self, ref: FunctionRef) -> Target:
        """What `ref` names; ResourceNotFoundException (AWS's words) when it names nothing."""
        fn = await self.fresh(ref, (await self.function(ref))[0])
        qualifier = ref.qualifier
        if qualifier is None or qualifier == LATEST:
            return Target(fn, fn.latest, LATEST)
        if is_version(qualifier):
            record = await self.version(ref, qualifier)
            if record is None:
                raise function_not_found(ref.arn)
            record = await self.fresh_version(ref, record)
            return Target(fn, record.config, record.version, record=record)
        alias = await self.alias(ref, qualifier) if is_alias(qualifier) else None
        if alias is None:
            raise function_not_found(ref.arn)
        if alias.function_version == LATEST:
            return Target(fn, fn.latest, LATEST, alias)
        record = await self.version(ref, alias.function_version)
        if record is None:  # deleted versions are referenced by no alias: a torn read
            raise function_not_found(ref.arn)
        return Target(fn, record.config, record.version, alias, record)
