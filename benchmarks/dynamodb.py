"""DynamoDB: PutItem, GetItem and Query against moto's server and dynalite in the same run;
TransactWriteItems and the server's RSS after a large fill for ownstack alone.

Every request is a SigV4-signed AWS JSON 1.0 POST, signed ahead of time (a signature stays
valid for 15 minutes when replayed) with a precomputed signing key that is checked to give
exactly botocore's Authorization header. wrk replays them with lua/raw.lua, 64 connections,
pinned to the load core; each server runs on the other core. PutItem cycles through one
request per new key; GetItem through the 100 items of one partition, which Query reads whole.

ownstack runs with its default engine (sqlite): a write is committed before it is answered.
moto keeps items in memory; dynalite (node, benchmarks/node/) runs with its LevelDB store on
disk (--path), which does not sync its writes. The fill puts 25-item BatchWriteItem requests
over many connections from a child process (`python -m benchmarks.dynamodb fill ...`), stops
at FILL_ITEMS or after FILL_BUDGET_S, and reports the number of items it actually put.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.load import WRK_GRACE_S, WrkResult, parse_wrk
from benchmarks.procs import (
    ACCESS_KEY,
    LOAD_CPU,
    REGION,
    SECRET_KEY,
    BenchError,
    Server,
    pinned,
    require,
    running,
    spawn,
    start_moto,
    start_ownstack,
    wait_ready,
)
from benchmarks.report import Check, ScenarioResult, ratio

TABLE = "bench"
ITEM_BYTES = 1024
CONNECTIONS = 64
WARMUP_S = 1.0
QUERY_PARTITION = "q"
QUERY_ITEMS = 100
TX_ITEMS = 10
BATCH_ITEMS = 25
PUT_RATE_CEILING = {"ownstack": 8_000, "moto": 2_000, "dynalite": 6_000}
"""PutItem/s above what each server reached here: one key per put up to that rate, so every
put of a run makes a new item (and the requests file stays ~110 MiB at most for 10 s)."""
TX_REQUESTS = 8_000
FILL_ITEMS = 1_000_000
FILL_ITEM_BYTES = 100
FILL_BUDGET_S = 150.0
FILL_CONNECTIONS = 64
RSS_LIMIT_MIB = 300
TARGETS = {"PutItem": (10, 2), "GetItem": (10, 2), "Query": (5, None)}
"""ownstack's ratio targets per operation: (vs moto, vs dynalite; None: no target)."""

API = "DynamoDB_20120810"
CONTENT_TYPE = "application/x-amz-json-1.0"
SIGNED_HEADERS = "content-type;host;x-amz-date;x-amz-target"
ALGORITHM = "AWS4-HMAC-SHA256"
DYNALITE_ON_DISK = True
"""dynalite with its LevelDB store on disk (--path), the mode comparable with a durable server;
its default in-memory store measured ~20-40% faster on PutItem and GetItem here."""
NODE_DIR = Path(__file__).parent / "node"
DYNALITE_CLI = NODE_DIR / "node_modules" / "dynalite" / "cli.js"
LUA_RAW = Path(__file__).parent / "lua" / "raw.lua"
NPM_TIMEOUT_S = 300
ANSWER_TIMEOUT_S = 30.0


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def _utc_stamp() -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())


