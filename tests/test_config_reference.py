"""docs/configuration.md is generated from ownstack.config.reference and the engines' options
(scripts/gen_config_doc.py): the committed page must be the script's output, and what the
reference declares must be what the code reads: every default (a file spelling out every
default configures the same server as no file), every environment variable, every flag."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path

import pytest

from ownstack.app import _s3_limits
from ownstack.app_lambda import lambda_limits
from ownstack.app_schedules import rate_minute_s
from ownstack.backends.process.runtimes.bundles import runtimes_root
from ownstack.backends.s3 import open_blobs
from ownstack.cli import _parser, _request_timeout
from ownstack.config import Config, Identity, load_config, load_identity
from ownstack.config.engines import builtin_engines
from ownstack.config.reference import ALL_SETTINGS, section_defaults
from ownstack.config.workers import worker_count
from ownstack.core.clock import SystemClock
from ownstack.ports.engine import EngineContext
from ownstack.services.awslambda.invoke_async import RETRY_DELAYS, THROTTLE_BACKOFF, VISIBILITY_S
from ownstack.services.s3.base import S3Limits
from ownstack.services.sns.limits import parse_limits

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "configuration.md"
ENV_NAME = re.compile(r"(?<![A-Z0-9_])OWNSTACK_[A-Z0-9_]*[A-Z0-9](?![A-Z0-9_])")


def _generated() -> str:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_config_doc.py")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_the_committed_reference_is_current() -> None:
    assert _generated() == DOC.read_text(), "docs/configuration.md is stale: run `make config-doc`"


def _example_file() -> str:
    """The page's "every default, as a file" block."""
    match = re.search(r"```yaml\n(.*?)```", DOC.read_text(), re.S)
    assert match is not None
    return match.group(1)


def _effective(config: Config) -> dict[str, object]:
    """What the server makes of a configuration: its settings, and each limit as its reader
    resolves it."""
    return {
        # `workers` and `limits` hold what the file said; their effect is compared below.
        "settings": {
            f.name: getattr(config, f.name)
            for f in fields(config)
            if f.name not in ("workers", "limits")
        },
        "request_timeout": _request_timeout(config),
        "s3": _s3_limits(config).get("limits", S3Limits()),
        "sns": parse_limits(config.limits.get("sns") or {}),
        "lambda": lambda_limits(config),
        "eventbridge": rate_minute_s(config, "eventbridge"),
        "scheduler": rate_minute_s(config, "scheduler"),
        "workers": worker_count(None, {}, config.workers),
    }


def test_a_file_of_every_default_configures_what_no_file_does(tmp_path: Path) -> None:
    example = tmp_path / "every-default.yaml"
    example.write_text(_example_file())
    spelled_out = load_config(data=str(tmp_path), config_file=str(example), env={})
    assert spelled_out.limits  # the file was read
    assert _effective(spelled_out) == _effective(load_config(data=str(tmp_path), env={}))


def test_service_owned_defaults_agree_with_the_reference() -> None:
    """The limits whose defaults a service keeps for itself (used when it is built without
    configuration) are the ones the reference documents."""
    s3 = section_defaults("limits.s3")
    assert s3 == {f.name: f.default for f in fields(S3Limits)}
    lambda_defaults = section_defaults("limits.lambda")
    assert lambda_defaults["async_retry_delays"] == RETRY_DELAYS
    assert lambda_defaults["throttle_backoff_s"] == THROTTLE_BACKOFF
    assert lambda_defaults["async_visibility_s"] == VISIBILITY_S
    assert set(section_defaults("limits.sns")) == {"managed_retry_delays"}
    with pytest.raises(ValueError, match="unknown limit"):
        parse_limits({"not_a_limit": 1})


def _declared_env() -> set[str]:
    """The environment variables the reference names, engines' options included."""
    declared = {s.env for s in ALL_SETTINGS if s.env}
    for engine in builtin_engines():
        declared |= {o.env for o in engine.options if o.env}
    return declared


def test_every_environment_variable_the_code_names_is_in_the_reference() -> None:
    named: set[str] = set()
    for path in (ROOT / "src" / "ownstack").rglob("*.py"):
        named |= set(ENV_NAME.findall(path.read_text()))
    assert named - _declared_env() == set()
    assert _declared_env() == set(ENV_CASES) | ENGINE_ENV


def _config(tmp: Path, env: dict[str, str]) -> Config:
    return load_config(data=str(tmp), env=env)


def _tls_pair(tmp: Path, value: str) -> Config:
    return _config(tmp, {"OWNSTACK_TLS_CERT": value, "OWNSTACK_TLS_KEY": value})


