"""Helpers of the HTTPS tests: certificates made here, the `ownstack` command, TLS clients."""

from __future__ import annotations

import datetime
import http.client
import ipaddress
import socket
import ssl
import subprocess
import sys
from pathlib import Path
from typing import Any

from ownserver import ServerHandle, server_env


def make_pair(
    folder: Path, names: tuple[str, ...] = ("localhost", "127.0.0.1"), *, rsa: bool = True
) -> tuple[Path, Path]:
    """A self-signed certificate and its unencrypted key (RSA 2048 or P-256) in `folder`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric import rsa as rsa_keys
    from cryptography.x509.oid import NameOID

    folder.mkdir(parents=True, exist_ok=True)
    key: Any = (
        rsa_keys.generate_private_key(65537, 2048)
        if rsa
        else ec.generate_private_key(ec.SECP256R1())
    )
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    alt: list[x509.GeneralName] = []
    for name in names:
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alt.append(x509.DNSName(name))
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "server.crt", folder / "server.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def ownstack(
    *args: str, env: dict[str, str] | None = None, timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    """`python -m ownstack.cli ARGS` with the test credentials and no developer settings."""
    return subprocess.run(
        [sys.executable, "-m", "ownstack.cli", *args],
        env=server_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def exports(stdout: str) -> dict[str, str]:
    """`export NAME=VALUE` lines (values are shell-quoted only when they need it)."""
    import shlex

    found = {}
    for line in stdout.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        found[name] = shlex.split(value)[0] if value else ""
    return found


def https_client(server: ServerHandle, tls_port: int, ca: Path | str, service: str) -> Any:
    return server.client(service, endpoint_url=f"https://127.0.0.1:{tls_port}", verify=str(ca))


def tls_request(
    port: int,
    ca: Path,
    path: str,
    *,
    method: str = "GET",
    host: str = "127.0.0.1",
    server_name: str | None = None,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
) -> tuple[int, dict[str, str], bytes]:
    """One request over TLS to 127.0.0.1:port with this Host header, the certificate verified
    for `server_name` (default: the host without its port)."""
    context = ssl.create_default_context(cafile=str(ca))
    raw = socket.create_connection(("127.0.0.1", port), timeout=30)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.sock = context.wrap_socket(raw, server_hostname=server_name or host.rsplit(":", 1)[0])
    try:
        conn.request(method, path, body=body, headers={"Host": host, **(headers or {})})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()
