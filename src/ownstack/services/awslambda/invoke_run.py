"""Running one invocation: the sandbox's specification (code, layers, limits, the environment
Lambda sets, the execution role's credentials), a sandbox from the warm pool, the engine's
result turned into Lambda's answer, and the log shipped to CloudWatch Logs.

The execution role is assumed as AWS does for a function: session name = the function's name,
credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, valid while the
sandbox lives (the pool ends sandboxes before they expire); AWS_ENDPOINT_URL points back at
this ownstack, so an SDK inside talks to it with the role's permissions and nothing more.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from ownstack.core.context import ASSUMED_ROLE, Principal, Session
from ownstack.identity.sessions import TemporaryCredential
from ownstack.ports.runtime import Invocation, SandboxSpec

from .concurrency import ConcurrencyOps
from .errors import state_conflict
from .invoke_logs import LogShipper
from .invoke_report import Answer, LogStyle, answer
from .resolve import ResolvedFunction, ResolveOps
from .warm_pool import ACCOUNT_CONCURRENCY, Limits, WarmPool

Issue = Callable[[Principal], TemporaryCredential]
"""The identity directory's session sealer: temporary credentials for a principal."""
RoleId = Callable[[str], Awaitable[str | None]]
"""A role ARN's unique id (AROA...), None when the role is gone."""
RESERVED_TTL_S = 1.0
CREDENTIAL_S = 3 * 3600
"""How long a sandbox's role credentials last; the pool ends sandboxes an hour earlier."""


@dataclass(frozen=True, slots=True)
class Ran:
    answer: Answer
    version: str


def log_stream_name(version: str, now: float) -> str:
    day = datetime.fromtimestamp(now, UTC).strftime("%Y/%m/%d")
    return f"{day}/[{version}]{uuid.uuid4().hex}"


