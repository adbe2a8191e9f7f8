"""What the sandbox engine gets from the runtimes module: the reasons a runtime can't run, the
exact launch of an installed one, and how interpreters are found."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ownstack.backends.process.runtimes import launch_for, unavailable
from ownstack.backends.process.runtimes.bundles import bundle_dir, runtimes_root
from ownstack.backends.process.runtimes.catalog import MANAGED
from ownstack.backends.process.runtimes.interpreters import find_node, find_python
from ownstack.backends.process.runtimes.provision import install
from ownstack.ports.runtime import SandboxUnavailable

AWS_LD_LIBRARY_PATH = (
    "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib"
)


def require(runtime: str) -> None:
    reason = unavailable(runtime)
    if reason:
        pytest.skip(reason)


def test_a_runtime_that_is_not_managed_is_refused_with_its_reason() -> None:
    reason = unavailable("provided.al2023")
    assert reason == (
        "runtime 'provided.al2023' is not a managed runtime ownstack provides (it provides"
        " python3.10, python3.11, python3.12, python3.13, nodejs18.x, nodejs20.x, nodejs22.x)"
    )
    with pytest.raises(SandboxUnavailable) as raised:
        launch_for("provided.al2023", "bootstrap")
    assert raised.value.reason == reason


def test_a_missing_node_says_which_node_it_looked_for() -> None:
    if find_node("18") is not None:
        pytest.skip("this host has a node 18")
    reason = unavailable("nodejs18.x")
    assert reason is not None
    assert reason.startswith(
        "no node 18 interpreter found for runtime nodejs18.x (looked for node on PATH, in nvm and"
        " n installs, in /usr/local/bin and /usr/bin; found "
    )
    with pytest.raises(SandboxUnavailable) as raised:
        launch_for("nodejs18.x", "index.handler")
    assert raised.value.reason == reason


def test_a_runtime_not_installed_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    python = find_python("3.12")
    if python is None:
        pytest.skip("no python 3.12 on this host")
    monkeypatch.setenv("OWNSTACK_RUNTIMES_DIR", str(tmp_path / "empty"))
    assert unavailable("python3.12") == (
        f"runtime python3.12 is not installed in {tmp_path / 'empty'}: run `make runtimes` (it"
        f" installs AWS's runtime interface client and SDK for {python.executable})"
    )


def test_python_launch_mounts_the_interpreter_at_var_lang() -> None:
    require("python3.12")
    python = find_python("3.12")
    assert python is not None
    bundle = bundle_dir(runtimes_root(), MANAGED["python3.12"])
    launch = launch_for("python3.12", "app.handler")
    assert launch.argv == ("/var/lang/bin/python3.12", "-m", "awslambdaric", "app.handler")
    libpython = python.prefix / "lib/libpython3.12.so.1.0"
    assert launch.binds == (
        (python.prefix, "/var/lang"),
        *(((libpython, str(libpython)),) if libpython.is_file() else ()),
        (bundle / "runtime", "/var/runtime"),
        (bundle / "site-packages", "/var/lang/lib/python3.12/site-packages"),
    )
    assert dict(launch.env) == {
        "PATH": "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin",
        "LD_LIBRARY_PATH": AWS_LD_LIBRARY_PATH,
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
        "PYTHONPATH": "/opt/python/lib/python3.12/site-packages:/opt/python"
        ":/var/lang/lib/python3.12/site-packages:/var/runtime",
    }


def test_node_launch_runs_aws_lambda_ric_with_lambdas_node_path() -> None:
    require("nodejs20.x")
    node = find_node("20")
    assert node is not None
    bundle = bundle_dir(runtimes_root(), MANAGED["nodejs20.x"])
    launch = launch_for("nodejs20.x", "index.handler")
    executable = str(node.executable) if node.prefix == Path("/usr") else "/var/lang/bin/node"
    assert launch.argv[0] == executable
    assert launch.argv[-4:] == (
        "--import",
        "/var/runtime/esm-node-path.mjs",
        "/var/runtime/node_modules/aws-lambda-ric/bin/index.mjs",
        "index.handler",
    )
    assert launch.binds[-1] == (bundle / "runtime", "/var/runtime")
    assert launch.env["NODE_PATH"] == (
        "/opt/nodejs/node20/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules"
        ":/var/runtime:/var/task"
    )
    assert launch.env["AWS_EXECUTION_ENV"] == "AWS_Lambda_nodejs20.x"


def test_installing_an_installed_runtime_changes_nothing() -> None:
    require("python3.12")
    root = runtimes_root()
    before = (bundle_dir(root, MANAGED["python3.12"]) / "ownstack-runtime.json").read_text()
    said: list[str] = []
    manifest = install(MANAGED["python3.12"], root, said.append)
    assert said == []
    assert manifest.to_json() == before
    assert manifest.packages["awslambdaric"] == "4.2.2"
    assert manifest.packages["boto3"] == "1.43.11"


def test_shims_are_skipped_and_virtualenvs_resolve_to_their_base(tmp_path: Path) -> None:
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    shims = tmp_path / "shims"
    shims.mkdir()
    shim = shims / f"python{version}"
    shim.write_text('#!/bin/sh\nexec python "$@"\n')
    shim.chmod(0o755)
    venv_bin = Path(sys.executable).parent
    environ = {"PATH": f"{shims}:{venv_bin}", "HOME": str(tmp_path)}
    found = find_python(version, environ)
    assert found is not None
    assert found.executable == Path(sys.executable).resolve()
    assert found.prefix == Path(sys.base_prefix)
    assert (found.prefix / f"lib/python{version}/os.py").is_file()
