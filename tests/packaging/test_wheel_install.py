"""The package as a user gets it: `python -m build --wheel` builds it from the source tree, the
wheel carries every file the server reads at run time (patches, managed policies, runtime pins,
the console), and installed with its dependencies into a clean venv (no dev extras) it runs:
`ownstack --version`, then `ownstack serve` answers health and boto3 (this test's own venv)
creates and lists a bucket on it.

Offline (no test reaches another host than 127.0.0.1): the build runs without isolation, on this
venv's setuptools (the dev extras pin the build-system's `setuptools>=77`); pip installs only the
wheel (`--no-index --no-deps`, no config file); its runtime dependencies are the closure of the
wheel's own Requires-Dist over the distributions installed here, mirrored into the clean venv
file by file (each RECORD, as symlinks). So the clean venv holds the wheel and exactly what it
declares: a runtime dependency missing from pyproject fails the test, a dev package is absent."""

from __future__ import annotations

import email
import os
import shutil
import subprocess
import sys
import time
import urllib.request
import zipfile
from email.message import Message
from importlib import metadata
from pathlib import Path

import pytest

# pytest's own dependency, so always in the test's venv (not a runtime one of the wheel).
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from ownserver import ServerHandle, free_port, server_env

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "ownstack"
DEV_ONLY = ("boto3", "awscli", "pytest", "hypothesis", "ruff", "mypy", "moto", "playwright")
START_TIMEOUT_S = 60.0
# Settings that could send pip (or a build frontend) to an index: dropped from its environment.
_INDEX_ENV = ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_CONFIG_FILE")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built from a copy of the tree, so the build's scratch (build/, egg-info) stays out of
    the checkout other tests run from. No isolation: an isolated build would fetch setuptools."""
    work = tmp_path_factory.mktemp("wheel")
    tree = work / "tree"
    shutil.copytree(ROOT / "src", tree / "src", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, tree / name)
    out = work / "dist"
    argv = [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out)]
    build = _run([*argv, str(tree)])
    assert "deprecat" not in build.lower(), build
    (built,) = out.glob("ownstack-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean venv holding the wheel and its runtime dependencies, nothing else. No pip of its
    own (it is not needed to run): this test's pip installs the wheel into it."""
    where = tmp_path_factory.mktemp("venv") / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(where)])
    python = where / "bin" / "python"
    site = Path(
        _run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).strip()
    )
    for dist in _runtime_closure(_wheel_metadata(wheel).get_all("Requires-Dist") or []):
        _mirror(dist, site)
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-index"]
    _run([*pip, "--no-deps", "-q", str(wheel)])
    return where


def _run(argv: list[str]) -> str:
    proc = subprocess.run(
        argv, capture_output=True, text=True, check=False, timeout=600, env=_offline_env()
    )
    assert proc.returncode == 0, f"{argv} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout + proc.stderr


def _offline_env() -> dict[str, str]:
    """pip without an index, nor the config files naming one (os.devnull: load none)."""
    env = {k: v for k, v in os.environ.items() if k not in _INDEX_ENV}
    return {**env, "PIP_NO_INDEX": "1", "PIP_CONFIG_FILE": os.devnull}


def _wheel_metadata(wheel: Path) -> Message:
    with zipfile.ZipFile(wheel) as archive:
        info = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return email.message_from_bytes(archive.read(info))


def _runtime_closure(requires: list[str]) -> list[metadata.Distribution]:
    """The distributions installed here that `requires` needs, transitively: markers evaluated
    for this interpreter, an `extra ==` one only when that extra was asked for."""
    found: dict[str, metadata.Distribution] = {}
    expanded: set[tuple[str, str]] = set()
    pending = [(line, "") for line in requires]
    while pending:
        line, extra = pending.pop()
        req = Requirement(line)
        if req.marker is not None and not req.marker.evaluate({"extra": extra}):
            continue
        try:
            dist = metadata.distribution(req.name)
        except metadata.PackageNotFoundError:
            pytest.fail(f"{req} (a runtime dependency) is not installed in {sys.prefix}")
        assert req.specifier.contains(dist.version, prereleases=True), (str(req), dist.version)
        name = canonicalize_name(dist.metadata["Name"])
        found[name] = dist
        for wanted in {"", *req.extras} - {e for n, e in expanded if n == name}:
            expanded.add((name, wanted))
            pending.extend((sub, wanted) for sub in dist.requires or [])
    return list(found.values())


