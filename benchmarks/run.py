"""`make bench`: every scenario in one run, on this machine, against peers started here.

The server under test is pinned to core 0 and the load generators (wrk, curl) to core 1.
Prints a table of measures, ratios and verdicts, and writes benchmarks/results/latest.json.

    .venv/bin/python -m benchmarks.run [--seconds 10] [--objects 100000] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks import (
    awslambda,
    dynamodb,
    events,
    footprint,
    iam_get,
    large,
    scaling,
    small_get,
    small_put,
    sqs,
    tls,
    versioning,
)
from benchmarks.procs import BenchError, workspace
from benchmarks.report import ScenarioResult, render, write_json

SMALL_BYTES = 1024
LARGE_BYTES = 256 * 1024 * 1024
SCENARIOS = (
    "get",
    "put",
    "large",
    "footprint",
    "sqs",
    "iam",
    "scaling",
    "dynamodb",
    "lambda",
    "events",
    "tls",
    "versioning",
)


def write_random(path: Path, size: int) -> Path:
    with path.open("wb") as fh:
        for offset in range(0, size, 1 << 20):
            fh.write(os.urandom(min(1 << 20, size - offset)))
        fh.flush()
        os.fsync(fh.fileno())  # no writeback of this file may run under a measurement
    return path


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="wrk duration per server")
    parser.add_argument("--objects", type=int, default=footprint.COUNT, help="footprint objects")
    parser.add_argument("--only", nargs="*", choices=SCENARIOS, default=list(SCENARIOS))
    return parser.parse_args(argv)


def scenarios(args: argparse.Namespace, workdir: Path) -> list[Callable[[], list[ScenarioResult]]]:
    small = write_random(workdir / "1k.bin", SMALL_BYTES)
    table: dict[str, Callable[[], list[ScenarioResult]]] = {
        "get": lambda: [small_get.run(workdir, small, args.seconds)],
        "put": lambda: [small_put.run(workdir, args.seconds)],
        "large": lambda: large.run(workdir, write_random(workdir / "256m.bin", LARGE_BYTES)),
        "footprint": lambda: [footprint.run(workdir, args.objects)],
        "sqs": lambda: sqs.run(workdir, args.seconds),
        "iam": lambda: [iam_get.run(workdir, small, args.seconds)],
        "scaling": lambda: scaling.run(workdir, small, args.seconds),
        "dynamodb": lambda: dynamodb.run(workdir, args.seconds),
        "lambda": lambda: awslambda.run(workdir, args.seconds),
        "events": lambda: events.run(workdir),
        "tls": lambda: [tls.run(workdir, small, args.seconds)],
        "versioning": lambda: [versioning.run(workdir)],
    }
    return [table[name] for name in SCENARIOS if name in args.only]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    results: list[ScenarioResult] = []
    failures: list[str] = []
    started = time.monotonic()
    with workspace() as tmp:
        workdir = Path(tmp)
        workdir.chmod(0o755)
        for scenario in scenarios(args, workdir):
            try:
                results.extend(scenario())
            except (BenchError, RuntimeError, OSError) as err:
                failures.append(str(err))
                print(f"scenario failed: {err}", file=sys.stderr)
    print(render(results))
    print(f"\nwritten: {write_json(results)}  ({time.monotonic() - started:.0f} s)")
    for failure in failures:
        print(f"FAILED TO RUN: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
