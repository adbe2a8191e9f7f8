"""What `ownstack serve` does once it listens: it records itself in its data dir (cli_state.py,
for `ownstack env`, `aws` and `status`) and prints where it is and how to reach it:

    ownstack listening on http://127.0.0.1:4566 (data /home/me/.local/share/ownstack)
      console  http://127.0.0.1:4566/_ownstack/console/
      shell    eval "$(ownstack env)"

With `--workers N` the supervisor does both, once, for all its workers.
"""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import sys
import time
from pathlib import Path

from ownstack.cli_state import ServerState, StateRecord, client_host, package_version
from ownstack.cli_tls import generated_ca, listening
from ownstack.config import Config, load_identity
from ownstack.config.datadir import DataDirSource

log = logging.getLogger("ownstack.cli")
CONSOLE_PATH = "/_ownstack/console/"


def announce(
    config: Config, port: int, tls_port: int | None, workers: int = 1
) -> StateRecord | None:
    """Record the server and print its banner; the record to remove at a clean stop (None when
    another live server already holds the data dir's record, or it cannot be written)."""
    state = server_state(config, port, tls_port, workers)
    try:
        record = StateRecord.write(config.data_dir, state)
    except OSError as exc:
        log.warning("cannot record the server in %s: %s", config.data_dir, exc)
        record = None
    else:
        if record is None:
            log.warning(
                "another running server is recorded in %s: `ownstack env` finds that one",
                config.data_dir,
            )
    host = client_host(config.host)
    more = f", {workers} workers" if workers > 1 else ""
    lines = [
        f"ownstack listening on {listening(host, port, tls_port)} (data {config.data_dir}{more})",
        f"  console  {state.endpoint}{CONSOLE_PATH}",
        f'  shell    eval "$({shell_command(config)})"',
    ]
    print("\n".join(lines), file=sys.stderr, flush=True)
    return record


def server_state(config: Config, port: int, tls_port: int | None, workers: int) -> ServerState:
    host = client_host(config.host)
    ca = generated_ca(config) if tls_port is not None else None
    return ServerState(
        pid=os.getpid(),
        host=config.host,
        port=port,
        endpoint=f"http://{host}:{port}",
        https_port=tls_port,
        https_endpoint=None if tls_port is None else f"https://{host}:{tls_port}",
        ca_bundle=None if ca is None else str(ca),
        region=config.region,
        access_key_id=load_identity(config.data_dir, config.credentials).access_key,
        started=time.time(),
        version=package_version(),
        workers=workers,
    )


def shell_command(config: Config) -> str:
    """`ownstack env`, as a shell elsewhere must type it: the data dir is named unless it is the
    default (found from any directory)."""
    command = _ownstack_command()
    if config.data_dir_source is DataDirSource.DEFAULT:
        return f"{command} env"
    return f"{command} env --data {shlex.quote(str(config.data_dir))}"


def _ownstack_command() -> str:
    """`ownstack` when that name on PATH is this program; else the path this one was run as."""
    argv0 = Path(sys.argv[0])
    on_path = shutil.which("ownstack")
    if argv0.name == "ownstack":
        same = on_path is not None and Path(on_path).resolve() == argv0.resolve()
        return "ownstack" if same else shlex.quote(str(argv0.absolute()))
    if on_path is not None:
        return "ownstack"
    return f"{shlex.quote(sys.executable)} -m ownstack.cli"
