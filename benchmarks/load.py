"""Load generators, pinned to the load core: wrk (request rate) and curl (large transfers)."""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from benchmarks.procs import LOAD_CPU, BenchError, pinned, require

LUA_TARGETS = Path(__file__).parent / "lua" / "targets.lua"
LUA_STATIC = Path(__file__).parent / "lua" / "static.lua"
WRK_GRACE_S = 60


@dataclass(frozen=True)
class WrkResult:
    requests: int
    duration_s: float
    status_errors: int
    socket_errors: int
    p50_ms: float
    p99_ms: float

    @property
    def ok(self) -> int:
        return self.requests - self.status_errors

    @property
    def ok_per_s(self) -> float:
        """Successful responses per second: failed requests never count as throughput."""
        return self.ok / self.duration_s if self.duration_s else 0.0


def run_wrk(
    endpoint: str,
    targets: list[str],
    *,
    method: str = "GET",
    body_bytes: int = 0,
    connections: int = 64,
    seconds: float = 10,
) -> WrkResult:
    """wrk -t1 against `endpoint`, cycling through `targets` (request paths with query)."""
    exe = require("wrk")
    host = endpoint.removeprefix("http://")
    duration = ["-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "30s"]
    if len(targets) == 1 and body_bytes == 0:
        static = [exe, *duration, "-s", str(LUA_STATIC), endpoint, "--", targets[0], method]
        return _wrk(static, seconds)
    with tempfile.NamedTemporaryFile("w", suffix=".targets") as fh:
        fh.write("\n".join(targets) + "\n")
        fh.flush()
        argv = [
            exe, *duration, "-s", str(LUA_TARGETS), endpoint,
            "--", fh.name, host, method, str(body_bytes),
        ]  # fmt: skip
        return _wrk(argv, seconds)


def _wrk(argv: list[str], seconds: float) -> WrkResult:
    proc = subprocess.run(
        pinned(LOAD_CPU, argv),
        capture_output=True,
        text=True,
        timeout=seconds + WRK_GRACE_S,
        check=False,
    )
    return parse_wrk(proc)


def parse_wrk(proc: subprocess.CompletedProcess[str]) -> WrkResult:
    for line in proc.stdout.splitlines():
        if line.startswith("WRKJSON "):
            raw = json.loads(line.removeprefix("WRKJSON "))
            socket_errors = sum(
                raw[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts")
            )
            return WrkResult(
                requests=raw["requests"],
                duration_s=raw["duration_us"] / 1e6,
                status_errors=raw["status_errors"],
                socket_errors=socket_errors,
                p50_ms=raw["p50_us"] / 1000,
                p99_ms=raw["p99_us"] / 1000,
            )
    raise BenchError(f"wrk printed no result (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}")


@dataclass(frozen=True)
class Transfer:
    status: int
    size: int
    seconds: float

    @property
    def mb_per_s(self) -> float:
        return self.size / self.seconds / 1e6 if self.seconds else 0.0


def curl(url: str, *, upload: Path | None = None, timeout_s: float = 120) -> Transfer:
    """One transfer with curl on the load core; the body goes to /dev/null."""
    exe = require("curl")
    argv = [exe, "-s", "-o", "/dev/null", "-H", "Expect:", "--max-time", str(timeout_s)]
    argv += ["-w", "%{http_code} %{size_download} %{size_upload} %{time_total}"]
    if upload is not None:
        argv += ["-T", str(upload)]
    argv.append(url)
    proc = subprocess.run(
        pinned(LOAD_CPU, argv), capture_output=True, text=True, timeout=timeout_s + 10, check=False
    )
    fields = proc.stdout.split()
    if len(fields) != 4:
        raise BenchError(f"curl failed (exit {proc.returncode}): {proc.stderr.strip()}")
    status, down, up, total = int(fields[0]), int(fields[1]), int(fields[2]), float(fields[3])
    return Transfer(status, up if upload is not None else down, total)


def best_transfer(url: str, rounds: int = 3, upload: Path | None = None) -> Transfer:
    """Best of `rounds` transfers that all must succeed (2xx)."""
    results = [curl(url, upload=upload) for _ in range(rounds)]
    failed = [t for t in results if not 200 <= t.status < 300]
    if failed:
        raise BenchError(f"transfer to {url.split('?')[0]} answered {failed[0].status}")
    return max(results, key=lambda t: t.mb_per_s)
