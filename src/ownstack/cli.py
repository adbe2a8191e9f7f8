"""The `ownstack` command: `serve` runs the server (`--workers N`: N processes on one port),
`check-config` tests a configuration's backends, `env` prints the shell exports that point the
AWS CLI and SDKs at the running server (or writes an AWS profile), `aws` runs the aws CLI at it,
`status` says whether it runs and what it holds, `account create|list` manages the accounts of a
data dir. The client commands live in cli_env, cli_profile, cli_aws and cli_status."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import gc
import json
import logging
import os
import signal
import sys
from collections.abc import Sequence

from ownstack.cli_announce import announce
from ownstack.cli_env import EnvFlags
from ownstack.cli_state import StateRecord, package_version
from ownstack.cli_tls import add_tls_flags, tls_context, tls_flags
from ownstack.config import Config, ConfigError, declared_accounts, load_config, load_identity
from ownstack.config.datadir import DataDirSource
from ownstack.config.workers import refuse_exclusive_engines, worker_count
from ownstack.obs.accesslog import BatchedLineHandler
from ownstack.ports.errors import PortError

EXIT_CONFIG = 2
EXIT_STARTUP = 1


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    aws_args: list[str] = []
    if argv[:1] == ["aws"]:
        from ownstack.cli_aws import split_argv

        argv, aws_args = split_argv(argv)
    args = _parser().parse_args(argv)
    try:
        config = load_config(
            host=getattr(args, "host", None),
            port=getattr(args, "port", None),
            data=args.data,
            config_file=_config_file(args),
            tls=tls_flags(args),
        )
        if config.data_dir_source is DataDirSource.LEGACY:
            print(_LEGACY_NOTE.format(config.data_dir), file=sys.stderr)
        if args.command in ("env", "aws", "status"):
            return _client_command(config, args, aws_args)
        if args.command == "account":
            return account_command(config, args.account_command, args)
        if args.command == "check-config":
            return check_config(config)
        if args.worker_fd is not None:
            return serve(config, worker_fd=args.worker_fd)
        workers = worker_count(args.workers, os.environ, config.workers)
        if workers > 1:
            return serve_workers(config, workers, _config_file(args))
        return serve(config)
    except ConfigError as exc:
        print(f"ownstack: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG


_LEGACY_NOTE = (
    "ownstack: using {} (./.ownstack here, the data dir of earlier releases); the default is"
    " now per user ($XDG_DATA_HOME/ownstack): pass --data or set OWNSTACK_DATA to choose"
)
_DATA_HELP = "data directory (default ~/.local/share/ownstack, $OWNSTACK_DATA)"


def _client_command(config: Config, args: argparse.Namespace, aws_args: list[str]) -> int:
    flags = EnvFlags(
        getattr(args, "port", None), getattr(args, "tls", None), getattr(args, "tls_port", None)
    )
    if args.command == "status":
        from ownstack.cli_status import status_command

        return status_command(config)
    if args.command == "aws":
        from ownstack.cli_aws import aws_command

        return aws_command(config, flags, aws_args)
    from ownstack.cli_env import env_command

    if args.profile is None:
        return env_command(config, flags)
    from ownstack.cli_profile import profile_command

    return profile_command(config, flags, args.profile)


class _Version(argparse.Action):
    """argparse's `version` action, reading the version only when asked (importlib.metadata
    costs a scan of the installed distributions at every start otherwise)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help=str(kwargs.get("help")))

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        print(f"ownstack {package_version()}")
        parser.exit()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ownstack", description="The open cloud you run.")
    parser.add_argument("--version", action=_Version, help="print the version and exit")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser("serve", help="run the server")
    serve_cmd.add_argument("--host", help="address to bind (default 127.0.0.1, $OWNSTACK_HOST)")
    serve_cmd.add_argument("--port", type=int, help="port to bind (default 4566, $OWNSTACK_PORT)")
    serve_cmd.add_argument(
        "--workers",
        type=int,
        help="processes serving the port (default 1, $OWNSTACK_WORKERS); needs shared engines",
    )
    # Internal: how the supervisor starts a worker (workers.py: the descriptor it reports on).
    serve_cmd.add_argument("--worker-fd", type=int, help=argparse.SUPPRESS)
    check_cmd = commands.add_parser(
        "check-config", help="check a configuration and test each backend's connection"
    )
    check_cmd.add_argument("file", nargs="?", help="config file (default <data>/ownstack.yaml)")
    check_cmd.add_argument("--data", help=_DATA_HELP)
    env_cmd = commands.add_parser(
        "env", help="print shell exports for the AWS CLI and SDKs (the running server's)"
    )
    env_cmd.add_argument("--port", type=int, help="the endpoint's port (default: the server's)")
    env_cmd.add_argument(
        "--profile", metavar="NAME", help="write AWS CLI profile NAME instead (~/.aws/config)"
    )
    aws_cmd = commands.add_parser(
        "aws",
        help="run the aws CLI at the running server: ownstack aws [--data DIR] ARGS...",
        usage="ownstack aws [--data DIR] [--config FILE] [--port PORT] ARGS...",
    )
    aws_cmd.add_argument("--port", type=int, help="the endpoint's port (default: the server's)")
    status_cmd = commands.add_parser(
        "status", help="is a server running, where, since when, what it holds (exit 3: no)"
    )
    account_cmd = commands.add_parser("account", help="create and list accounts")
    account_sub = account_cmd.add_subparsers(dest="account_command", required=True)
    create_cmd = account_sub.add_parser("create", help="create an account (idempotent)")
    create_cmd.add_argument("name", help="the account's name")
    create_cmd.add_argument("--id", help="its 12-digit account id (default: generated)")
    list_cmd = account_sub.add_parser("list", help="list the accounts (no secrets)")
    for cmd in (serve_cmd, env_cmd):
        add_tls_flags(cmd)  # docs/tls.md
    for cmd in (serve_cmd, env_cmd, aws_cmd, status_cmd, create_cmd, list_cmd):
        cmd.add_argument("--data", help=_DATA_HELP)
        cmd.add_argument("--config", help="config file (default <data>/ownstack.yaml)")
    return parser


