"""Server settings: command line > environment (OWNSTACK_*) > ownstack.yaml > defaults.

ownstack.yaml lives in the data dir (or is named with --config):

    host: 127.0.0.1
    port: 4566
    region: us-east-1
    log_level: INFO
    s3_hostnames: [localhost, s3.localhost, 127.0.0.1]
    backends:
      meta: sqlite                              # shorthand: engine name only
      blobs: {engine: fs, path: blobs}          # engine plus its options
      queue: sqlite
      logs: sqlite                              # DynamoDB Streams records (default: as meta)
      runtime: process                          # Lambda sandboxes (docs/lambda-runtime.md)
    limits:
      s3: {max_single_put: 5368709120}
      http: {request_timeout: 30}               # seconds a header or body may stall
    credentials: {access_key: ..., secret_key: ..., account_id: "123456789012"}
    accounts:                                   # more accounts, with fixed root keys
      - {name: alt, id: "222222222222", root_access_key: AKIA..., root_secret_key: "..."}
    egress:                                     # where outbound deliveries may connect
      deny: [10.0.0.0/8, "*.internal.example"]  # link-local is denied by default
    tls: {self_signed: false, cert: null, key: null, port: 4567, names: []}  # docs/tls.md
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ownstack.events.egress import EgressConfigError, EgressPolicy

from .accounts import AccountSpec, parse_accounts
from .datadir import DataDirSource, resolve_data_dir
from .errors import ConfigError
from .reference import HOST, LOG_LEVEL, PORT, REGION, S3_HOSTNAMES, TOP_KEYS, section_defaults
from .tls import TlsFlags, TlsSettings, parse_tls

__all__ = ["DEFAULT_BACKENDS", "BackendSpec", "Config", "ConfigError", "load_config"]

DEFAULT_BACKENDS = {port: str(engine) for port, engine in section_defaults("backends").items()}
PORTS = tuple(DEFAULT_BACKENDS)
"""The ports the current services need; each must be backed by an engine."""
LOGS_FOLLOW_META = frozenset({"postgres", "memory"})
"""When `logs` is not configured it goes where `meta` is, for these engines: DynamoDB stream
records are moved from the meta store's outbox to the log store, and a configuration that
shares meta among processes must share the logs too (sqlite's file cannot be)."""
DEFAULT_S3_HOSTNAMES: tuple[str, ...] = S3_HOSTNAMES.default
CONFIG_FILE = "ownstack.yaml"
_TOP_KEYS = TOP_KEYS
_LOG_LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}
MAX_WORKERS = 256


@dataclass(frozen=True, slots=True)
class BackendSpec:
    engine: str
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Config:
    data_dir: Path
    host: str = HOST.default
    port: int = PORT.default
    region: str = REGION.default
    log_level: str = LOG_LEVEL.default
    s3_hostnames: tuple[str, ...] = DEFAULT_S3_HOSTNAMES
    backends: Mapping[str, BackendSpec] = field(
        default_factory=lambda: {p: BackendSpec(e) for p, e in DEFAULT_BACKENDS.items()}
    )
    limits: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    credentials: Mapping[str, str] = field(default_factory=dict)
    """Root access_key / secret_key / account_id from the file (environment overrides)."""
    accounts: tuple[AccountSpec, ...] = ()
    """Accounts besides the default one, with fixed root keys (ownstack.yaml `accounts`)."""
    workers: int | None = None
    """Server processes on one port (ownstack.yaml `workers`; --workers and
    OWNSTACK_WORKERS win); None: not set in the file."""
    egress: EgressPolicy = field(default_factory=EgressPolicy)
    """Where outbound deliveries (SNS HTTP/S) may connect (ownstack.yaml `egress`)."""
    tls: TlsSettings = field(default_factory=TlsSettings)
    """HTTPS on a port of its own (ownstack.yaml `tls`, --tls..., OWNSTACK_TLS...)."""
    data_dir_source: DataDirSource = DataDirSource.FLAG
    """Why data_dir is where it is (config/datadir.py): given, found in the cwd, or the
    per-user default."""


