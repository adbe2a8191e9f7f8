"""LambdaService in process, on the memory engine: the API invoking builds on (resolve,
code_dir, layer_dirs, resolve_url), settling at start, and the runtime engine's say."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from lambdakit import make_zip

from ownstack.backends import memory
from ownstack.core.clock import ManualClock
from ownstack.core.context import Principal, RequestContext
from ownstack.core.errors import ServiceError
from ownstack.ports.engine import EngineContext
from ownstack.ports.runtime import Sandbox, SandboxSpec
from ownstack.services.awslambda.service import LambdaService

ACCOUNT = "123456789012"
REGION = "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/exec"


def ctx(operation: str = "") -> RequestContext:
    principal = Principal(ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT, "AKIA")
    return RequestContext(
        "req", ACCOUNT, REGION, principal, "lambda", operation, host="localhost:4566"
    )


class PythonOnly:
    """A runtime engine (ports/runtime.py) that runs nothing but Python."""

    def unavailable(self, runtime: str) -> str | None:
        return None if runtime.startswith("python") else "no node interpreter on this host"

    async def start(self, spec: SandboxSpec) -> Sandbox:
        raise NotImplementedError

    async def health(self) -> None:
        return None

    async def close(self) -> None:
        return None


Test = Callable[[Callable[[], LambdaService]], Awaitable[None]]


def run(test: Test, tmp_path: Path) -> None:
    async def main() -> None:
        clock = ManualClock()
        engine_ctx = EngineContext(data_dir=tmp_path, options={}, clock=clock)
        meta = memory.engine.factories["meta"](engine_ctx)
        blobs = memory.engine.factories["blobs"](engine_ctx)
        made: list[LambdaService] = []

        def service() -> LambdaService:
            made.append(
                LambdaService(
                    meta, blobs, clock, REGION, data_dir=tmp_path / "lambda", runtime=PythonOnly()
                )
            )
            return made[-1]

        try:
            await test(service)
        finally:
            for each in made:
                await each.stop()

    asyncio.run(main())


Files = dict[str, str | bytes]


async def create(svc: LambdaService, name: str, files: Files, **extra: Any) -> None:
    params = {
        "FunctionName": name,
        "Runtime": "python3.12",
        "Role": ROLE,
        "Handler": "index.handler",
        "Code": {"ZipFile": make_zip(files)},
        **extra,
    }
    await svc.create_function(ctx("CreateFunction"), params)
    await asyncio.sleep(0)
    await svc.settle(svc_ref(name))


def svc_ref(name: str) -> Any:
    from ownstack.services.awslambda.names import FunctionRef

    return FunctionRef(REGION, ACCOUNT, name)


def test_resolve_versions_aliases_and_routing(tmp_path: Path) -> None:
    async def body(make: Callable[[], LambdaService]) -> None:
        svc = make()
        content = {"ZipFile": make_zip({"python/d.py": "D = 1\n"})}
        layer = await svc.publish_layer_version(ctx(), {"LayerName": "deps", "Content": content})
        await create(
            svc,
            "fn",
            {"index.py": "V = 1\n"},
            Environment={"Variables": {"STAGE": "one"}},
            Layers=[layer["LayerVersionArn"]],
        )
        await svc.publish_version(ctx(), {"FunctionName": "fn"})
        second = make_zip({"index.py": "V = 2\n"})
        await svc.update_function_code(ctx(), {"FunctionName": "fn", "ZipFile": second})
        await svc.settle(svc_ref("fn"))
        await svc.publish_version(ctx(), {"FunctionName": "fn"})
        await svc.create_alias(
            ctx(),
            {
                "FunctionName": "fn",
                "Name": "live",
                "FunctionVersion": "2",
                "RoutingConfig": {"AdditionalVersionWeights": {"1": 0.25}},
            },
        )
        await svc.put_function_event_invoke_config(
            ctx(), {"FunctionName": "fn", "Qualifier": "live", "MaximumRetryAttempts": 0}
        )
        reserve = {"FunctionName": "fn", "ReservedConcurrentExecutions": 3}
        await svc.put_function_concurrency(ctx(), reserve)

        latest = await svc.resolve(ACCOUNT, REGION, "fn")
        assert (latest.version, latest.alias, latest.role_arn) == ("$LATEST", None, ROLE)
        assert latest.environment == {"STAGE": "one"}
        assert latest.config.state == "Active"
        assert latest.reserved_concurrency == 3
        assert latest.invoke_config is None
        code = await svc.code_dir(latest)
        assert (code / "index.py").read_text() == "V = 2\n"
        (layer_dir,) = await svc.layer_dirs(latest)
        assert (layer_dir / "python" / "d.py").read_text() == "D = 1\n"

        arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:fn:live"
        live = await svc.resolve(ACCOUNT, REGION, arn)
        assert (live.version, live.alias, live.invoked_arn) == ("2", "live", arn)
        assert live.routing == {"1": 0.25}
        assert live.invoke_config is not None and live.invoke_config.max_retries == 0
        assert (await svc.resolve(ACCOUNT, REGION, "fn", "live", route=0.1)).version == "1"
        assert (await svc.resolve(ACCOUNT, REGION, "fn", "live", route=0.9)).version == "2"
        one = await svc.resolve(ACCOUNT, REGION, "fn", "1")
        shutil.rmtree(await svc.code_dir(one))  # gone from this host: unpacked again
        assert (await svc.code_dir(one) / "index.py").read_text() == "V = 1\n"
        with pytest.raises(ServiceError) as exc:
            await svc.resolve(ACCOUNT, REGION, "fn", "9")
        assert exc.value.code == "ResourceNotFoundException"

        url = await svc.create_function_url_config(
            ctx(), {"FunctionName": "fn", "Qualifier": "live", "AuthType": "NONE"}
        )
        url_id = url["FunctionUrl"].split("//", 1)[1].split(".", 1)[0]
        found = await svc.resolve_url(url_id)
        assert found is not None
        assert (found[0].alias, found[1].auth_type) == ("live", "NONE")
        assert await svc.resolve_url("0" * 32) is None

    run(body, tmp_path)


def test_unsettled_work_is_settled_at_the_next_start(tmp_path: Path) -> None:
    async def body(make: Callable[[], LambdaService]) -> None:
        first = make()
        await first.create_function(
            ctx("CreateFunction"),
            {
                "FunctionName": "left",
                "Runtime": "python3.12",
                "Role": ROLE,
                "Handler": "index.handler",
                "Code": {"ZipFile": make_zip()},
            },
        )
        await first.stop()  # before its settling ran: the process "died"
        assert (await first.resolve(ACCOUNT, REGION, "left")).config.state == "Pending"
        second = make()
        await second.start()
        await asyncio.gather(*second.tasks)
        assert (await second.resolve(ACCOUNT, REGION, "left")).config.state == "Active"

    run(body, tmp_path)


def test_the_runtime_engine_decides_what_runs(tmp_path: Path) -> None:
    async def body(make: Callable[[], LambdaService]) -> None:
        svc = make()
        with pytest.raises(ServiceError) as exc:
            await svc.create_function(
                ctx("CreateFunction"),
                {
                    "FunctionName": "node",
                    "Runtime": "nodejs20.x",
                    "Role": ROLE,
                    "Handler": "index.handler",
                    "Code": {"ZipFile": make_zip()},
                },
            )
        assert (exc.value.code, exc.value.message) == (
            "InvalidParameterValueException",
            "The runtime nodejs20.x cannot run on this ownstack server: no node interpreter on "
            "this host",
        )

    run(body, tmp_path)


def test_changes_wait_for_the_last_one(tmp_path: Path) -> None:
    """AWS refuses a change while the last is InProgress (here: before its settling ran)."""

    async def body(make: Callable[[], LambdaService]) -> None:
        svc = make()
        await create(svc, "busy", {"index.py": "V = 1\n"})
        await svc.update_function_configuration(ctx(), {"FunctionName": "busy", "Timeout": 5})
        with pytest.raises(ServiceError) as exc:
            await svc.update_function_configuration(ctx(), {"FunctionName": "busy", "Timeout": 6})
        arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:busy"
        assert (exc.value.code, exc.value.status, exc.value.message) == (
            "ResourceConflictException",
            409,
            "The operation cannot be performed at this time. An update is in progress for "
            f"resource: {arn}",
        )
        await svc.settle(svc_ref("busy"))
        await svc.update_function_configuration(ctx(), {"FunctionName": "busy", "Timeout": 6})

    run(body, tmp_path)
