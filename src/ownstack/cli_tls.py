"""The command line's part of HTTPS (docs/tls.md): the --tls flags, the certificate a server
uses (generated or given), and the certificate `ownstack env` tells clients to trust."""

from __future__ import annotations

import argparse
import socket
import ssl
from pathlib import Path
from typing import TYPE_CHECKING

from ownstack.config import Config, ConfigError
from ownstack.config.tls import TlsFlags

if TYPE_CHECKING:
    from ownstack.gateway.tls import CertPair


def add_tls_flags(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument(
        "--tls",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="serve HTTPS too, with a certificate made in <data>/tls/ unless --tls-cert is given"
        " ($OWNSTACK_TLS, tls.self_signed)",
    )
    cmd.add_argument("--tls-cert", help="PEM certificate (chain) for HTTPS ($OWNSTACK_TLS_CERT)")
    cmd.add_argument("--tls-key", help="its PEM private key, unencrypted ($OWNSTACK_TLS_KEY)")
    cmd.add_argument(
        "--tls-port", type=int, help="port for HTTPS (default 4567, $OWNSTACK_TLS_PORT)"
    )


def tls_flags(args: argparse.Namespace) -> TlsFlags:
    return TlsFlags(
        enabled=getattr(args, "tls", None),
        cert=getattr(args, "tls_cert", None),
        key=getattr(args, "tls_key", None),
        port=getattr(args, "tls_port", None),
    )


def tls_pair(config: Config) -> CertPair | None:
    """The certificate and key to serve (the generated pair made or checked now); None when
    HTTPS is off. ConfigError, naming the file, for a pair that cannot be served."""
    from ownstack.gateway.tls import (
        CertPair,
        certificate_names,
        ensure_self_signed,
        self_signed_dir,
    )

    tls = config.tls
    if not tls.enabled:
        return None
    if tls.cert is not None and tls.key is not None:
        return CertPair(tls.cert, tls.key)
    names = certificate_names(config.host, config.s3_hostnames, config.region, tls.names)
    try:
        return ensure_self_signed(self_signed_dir(config.data_dir), names)
    except OSError as exc:
        raise ConfigError(f"tls: cannot keep the certificate in {config.data_dir}: {exc}") from exc


def tls_context(config: Config) -> ssl.SSLContext | None:
    """The HTTPS listener's context; None when HTTPS is off; ConfigError when it cannot be."""
    from ownstack.gateway.tls import TlsError, server_context

    pair = tls_pair(config)
    if pair is None:
        return None
    try:
        return server_context(pair)
    except TlsError as exc:
        raise ConfigError(f"tls: {exc}") from None


def worker_tls_args(config: Config, port: int) -> list[str]:
    """What a worker is told: the pair the supervisor settled on and the reserved port."""
    pair = tls_pair(config)
    if pair is None:
        return ["--no-tls"]
    return ["--tls-cert", str(pair.cert), "--tls-key", str(pair.key), "--tls-port", str(port)]


def generated_ca(config: Config) -> Path | None:
    """The generated certificate clients trust (AWS_CA_BUNDLE), where it is or will be made;
    None when HTTPS is off or served with a certificate of the user's."""
    from ownstack.gateway.tls import CERT_FILE, self_signed_dir

    if not config.tls.generated:
        return None
    return self_signed_dir(config.data_dir) / CERT_FILE


def reserve_tls_port(config: Config) -> socket.socket | None:
    """`serve --workers N`: the HTTPS port held by the supervisor as the HTTP one is
    (workers.reserve_port); None when HTTPS is off. OSError names the address."""
    if not config.tls.enabled:
        return None
    from ownstack.workers import reserve_port

    try:
        return reserve_port(config.host, config.tls.port)
    except OSError as exc:
        raise OSError(exc.errno, f"{config.host}:{config.tls.port}: {exc.strerror}") from exc


def listening(client_host: str, port: int, tls_port: int | None) -> str:
    """Where the server is reached, for its start-up line."""
    url = f"http://{client_host}:{port}"
    return url if tls_port is None else f"{url} and https://{client_host}:{tls_port}"