def load_config(
    *,
    host: str | None = None,
    port: int | None = None,
    data: str | None = None,
    config_file: str | None = None,
    env: Mapping[str, str] | None = None,
    tls: TlsFlags | None = None,
) -> Config:
    """Resolve the settings; raises ConfigError naming what is wrong."""
    env = os.environ if env is None else env
    chosen = resolve_data_dir(data, env)
    data_dir = chosen.path
    doc = _read_yaml(Path(config_file) if config_file else data_dir / CONFIG_FILE, config_file)
    unknown = set(doc) - _TOP_KEYS
    if unknown:
        raise ConfigError(f"unknown setting(s) in ownstack.yaml: {', '.join(sorted(unknown))}")
    http_port = _port(port, PORT.from_env(env), doc.get("port"))
    return Config(
        data_dir=data_dir,
        host=host or HOST.from_env(env) or _str(doc, "host", HOST.default),
        port=http_port,
        region=REGION.from_env(env) or _str(doc, "region", REGION.default),
        log_level=_log_level(LOG_LEVEL.from_env(env) or _str(doc, "log_level", LOG_LEVEL.default)),
        s3_hostnames=_hostnames(doc.get("s3_hostnames")),
        backends=_backends(doc.get("backends")),
        limits=_limits(doc.get("limits")),
        credentials=_credentials(doc.get("credentials")),
        accounts=parse_accounts(doc.get("accounts")),
        workers=None if "workers" not in doc else parse_workers(doc["workers"], "ownstack.yaml"),
        egress=_egress(doc.get("egress")),
        tls=parse_tls(doc.get("tls"), env, tls, data_dir, http_port),
        data_dir_source=chosen.source,
    )


def _read_yaml(path: Path, explicit: str | None) -> dict[str, Any]:
    if not path.exists():
        if explicit:
            raise ConfigError(f"config file {path} does not exist")
        return {}
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return doc


def _str(doc: Mapping[str, Any], key: str, default: str) -> str:
    value = doc.get(key, default)
    if not isinstance(value, str) or not value:
        raise ConfigError(f"ownstack.yaml: {key} must be a non-empty string")
    return value


def _port(flag: int | None, from_env: str | None, from_file: object) -> int:
    raw: object = flag if flag is not None else from_env or from_file
    if raw is None:
        return PORT.default
    try:
        value = int(str(raw))
    except ValueError:
        raise ConfigError(f"port must be an integer, got {raw!r}") from None
    if not 0 <= value <= 65535:
        raise ConfigError(f"port must be between 0 and 65535, got {value}")
    return value


def _log_level(value: str) -> str:
    level = value.upper()
    if level not in _LOG_LEVELS:
        raise ConfigError(f"log_level must be one of {', '.join(sorted(_LOG_LEVELS))}")
    return level


def _hostnames(value: object) -> tuple[str, ...]:
    if value is None:
        return DEFAULT_S3_HOSTNAMES
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError("ownstack.yaml: s3_hostnames must be a list of host names")
    return tuple(v.lower().rstrip(".") for v in value)


def _backends(value: object) -> dict[str, BackendSpec]:
    specs = {port: BackendSpec(engine) for port, engine in DEFAULT_BACKENDS.items()}
    if value is None:
        return specs
    if not isinstance(value, dict):
        raise ConfigError("ownstack.yaml: backends must map a port name to an engine")
    for port, raw in value.items():
        if port not in PORTS:
            raise ConfigError(
                f"ownstack.yaml: unknown port {port!r} in backends (known: {', '.join(PORTS)})"
            )
        specs[port] = _backend_spec(port, raw)
    if "logs" not in value and specs["meta"].engine in LOGS_FOLLOW_META:
        specs["logs"] = specs["meta"]
    return specs


def _backend_spec(port: str, raw: object) -> BackendSpec:
    if isinstance(raw, str) and raw:
        return BackendSpec(raw)
    if isinstance(raw, dict) and isinstance(raw.get("engine"), str) and raw["engine"]:
        options = {k: v for k, v in raw.items() if k != "engine"}
        return BackendSpec(raw["engine"], options)
    raise ConfigError(
        f"ownstack.yaml: backends.{port} must be an engine name or a mapping with 'engine'"
    )


def _limits(value: object) -> dict[str, dict[str, Any]]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise ConfigError("ownstack.yaml: limits must map a service name to its limits")
    return {str(k): dict(v) for k, v in value.items()}


def _egress(value: object) -> EgressPolicy:
    try:
        return EgressPolicy.parse(value)
    except EgressConfigError as exc:
        raise ConfigError(f"ownstack.yaml: {exc}") from None


def _credentials(value: object) -> dict[str, str]:
    if value is None:
        return {}
    allowed = {"access_key", "secret_key", "account_id"}
    if not isinstance(value, dict) or not set(value) <= allowed:
        raise ConfigError(f"ownstack.yaml: credentials may only set {', '.join(sorted(allowed))}")
    return {k: str(v) for k, v in value.items()}


def parse_workers(raw: object, source: str) -> int:
    """A worker count from `source` (the flag, the environment, the file); ConfigError if it is
    not a whole number between 1 and MAX_WORKERS."""
    if isinstance(raw, bool):  # YAML's `yes` is not a count
        raise ConfigError(f"{source}: workers must be a whole number, got {raw!r}")
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise ConfigError(f"{source}: workers must be a whole number, got {raw!r}") from None
    if not 1 <= value <= MAX_WORKERS:
        raise ConfigError(f"{source}: workers must be between 1 and {MAX_WORKERS}, got {value}")
    return value
