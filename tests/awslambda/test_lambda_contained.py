"""A function that misbehaves is contained and reported through the API, and the server stays
healthy: it cannot see ownstack's data dir or another function's /tmp, a fork bomb and a memory
hog end their own sandbox only. (The engine's own suite, tests/conformance/runtime, checks the
mechanisms; this checks what a user of the API sees.)"""

from __future__ import annotations

import os
import urllib.request
from typing import Any

from invokekit import invoke_json, python_function

SNOOPS = (
    "import os\n"
    "def handler(event, context):\n"
    "    seen = {}\n"
    "    for path in event['paths']:\n"
    "        try:\n"
    "            seen[path] = sorted(os.listdir(path))[:3]\n"
    "        except OSError as exc:\n"
    "            seen[path] = type(exc).__name__\n"
    "    return seen\n"
)
TMP = (
    "import os\n"
    "def handler(event, context):\n"
    "    if event.get('write'):\n"
    "        open('/tmp/secret', 'w').write('mine')\n"
    "    return os.path.exists('/tmp/secret')\n"
)
HOG = (
    "def handler(event, context):\n"
    "    hoard = []\n"
    "    while True:\n"
    "        hoard.append(bytearray(16 * 1024 * 1024))\n"
)
FORKS = (
    "import os, time\n"
    "def handler(event, context):\n"
    "    made = 0\n"
    "    try:\n"
    "        for _ in range(100000):\n"
    "            if os.fork() == 0:\n"
    "                time.sleep(30)\n"
    "                os._exit(0)\n"
    "            made += 1\n"
    "    except OSError as exc:\n"
    "        return {'stopped_after': made, 'error': type(exc).__name__}\n"
    "    return {'stopped_after': made}\n"
)
POLICY = (
    "import os\n"
    "def handler(event, context):\n"
    "    return {'batch': os.sched_getscheduler(0) == os.SCHED_BATCH}\n"
)


def _healthy(server: Any) -> bool:
    with urllib.request.urlopen(f"{server.endpoint}/_ownstack/health", timeout=10) as resp:
        return bool(resp.status == 200)


def test_no_view_of_the_data_dir_or_the_host(server: Any, lam: Any, role: str) -> None:
    name = python_function(lam, role, SNOOPS)
    data_dir = str(server.data_dir)
    _, seen = invoke_json(lam, name, {"paths": [data_dir, "/root", "/work", "/var/task"]})
    assert seen[data_dir] == "FileNotFoundError"
    assert seen["/root"] in ("FileNotFoundError", "PermissionError")
    assert seen["/work"] == "FileNotFoundError"
    assert seen["/var/task"] == ["index.py"]


def test_tmp_is_private_to_each_function(lam: Any, role: str) -> None:
    writer = python_function(lam, role, TMP)
    reader = python_function(lam, role, TMP)
    assert invoke_json(lam, writer, {"write": True})[1] is True
    assert invoke_json(lam, writer)[1] is True  # the same warm sandbox keeps its /tmp
    assert invoke_json(lam, reader)[1] is False


def test_functions_run_under_sched_batch_and_the_server_does_not(
    server: Any, lam: Any, role: str
) -> None:
    """A waking sandbox must not preempt the server that woke it (scheduling.py)."""
    name = python_function(lam, role, POLICY)
    assert invoke_json(lam, name)[1] == {"batch": True}
    assert os.sched_getscheduler(server.process.pid) == os.SCHED_OTHER


def test_memory_hog_is_killed_and_reported(server: Any, lam: Any, role: str) -> None:
    name = python_function(lam, role, HOG, MemorySize=128, Timeout=20)
    out, body = invoke_json(lam, name)
    assert out["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.ExitError"
    assert "Runtime exited with error: signal: killed" in body["errorMessage"]
    assert _healthy(server)


def test_fork_bomb_is_bounded(server: Any, lam: Any, role: str) -> None:
    name = python_function(lam, role, FORKS, Timeout=20)
    out, body = invoke_json(lam, name)
    if "FunctionError" in out:  # the sandbox was ended: also contained
        assert body["errorType"] in ("Runtime.ExitError", "Sandbox.Timedout")
    else:
        assert body["error"] in ("BlockingIOError", "OSError", "PermissionError")
        assert body["stopped_after"] < 5000
    assert _healthy(server)
    assert invoke_json(lam, python_function(lam, role, TMP))[0]["StatusCode"] == 200
