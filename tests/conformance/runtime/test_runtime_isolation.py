"""What a function sees of the host: its code read-only at /var/task, its layers at /opt, a
/tmp of its own, Lambda's environment and nothing else: not ownstack's data dir, not /root,
/home or /work, not another sandbox's /tmp or Runtime API."""

from __future__ import annotations

import os
from pathlib import Path

from sandboxkit import Kit, body, invocation, run

LAMBDA_ENV = {
    "PATH": "/usr/local/bin:/usr/bin/:/bin:/opt/bin",
    "LD_LIBRARY_PATH": (
        "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib"
    ),
    "LANG": "en_US.UTF-8",
    "TZ": ":UTC",
    "LAMBDA_TASK_ROOT": "/var/task",
    "LAMBDA_RUNTIME_DIR": "/var/runtime",
    "_HANDLER": "handler.main",
    "AWS_LAMBDA_FUNCTION_NAME": "fn",
    "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
    "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
}


def test_the_environment_is_lambdas_and_the_functions_only(kit: Kit) -> None:
    async def scenario() -> None:
        runtime = kit.engine()
        own = {"MY_SETTING": "on", "AWS_REGION": "eu-west-1", "AWS_LAMBDA_RUNTIME_API": "1.2.3.4:1"}
        sandbox = await runtime.start(kit.spec(kit.code(), memory_mb=256, environment=own))
        seen = body(await sandbox.invoke(invocation({"action": "describe"})))
        await runtime.close()
        api = seen["env"].pop("AWS_LAMBDA_RUNTIME_API")
        host, port = api.split(":")
        assert host == "127.0.0.1" and port.isdigit()  # the engine's, never the function's
        # python3 itself sets LC_CTYPE when LANG's locale is not installed (PEP 538)
        assert seen["env"].pop("LC_CTYPE", "C.UTF-8") == "C.UTF-8"
        assert seen["env"] == {
            **LAMBDA_ENV,
            "PWD": "/var/task",
            "MY_SETTING": "on",
            "AWS_REGION": "eu-west-1",
        }
        assert seen["cwd"] == "/var/task"
        assert seen["hostname"] == "localhost"
        assert seen["uid"] != 0 and seen["gid"] != 0
        assert seen["opt"] == []
        # Its own pid namespace: bwrap's reaper as 1, the runtime, nothing of the host's.
        assert seen["processes"] == ["1", str(seen["pid"])]
        assert {"usr", "etc", "proc", "dev", "tmp", "var", "opt"} <= set(seen["root"])
        assert not {"root", "home", "work", "srv", "mnt", "boot"} & set(seen["root"])

    run(scenario())


def test_the_hosts_private_places_are_not_there(kit: Kit) -> None:
    async def scenario() -> None:
        secret = Path("/tmp") / f"ownstack-host-secret-{os.getpid()}"
        secret.write_text("host only")
        runtime = kit.engine()
        code = kit.code()
        sandbox = await runtime.start(kit.spec(code))
        await sandbox.invoke(invocation({"action": "echo"}))  # the data dir has the scratch dir now
        paths = [
            str(kit.data_dir),
            str(code),
            "/work",
            "/root",
            "/home",
            str(secret),
            "/etc/shadow",
        ]
        seen = body(
            await sandbox.invoke(
                invocation({"action": "read", "paths": [*paths, "/proc/1/environ"]})
            )
        )
        await runtime.close()
        secret.unlink()
        assert kit.data_dir.is_dir()
        assert seen == {
            **{path: "FileNotFoundError: errno 2" for path in paths},
            "/proc/1/environ": "PermissionError: errno 13",
        }

    run(scenario())


def test_code_and_system_are_read_only_and_tmp_is_writable(kit: Kit) -> None:
    async def scenario() -> None:
        runtime = kit.engine()
        code = kit.code()
        sandbox = await runtime.start(kit.spec(code))
        paths = [
            "/var/task/new",
            "/var/task/bootstrap",
            "/usr/new",
            "/etc/hosts",
            "/opt/new",
            "/tmp/new",
        ]
        seen = body(await sandbox.invoke(invocation({"action": "write", "paths": paths})))
        await runtime.close()
        assert seen == {
            "/var/task/new": "OSError: errno 30",
            "/var/task/bootstrap": "OSError: errno 30",
            "/usr/new": "OSError: errno 30",
            "/etc/hosts": "OSError: errno 30",
            "/opt/new": "PermissionError: errno 13",
            "/tmp/new": "written",
        }
        assert sorted(p.name for p in code.iterdir()) == ["bootstrap"]

    run(scenario())


def test_each_sandbox_has_a_tmp_of_its_own(kit: Kit) -> None:
    async def scenario() -> None:
        runtime = kit.engine()
        code = kit.code()
        first = await runtime.start(kit.spec(code))
        second = await runtime.start(kit.spec(code))
        wrote = await first.invoke(
            invocation({"action": "write", "paths": ["/tmp/mine"], "content": "1"})
        )
        mine = await first.invoke(invocation({"action": "read", "paths": ["/tmp/mine"]}))
        theirs = await second.invoke(invocation({"action": "read", "paths": ["/tmp/mine", "/tmp"]}))
        await runtime.close()
        assert body(wrote) == {"/tmp/mine": "written"}
        assert body(mine) == {"/tmp/mine": "1"}
        assert body(theirs) == {"/tmp/mine": "FileNotFoundError: errno 2", "/tmp": []}
        assert not Path("/tmp/mine").exists()

    run(scenario())


