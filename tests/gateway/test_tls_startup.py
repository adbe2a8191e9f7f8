"""Starting HTTPS (docs/tls.md): the generated certificate made once and reused across restarts
and named by `ownstack env`, a certificate/key pair of the user's, the settings' precedence, what is
refused at start (with its message and exit code), and `--workers` sharing the HTTPS port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from gateway.tlskit import exports, https_client, make_pair, ownstack, tls_request
from ownserver import ServerFactory, free_port, server_env
from ownstack.config import ConfigError, load_config
from ownstack.config.tls import TlsFlags

pytestmark = pytest.mark.own_server

EXIT_CONFIG = 2


def _health(port: int, ca: Path) -> int:
    status, _, _ = tls_request(port, ca, "/_ownstack/health")
    return status


def test_the_certificate_is_made_once_and_reused(
    fresh_server: ServerFactory, tmp_path: Path
) -> None:
    data, port = tmp_path / "data", free_port()
    # `ownstack env` before any server makes nothing (docs/getting-started.md).
    printed = ownstack("env", "--data", str(data), "--tls", "--tls-port", str(port))
    assert printed.returncode == 1 and not data.exists(), printed.stderr

    first = fresh_server(data, env={"OWNSTACK_TLS": "1", "OWNSTACK_TLS_PORT": str(port)})
    ca = data / "tls" / "cert.pem"
    cert, key = ca.read_bytes(), (data / "tls" / "key.pem").read_bytes()
    printed = ownstack("env", "--data", str(data))  # the running server's HTTPS, and its CA
    assert exports(printed.stdout)["AWS_ENDPOINT_URL"] == f"https://127.0.0.1:{port}"
    assert exports(printed.stdout)["AWS_CA_BUNDLE"] == str(ca)
    assert _health(port, ca) == 200
    s3 = https_client(first, port, ca, "s3")
    s3.create_bucket(Bucket="kept")
    s3.put_object(Bucket="kept", Key="k", Body=b"before the restart")
    assert first.stop() in (0, -signal.SIGTERM)

    second = fresh_server(data, config_yaml=f"tls: {{self_signed: true, port: {port}}}\n")
    assert (ca.read_bytes(), (data / "tls" / "key.pem").read_bytes()) == (cert, key)
    s3 = https_client(second, port, ca, "s3")  # a client holding the old CA still connects
    assert s3.get_object(Bucket="kept", Key="k")["Body"].read() == b"before the restart"
    assert "made a self-signed certificate" not in second.log()
    second.stop()

    # A name the certificate lacks (tls.names) makes a new one that covers it.
    yaml = f"tls: {{self_signed: true, port: {port}, names: [ownstack.test, 10.1.2.3]}}\n"
    third = fresh_server(data, config_yaml=yaml)
    assert ca.read_bytes() != cert
    assert "it does not cover ownstack.test, 10.1.2.3" in third.log()
    status, _, _ = tls_request(port, ca, "/_ownstack/health", server_name="ownstack.test")
    assert status == 200


def test_a_pair_of_the_users_own(fresh_server: ServerFactory, tmp_path: Path) -> None:
    cert, key = make_pair(tmp_path / "pki", ("localhost", "127.0.0.1"), rsa=True)
    port = free_port()
    data = tmp_path / "data"
    flags = ["--tls-cert", str(cert), "--tls-key", str(key), "--tls-port", str(port)]
    srv = fresh_server(data, args=flags)
    s3 = https_client(srv, port, cert, "s3")
    s3.create_bucket(Bucket="own-cert")
    s3.put_object(Bucket="own-cert", Key="k", Body=b"rsa")
    assert s3.get_object(Bucket="own-cert", Key="k")["Body"].read() == b"rsa"
    assert not (data / "tls").exists()  # nothing generated
    printed = exports(ownstack("env", "--data", str(data), *flags).stdout)
    assert printed["AWS_ENDPOINT_URL"] == f"https://127.0.0.1:{port}"
    assert "AWS_CA_BUNDLE" not in printed  # the user decides what trusts their certificate
    with urllib.request.urlopen(f"{srv.endpoint}/_ownstack/health", timeout=5) as resp:
        assert resp.status == 200  # plain HTTP on the main port as before


def test_no_tls_turns_off_what_the_file_turns_on(
    fresh_server: ServerFactory, tmp_path: Path
) -> None:
    port = free_port()
    data = tmp_path / "data"
    srv = fresh_server(
        data, args=["--no-tls"], config_yaml=f"tls: {{self_signed: true, port: {port}}}\n"
    )
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5)
    assert "https://" not in srv.log()
    assert not (data / "tls").exists()
    for flags in (["--no-tls"], []):  # the running server serves plain HTTP only
        printed = exports(ownstack("env", "--data", str(data), *flags).stdout)
        assert printed["AWS_ENDPOINT_URL"] == srv.endpoint
        assert "AWS_CA_BUNDLE" not in printed


# -- refused at start --------------------------------------------------------------------------


def _refused(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """Start `serve` expecting it to refuse: exit code 2, nothing listening; its stderr."""
    port = free_port()
    argv = ["serve", "--port", str(port), "--data", str(tmp_path / "data"), *args]
    proc = ownstack(*argv, env=env)
    assert proc.returncode == EXIT_CONFIG, proc.stderr
    assert "listening" not in proc.stderr
    return proc.stderr.strip()


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    return make_pair(tmp_path / "pki", rsa=False)


def test_a_missing_certificate_or_key_file_is_refused(
    tmp_path: Path, pair: tuple[Path, Path]
) -> None:
    cert, key = pair
    missing = tmp_path / "nowhere.pem"
    said = _refused(tmp_path, "--tls-cert", str(missing), "--tls-key", str(key))
    assert said == f"ownstack: configuration error: tls: certificate file {missing} does not exist"
    said = _refused(tmp_path, "--tls-cert", str(cert), "--tls-key", str(missing))
    assert said == f"ownstack: configuration error: tls: key file {missing} does not exist"


def test_a_key_of_another_certificate_is_refused(tmp_path: Path, pair: tuple[Path, Path]) -> None:
    cert, _ = pair
    _, other_key = make_pair(tmp_path / "other", rsa=True)
    said = _refused(tmp_path, "--tls-cert", str(cert), "--tls-key", str(other_key))
    assert said == (
        f"ownstack: configuration error: tls: the key in {other_key} does not belong to the "
        f"certificate in {cert}"
    )


def test_files_that_are_not_pem_are_refused(tmp_path: Path, pair: tuple[Path, Path]) -> None:
    cert, key = pair
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")
    said = _refused(tmp_path, "--tls-cert", str(junk), "--tls-key", str(key))
    refused = "ownstack: configuration error: tls:"
    assert said == f"{refused} certificate file {junk} holds no PEM certificate"
    said = _refused(tmp_path, "--tls-cert", str(cert), "--tls-key", str(junk))
    assert said.startswith(
        f"ownstack: configuration error: tls: key file {junk} holds no usable PEM private key"
    )


def test_an_encrypted_key_is_refused(tmp_path: Path, pair: tuple[Path, Path]) -> None:
    from cryptography.hazmat.primitives import serialization

    cert, key = pair
    loaded: Any = serialization.load_pem_private_key(key.read_bytes(), None)
    locked = tmp_path / "locked.key"
    locked.write_bytes(
        loaded.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"secret"),
        )
    )
    said = _refused(tmp_path, "--tls-cert", str(cert), "--tls-key", str(locked))
    assert said == (
        f"ownstack: configuration error: tls: key file {locked} is encrypted: give the key "
        "without a passphrase"
    )


def test_half_a_pair_and_a_shared_port_are_refused(tmp_path: Path, pair: tuple[Path, Path]) -> None:
    cert, _ = pair
    said = _refused(tmp_path, "--tls-cert", str(cert))
    assert said == (
        "ownstack: configuration error: tls: a cert was given without its key (--tls-cert and "
        "--tls-key, OWNSTACK_TLS_CERT/_KEY or tls.cert/tls.key go together)"
    )
    port = free_port()
    proc = ownstack(
        "serve", "--port", str(port), "--tls", "--tls-port", str(port), "--data", str(tmp_path)
    )
    assert proc.returncode == EXIT_CONFIG
    assert proc.stderr.strip() == (
        f"ownstack: configuration error: tls.port {port} is also the HTTP port: HTTPS is served "
        "on a port of its own (--tls-port, OWNSTACK_TLS_PORT or tls.port; default 4567)"
    )
    said = _refused(tmp_path, env={"OWNSTACK_TLS": "maybe"})
    assert said.endswith("configuration error: OWNSTACK_TLS must be 1/true or 0/false, got 'maybe'")


def test_a_taken_tls_port_fails_the_start(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = ownstack(
            "serve", "--port", str(free_port()), "--tls", "--tls-port", str(port),
            "--data", str(tmp_path / "data"),
        )  # fmt: skip
    assert proc.returncode == 1
    assert "ownstack: cannot start:" in proc.stderr
    assert "address already in use" in proc.stderr.lower()


# -- settings ----------------------------------------------------------------------------------


def test_flags_win_over_the_environment_over_the_file(tmp_path: Path) -> None:
    (tmp_path / "ownstack.yaml").write_text(
        "tls: {self_signed: true, port: 5001, cert: c.pem, key: k.pem}\n"
    )
    from_file = load_config(data=str(tmp_path), env={})
    assert from_file.tls.enabled and not from_file.tls.generated
    assert (from_file.tls.cert, from_file.tls.key) == (tmp_path / "c.pem", tmp_path / "k.pem")
    assert from_file.tls.port == 5001
    env = {"OWNSTACK_TLS_PORT": "5002", "OWNSTACK_TLS_CERT": "/e/c.pem", "OWNSTACK_TLS_KEY": "/e/k"}
    from_env = load_config(data=str(tmp_path), env=env)
    assert (from_env.tls.port, str(from_env.tls.cert)) == (5002, "/e/c.pem")
    flagged = load_config(data=str(tmp_path), env=env, tls=TlsFlags(port=5003))
    assert flagged.tls.port == 5003
    off = load_config(data=str(tmp_path), env=env, tls=TlsFlags(enabled=False))
    assert not off.tls.enabled
    assert not load_config(data=str(tmp_path / "none"), env={}).tls.enabled  # off by default
    default = load_config(data=str(tmp_path / "none"), env={"OWNSTACK_TLS": "true"})
    assert default.tls.generated and default.tls.port == 4567


@pytest.mark.parametrize(
    ("yaml", "message"),
    [
        ("tls: yes\n", "ownstack.yaml: tls must be a mapping (self_signed, cert, key, port)"),
        (
            "tls: {selfsigned: true}\n",
            "ownstack.yaml: unknown tls setting(s) selfsigned (known: cert, key, names, port, "
            "self_signed)",
        ),
        ("tls: {self_signed: 1}\n", "ownstack.yaml: tls.self_signed must be true or false, got 1"),
        ("tls: {port: 70000}\n", "tls.port must be between 0 and 65535, got 70000"),
        (
            "tls: {names: host}\n",
            "ownstack.yaml: tls.names must be a list of host names or addresses",
        ),
    ],
)
def test_bad_tls_settings_in_the_file(tmp_path: Path, yaml: str, message: str) -> None:
    (tmp_path / "ownstack.yaml").write_text(yaml)
    with pytest.raises(ConfigError) as refused:
        load_config(data=str(tmp_path), env={})
    assert str(refused.value) == message


# -- workers -----------------------------------------------------------------------------------


def test_workers_share_the_tls_port(tmp_path: Path) -> None:
    from conformance.kit import postgres_unreachable

    if (why := postgres_unreachable()) is not None:
        pytest.skip(why)
    import psutil

    from scale.scalekit import shared_config

    data = tmp_path / "data"
    data.mkdir()
    (data / "ownstack.yaml").write_text(shared_config(tmp_path, tmp_path / "blobs"))
    port, tls_port = free_port(), free_port()
    argv = [sys.executable, "-m", "ownstack.cli", "serve", "--workers", "2", "--port", str(port)]
    argv += ["--data", str(data), "--tls", "--tls-port", str(tls_port)]
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen(argv, stderr=log_file, env=server_env())
    try:
        deadline = time.monotonic() + 30
        while "listening" not in log_path.read_text():
            assert proc.poll() is None and time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.05)
        assert (
            f"listening on http://127.0.0.1:{port} and https://127.0.0.1:{tls_port} "
            f"(data {data}, 2 workers)"
        ) in log_path.read_text()
        workers = psutil.Process(proc.pid).children()
        assert len(workers) == 2
        for worker in workers:  # each worker listens on both ports (SO_REUSEPORT)
            listening = {
                c.laddr.port for c in worker.net_connections("tcp") if c.status == "LISTEN"
            }
            assert {port, tls_port} <= listening, listening
        ca = data / "tls" / "cert.pem"
        assert [_health(tls_port, ca) for _ in range(6)] == [200] * 6
        assert log_path.read_text().count("made a self-signed certificate") == 1
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert os.path.exists(ca)
