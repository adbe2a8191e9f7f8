"""Lambda: cold start, warm Invoke latency and throughput of a Python (python3.12) and a Node.js
(nodejs20.x) hello-world, against an S3 HeadObject round trip on the same server, a bare
interpreter start, and moto's server (which runs functions only in Docker).

The server (and so every sandbox it starts) is pinned to the server core; the client is a child
process (`python -m benchmarks.awslambda client SETTINGS`) pinned to the load core. Every request
goes over a keep-alive http.client connection: Lambda's REST calls SigV4-signed with a header
(RestSigner, checked byte for byte against botocore), S3 HeadObject presigned (presign.py).
Warm Invoke and HeadObject are the same loop (pre-signed request, one connection, one request
at a time), run in alternating blocks so a drift of the machine favours neither. A cold start is
CreateFunction -> GetFunction until Active (the function_active_v2 waiter's poll, with no sleep
before the first) -> the first Invoke's result, on a fresh function each time.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import http.client
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.procs import (
    ACCESS_KEY,
    LOAD_CPU,
    REGION,
    SECRET_KEY,
    BenchError,
    Server,
    pinned,
    running,
    start_moto,
    start_ownstack,
)
from benchmarks.report import Check, ScenarioResult, ratio
from benchmarks.targets import BUCKET, make_bucket, presigner

CODE: dict[str, tuple[str, str]] = {
    "python3.12": ("index.py", "def handler(event, context):\n    return {'hello': 'world'}\n"),
    "nodejs20.x": ("index.mjs", "export const handler = async () => ({ hello: 'world' });\n"),
}
"""Each runtime's hello-world: file name and source; both answer {"hello": "world"}."""
FLOOR_ARGV = {"python3.12": ("-c", "pass"), "nodejs20.x": ("-e", "0")}
EXPECTED = {"hello": "world"}
HEAD_KEY = "lambda/1k.bin"
COLD_FUNCTIONS = 5
WARMUP = 50
ROUNDS = 4
BLOCK = 500
"""Warm Invoke and HeadObject: ROUNDS alternating blocks of BLOCK requests each."""
CLIENTS = 16
CONCURRENT_MAX_S = 5.0
CONCURRENT_WARMUP_S = 1.0
FLOOR_STARTS = 20
POLL_S = 0.002
CLIENT_TIMEOUT_S = 180
ANSWER_TIMEOUT_S = 30.0
LATENCY_TARGET = 3.0
COLD_TARGET = 50.0
ALGORITHM = "AWS4-HMAC-SHA256"
SIGNED_HEADERS = "host;x-amz-date"
FUNCTIONS = "/2015-03-31/functions"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}

Request = tuple[str, str, bytes, dict[str, str]]
"""method, path, body, headers: what HTTPConnection.request sends."""