def test_a_sandbox_cannot_use_another_sandboxs_runtime_api(kit: Kit) -> None:
    async def scenario() -> None:
        runtime = kit.engine()
        code = kit.code()
        victim = await runtime.start(kit.spec(code))
        thief = await runtime.start(kit.spec(code))
        api = body(await victim.invoke(invocation({"action": "describe"})))["env"][
            "AWS_LAMBDA_RUNTIME_API"
        ]
        stolen = await thief.invoke(invocation({"action": "steal", "api": api}))
        still = await victim.invoke(invocation({"action": "echo", "n": 1}))
        await runtime.close()
        # Root mode: each sandbox has a host uid of its own, and its Runtime API admits only
        # that uid's connections (a stranger's is reset unanswered).
        # (how the client library words a reset depends on when it sees it)
        assert body(stolen) in {
            "refused: ConnectionResetError",
            "refused: BrokenPipeError",
            "refused: RemoteDisconnected",
        }
        assert body(still)["event"] == {"action": "echo", "n": 1}

    if os.geteuid() != 0:
        import pytest

        pytest.skip("sandboxes share ownstack's uid when it does not run as root")
    run(scenario())


def _layer(kit: Kit, name: str, files: dict[str, str]) -> Path:
    layer = kit.tmp / name
    for relative, text in files.items():
        path = layer / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for directory in [layer, *[p for p in layer.rglob("*") if p.is_dir()]]:
        directory.chmod(0o755)
    return layer


def test_layers_are_merged_at_opt_later_layers_winning(kit: Kit) -> None:
    async def scenario() -> None:
        first = _layer(kit, "layer1", {"a.txt": "1", "shared.txt": "layer1", "python/x.py": "x"})
        second = _layer(
            kit, "layer2", {"shared.txt": "layer2", "python/y.py": "y", "bin/tool": "t"}
        )
        runtime = kit.engine()
        sandbox = await runtime.start(kit.spec(kit.code(), layer_dirs=(first, second)))
        paths = ["/opt", "/opt/shared.txt", "/opt/python", "/opt/a.txt"]
        seen = body(await sandbox.invoke(invocation({"action": "read", "paths": paths})))
        single = await runtime.start(kit.spec(kit.code("fn2"), layer_dirs=(first,)))
        alone = body(await single.invoke(invocation({"action": "read", "paths": ["/opt"]})))
        await runtime.close()
        assert seen == {
            "/opt": ["a.txt", "bin", "python", "shared.txt"],
            "/opt/shared.txt": "layer2",
            "/opt/python": ["x.py", "y.py"],
            "/opt/a.txt": "1",
        }
        assert alone == {"/opt": ["a.txt", "python", "shared.txt"]}
        assert (first / "shared.txt").read_text() == "layer1"  # the layers themselves untouched

    run(scenario())


def test_a_layers_bootstrap_runs_when_the_code_has_none(kit: Kit) -> None:
    async def scenario() -> None:
        from sandboxkit import BOOTSTRAP

        layer = _layer(kit, "runtime-layer", {"bootstrap": BOOTSTRAP})
        (layer / "bootstrap").chmod(0o755)
        runtime = kit.engine()
        sandbox = await runtime.start(kit.spec(kit.code(bootstrap=None), layer_dirs=(layer,)))
        result = await sandbox.invoke(invocation({"action": "echo", "from": "layer"}))
        await runtime.close()
        assert (result.outcome, body(result)["event"]) == (
            "success",
            {"action": "echo", "from": "layer"},
        )

    run(scenario())


def test_no_bootstrap_is_lambdas_invalid_entrypoint(kit: Kit) -> None:
    async def scenario() -> None:
        runtime = kit.engine()
        missing = await runtime.start(kit.spec(kit.code(bootstrap=None)))
        unexecutable = await runtime.start(kit.spec(kit.code("fn2", mode=0o644)))
        gone = await missing.invoke(invocation({}, request_id="r1"))
        denied = await unexecutable.invoke(invocation({}, request_id="r2"))
        await runtime.close()
        assert (gone.outcome, gone.error_type) == ("init_error", "Runtime.InvalidEntrypoint")
        assert body(gone) == {
            "errorType": "Runtime.InvalidEntrypoint",
            "errorMessage": "RequestId: r1 Error: Couldn't find valid bootstrap(s): "
            "[/var/task/bootstrap /opt/bootstrap]",
        }
        assert body(denied) == {
            "errorType": "Runtime.InvalidEntrypoint",
            "errorMessage": "RequestId: r2 Error: fork/exec /var/task/bootstrap: permission denied",
        }
        assert not missing.alive and not unexecutable.alive

    run(scenario())
