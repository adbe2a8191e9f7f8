"""`ownstack status`: whether a server is running on the data dir, where, since when, and
what it holds. Exit code 0 when it runs, 3 when it does not (as `systemctl status` and LSB
init scripts say "not running").

Running means the data dir's record (cli_state.py) is locked by its server. What it holds is
asked of the server itself, through its AWS APIs, signed with each account's root keys (the
data dir's, ownstack.yaml's, accounts.json's): the same answer on every engine, and nothing
opened behind a running server's back. Its health comes from /_ownstack/health.
"""

from __future__ import annotations

import datetime
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from ownstack.cli_state import Recorded, ServerState, probe
from ownstack.config import Config, ConfigError, declared_accounts, find_identity
from ownstack.core.processes import pid_alive

EXIT_RUNNING = 0
EXIT_NOT_RUNNING = 3
TIMEOUT_S = 5.0
CONSOLE_PATH = "/_ownstack/console/"


def status_command(config: Config) -> int:
    data_dir = config.data_dir
    if not data_dir.is_dir():
        print(f"ownstack is not running: no data dir at {data_dir}")
        return EXIT_NOT_RUNNING
    recorded = probe(data_dir)
    if recorded is None:
        print(f"ownstack is not running (data {data_dir})")
        return EXIT_NOT_RUNNING
    if not recorded.live:
        print(
            f"ownstack is not running (data {data_dir}); its last run (pid {recorded.state.pid},"
            f" started {_when(recorded.state.started)}) did not stop cleanly"
        )
        return EXIT_NOT_RUNNING
    for line in running_lines(config, recorded):
        print(line)
    return EXIT_RUNNING


def running_lines(config: Config, recorded: Recorded) -> list[str]:
    state = recorded.state
    pid = f"pid {state.pid}" + ("" if pid_alive(state.pid) else ", not visible here")
    workers = f", {state.workers} workers" if state.workers > 1 else ""
    endpoint = state.endpoint + (f" and {state.https_endpoint}" if state.https_endpoint else "")
    uptime = _uptime(datetime.datetime.now().timestamp() - state.started)
    return [
        f"ownstack {state.version} is running ({pid}{workers})",
        f"  endpoint  {endpoint}",
        f"  console   {state.endpoint}{CONSOLE_PATH}",
        f"  since     {_when(state.started)} (up {uptime})",
        f"  data      {config.data_dir}",
        f"  health    {_health(state)}",
        f"  holds     {_holdings(config, state)}",
    ]


def _when(started: float) -> str:
    return datetime.datetime.fromtimestamp(started).astimezone().isoformat(timespec="seconds")


def _uptime(seconds: float) -> str:
    minutes, secs = divmod(max(int(seconds), 0), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s"


def _health(state: ServerState) -> str:
    try:
        url = f"{state.endpoint}/_ownstack/health"
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as resp:  # noqa: S310 (our server)
            body = json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        body = json.loads(exc.read() or b"{}")
    except (OSError, ValueError) as exc:
        return f"unknown ({exc})"
    engines = ", ".join(f"{p} {b['engine']}" for p, b in body.get("backends", {}).items())
    return f"{body.get('status', 'unknown')} ({engines})"


# -- what it holds -----------------------------------------------------------------------------

Counter = Callable[[Any], int]


def _holdings(config: Config, state: ServerState) -> str:
    try:
        accounts = _accounts(config, state)
        totals = _count_all(accounts, state)
    except Exception as exc:  # any failure of the count leaves the status itself intact
        return f"unknown ({exc})"
    parts = [_plural(len(accounts), "account")]
    parts += [_plural(n, noun) for noun, n in totals.items()]
    return ", ".join(parts)


def _accounts(config: Config, state: ServerState) -> list[Any]:
    from ownstack.identity.accounts import AccountsFile, merge_accounts

    identity = find_identity(config.data_dir, config.credentials)
    if identity is None or identity.access_key != state.access_key_id:
        raise ConfigError("its root keys were set in its own environment, not this one's")
    fixed = declared_accounts(identity, config.accounts)
    return merge_accounts(fixed, AccountsFile(config.data_dir).read())


def _count_all(accounts: list[Any], state: ServerState) -> dict[str, int]:
    import botocore.session
    from botocore.config import Config as BotoConfig

    session = botocore.session.get_session()
    boto_config = BotoConfig(
        connect_timeout=TIMEOUT_S,
        read_timeout=TIMEOUT_S,
        retries={"max_attempts": 1},
        s3={"addressing_style": "path"},
    )
    totals = dict.fromkeys(_COUNTERS, 0)
    for account in accounts:
        for noun, (service, count) in _COUNTERS.items():
            client = session.create_client(
                service,
                endpoint_url=state.endpoint,
                region_name=state.region,
                aws_access_key_id=account.root_access_key,
                aws_secret_access_key=account.root_secret_key,
                config=boto_config,
            )
            totals[noun] += count(client)
    return totals


def _pages(client: Any, operation: str, key: str, **params: Any) -> int:
    paginator = client.get_paginator(operation)
    return sum(len(page.get(key, [])) for page in paginator.paginate(**params))


_COUNTERS: dict[str, tuple[str, Counter]] = {
    "bucket": ("s3", lambda c: _pages(c, "list_buckets", "Buckets")),
    "queue": (
        "sqs",
        lambda c: _pages(c, "list_queues", "QueueUrls", PaginationConfig={"PageSize": 1000}),
    ),
    "topic": ("sns", lambda c: _pages(c, "list_topics", "Topics")),
    "table": ("dynamodb", lambda c: _pages(c, "list_tables", "TableNames")),
    "function": ("lambda", lambda c: _pages(c, "list_functions", "Functions")),
}


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")