def _config_file(args: argparse.Namespace) -> str | None:
    file: str | None = getattr(args, "file", None) or getattr(args, "config", None)
    return file


def check_config(config: Config) -> int:
    """One line per port (`meta: sqlite ok`, `queue: postgres FAILED: ...`), and one for the
    workers when more than one is configured; 0 when everything is usable, 2 otherwise."""
    from ownstack.config.check import check_all

    _request_timeout(config)
    workers = worker_count(None, os.environ, config.workers)
    lines, ok = asyncio.run(check_all(config, workers))
    for line in lines:
        print(line)
    return 0 if ok else EXIT_CONFIG


def account_command(config: Config, command: str, args: argparse.Namespace) -> int:
    """`account create NAME [--id ID]` prints the account with its root's keys (created or as
    it was); `account list` prints every account without secrets, the default one first."""
    from ownstack.identity.accounts import AccountConflict, AccountsFile, merge_accounts

    fixed = declared_accounts(load_identity(config.data_dir, config.credentials), config.accounts)
    accounts_file = AccountsFile(config.data_dir)
    try:
        if command == "create":
            account, _ = accounts_file.create(args.name, args.id, fixed)
            shown = {
                "Name": account.name,
                "AccountId": account.id,
                "AccessKeyId": account.root_access_key,
                "SecretAccessKey": account.root_secret_key,
            }
            print(json.dumps(shown))
            return 0
        listed = merge_accounts(fixed, accounts_file.read())
    except AccountConflict as exc:
        print(f"ownstack: account: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"cannot read {accounts_file.path}: {exc}") from exc
    rows = [{"Name": a.name, "AccountId": a.id, "AccessKeyId": a.root_access_key} for a in listed]
    print(json.dumps(rows, indent=2))  # a JSON array, default account first
    return 0


def serve(config: Config, *, worker_fd: int | None = None) -> int:
    """Serve until SIGTERM/SIGINT. `worker_fd`: run as one of `serve_workers`' workers."""
    _configure_logging(config.log_level)
    from ownstack.core.processes import raise_open_files_limit
    from ownstack.gateway.server import install_event_loop

    before, after = raise_open_files_limit()
    if after != before:
        logging.getLogger("ownstack").debug("open files limit raised: %d -> %d", before, after)
    install_event_loop()
    try:
        asyncio.run(_serve(config, worker_fd))
    except (OSError, PortError) as exc:  # port in use, data dir held by another server, ...
        print(f"ownstack: cannot start: {exc}", file=sys.stderr)
        return EXIT_STARTUP
    return 0


def _freeze_startup_heap() -> None:
    """Move everything start-up built (botocore models, compiled wire plans, ~47k objects) out
    of the cyclic collector's reach. Left in, every full collection re-walks them on the event
    loop: measured ~50 ms per collection here, a pause every request in flight pays (p99)."""
    gc.collect()
    gc.freeze()


def _request_timeout(config: Config) -> float:
    """Seconds a request's headers or body may stall (limits.http.request_timeout)."""
    from ownstack.config.reference import default_of, section_keys

    http = config.limits.get("http", {})
    unknown = sorted(set(http) - section_keys("limits.http"))
    if unknown:
        raise ConfigError(f"limits.http: unknown limit(s) {', '.join(unknown)}")
    timeout = http.get("request_timeout", default_of("limits.http.request_timeout"))
    if not isinstance(timeout, int | float) or isinstance(timeout, bool) or timeout <= 0:
        raise ConfigError("ownstack.yaml: limits.http.request_timeout must be a positive number")
    return float(timeout)


def serve_workers(config: Config, workers: int, config_file: str | None) -> int:
    """`workers` processes serving config.port (SO_REUSEPORT), supervised from here. Refused
    (ConfigError) when an engine does not share its port across processes."""
    from ownstack.cli_tls import reserve_tls_port, worker_tls_args
    from ownstack.workers import Supervisor, reserve_port

    _configure_logging(config.log_level)  # what the supervisor logs (a certificate made)
    _request_timeout(config)
    refuse_exclusive_engines(config, workers)
    tls_context(config)  # a certificate that cannot be served fails here, once
    try:
        reserved = reserve_port(config.host, config.port)
    except OSError as exc:
        print(f"ownstack: cannot start: {config.host}:{config.port}: {exc}", file=sys.stderr)
        return EXIT_STARTUP
    try:
        tls_reserved = reserve_tls_port(config)
    except OSError as exc:
        reserved.close()
        print(f"ownstack: cannot start: {exc}", file=sys.stderr)
        return EXIT_STARTUP
    with reserved, tls_reserved or contextlib.nullcontext():
        port = int(reserved.getsockname()[1])
        tls_port = None if tls_reserved is None else int(tls_reserved.getsockname()[1])
        given = ["--config", config_file] if config_file else []
        given += worker_tls_args(config, tls_port or 0)

        def command(fd: int) -> list[str]:
            return [
                sys.executable, "-m", "ownstack.cli", "serve", "--host", config.host,
                "--port", str(port), "--data", str(config.data_dir), *given,
                "--workers", "1", "--worker-fd", str(fd),
            ]  # fmt: skip

        records: list[StateRecord | None] = []

        def on_ready() -> None:
            records.append(announce(config, port, tls_port, workers))

        try:
            return asyncio.run(Supervisor(command, workers, on_ready=on_ready).run())
        finally:
            for record in records:
                if record is not None:
                    record.remove()


async def _serve(config: Config, worker_fd: int | None = None) -> None:
    # Imported here, not at module top, so `ownstack env` starts without loading botocore.
    from ownstack.app import build_app
    from ownstack.gateway.server import HttpServer, ServerConfig

    timeout = _request_timeout(config)
    tls = tls_context(config)  # before the app: a bad certificate fails fast
    # A worker's audit log is its own (one file cannot be rotated by several processes).
    audit_dir = None if worker_fd is None else config.data_dir / "audit" / f"worker-{os.getpid()}"
    app, close = build_app(config, audit_dir=audit_dir)
    try:
        await app.start()
        _freeze_startup_heap()
        settings = ServerConfig(
            host=config.host,
            port=config.port,
            header_timeout=timeout,
            reuse_port=worker_fd is not None,
        )
        servers = [HttpServer(app, settings)]
        if tls is not None:  # HTTPS beside HTTP, same app (docs/tls.md)
            secure = dataclasses.replace(settings, port=config.tls.port, ssl_context=tls)
            servers.append(HttpServer(app, secure))
        flusher = asyncio.create_task(_flush_access_log_every(BatchedLineHandler.FLUSH_INTERVAL))
        record: StateRecord | None = None
        try:
            for server in reversed(servers):  # HTTPS first: plain HTTP answering means both do
                await server.start()
            record = _announce(
                config, servers[0].port, worker_fd, servers[-1].port if tls else None
            )
            await _until_signalled(worker_fd)
        finally:
            if record is not None:  # stopping: the client commands no longer find this server
                record.remove()
            app.drain()  # long polls answer now instead of holding the stop up
            await asyncio.gather(*(s.stop() for s in servers))
            flusher.cancel()
            _flush_access_log()
    finally:
        # Closing the stores lets the sqlite writer flush and checkpoint before we exit.
        await close()


def _announce(
    config: Config, port: int, worker_fd: int | None, tls_port: int | None
) -> StateRecord | None:
    """Print the banner and record the server (cli_announce.py); a worker only tells its
    supervisor, which does both once for all its workers."""
    if worker_fd is None:
        return announce(config, port, tls_port)
    from ownstack.workers import READY

    os.write(worker_fd, READY)
    return None


async def _until_signalled(supervisor_fd: int | None = None) -> None:
    """Until SIGTERM/SIGINT, or (a worker) until the supervisor's end of `supervisor_fd` closes:
    a supervisor killed outright leaves no worker behind."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if supervisor_fd is not None:

        def supervisor_gone() -> None:
            loop.remove_reader(supervisor_fd)  # EOF stays readable: once is enough
            stop.set()

        loop.add_reader(supervisor_fd, supervisor_gone)
    await stop.wait()


def _configure_logging(level: str) -> None:
    """Access lines are already JSON: printed as they are. Everything else gets a prefix."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("ownstack")
    root.addHandler(handler)
    root.setLevel(level)
    access = logging.getLogger("ownstack.access")
    access.addHandler(BatchedLineHandler(sys.stderr))
    access.propagate = False


async def _flush_access_log_every(interval: float) -> None:
    """Access lines are batched (BatchedLineHandler): write what gathered, at a steady pace."""
    while True:
        await asyncio.sleep(interval)
        _flush_access_log()


def _flush_access_log() -> None:
    for handler in logging.getLogger("ownstack.access").handlers:
        handler.flush()


if __name__ == "__main__":
    sys.exit(main())
