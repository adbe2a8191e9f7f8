"""What invoking builds on: a function reference resolved to the configuration that runs.

    resolved = await lambda_service.resolve(account, region, "my-fn", "prod", route=random())
    code = await lambda_service.code_dir(resolved)         # unpacked zip, /var/task
    layers = await lambda_service.layer_dirs(resolved)     # in order, at /opt
    resolved.role_arn, resolved.environment, resolved.config.timeout, .memory, .ephemeral,
    resolved.config.runtime, .handler, .architecture, .tracing, .dead_letter, .log_group...
    resolved.reserved_concurrency    # None: draws on the account's unreserved pool
    resolved.invoke_config           # InvokeConfigRecord of the invoked qualifier, or None

Raises ServiceError ResourceNotFoundException (AWS's words) for what does not exist. The
caller checks `resolved.config.state` (only "Active" runs; AWS answers a Pending function with
ResourceConflictException, errors.state_conflict) and authorises the call itself (the gateway
does for Invoke; a URL's AuthType NONE needs the function policy to allow
lambda:InvokeFunctionUrl, resource_facts gives it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import function_not_found
from .lookup import LookupOps, Target
from .names import LATEST, FunctionRef, parse_function
from .records import (
    FUNCTIONS,
    INVOKE_CONFIGS,
    URL_IDS,
    URLS,
    FunctionConfig,
    FunctionRecord,
    InvokeConfigRecord,
    LayerUse,
    UrlRecord,
    child_key,
)


@dataclass(frozen=True, slots=True)
class ResolvedFunction:
    name: str
    account_id: str
    region: str
    function_id: str
    """Unique per function ever created (a function deleted and made again differs)."""
    function_arn: str
    """Unqualified."""
    invoked_arn: str
    """As the caller named it: qualified with the alias or version when it named one."""
    version: str
    """The version that runs: "$LATEST" or a number (an alias's choice, routing applied)."""
    alias: str | None
    config: FunctionConfig
    reserved_concurrency: int | None
    invoke_config: InvokeConfigRecord | None
    routing: Mapping[str, float]
    """The alias's AdditionalVersionWeights (version -> share of invocations)."""

    @property
    def role_arn(self) -> str:
        return self.config.role

    @property
    def environment(self) -> Mapping[str, str]:
        return dict(self.config.environment or {})

    @property
    def layers(self) -> tuple[LayerUse, ...]:
        return tuple(self.config.layers)


class ResolveOps(LookupOps):
    async def resolve(
        self,
        account: str,
        region: str,
        function_name: str,
        qualifier: str | None = None,
        *,
        route: float | None = None,
    ) -> ResolvedFunction:
        """`function_name` as a request gives it (name, partial or full ARN, maybe qualified);
        `route` in [0, 1) picks an alias's additional version when below its weight."""
        parsed = parse_function(function_name)
        if parsed is None:
            raise function_not_found(function_name)
        named_region, named_account, name, named_qualifier = parsed
        ref = FunctionRef(
            named_region or region, named_account or account, name, qualifier or named_qualifier
        )
        found = await self.target(ref)
        if found.alias is not None and route is not None:
            found = await self._routed(ref, found, route)
        return await self._resolved(ref, found)

    async def _routed(self, ref: FunctionRef, found: Target, route: float) -> Target:
        assert found.alias is not None
        low = 0.0
        for version, weight in found.alias.weights.items():
            if low <= route < low + weight:
                record = await self.version(ref, version)
                if record is not None:
                    return Target(found.fn, record.config, version, found.alias, record)
            low += weight
        return found

    async def _resolved(self, ref: FunctionRef, found: Target) -> ResolvedFunction:
        fn = found.fn
        qualifier = found.alias.name if found.alias else (ref.qualifier or LATEST)
        raw = await self.meta.get(INVOKE_CONFIGS, child_key(ref.key, qualifier))
        return ResolvedFunction(
            name=fn.name,
            account_id=fn.account_id,
            region=fn.region,
            function_id=fn.id,
            function_arn=ref.unqualified_arn,
            invoked_arn=ref.arn,
            version=found.version,
            alias=found.alias.name if found.alias else None,
            config=found.config,
            reserved_concurrency=fn.concurrency,
            invoke_config=None if raw is None else InvokeConfigRecord.decode(raw.value),
            routing=dict(found.alias.weights) if found.alias else {},
        )

    async def code_dir(self, resolved: ResolvedFunction) -> Path:
        """The version's unpacked deployment package (unpacked again from its blob if this
        host does not have it: after a restart, on another host sharing the stores)."""
        return await self.code.code_dir(resolved.config.code)

    async def layer_dirs(self, resolved: ResolvedFunction) -> tuple[Path, ...]:
        return tuple([await self.code.code_dir(use.code) for use in resolved.config.layers])

    async def resolve_url(self, url_id: str) -> tuple[ResolvedFunction, UrlRecord] | None:
        """The function URL whose id is `url_id` (the Host's first label) and what it runs;
        None when there is no such URL."""
        index = await self.meta.get(URL_IDS, url_id)
        if index is None:
            return None
        key = index.value.decode()
        raw = await self.meta.get(URLS, key)
        fkey, _, qualifier = key.rpartition("/")
        function = await self.meta.get(FUNCTIONS, fkey)
        if raw is None or function is None:
            return None
        fn = FunctionRecord.decode(function.value)
        ref = FunctionRef(
            fn.region, fn.account_id, fn.name, None if qualifier == LATEST else qualifier
        )
        return await self._resolved(ref, await self.target(ref)), UrlRecord.decode(raw.value)