def _mirror(dist: metadata.Distribution, site: Path) -> None:
    """Symlinks in `site` to the files the distribution installed in site-packages (its RECORD),
    not to whole directories: a namespace package's directory holds other distributions too.
    Its scripts (outside site-packages) and bytecode are left out."""
    assert dist.files is not None, f"{dist.metadata['Name']}: no RECORD"
    for file in dist.files:
        if file.parts[0] == ".." or file.suffix == ".pyc":
            continue
        link = site / file
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(Path(dist.locate_file(file)).resolve())


def _package_files() -> set[str]:
    """Every file under src/ownstack but bytecode, as wheel paths."""
    return {
        path.relative_to(PACKAGE.parent).as_posix()
        for path in PACKAGE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


def test_the_wheel_carries_every_file_of_the_package(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    missing = _package_files() - names
    assert not missing, f"not in the wheel (pyproject's package-data): {sorted(missing)}"
    assert "ownstack/wire/patches/sqs.json" in names


def test_the_wheel_is_apache_licensed_and_needs_no_dev_tool(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        info = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        license_text = archive.read(info.replace("METADATA", "licenses/LICENSE")).decode()
    wheel_metadata = _wheel_metadata(wheel)
    assert wheel_metadata["License-Expression"] == "Apache-2.0"
    assert "Apache License" in license_text and "Version 2.0" in license_text
    runtime = [r for r in wheel_metadata.get_all("Requires-Dist") or [] if "extra ==" not in r]
    assert not [r for r in runtime if r.split()[0].lower().startswith(DEV_ONLY)], runtime


def test_the_clean_venv_holds_no_dev_dependency(venv: Path) -> None:
    probe = "import importlib.util as u, sys; print([m for m in sys.argv[1:] if u.find_spec(m)])"
    found = _run([str(venv / "bin" / "python"), "-c", probe, *DEV_ONLY]).strip()
    assert found == "[]"


def test_the_installed_wheel_serves(venv: Path, tmp_path: Path) -> None:
    ownstack = venv / "bin" / "ownstack"
    assert _run([str(ownstack), "--version"]).strip() == "ownstack 0.1.0"
    port = free_port()
    data = tmp_path / "data"
    log_path = tmp_path / "server.log"
    env = server_env()
    argv = [str(ownstack), "serve", "--port", str(port), "--data", str(data)]
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(argv, stdout=log_file, stderr=subprocess.STDOUT, env=env)
    handle = ServerHandle(
        endpoint=f"http://127.0.0.1:{port}",
        access_key=env["OWNSTACK_ROOT_ACCESS_KEY"],
        secret_key=env["OWNSTACK_ROOT_SECRET_KEY"],
        region="us-east-1",
        account_id=env["OWNSTACK_ACCOUNT_ID"],
        data_dir=data,
        port=port,
        process=process,
        log_path=log_path,
    )
    try:
        _wait_healthy(handle)
        s3 = handle.client("s3")
        s3.create_bucket(Bucket="from-the-wheel")
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["from-the-wheel"]
    finally:
        assert handle.stop() in (0, -15)


def _wait_healthy(handle: ServerHandle) -> None:
    url = f"{handle.endpoint}/_ownstack/health"
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        assert handle.process.poll() is None, f"exited at start:\n{handle.log()}"
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"no health answer within {START_TIMEOUT_S} s:\n{handle.log()}")
