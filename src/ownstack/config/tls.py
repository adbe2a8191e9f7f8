"""HTTPS settings (docs/tls.md): flag > environment > ownstack.yaml `tls` > defaults.

    tls:
      self_signed: false     # true: serve HTTPS with a certificate generated in <data>/tls/
      cert: null             # a PEM certificate (chain) file; with `key`, serve HTTPS with it
      key: null              # its PEM private key (unencrypted)
      port: 4567             # the HTTPS port, beside plain HTTP on `port`
      names: []              # extra DNS names / IPs for the generated certificate

Flags: --tls / --no-tls, --tls-cert, --tls-key, --tls-port. Environment: OWNSTACK_TLS (1/true:
self-signed; 0/false: off), OWNSTACK_TLS_CERT, OWNSTACK_TLS_KEY, OWNSTACK_TLS_PORT. Relative
paths from the file are taken from the data dir, those from a flag or the environment from the
current directory. HTTPS is on when a cert/key pair is given or self_signed is true; a given
pair wins over self_signed."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError
from .reference import TLS_PORT, section_keys

DEFAULT_TLS_PORT = TLS_PORT.default
_KEYS = section_keys("tls")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass(frozen=True, slots=True)
class TlsFlags:
    """What the command line said (None: not given)."""

    enabled: bool | None = None
    cert: str | None = None
    key: str | None = None
    port: int | None = None


@dataclass(frozen=True, slots=True)
class TlsSettings:
    self_signed: bool = False
    cert: Path | None = None
    key: Path | None = None
    port: int = DEFAULT_TLS_PORT
    names: tuple[str, ...] = ()

    @property
    def enabled(self) -> bool:
        return self.cert is not None or self.self_signed

    @property
    def generated(self) -> bool:
        """Served with the certificate ownstack generates (not one the user gave)."""
        return self.cert is None and self.self_signed


def parse_tls(
    raw: object, env: Mapping[str, str], flags: TlsFlags | None, data_dir: Path, http_port: int
) -> TlsSettings:
    flags = flags or TlsFlags()
    doc = _section(raw)
    port = _tls_port(flags, env, doc)
    switch = flags.enabled if flags.enabled is not None else _env_switch(env)
    if switch is False:  # --no-tls / OWNSTACK_TLS=0: off, whatever the file says
        return TlsSettings(port=port)
    cert = _path(flags.cert, env.get("OWNSTACK_TLS_CERT"), doc.get("cert"), "cert", data_dir)
    key = _path(flags.key, env.get("OWNSTACK_TLS_KEY"), doc.get("key"), "key", data_dir)
    if (cert is None) != (key is None):
        given, missing = ("cert", "key") if key is None else ("key", "cert")
        raise ConfigError(
            f"tls: a {given} was given without its {missing} (--tls-cert and --tls-key, "
            "OWNSTACK_TLS_CERT/_KEY or tls.cert/tls.key go together)"
        )
    self_signed = switch if switch is not None else _file_self_signed(doc)
    settings = TlsSettings(self_signed, cert, key, port, _names(doc.get("names")))
    if settings.enabled and port != 0 and port == http_port:
        raise ConfigError(
            f"tls.port {port} is also the HTTP port: HTTPS is served on a port of its own "
            "(--tls-port, OWNSTACK_TLS_PORT or tls.port; default 4567)"
        )
    return settings


def _section(raw: object) -> Mapping[str, object]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigError("ownstack.yaml: tls must be a mapping (self_signed, cert, key, port)")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise ConfigError(
            f"ownstack.yaml: unknown tls setting(s) {', '.join(map(str, unknown))} "
            f"(known: {', '.join(sorted(_KEYS))})"
        )
    return raw


def _env_switch(env: Mapping[str, str]) -> bool | None:
    raw = env.get("OWNSTACK_TLS")
    if raw is None:
        return None
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"OWNSTACK_TLS must be 1/true or 0/false, got {raw!r}")


def _file_self_signed(doc: Mapping[str, object]) -> bool:
    value = doc.get("self_signed", False)
    if not isinstance(value, bool):
        raise ConfigError(f"ownstack.yaml: tls.self_signed must be true or false, got {value!r}")
    return value


def _path(
    flag: str | None, from_env: str | None, from_file: object, name: str, data_dir: Path
) -> Path | None:
    if flag:
        return Path(flag).expanduser().absolute()
    if from_env:
        return Path(from_env).expanduser().absolute()
    if from_file is None:
        return None
    if not isinstance(from_file, str) or not from_file:
        raise ConfigError(f"ownstack.yaml: tls.{name} must be a file path")
    path = Path(from_file).expanduser()
    return path if path.is_absolute() else data_dir / path


def _tls_port(flags: TlsFlags, env: Mapping[str, str], doc: Mapping[str, object]) -> int:
    raw: object = flags.port if flags.port is not None else env.get("OWNSTACK_TLS_PORT")
    source = "--tls-port" if flags.port is not None else "OWNSTACK_TLS_PORT"
    if raw is None or raw == "":
        raw, source = doc.get("port", DEFAULT_TLS_PORT), "tls.port"
    if isinstance(raw, bool):
        raise ConfigError(f"{source} must be an integer, got {raw!r}")
    try:
        value = int(str(raw))
    except ValueError:
        raise ConfigError(f"{source} must be an integer, got {raw!r}") from None
    if not 0 <= value <= 65535:
        raise ConfigError(f"{source} must be between 0 and 65535, got {value}")
    return value


def _names(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError("ownstack.yaml: tls.names must be a list of host names or addresses")
    names = []
    for name in value:
        try:
            names.append(str(ipaddress.ip_address(name)))
        except ValueError:
            names.append(name.lower().rstrip("."))
    return tuple(names)