class RestSigner:
    """SigV4 header auth for Lambda's REST API on one host, with the signing key of one instant
    (a signature may be replayed for 15 minutes)."""

    def __init__(self, host: str, amz_date: str | None = None) -> None:
        self.host = host
        self.amz_date = amz_date or time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        day = self.amz_date[:8]
        self.scope = f"{day}/{REGION}/lambda/aws4_request"
        key = f"AWS4{SECRET_KEY}".encode()
        for part in (day, REGION, "lambda", "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        self.signing_key = key

    def request(self, method: str, path: str, body: bytes = b"") -> Request:
        canonical = "\n".join(
            (method, path, "", f"host:{self.host}", f"x-amz-date:{self.amz_date}", "",
             SIGNED_HEADERS, hashlib.sha256(body).hexdigest())
        )  # fmt: skip
        digest = hashlib.sha256(canonical.encode()).hexdigest()
        to_sign = f"{ALGORITHM}\n{self.amz_date}\n{self.scope}\n{digest}"
        signature = hmac.new(self.signing_key, to_sign.encode(), hashlib.sha256).hexdigest()
        auth = (
            f"{ALGORITHM} Credential={ACCESS_KEY}/{self.scope}, "
            f"SignedHeaders={SIGNED_HEADERS}, Signature={signature}"
        )
        return method, path, body, {"X-Amz-Date": self.amz_date, "Authorization": auth}


def check_against_botocore(host: str) -> None:
    """Raise unless RestSigner signs an Invoke exactly as botocore does at the same instant."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    path, body = f"{FUNCTIONS}/fn-x_1/invocations", b'{"a": "\xc3\xa9"}'
    theirs = AWSRequest("POST", f"http://{host}{path}", data=body)
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "lambda", REGION).add_auth(theirs)
    ours = RestSigner(host, theirs.headers["X-Amz-Date"]).request("POST", path, body)[3]
    if ours["Authorization"] != theirs.headers["Authorization"]:
        raise AssertionError(f"signer differs from botocore:\n{ours}\n{dict(theirs.headers)}")


def zipped(runtime: str) -> bytes:
    name, source = CODE[runtime]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, source)
    return buf.getvalue()


def create_body(name: str, runtime: str, role: str) -> bytes:
    params = {
        "FunctionName": name,
        "Runtime": runtime,
        "Role": role,
        "Handler": "index.handler",
        "Code": {"ZipFile": base64.b64encode(zipped(runtime)).decode()},
    }
    return json.dumps(params).encode()


# --- the client (child process, load core) ------------------------------------------------


def send(conn: http.client.HTTPConnection, req: Request) -> tuple[float, int, bytes, str]:
    """One round trip: (seconds, status, body, X-Amz-Function-Error)."""
    started = time.perf_counter()
    conn.request(*req)
    resp = conn.getresponse()
    body = resp.read()
    elapsed = time.perf_counter() - started
    return elapsed, resp.status, body, resp.getheader("X-Amz-Function-Error", "")


def hello(status: int, body: bytes, error: str) -> bool:
    return status == 200 and not error and json.loads(body or b"null") == EXPECTED


def expect(ok: bool, what: str, status: int, body: bytes) -> None:
    if not ok:
        raise BenchError(f"{what} answered {status}: {body[:300]!r}")


def cold_start(
    conn: http.client.HTTPConnection, sign: RestSigner, name: str, runtime: str, role: str
) -> dict[str, float]:
    """Seconds from sending CreateFunction to: its answer, Active, the first Invoke's result;
    the first Invoke alone; how many GetFunction polls it took."""
    started = time.perf_counter()
    create = sign.request("POST", FUNCTIONS, create_body(name, runtime, role))
    _, status, body, _ = send(conn, create)
    expect(status == 201, f"CreateFunction {name}", status, body)
    created, polls = time.perf_counter() - started, 0
    while True:
        polls += 1
        _, status, body, _ = send(conn, sign.request("GET", f"{FUNCTIONS}/{name}"))
        expect(status == 200, f"GetFunction {name}", status, body)
        state = json.loads(body)["Configuration"]["State"]
        expect(state in ("Pending", "Active"), f"GetFunction {name}", status, body)
        if state == "Active":
            break
        time.sleep(POLL_S)
    active = time.perf_counter() - started
    first, status, body, error = send(conn, invoke_request(sign, name))
    expect(hello(status, body, error), f"first Invoke of {name}", status, body)
    total = time.perf_counter() - started
    return {"create": created, "active": active, "first": first, "total": total, "polls": polls}


def invoke_request(sign: RestSigner, name: str) -> Request:
    return sign.request("POST", f"{FUNCTIONS}/{name}/invocations", b"{}")


def timed_block(
    conn: http.client.HTTPConnection, req: Request, count: int, head: bool
) -> list[float]:
    latencies = []
    for _ in range(count):
        elapsed, status, body, error = send(conn, req)
        expect(status == 200 if head else hello(status, body, error), req[1][:60], status, body)
        latencies.append(elapsed)
    return latencies


def concurrent(port: int, req: Request, seconds: float) -> dict[str, float]:
    """CLIENTS threads, one connection each, invoking for `seconds`."""
    latencies: list[float] = []
    failures = [0]
    barrier = threading.Barrier(CLIENTS + 1)

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=ANSWER_TIMEOUT_S)
        barrier.wait()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            elapsed, status, body, error = send(conn, req)
            if hello(status, body, error):
                latencies.append(elapsed)  # list.append is atomic under the GIL
            else:
                failures[0] += 1
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    cpu0, wall0 = resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
    barrier.wait()
    for thread in threads:
        thread.join()
    cpu1, wall = resource.getrusage(resource.RUSAGE_SELF), time.monotonic() - wall0
    busy = (cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime) / wall
    return {**percentiles(latencies), "per_s": len(latencies) / wall, "failed": failures[0],
            "client_busy": busy}  # fmt: skip


def percentiles(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    if not ordered:
        return {"p50_ms": 0.0, "p99_ms": 0.0, "samples": 0}

    def ms_at(quantile: float) -> float:
        return 1000 * ordered[min(len(ordered) - 1, int(quantile * len(ordered)))]

    return {"p50_ms": ms_at(0.50), "p99_ms": ms_at(0.99), "samples": len(ordered)}


def floor_ms(argv: list[str]) -> float:
    """Median wall time of FLOOR_STARTS bare starts of `argv` (spawn to exit)."""
    times = []
    for _ in range(FLOOR_STARTS):
        started = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)


def function_name(runtime: str, index: int) -> str:
    return f"bench-{runtime.replace('.', '')}-{index}"


def cold_phase(conns: dict[str, http.client.HTTPConnection], sign: RestSigner, role: str) -> Any:
    """COLD_FUNCTIONS fresh functions per runtime, each created and invoked once: per runtime,
    each measure of cold_start as a list."""
    out: dict[str, Any] = {}
    for rt in conns:
        colds = [
            cold_start(conns[rt], sign, function_name(rt, i), rt, role)
            for i in range(COLD_FUNCTIONS)
        ]
        out[rt] = {"cold": {key: [c[key] for c in colds] for key in colds[0]}}
    return out


def _tasks_ns(pid: int) -> tuple[int, list[int]]:
    """ns on CPU of `pid` (its live threads' schedstat, plus what its ended threads spent:
    python3.12's runtime client starts a thread per invocation), and its child processes."""
    spent, children, live_ticks = 0, [], 0
    with contextlib.suppress(OSError):  # a process may end while it is read
        for task in Path(f"/proc/{pid}/task").iterdir():
            spent += int((task / "schedstat").read_text().split()[0])
            live_ticks += _ticks(task / "stat")
            children += [int(c) for c in (task / "children").read_text().split()]
        # The process's utime+stime counts its ended threads too; only in clock ticks.
        ended_ticks = max(0, _ticks(Path(f"/proc/{pid}/stat")) - live_ticks)
        spent += ended_ticks * 1_000_000_000 // os.sysconf("SC_CLK_TCK")
    return spent, children


def _ticks(stat: Path) -> int:
    """utime + stime of a /proc stat file (fields 14 and 15; the name in parentheses may hold
    spaces, so fields are counted after its closing parenthesis)."""
    fields = stat.read_text().rpartition(")")[2].split()
    return int(fields[11]) + int(fields[12])


def on_cpu_ns(pid: int) -> tuple[int, int]:
    """ns on CPU so far of the process `pid` and of all its descendants (the sandboxes)."""
    own, stack = _tasks_ns(pid)
    descendants = 0
    while stack:
        spent, children = _tasks_ns(stack.pop())
        descendants += spent
        stack += children
    return own, descendants


@dataclass
class Tally:
    """One request's warm blocks: latencies, wall time, CPU of the server and its sandboxes."""

    latencies: list[float] = field(default_factory=list)
    wall_s: float = 0.0
    server_ns: int = 0
    sandbox_ns: int = 0

    def summary(self) -> dict[str, float]:
        count = len(self.latencies)
        return {
            **percentiles(self.latencies),
            "per_s": count / self.wall_s,
            "server_cpu_us": self.server_ns / count / 1000,
            "sandbox_cpu_us": self.sandbox_ns / count / 1000,
        }


def warm_phase(
    conns: dict[str, http.client.HTTPConnection], reqs: dict[str, Request], server_pid: int
) -> dict[str, Tally]:
    """ROUNDS alternating blocks of each request ("head" is S3's HeadObject), after a warm-up."""
    tallies = {name: Tally() for name in reqs}
    for name, req in reqs.items():
        timed_block(conns[name], req, WARMUP, name == "head")
    for _ in range(ROUNDS):
        for name, req in reqs.items():
            tally = tallies[name]
            cpu_before, started = on_cpu_ns(server_pid), time.perf_counter()
            tally.latencies += timed_block(conns[name], req, BLOCK, name == "head")
            tally.wall_s += time.perf_counter() - started
            cpu_after = on_cpu_ns(server_pid)
            tally.server_ns += cpu_after[0] - cpu_before[0]
            tally.sandbox_ns += cpu_after[1] - cpu_before[1]
    return tallies


def client_main(settings: dict[str, Any]) -> dict[str, Any]:
    port, runtimes = settings["port"], settings["runtimes"]
    sign = RestSigner(f"127.0.0.1:{port}")
    conns = {rt: http.client.HTTPConnection("127.0.0.1", port, timeout=60) for rt in runtimes}
    out = cold_phase(conns, sign, settings["role"])
    reqs = {rt: invoke_request(sign, function_name(rt, 0)) for rt in runtimes}
    reqs["head"] = ("HEAD", settings["head_path"], b"", {})
    conns["head"] = http.client.HTTPConnection("127.0.0.1", port, timeout=ANSWER_TIMEOUT_S)
    warm = warm_phase(conns, reqs, settings["server_pid"])
    for rt in runtimes:
        out[rt]["warm"] = warm[rt].summary()
        # another function: the server's log of function 0 then holds only one-at-a-time calls
        many = invoke_request(sign, function_name(rt, 1))
        concurrent(port, many, CONCURRENT_WARMUP_S)  # starts the sandboxes CLIENTS need
        out[rt]["concurrent"] = concurrent(port, many, settings["seconds"])
        out[rt]["floor_ms"] = floor_ms(settings["floors"][rt])
    return {"runtimes": out, "head": warm["head"].summary()}


# --- the scenario (parent) --------------------------------------------------------------------


def client(server: Server, service: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        service,
        endpoint_url=server.endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
        config=Config(retries={"total_max_attempts": 1}, read_timeout=60),
    )


def make_role(server: Server) -> str:
    role = client(server, "iam").create_role(
        RoleName="bench-lambda", AssumeRolePolicyDocument=json.dumps(TRUST)
    )
    return str(role["Role"]["Arn"])


def runnable() -> tuple[dict[str, list[str]], list[str]]:
    """The runtimes that can run here with their interpreter's bare start (the floor), and why
    the others cannot."""
    from ownstack.backends.process.runtimes.bundles import bundle_dir, read_manifest, runtimes_root
    from ownstack.backends.process.runtimes.catalog import MANAGED
    from ownstack.backends.process.runtimes.launch import unavailable

    floors: dict[str, list[str]] = {}
    missing: list[str] = []
    for runtime in CODE:
        reason = unavailable(runtime)
        manifest = read_manifest(bundle_dir(runtimes_root(), MANAGED[runtime]))
        if reason or manifest is None:
            missing.append(f"{runtime} not measured: {reason}")
            continue
        floors[runtime] = [manifest.interpreter, *FLOOR_ARGV[runtime]]
    return floors, missing


def measure_ownstack(workdir: Path, floors: dict[str, list[str]], seconds: float) -> Any:
    with running(start_ownstack(workdir, workdir / "lambda-data")) as server:
        make_bucket(server, {HEAD_KEY: b"x" * 1024})
        head_path = presigner(server).path("HEAD", BUCKET, HEAD_KEY)
        check_against_botocore(f"127.0.0.1:{server.port}")
        settings = {
            "port": server.port,
            "server_pid": server.pid,
            "role": make_role(server),
            "head_path": head_path,
            "runtimes": list(floors),
            "floors": floors,
            "seconds": min(seconds, CONCURRENT_MAX_S),
        }
        argv = [sys.executable, "-m", "benchmarks.awslambda", "client", json.dumps(settings)]
        proc = subprocess.run(
            pinned(LOAD_CPU, argv),
            capture_output=True,
            text=True,
            timeout=CLIENT_TIMEOUT_S,
            check=False,
            cwd=Path(__file__).parent.parent,
        )
    if proc.returncode != 0:
        raise BenchError(f"lambda client failed: {proc.stderr.strip()[-2000:]}")
    measured = json.loads(proc.stdout.strip().splitlines()[-1])
    measured["logged"] = logged_ms(server.log_path, list(floors))
    return measured


def logged_ms(log_path: Path, runtimes: list[str]) -> dict[str, float]:
    """The median duration_ms the server's access log gives each measured request: how much of
    a round trip is the server's (function 0 of a runtime only ever ran one call at a time)."""
    paths = {f"{FUNCTIONS}/{function_name(rt, 0)}/invocations": rt for rt in runtimes}
    found: dict[str, list[float]] = {}
    for line in log_path.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
            path, spent = str(entry["path"]), float(entry["duration_ms"])
        except (ValueError, KeyError, TypeError):
            continue  # not an access log line
        name = "head" if path.startswith(f"/{BUCKET}/{HEAD_KEY}?") else paths.get(path)
        if name is not None:
            found.setdefault(name, []).append(spent)
    return {name: statistics.median(spent) for name, spent in found.items()}


def moto_notes(workdir: Path, runtimes: list[str]) -> dict[str, str]:
    """What moto_server answers for each runtime's function: create it, invoke it once."""
    try:
        with running(start_moto(workdir)) as moto:
            role = make_role(moto)
            return {rt: moto_try(moto, rt, role) for rt in runtimes}
    except Exception as err:  # any failure is the finding here, never a crash
        return dict.fromkeys(runtimes, f"moto_server: {type(err).__name__}: {str(err)[:300]}")


def moto_try(moto: Server, runtime: str, role: str) -> str:
    lam = client(moto, "lambda")
    name = f"bench-{runtime.replace('.', '')}"
    started = time.perf_counter()
    try:
        lam.create_function(
            FunctionName=name,
            Runtime=runtime,
            Role=role,
            Handler="index.handler",
            Code={"ZipFile": zipped(runtime)},
        )
        created = time.perf_counter() - started
        state = lam.get_function(FunctionName=name)["Configuration"].get("State")
        started = time.perf_counter()
        out = lam.invoke(FunctionName=name, Payload=b"{}")
        payload = out["Payload"].read().decode(errors="replace")
    except Exception as err:
        spent = 1000 * (time.perf_counter() - started)
        return f"moto_server: {type(err).__name__} after {spent:.0f} ms: {str(err)[:300]}"
    spent = 1000 * (time.perf_counter() - started)
    verdict = "it ran" if ran(payload) else "the function did not run"
    return (
        f"moto_server: CreateFunction {1000 * created:.0f} ms (State {state}); Invoke answered "
        f"{out['StatusCode']} in {spent:.0f} ms, X-Amz-Function-Error "
        f"{out.get('FunctionError', '-')!r}, payload {payload[:200]!r}: {verdict} "
        "(moto runs functions only in Docker), so no ratio against moto"
    )


def ran(payload: str) -> bool:
    try:
        return bool(json.loads(payload) == EXPECTED)
    except ValueError:
        return False


def run(workdir: Path, seconds: float) -> list[ScenarioResult]:
    floors, missing = runnable()
    if not floors:
        raise BenchError("lambda: no runtime can run here: " + "; ".join(missing))
    measured = measure_ownstack(workdir, floors, seconds)
    motos = moto_notes(workdir, list(floors))
    results = []
    for rt in floors:
        result = runtime_result(rt, measured["runtimes"][rt], measured["head"])
        head_logged = measured["logged"].get("head")
        invoke_logged = measured["logged"].get(rt)
        result.measures["server-logged ms: Invoke / HeadObject (median)"] = (
            f"{invoke_logged or 0:.3f} / {head_logged or 0:.3f}"
        )
        result.notes.extend([motos[rt], *missing])
        results.append(result)
    return results


def ms(seconds: list[float], pick: Any = statistics.median) -> float:
    return 1000 * float(pick(seconds))


def runtime_result(runtime: str, own: dict[str, Any], head: dict[str, float]) -> ScenarioResult:
    result = ScenarioResult(f"Lambda {runtime} hello-world, one keep-alive connection a client")
    cold, warm, many = own["cold"], own["warm"], own["concurrent"]
    cold_ms, first_ms = ms(cold["total"]), ms(cold["first"])
    m = result.measures
    m[f"cold start ms: create+Active+Invoke (med of {COLD_FUNCTIONS})"] = cold_ms
    m["  CreateFunction answered after, ms"] = ms(cold["create"])
    m["  Active seen (GetFunction) after, ms"] = ms(cold["active"])
    m["  slowest cold start, ms"] = ms(cold["total"], max)
    m["first Invoke of a fresh function, ms (median)"] = first_ms
    m[f"bare `{' '.join(FLOOR_ARGV[runtime])}` start, ms (med of {FLOOR_STARTS})"] = own["floor_ms"]
    m["first Invoke / bare interpreter start"] = ratio(first_ms, own["floor_ms"]) or "n/a"
    m["warm Invoke p50 / p99 ms"] = f"{warm['p50_ms']:.3f} / {warm['p99_ms']:.2f}"
    m["S3 HeadObject p50 / p99 ms (same loop)"] = f"{head['p50_ms']:.3f} / {head['p99_ms']:.2f}"
    m["server CPU us a request: Invoke / HeadObject"] = (
        f"{warm['server_cpu_us']:.0f} / {head['server_cpu_us']:.0f}"
    )
    m["sandbox CPU us a warm Invoke"] = warm["sandbox_cpu_us"]
    m["invokes/s, 1 client (sequential)"] = warm["per_s"]
    m[f"invokes/s, {CLIENTS} concurrent clients"] = many["per_s"]
    m[f"  p50 / p99 ms, {CLIENTS} clients"] = f"{many['p50_ms']:.2f} / {many['p99_ms']:.2f}"
    m[f"  client core busy, {CLIENTS} clients, %"] = 100 * many["client_busy"]
    if many["failed"]:
        result.notes.append(f"{many['failed']} concurrent invokes failed (only successes count)")
    if max(cold["polls"]) > 1:
        result.notes.append(
            f"GetFunction saw Pending first (up to {max(cold['polls']):.0f} polls, "
            f"{1000 * POLL_S:g} ms apart; botocore's function_active_v2 waits 1 s between polls)"
        )
    result.checks.append(
        Check(
            "warm Invoke p50 / HeadObject p50",
            ratio(warm["p50_ms"], head["p50_ms"]),
            LATENCY_TARGET,
            at_most=True,
        )
    )
    result.checks.append(
        Check("cold start / warm Invoke p50", ratio(cold_ms, warm["p50_ms"]), COLD_TARGET)
    )
    return result


if __name__ == "__main__":
    if sys.argv[1:2] != ["client"] or len(sys.argv) != 3:
        raise SystemExit("usage: python -m benchmarks.awslambda client SETTINGS_JSON")
    print(json.dumps(client_main(json.loads(sys.argv[2]))))