@dataclass
class JsonSigner:
    """SigV4 for AWS JSON 1.0 POSTs to one host, with the signing key of one instant."""

    host: str  # "127.0.0.1:PORT", exactly the Host header sent
    amz_date: str = field(default_factory=_utc_stamp)

    def __post_init__(self) -> None:
        day = self.amz_date[:8]
        self.scope = f"{day}/{REGION}/dynamodb/aws4_request"
        key = _hmac(f"AWS4{SECRET_KEY}".encode(), day)
        for part in (REGION, "dynamodb", "aws4_request"):
            key = _hmac(key, part)
        self.signing_key = key

    def authorization(self, target: str, body: bytes) -> str:
        canonical = "\n".join(
            (
                "POST", "/", "",
                f"content-type:{CONTENT_TYPE}", f"host:{self.host}",
                f"x-amz-date:{self.amz_date}", f"x-amz-target:{target}", "",
                SIGNED_HEADERS, hashlib.sha256(body).hexdigest(),
            )
        )  # fmt: skip
        digest = hashlib.sha256(canonical.encode()).hexdigest()
        to_sign = f"{ALGORITHM}\n{self.amz_date}\n{self.scope}\n{digest}"
        signature = hmac.new(self.signing_key, to_sign.encode(), hashlib.sha256).hexdigest()
        return (
            f"{ALGORITHM} Credential={ACCESS_KEY}/{self.scope}, "
            f"SignedHeaders={SIGNED_HEADERS}, Signature={signature}"
        )

    def request(self, operation: str, params: dict[str, Any]) -> bytes:
        """The complete raw HTTP/1.1 request for `operation` with `params` as its body."""
        body = json.dumps(params, separators=(",", ":")).encode()
        target = f"{API}.{operation}"
        head = (
            f"POST / HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: {CONTENT_TYPE}\r\n"
            f"X-Amz-Target: {target}\r\nX-Amz-Date: {self.amz_date}\r\n"
            f"Authorization: {self.authorization(target, body)}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        return head.encode() + body


def check_against_botocore(host: str) -> None:
    """Raise unless JsonSigner signs a request exactly as botocore does at the same instant."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    body = json.dumps({"TableName": TABLE, "Key": {"pk": {"S": "é x+y"}}}).encode()
    target = f"{API}.GetItem"
    theirs = AWSRequest(
        "POST",
        f"http://{host}/",
        data=body,
        headers={"Content-Type": CONTENT_TYPE, "X-Amz-Target": target},
    )
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "dynamodb", REGION).add_auth(theirs)
    ours = JsonSigner(host, theirs.headers["X-Amz-Date"]).authorization(target, body)
    if ours != theirs.headers["Authorization"]:
        raise AssertionError(f"signer differs from botocore:\n{ours}\n{theirs.headers}")


def signer(server: Server) -> JsonSigner:
    host = f"127.0.0.1:{server.port}"
    check_against_botocore(host)
    return JsonSigner(host)


# --- items and requests -------------------------------------------------------------------


def item(pk: str, sk: str, size: int) -> dict[str, Any]:
    """An item of exactly `size` bytes by DynamoDB's measure (names + values, UTF-8)."""
    filler = size - len("pk") - len(pk) - len("sk") - len(sk) - len("data")
    data = os.urandom(filler // 2 + 1).hex()[:filler]
    return {"pk": {"S": pk}, "sk": {"S": sk}, "data": {"S": data}}


def query_key(index: int) -> dict[str, Any]:
    return {"pk": {"S": QUERY_PARTITION}, "sk": {"S": f"{index:03d}"}}


def put_keys(server_name: str, seconds: float) -> int:
    return PUT_RATE_CEILING[server_name] * max(1, round(seconds))


def put_requests(sign: JsonSigner, count: int) -> list[bytes]:
    return [
        sign.request("PutItem", {"TableName": TABLE, "Item": item(f"put-{i:07d}", "0", ITEM_BYTES)})
        for i in range(count)
    ]


def get_requests(sign: JsonSigner) -> list[bytes]:
    return [
        sign.request("GetItem", {"TableName": TABLE, "Key": query_key(i)})
        for i in range(QUERY_ITEMS)
    ]


def query_requests(sign: JsonSigner) -> list[bytes]:
    params = {
        "TableName": TABLE,
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": QUERY_PARTITION}},
    }
    return [sign.request("Query", params)]


def transact_requests(sign: JsonSigner, count: int) -> list[bytes]:
    def puts(tx: int) -> list[dict[str, Any]]:
        return [
            {"Put": {"TableName": TABLE, "Item": item(f"tx-{tx:07d}", f"{i}", ITEM_BYTES)}}
            for i in range(TX_ITEMS)
        ]

    return [sign.request("TransactWriteItems", {"TransactItems": puts(tx)}) for tx in range(count)]


def batch_requests(sign: JsonSigner, items: int) -> list[bytes]:
    def batch(first: int) -> dict[str, Any]:
        last = min(first + BATCH_ITEMS, items)
        writes = [
            {"PutRequest": {"Item": item(f"fill-{i:07d}", "0", FILL_ITEM_BYTES)}}
            for i in range(first, last)
        ]
        return {"RequestItems": {TABLE: writes}}

    return [sign.request("BatchWriteItem", batch(f)) for f in range(0, items, BATCH_ITEMS)]


def encode_lines(requests: list[bytes]) -> Iterator[bytes]:
    """One request a line, CRLF as TAB (lua/raw.lua and the fill child undo it)."""
    for raw in requests:
        body = raw.partition(b"\r\n\r\n")[2]
        if b"\t" in raw or b"\n" in body:
            raise BenchError("a request body holds a TAB or newline: it cannot be a line")
        yield raw.replace(b"\r\n", b"\t") + b"\n"


def decode_line(line: bytes) -> bytes:
    return line.rstrip(b"\n").replace(b"\t", b"\r\n")


# --- talking to a server --------------------------------------------------------------------


def answer(server: Server, raw: bytes) -> tuple[int, dict[str, Any]]:
    """Send one raw request; its status and JSON body."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=ANSWER_TIMEOUT_S) as sock:
        sock.sendall(raw)
        response = http.client.HTTPResponse(sock)
        response.begin()
        body = response.read()
    return response.status, json.loads(body) if body else {}


def expect(server: Server, raw: bytes, check: Callable[[dict[str, Any]], bool], what: str) -> None:
    """Send one of the requests once before the load: a bad signature or answer stops here."""
    status, body = answer(server, raw)
    if status != 200 or not check(body):
        raise BenchError(f"{server.name}: {what} answered {status}: {str(body)[:300]}")


def client(server: Server) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "dynamodb",
        endpoint_url=server.endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
        config=Config(retries={"total_max_attempts": 1}),
    )


def make_table(server: Server, seed: bool = True) -> None:
    """The bench table (pk, sk strings; on demand) and, with `seed`, the query partition."""
    ddb = client(server)
    ddb.create_table(
        TableName=TABLE,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    deadline = time.monotonic() + 30
    while ddb.describe_table(TableName=TABLE)["Table"]["TableStatus"] != "ACTIVE":
        if time.monotonic() > deadline:
            raise BenchError(f"{server.name}: table {TABLE} not ACTIVE after 30 s")
        time.sleep(0.05)
    if not seed:
        return
    for first in range(0, QUERY_ITEMS, BATCH_ITEMS):
        writes = [
            {"PutRequest": {"Item": item(QUERY_PARTITION, f"{i:03d}", ITEM_BYTES)}}
            for i in range(first, min(first + BATCH_ITEMS, QUERY_ITEMS))
        ]
        left = ddb.batch_write_item(RequestItems={TABLE: writes})["UnprocessedItems"]
        if left:
            raise BenchError(f"{server.name}: seeding left unprocessed items")


def replay(server: Server, requests: list[bytes], seconds: float) -> WrkResult:
    """wrk on the load core, CONNECTIONS connections, cycling through `requests`."""
    exe = require("wrk")
    duration = ["-t1", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s", "--timeout", "30s"]
    with tempfile.NamedTemporaryFile("wb", suffix=".requests") as fh:
        fh.writelines(encode_lines(requests))
        fh.flush()
        argv = [exe, *duration, "-s", str(LUA_RAW), server.endpoint, "--", fh.name]
        proc = subprocess.run(
            pinned(LOAD_CPU, argv),
            capture_output=True,
            text=True,
            timeout=seconds + WRK_GRACE_S,
            check=False,
        )
    return parse_wrk(proc)


# --- the measurements ------------------------------------------------------------------------


def measure(server: Server, seconds: float) -> dict[str, WrkResult]:
    """PutItem, GetItem and Query req/s of one server."""
    make_table(server)
    rates: dict[str, WrkResult] = {}
    gets = get_requests(signer(server))
    expect(server, gets[0], lambda body: "Item" in body, "GetItem")
    replay(server, gets, WARMUP_S)

    puts = put_requests(signer(server), put_keys(server.name, seconds))
    expect(server, puts[-1], lambda body: True, "PutItem")
    rates["PutItem"] = replay(server, puts, seconds)
    rates["GetItem"] = replay(server, get_requests(signer(server)), seconds)

    query = query_requests(signer(server))
    expect(server, query[0], lambda body: body.get("Count") == QUERY_ITEMS, "Query")
    rates["Query"] = replay(server, query, seconds)
    return rates


def measure_transactions(server: Server, seconds: float) -> WrkResult | str:
    """TransactWriteItems req/s, or why it could not be measured (report only: no target)."""
    txs = transact_requests(signer(server), TX_REQUESTS)
    try:
        expect(server, txs[-1], lambda body: True, "TransactWriteItems")
    except BenchError as err:
        return str(err)
    return replay(server, txs, seconds)


def dynalite_missing() -> str | None:
    """Why dynalite cannot run here, or None; installs the locked package when npm can."""
    if shutil.which("node") is None:
        return "node is not installed: dynalite skipped (bash .ci/ensure-tools installs node)"
    if DYNALITE_CLI.exists():
        return None
    npm = shutil.which("npm")
    if npm is None:
        return "npm is not installed: dynalite skipped (bash .ci/ensure-tools installs npm)"
    proc = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--silent"],
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        timeout=NPM_TIMEOUT_S,
        check=False,
    )
    if proc.returncode != 0 or not DYNALITE_CLI.exists():
        return f"npm ci in benchmarks/node failed, dynalite skipped: {proc.stderr.strip()[-300:]}"
    return None


def start_dynalite(workdir: Path) -> Server:
    store = workdir / "dynalite-data"
    store.mkdir(exist_ok=True)
    argv = [require("node"), str(DYNALITE_CLI), "--host", "127.0.0.1", "--port", "{port}"]
    argv += ["--createTableMs", "0"]
    if DYNALITE_ON_DISK:
        argv += ["--path", str(store)]
    server = spawn("dynalite", argv, workdir)
    wait_ready(server, f"{server.endpoint}/", want_200=False)
    return server


def run(workdir: Path, seconds: float) -> list[ScenarioResult]:
    rates: dict[str, dict[str, WrkResult]] = {}
    notes: list[str] = []
    with running(start_ownstack(workdir, workdir / "ddb-data")) as own:
        rates["ownstack"] = measure(own, seconds)
        transactions = measure_transactions(own, seconds)
    with running(start_moto(workdir)) as moto:
        rates["moto"] = measure(moto, seconds)
    missing = dynalite_missing()
    if missing is None:
        with running(start_dynalite(workdir)) as dynalite:
            rates["dynalite"] = measure(dynalite, seconds)
    else:
        notes.append(missing)
    results = [compare(op, rates, notes, seconds) for op in TARGETS]
    results.append(transactions_result(transactions))
    results.append(footprint(workdir))
    return results


# --- results ---------------------------------------------------------------------------------

TITLES = {
    "PutItem": "PutItem 1 KiB item, durable, 64 conns",
    "GetItem": "GetItem 1 KiB item, 64 conns",
    "Query": f"Query {QUERY_ITEMS} items of 1 KiB, one partition, 64 conns",
}


def failures(name: str, op: str, rate: WrkResult) -> list[str]:
    if not rate.status_errors and not rate.socket_errors:
        return []
    return [
        f"{name} {op}: {rate.status_errors} of {rate.requests} answered non-2xx, "
        f"{rate.socket_errors} socket errors (only 2xx count)"
    ]


def compare(
    op: str, rates: dict[str, dict[str, WrkResult]], notes: list[str], seconds: float
) -> ScenarioResult:
    result = ScenarioResult(f"DynamoDB {TITLES[op]}", notes=list(notes))
    for name, per_op in rates.items():
        result.measures[f"{name} req/s"] = per_op[op].ok_per_s
        result.measures[f"{name} p99 ms"] = per_op[op].p99_ms
        result.notes.extend(failures(name, op, per_op[op]))
    if op == "PutItem":
        keys = {n: put_keys(n, seconds) for n in rates}
        result.notes.extend(
            f"{n}: {r[op].ok} puts > {keys[n]} keys, some overwrote"
            for n, r in rates.items()
            if r[op].ok > keys[n]
        )
    own = rates["ownstack"][op].ok_per_s
    vs_moto, vs_dynalite = TARGETS[op]
    result.checks.append(Check("ownstack / moto", ratio(own, rates["moto"][op].ok_per_s), vs_moto))
    dynalite = ratio(own, rates["dynalite"][op].ok_per_s) if "dynalite" in rates else None
    if vs_dynalite is not None:
        result.checks.append(Check("ownstack / dynalite", dynalite, vs_dynalite))
    elif dynalite is not None:
        result.measures["ownstack / dynalite"] = dynalite
    return result


def transactions_result(rate: WrkResult | str) -> ScenarioResult:
    result = ScenarioResult(f"DynamoDB TransactWriteItems, {TX_ITEMS} x 1 KiB puts, 64 conns")
    if isinstance(rate, str):
        result.measures["ownstack transactions/s"] = "n/a"
        result.notes.append(f"not measured: {rate}")
        return result
    result.measures["ownstack transactions/s"] = rate.ok_per_s
    result.measures["ownstack items/s"] = rate.ok_per_s * TX_ITEMS
    result.measures["ownstack p99 ms"] = rate.p99_ms
    result.notes.extend(failures("ownstack", "TransactWriteItems", rate))
    if rate.ok > TX_REQUESTS:
        result.notes.append(f"{rate.ok} transactions > {TX_REQUESTS} distinct: some overwrote")
    return result


# --- the fill: RSS after many items ---------------------------------------------------------


@dataclass(frozen=True)
class Fill:
    batches_ok: int
    batches_failed: int
    items: int  # put: 25 per answered batch, less what came back unprocessed
    seconds: float
    first_failure: str


def footprint(workdir: Path) -> ScenarioResult:
    """RSS of a fresh ownstack server once FILL_ITEMS items are put (or the budget ran out)."""
    with running(start_ownstack(workdir, workdir / "ddb-fill-data")) as server:
        make_table(server, seed=False)
        rss_empty = server.rss_mib()
        requests = batch_requests(signer(server), FILL_ITEMS)
        try:
            fill: Fill | str = run_fill(server, requests)
        except BenchError as err:
            fill = str(err)
        rss_full = server.rss_mib()
    return footprint_result(fill, rss_empty, rss_full)


def footprint_result(fill: Fill | str, rss_empty: float, rss_full: float) -> ScenarioResult:
    if isinstance(fill, str):
        result = ScenarioResult(f"DynamoDB footprint: RSS after {FILL_ITEMS:,} items")
        result.notes.append(f"the fill failed: {fill}")
        result.checks.append(Check("RSS", None, RSS_LIMIT_MIB, unit=" MiB", at_most=True))
        return result
    result = ScenarioResult(f"DynamoDB footprint: RSS after {fill.items:,} items")
    result.measures["RSS with an empty table, MiB"] = rss_empty
    result.measures[f"items put ({FILL_ITEM_BYTES} B, BatchWriteItem x {BATCH_ITEMS})"] = fill.items
    result.measures["fill rate, items/s"] = fill.items / fill.seconds if fill.seconds else 0.0
    result.measures[f"RSS after {fill.items:,} items, MiB"] = rss_full
    if fill.items < FILL_ITEMS:
        result.notes.append(
            f"fill stopped at {fill.items:,} of {FILL_ITEMS:,} items "
            f"({fill.seconds:.0f} s, budget {FILL_BUDGET_S:.0f} s): RSS is at that count"
        )
    if fill.batches_failed:
        result.notes.append(f"{fill.batches_failed} batches failed, first: {fill.first_failure}")
    result.checks.append(Check("RSS", rss_full, RSS_LIMIT_MIB, unit=" MiB", at_most=True))
    return result


def run_fill(server: Server, requests: list[bytes]) -> Fill:
    """Send every request once (or until the budget ends) from a child on the load core."""
    with tempfile.NamedTemporaryFile("wb", suffix=".requests") as fh:
        fh.writelines(encode_lines(requests))
        fh.flush()
        argv = [sys.executable, "-m", "benchmarks.dynamodb", "fill", str(server.port), fh.name]
        argv += [str(FILL_CONNECTIONS), str(FILL_BUDGET_S)]
        proc = subprocess.run(
            pinned(LOAD_CPU, argv),
            capture_output=True,
            text=True,
            timeout=FILL_BUDGET_S + 120,
            check=False,
            cwd=Path(__file__).parent.parent,
        )
    if proc.returncode != 0:
        raise BenchError(f"dynamodb fill client failed: {proc.stderr.strip()[-2000:]}")
    return Fill(**json.loads(proc.stdout))


async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """One response: (status, body, the server keeps the connection)."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(head[0].split(" ", 2)[1])
    length, keep = 0, True
    for line in head[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "connection":
            keep = value.strip().lower() != "close"
        elif name == "transfer-encoding":
            raise BenchError("chunked answers are not expected from a DynamoDB JSON API")
    return status, await reader.readexactly(length), keep


def _unprocessed(body: bytes) -> int:
    left: dict[str, list[Any]] = json.loads(body).get("UnprocessedItems", {})
    return sum(len(writes) for writes in left.values())


async def _fill_worker(
    port: int, requests: list[bytes], deadline: float, tally: dict[str, Any]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for raw in requests:
            if time.monotonic() >= deadline:
                return
            writer.write(raw)
            status, body, keep = await asyncio.wait_for(_read_answer(reader), ANSWER_TIMEOUT_S)
            if 200 <= status < 300:
                tally["batches_ok"] += 1
                tally["items"] += raw.count(b'"PutRequest"') - _unprocessed(body)
            else:
                tally["batches_failed"] += 1
                tally["first_failure"] = tally["first_failure"] or f"HTTP {status}: {body[:200]!r}"
            if not keep:
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
    finally:
        writer.close()


async def fill(port: int, requests: list[bytes], connections: int, budget_s: float) -> str:
    tally: dict[str, Any] = {"batches_ok": 0, "batches_failed": 0, "items": 0, "first_failure": ""}
    start = time.monotonic()
    shares = [requests[i::connections] for i in range(connections)]
    await asyncio.gather(*(_fill_worker(port, s, start + budget_s, tally) for s in shares if s))
    return json.dumps({**tally, "seconds": time.monotonic() - start})


def main(argv: list[str]) -> None:
    import uvloop

    command, port, requests_file, connections, budget_s = argv
    if command != "fill":
        raise SystemExit(f"unknown command {command!r}; usage: fill PORT FILE CONNECTIONS BUDGET_S")
    with open(requests_file, "rb") as fh:
        requests = [decode_line(line) for line in fh if line.strip()]
    print(uvloop.run(fill(int(port), requests, int(connections), float(budget_s))))


if __name__ == "__main__":
    main(sys.argv[1:])
