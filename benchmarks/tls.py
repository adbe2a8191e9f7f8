"""1 KiB GET over HTTPS against the same GET over plain HTTP: one ownstack server serving both
(`serve --tls`, its generated certificate), 64 reused keep-alive connections, wrk.

Each side gets its own presigned URL (the Host header it signs names its own port). Measured in
alternation, ROUNDS times each, best of each, so a drift of the machine favours neither side.
Target: HTTPS >= 70% of HTTP's req/s. nginx serving the same file over HTTP and HTTPS (its
own self-signed certificate, same cipher defaults) is measured beside it as a reference for
what TLS costs a C server on this machine.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from benchmarks.load import WrkResult
from benchmarks.presign import Presigner
from benchmarks.procs import (
    ACCESS_KEY,
    BIN,
    NGINX_CONF,
    REGION,
    SECRET_KEY,
    Server,
    free_port,
    ownstack_env,
    require,
    running,
    spawn,
    wait_ready,
)
from benchmarks.report import Check, ScenarioResult, ratio
from benchmarks.small_get import measure
from benchmarks.targets import BUCKET, make_bucket, presigner

KEY = "small/1k.bin"
ROUNDS = 2
TARGET_PERCENT = 70


def start_ownstack_tls(workdir: Path, data_dir: Path, tls_port: int) -> Server:
    argv = [str(BIN / "ownstack"), "serve", "--host", "127.0.0.1", "--port", "{port}"]
    argv += ["--data", str(data_dir), "--tls", "--tls-port", str(tls_port)]
    server = spawn("ownstack-tls", argv, workdir, ownstack_env())
    wait_ready(server, f"{server.endpoint}/_ownstack/health")
    return server


def start_nginx_tls(workdir: Path, small_file: Path) -> tuple[Server, int]:
    """nginx with the file on a plain port and on an ssl port (a fresh P-256 self-signed cert,
    as ownstack's); returns the server and its https port."""
    exe = require("nginx")
    root = workdir / "nginx-tls"
    (root / "www").mkdir(parents=True, exist_ok=True)
    (root / "tmp").mkdir(exist_ok=True)
    (root / "www" / "1k.bin").write_bytes(small_file.read_bytes())
    for folder in (root, root / "www", workdir):
        folder.chmod(0o755)
    cert, key = root / "cert.pem", root / "key.pem"
    subprocess.run(
        [require("openssl"), "req", "-x509", "-newkey", "ec", "-pkeyopt",
         "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    port, tls_port = free_port(), free_port()
    conf = NGINX_CONF.format(root=root, port=port).replace(
        f"listen 127.0.0.1:{port};",
        f"listen 127.0.0.1:{port};\n        listen 127.0.0.1:{tls_port} ssl;\n"
        f"        ssl_certificate {cert};\n        ssl_certificate_key {key};",
    )
    (root / "nginx.conf").write_text(conf)
    argv = [exe, "-p", str(root), "-c", str(root / "nginx.conf"), "-e", str(root / "err.log")]
    server = spawn("nginx-tls", argv, workdir, port=port)
    wait_ready(server, f"{server.endpoint}/1k.bin")
    return server, tls_port


def _alternate(endpoints: dict[str, tuple[str, str]], seconds: float) -> dict[str, WrkResult]:
    """Best of ROUNDS runs per side, the sides in turns."""
    runs: dict[str, list[WrkResult]] = {side: [] for side in endpoints}
    for _ in range(ROUNDS):
        for side, (endpoint, target) in endpoints.items():
            runs[side].append(measure(endpoint, target, seconds, side))
    return {side: max(results, key=lambda r: r.ok_per_s) for side, results in runs.items()}


def run(workdir: Path, small_file: Path, seconds: float) -> ScenarioResult:
    tls_port = free_port()
    with running(start_ownstack_tls(workdir, workdir / "tls-data", tls_port)) as server:
        make_bucket(server, {KEY: small_file.read_bytes()})
        plain = presigner(server).path("GET", BUCKET, KEY)
        secure = Presigner(ACCESS_KEY, SECRET_KEY, REGION, f"127.0.0.1:{tls_port}")
        own = _alternate(
            {
                "http": (server.endpoint, plain),
                "https": (f"https://127.0.0.1:{tls_port}", secure.path("GET", BUCKET, KEY)),
            },
            seconds,
        )
    result = ScenarioResult("1 KiB GET over HTTPS vs HTTP, presigned, 64 reused conns")
    for side, rate in own.items():
        result.measures[f"ownstack {side} req/s"] = rate.ok_per_s
        result.measures[f"ownstack {side} p99 ms"] = rate.p99_ms
    share = ratio(100 * own["https"].ok_per_s, own["http"].ok_per_s)
    result.checks.append(Check("ownstack https / http", share, TARGET_PERCENT, unit="%"))
    try:
        nginx, nginx_tls_port = start_nginx_tls(workdir, small_file)
    except (RuntimeError, OSError, subprocess.CalledProcessError) as err:
        result.notes.append(f"nginx https reference skipped: {err}")
        return result
    with running(nginx):
        ref = _alternate(
            {
                "http": (nginx.endpoint, "/1k.bin"),
                "https": (f"https://127.0.0.1:{nginx_tls_port}", "/1k.bin"),
            },
            seconds,
        )
    for side, rate in ref.items():
        result.measures[f"nginx {side} req/s"] = rate.ok_per_s
    nginx_share = ratio(100 * ref["https"].ok_per_s, ref["http"].ok_per_s)
    result.measures["nginx https / http %"] = nginx_share if nginx_share is not None else "n/a"
    return result