class InvokeRunner(ConcurrencyOps, ResolveOps):
    pool: WarmPool | None = None
    issue: Issue | None = None
    role_id: RoleId | None = None
    endpoint_url: str = ""
    shipper: LogShipper | None = None
    _reserved_cache: dict[tuple[str, str], tuple[float, int]] = {}

    def connect_runtime(
        self,
        pool: WarmPool,
        issue: Issue,
        role_id: RoleId,
        endpoint_url: str,
        shipper: LogShipper,
    ) -> None:
        """Wire what invoking needs (app.py): sandboxes, credentials, ownstack's own URL, and
        the way to CloudWatch Logs."""
        self.pool = pool
        self.issue = issue
        self.role_id = role_id
        self.endpoint_url = endpoint_url
        self.shipper = shipper
        self._reserved_cache = {}

    async def run(
        self,
        resolved: ResolvedFunction,
        payload: bytes,
        request_id: str,
        *,
        client_context: str | None = None,
        on_chunk: Callable[[bytes], Awaitable[None]] | None = None,
    ) -> Ran:
        """Run the invocation to its end. Raises TooManyRequestsException over a concurrency
        limit, ResourceConflictException while the function is not Active."""
        config = resolved.config
        if config.state != "Active":
            raise state_conflict(config.state)
        pool = self._pool()
        group = "#".join(
            (resolved.function_id, resolved.version, config.config_id, config.revision_id)
        )
        limits = Limits(
            function_key=resolved.function_id,
            account=resolved.account_id,
            reserved=resolved.reserved_concurrency,
            unreserved=await self._unreserved(resolved),
        )
        async with pool.checkout(group, limits, lambda: self._spec(resolved)) as out:
            now = self.clock.now()
            invocation = Invocation(
                request_id=request_id,
                payload=payload,
                deadline_ms=int(now * 1000) + config.timeout * 1000,
                invoked_function_arn=resolved.invoked_arn,
                trace_id=_trace_id(now),
                client_context=client_context,
                on_chunk=on_chunk,
            )
            result = await out.sandbox.invoke(invocation)
            stream = out.spec.environment.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        done = answer(
            result,
            request_id=request_id,
            version=resolved.version,
            memory_mb=config.memory,
            timeout_s=config.timeout,
            now=self.clock.now(),
            style=LogStyle(config.log_format == "JSON", config.system_log_level or "INFO"),
        )
        if self.shipper is not None and stream:
            self.shipper.ship(_stream_arn(resolved, stream), done.log, self.clock.now())
        return Ran(done, resolved.version)

    def _pool(self) -> WarmPool:
        if self.pool is None:
            from .errors import lambda_error

            raise lambda_error("ServiceException", "This server runs no functions.", 500)
        return self.pool

    async def _unreserved(self, resolved: ResolvedFunction) -> int:
        """The account's unreserved concurrency, for functions without a reservation; the sum
        of reservations is read at most once a second (it takes a scan of the functions)."""
        if resolved.reserved_concurrency is not None:
            return ACCOUNT_CONCURRENCY
        key = (resolved.region, resolved.account_id)
        now = self.clock.now()
        cached = self._reserved_cache.get(key)
        if cached is None or now - cached[0] > RESERVED_TTL_S:
            cached = (now, await self.reserved(*key))
            self._reserved_cache[key] = cached
        return ACCOUNT_CONCURRENCY - cached[1]

    async def _spec(self, resolved: ResolvedFunction) -> SandboxSpec:
        config = resolved.config
        now = self.clock.now()
        env = dict(resolved.environment)
        env.update(self._lambda_environment(resolved, now))
        env.update(await self._credentials(resolved, now))
        return SandboxSpec(
            function_name=resolved.name,
            version=resolved.version,
            runtime=config.runtime,
            handler=config.handler,
            code_dir=await self.code_dir(resolved),
            layer_dirs=await self.layer_dirs(resolved),
            memory_mb=config.memory,
            ephemeral_mb=config.ephemeral,
            timeout_s=config.timeout,
            environment=env,
            architecture=config.architecture,
        )

    def _lambda_environment(self, resolved: ResolvedFunction, now: float) -> dict[str, str]:
        """What Lambda itself sets (the defined runtime environment variables)."""
        config = resolved.config
        env = {
            "AWS_REGION": resolved.region,
            "AWS_DEFAULT_REGION": resolved.region,
            "AWS_LAMBDA_FUNCTION_NAME": resolved.name,
            "AWS_LAMBDA_FUNCTION_VERSION": resolved.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.memory),
            "AWS_LAMBDA_LOG_GROUP_NAME": _log_group(resolved),
            "AWS_LAMBDA_LOG_STREAM_NAME": log_stream_name(resolved.version, now),
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
            "TZ": ":UTC",
        }
        if self.endpoint_url:
            env["AWS_ENDPOINT_URL"] = self.endpoint_url
        if config.log_format == "JSON":  # the runtime clients write JSON records then
            env["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
            env["AWS_LAMBDA_LOG_LEVEL"] = config.app_log_level or "INFO"
        return env

    async def _credentials(self, resolved: ResolvedFunction, now: float) -> dict[str, str]:
        if self.issue is None or self.role_id is None:
            return {}
        role_arn = resolved.role_arn
        account = role_arn.split(":")[4]
        role_name = role_arn.rpartition("/")[2]
        role_id = await self.role_id(role_arn) or role_name
        kind = "AssumeRole"  # the STS call a function's credentials come from
        principal = Principal(
            account_id=account,
            arn=f"arn:aws:sts::{account}:assumed-role/{role_name}/{resolved.name}",
            user_id=f"{role_id}:{resolved.name}",
            access_key="",
            kind=ASSUMED_ROLE,
            name=resolved.name,
            source_arn=role_arn,
            session=Session(expires=float(int(now) + CREDENTIAL_S), issued=now, token_kind=kind),
        )
        credential = self.issue(principal)
        return {
            "AWS_ACCESS_KEY_ID": credential.access_key_id,
            "AWS_SECRET_ACCESS_KEY": credential.secret_access_key,
            "AWS_SESSION_TOKEN": credential.session_token,
        }


def _stream_arn(resolved: ResolvedFunction, stream: str) -> str:
    group = _log_group(resolved)
    region, account = resolved.region, resolved.account_id
    return f"arn:aws:logs:{region}:{account}:log-group:{group}:log-stream:{stream}"


def _log_group(resolved: ResolvedFunction) -> str:
    return resolved.config.log_group or f"/aws/lambda/{resolved.name}"


def _trace_id(now: float) -> str:
    """An X-Ray trace header as Lambda passes it (Root=1-<epoch hex>-<96 random bits>). The
    ids must be unique, not secret: the process's generator, no system call per invocation."""
    bits = f"{random.getrandbits(160):040x}"
    return f"Root=1-{int(now):08x}-{bits[:24]};Parent={bits[24:]};Sampled=0"