def _identity(tmp: Path, env: dict[str, str]) -> Identity:
    return load_identity(tmp, {}, env)


# Environment variable -> (a value, what the code makes of it, what that should be).
ENV_CASES: dict[str, tuple[str, Callable[[Path, str], object], Callable[[str], object]]] = {
    "OWNSTACK_DATA": (
        "/srv/own",
        lambda t, v: load_config(env={"OWNSTACK_DATA": v}).data_dir,
        Path,
    ),
    "OWNSTACK_RUNTIMES_DIR": (
        "/srv/rt",
        lambda t, v: runtimes_root({"OWNSTACK_RUNTIMES_DIR": v}),
        Path,
    ),
    "OWNSTACK_HOST": ("10.1.2.3", lambda t, v: _config(t, {"OWNSTACK_HOST": v}).host, str),
    "OWNSTACK_PORT": ("4999", lambda t, v: _config(t, {"OWNSTACK_PORT": v}).port, int),
    "OWNSTACK_REGION": ("eu-west-3", lambda t, v: _config(t, {"OWNSTACK_REGION": v}).region, str),
    "OWNSTACK_LOG_LEVEL": (
        "DEBUG",
        lambda t, v: _config(t, {"OWNSTACK_LOG_LEVEL": v}).log_level,
        str,
    ),
    "OWNSTACK_WORKERS": ("7", lambda t, v: worker_count(None, {"OWNSTACK_WORKERS": v}, None), int),
    "OWNSTACK_ROOT_ACCESS_KEY": (
        "AKIAEXAMPLE000000001",
        lambda t, v: _identity(t, {"OWNSTACK_ROOT_ACCESS_KEY": v}).access_key,
        str,
    ),
    "OWNSTACK_ROOT_SECRET_KEY": (
        "secret/example",
        lambda t, v: _identity(t, {"OWNSTACK_ROOT_SECRET_KEY": v}).secret_key,
        str,
    ),
    "OWNSTACK_ACCOUNT_ID": (
        "210987654321",
        lambda t, v: _identity(t, {"OWNSTACK_ACCOUNT_ID": v}).account_id,
        str,
    ),
    "OWNSTACK_TLS": ("1", lambda t, v: _config(t, {"OWNSTACK_TLS": v}).tls.self_signed, bool),
    "OWNSTACK_TLS_CERT": ("/srv/tls.pem", lambda t, v: _tls_pair(t, v).tls.cert, Path),
    "OWNSTACK_TLS_KEY": ("/srv/tls.pem", lambda t, v: _tls_pair(t, v).tls.key, Path),
    "OWNSTACK_TLS_PORT": ("4999", lambda t, v: _config(t, {"OWNSTACK_TLS_PORT": v}).tls.port, int),
}
ENGINE_ENV = {"OWNSTACK_POSTGRES_DSN", "OWNSTACK_BLOBS_ACCESS_KEY", "OWNSTACK_BLOBS_SECRET_KEY"}
"""Declared by the engines with the constants they read (DSN_ENV, ACCESS_KEY_ENV, ...)."""


@pytest.mark.parametrize("name", sorted(ENV_CASES))
def test_each_declared_variable_sets_its_setting(tmp_path: Path, name: str) -> None:
    value, read, expected = ENV_CASES[name]
    assert read(tmp_path, value) == expected(value)


def test_the_blob_engines_keys_come_from_the_declared_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = EngineContext(tmp_path, {"endpoint": "http://127.0.0.1:9", "bucket": "b"}, SystemClock())
    monkeypatch.setenv("OWNSTACK_BLOBS_ACCESS_KEY", "AKIAEXAMPLE")
    monkeypatch.setenv("OWNSTACK_BLOBS_SECRET_KEY", "secret")
    open_blobs(ctx)  # both keys given: it opens (without connecting)
    for name in ("OWNSTACK_BLOBS_ACCESS_KEY", "OWNSTACK_BLOBS_SECRET_KEY"):
        with monkeypatch.context() as patched:
            patched.delenv(name)
            with pytest.raises(ValueError, match="needs access_key and secret_key"):
                open_blobs(ctx)


def test_the_serve_flags_are_the_declared_flags() -> None:
    commands = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    serve = commands.choices["serve"]
    flags = {
        flag
        for action in serve._actions
        if action.help != argparse.SUPPRESS
        for flag in action.option_strings
    } - {"-h", "--help"}
    declared = {f for s in ALL_SETTINGS if s.flag for f in s.flag.split(" / ")}
    assert flags == declared
