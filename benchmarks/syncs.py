"""Counting syncs: ownstack's own counters in /metrics, and sync syscalls seen from outside.

The syscall count is strace -c on every thread of the server during a fixed number of PUTs; it
slows the traced server down, so it runs apart from any timed measurement. The two together
show whether the server's counters miss a sync (blob files, directories).
"""

from __future__ import annotations

import re
import signal
import subprocess
import time
import urllib.request
from collections.abc import Callable

from benchmarks.procs import require

SAMPLE = re.compile(r"^(\w+)(?:\{([^}]*)\})?\s+(\S+)$")
LABEL = re.compile(r'(\w+)="([^"]*)"')
SYNC_CALLS = ("fsync", "fdatasync", "sync_file_range", "syncfs", "msync", "sync")
ATTACH_WAIT_S = 1.0


def count_sync_calls(pid: int, action: Callable[[], None]) -> int | None:
    """Sync syscalls the process makes while `action` runs; None when strace cannot attach."""
    exe = require("strace")
    argv = [exe, "-f", "-c", "-e", f"trace={','.join(SYNC_CALLS)}", "-p", str(pid)]
    tracer = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(ATTACH_WAIT_S)  # strace has no "attached" signal; attaching takes milliseconds
    if tracer.poll() is not None:
        return None
    try:
        action()
    finally:
        tracer.send_signal(signal.SIGINT)
        _, summary = tracer.communicate(timeout=30)
    return parse_summary(summary)


def parse_summary(summary: str) -> int | None:
    """Sum the `calls` column of strace -c's table for the sync calls (0 if none was made)."""
    if "% time" not in summary:
        return None
    total = 0
    for line in summary.splitlines():
        fields = line.split()
        if len(fields) >= 5 and fields[-1] in SYNC_CALLS and fields[3].isdigit():
            total += int(fields[3])
    return total


def metric_syncs(endpoint: str) -> dict[str, float]:
    """ownstack's sync counters from /metrics: series -> value. A series counts when its name
    says sync (ownstack_*sync*_total) or its `event` label does (ownstack_engine_events_total
    {event="syncs"}); the key names it by its port/engine labels."""
    with urllib.request.urlopen(f"{endpoint}/metrics", timeout=10) as resp:
        text = resp.read().decode()
    found: dict[str, float] = {}
    for line in text.splitlines():
        sample = SAMPLE.match(line)
        if sample is None or not sample.group(1).startswith("ownstack_"):
            continue
        labels = dict(LABEL.findall(sample.group(2) or ""))
        if "sync" not in sample.group(1) and "sync" not in labels.get("event", ""):
            continue
        series = "/".join(labels[k] for k in ("port", "engine") if k in labels)
        series = series or sample.group(1)
        found[series] = found.get(series, 0.0) + float(sample.group(3))
    return found
