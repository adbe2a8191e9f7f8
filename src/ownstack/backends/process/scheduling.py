"""Sandboxes run under Linux's SCHED_BATCH policy.

Why: a sandbox wakes each time the server writes to it (an invocation to its `next` call, the
202 to its response), and under the default policy a task that wakes after sleeping preempts
the one that woke it. On a core shared with the server, the server then waits, mid-request,
while the runtime posts its answer or, for Python 3.12 and later, starts the thread that polls
for the next invocation, and the caller's response goes out after all that. SCHED_BATCH
changes only that: a batch task never preempts on wake-up and runs when the server yields the
core, with the same fair share of CPU as before (its nice value and cgroup bounds apply as
they did). Measured on the Lambda benchmark's shared core: warm Invoke p50 about 7% lower
with other work on the machine; on a quiet one, no difference beyond the run-to-run noise.

The policy is inherited through fork and exec, and Popen takes no scheduling option, so the
thread that starts a sandbox holds the policy only for the moment of the fork.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

_BATCH = getattr(os, "SCHED_BATCH", None)


@contextlib.contextmanager
def batch_policy() -> Iterator[None]:
    """Processes started inside run under SCHED_BATCH where the platform has it."""
    if _BATCH is None:
        yield
        return
    try:
        previous = os.sched_getscheduler(0)
        os.sched_setscheduler(0, _BATCH, os.sched_param(0))
    except OSError:  # a platform or policy that refuses: the sandbox runs as before
        yield
        return
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.sched_setscheduler(0, previous, os.sched_param(0))
