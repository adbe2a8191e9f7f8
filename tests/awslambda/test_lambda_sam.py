"""aws-sam-cli's `sam build` output, zipped as it is and deployed with a plain CreateFunction,
runs unchanged: the third-party packages `sam build` installed into the artifact import inside
the sandbox. The SAM app is tests/awslambda/sam_app; sam lives in its own venv (its pins are not
ours), which .ci/ensure-tools installs at ~/.cache/ownstack/sam-venv."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from invokekit import invoke_json, need
from lambdakit import unique

pytestmark = pytest.mark.clients

SAM_APP = Path(__file__).parent / "sam_app"
SAM_VENV = Path(os.environ.get("OWNSTACK_SAM_VENV", Path.home() / ".cache/ownstack/sam-venv"))
BUILD_TIMEOUT = 150  # seconds; a cold pip/npm install of one small package takes a few


def _sam() -> str:
    in_venv = SAM_VENV / "bin" / "sam"
    found = str(in_venv) if in_venv.exists() else shutil.which("sam")
    if found is None:
        pytest.skip(f"aws-sam-cli is not installed (neither {in_venv} nor `sam` on PATH)")
    return found


def _python312_dir() -> Path | None:
    """A directory holding a real python3.12 (`sam build` needs one for python3.12 functions):
    pyenv's own install first (its shim may point elsewhere), then PATH."""
    for bin_dir in sorted((Path.home() / ".pyenv" / "versions").glob("3.12*/bin"), reverse=True):
        if (bin_dir / "python3.12").exists():
            return bin_dir
    on_path = shutil.which("python3.12")
    return Path(on_path).parent if on_path else None


def _unreachable(host: str) -> str | None:
    try:
        socket.create_connection((host, 443), timeout=5).close()
    except OSError as exc:
        return f"{host} is unreachable ({exc})"
    return None


def _sam_build(tmp_path: Path, logical_id: str, registry: str, path_first: Path | None) -> Path:
    """`sam build <logical_id>` of a copy of the app; the artifact directory it made."""
    app = tmp_path / "app"
    shutil.copytree(SAM_APP, app)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(SAM_CLI_TELEMETRY="0", PIP_DEFAULT_TIMEOUT="20")
    if path_first is not None:
        env["PATH"] = f"{path_first}{os.pathsep}{env.get('PATH', '')}"
    argv = [_sam(), "build", logical_id]
    try:
        proc = subprocess.run(
            argv, cwd=app, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT
        )
        failure = None if proc.returncode == 0 else f"exited {proc.returncode}"
        output = proc.stdout + proc.stderr
    except subprocess.TimeoutExpired as exc:
        failure, output = f"took over {BUILD_TIMEOUT} s", str(exc.stdout or "")
    if failure:
        offline = _unreachable(registry)
        if offline:
            pytest.skip(f"sam build {logical_id} needs {registry} to install packages: {offline}")
        pytest.fail(f"sam build {logical_id} {failure}:\n{output}")
    return app / ".aws-sam" / "build" / logical_id


def _built_properties(artifact: Path) -> dict[str, Any]:
    """The function's properties in the template `sam build` wrote (CodeUri now the artifact)."""
    template = yaml.safe_load((artifact.parent / "template.yaml").read_text())
    properties: dict[str, Any] = template["Resources"][artifact.name]["Properties"]
    assert properties["CodeUri"] == artifact.name
    return properties


def _zip_dir(directory: Path) -> bytes:
    """The artifact directory as a deployment package, as `sam deploy` would upload it."""
    package = directory.parent / f"{directory.name}.zip"
    with zipfile.ZipFile(package, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(directory).as_posix())
    return package.read_bytes()


def _deploy(lam: Any, role: str, artifact: Path) -> str:
    properties = _built_properties(artifact)
    name = unique("sam")
    lam.create_function(
        FunctionName=name,
        Runtime=properties["Runtime"],
        Handler=properties["Handler"],
        Architectures=properties["Architectures"],
        Role=role,
        Code={"ZipFile": _zip_dir(artifact)},
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    return name


def test_sam_built_python_function_runs_with_its_requirements(
    lam: Any, role: str, tmp_path: Path
) -> None:
    need("python3.12")
    python_dir = _python312_dir()
    if python_dir is None:
        pytest.skip("sam build of a python3.12 function needs python3.12 (none in pyenv or PATH)")
    artifact = _sam_build(tmp_path, "PythonFunction", "pypi.org", python_dir)
    assert (artifact / "app.py").is_file()
    assert (artifact / "dateutil" / "__init__.py").is_file()  # installed by sam build, not us
    assert not (SAM_APP / "python_fn" / "dateutil").exists()
    name = _deploy(lam, role, artifact)
    out, body = invoke_json(lam, name, {"when": "2024-01-31T12:00:00Z"})
    assert out["StatusCode"] == 200
    assert "FunctionError" not in out, body
    assert body == {
        "month_later": "2024-02-29T12:00:00+00:00",
        "dateutil": "2.9.0.post0",
        "from": ["dateutil/__init__.py", "six.py"],
        "python": "3.12",
    }


def test_sam_built_node_function_runs_with_its_dependencies(
    lam: Any, role: str, tmp_path: Path
) -> None:
    need("nodejs20.x")
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("sam build of a nodejs20.x function needs npm, which is not on PATH")
    artifact = _sam_build(tmp_path, "NodeFunction", "registry.npmjs.org", Path(npm).parent)
    assert (artifact / "node_modules" / "ms" / "index.js").is_file()
    assert not (SAM_APP / "node_fn" / "node_modules").exists()
    name = _deploy(lam, role, artifact)
    out, body = invoke_json(lam, name, {"span": "2h"})
    assert out["StatusCode"] == 200
    assert "FunctionError" not in out, body
    assert body == {
        "millis": 7200000,
        "long": "2 hours",
        "from": "node_modules/ms/index.js",
        "node": "20",
    }
