"""The server raises its soft open-files limit to the hard one at start: a desktop session's
soft limit (often 1024) would otherwise cap connections and warm sandboxes long before the
machine does."""

from __future__ import annotations

import contextlib
import resource
from collections.abc import Iterator
from pathlib import Path

import pytest

from ownserver import ServerFactory


@contextlib.contextmanager
def soft_open_files(limit: int) -> Iterator[int]:
    """This process's soft RLIMIT_NOFILE lowered to `limit` (children inherit it); the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))
    try:
        yield hard
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def open_files_limits(pid: int) -> tuple[str, str]:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max open files"):
            soft, hard = line.split()[3:5]
            return soft, hard
    raise AssertionError("no 'Max open files' line")


@pytest.mark.skipif(not Path("/proc/self/limits").exists(), reason="needs Linux's /proc")
def test_the_server_lifts_a_low_soft_limit_to_the_hard_one(fresh_server: ServerFactory) -> None:
    with soft_open_files(256) as hard:
        if hard != resource.RLIM_INFINITY and hard <= 256:
            pytest.skip(f"the hard open-files limit here is {hard}: nothing to raise")
        server = fresh_server()
    soft_now, hard_now = open_files_limits(server.process.pid)
    assert soft_now == hard_now, (soft_now, hard_now)
    assert soft_now != "256"
    # and it serves
    assert server.client("s3").list_buckets()["Buckets"] == []
