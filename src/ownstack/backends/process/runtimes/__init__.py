"""Lambda's managed runtimes for the process engine: AWS's own runtime interface clients
(`awslambdaric` for Python, `aws-lambda-ric` for Node.js) and AWS SDKs, installed per runtime
at pinned versions over the host's interpreters, and how a sandbox runs them.

- `unavailable(runtime)`: why a runtime can't run here (no interpreter, not installed), or None.
- `launch_for(runtime, handler)`: the command, read-only binds and environment for a sandbox.

Install with `make runtimes` (`python -m ownstack.backends.process.runtimes install`); see
`provision` for where bundles live and how concurrent installs are kept apart.
"""

from __future__ import annotations

from ownstack.backends.process.runtimes.catalog import MANAGED
from ownstack.backends.process.runtimes.launch import Launch, launch_for, unavailable

__all__ = ["MANAGED", "Launch", "launch_for", "unavailable"]
