"""The `ownstack` command: `serve` runs the server (`--workers N`: N processes on one port),
`check-config` tests a configuration's backends, `env` prints the shell exports that point the
AWS CLI and SDKs at it, `account create|list` manages the accounts of a data dir."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import gc
import json
import logging
import os
import shlex
import signal
import sys
from collections.abc import Sequence

from ownstack.cli_tls import add_tls_flags, env_exports, listening, tls_context, tls_flags
from ownstack.config import Config, ConfigError, declared_accounts, load_config, load_identity
from ownstack.config.workers import refuse_exclusive_engines, worker_count
from ownstack.obs.accesslog import BatchedLineHandler
from ownstack.ports.errors import PortError

EXIT_CONFIG = 2
EXIT_STARTUP = 1


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = load_config(
            host=getattr(args, "host", None),
            port=getattr(args, "port", None),
            data=args.data,
            config_file=_config_file(args),
            tls=tls_flags(args),
        )
        if args.command == "env":
            return print_env(config)
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ownstack", description="The open cloud you run.")
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
    check_cmd.add_argument("--data", help="data directory (default ./.ownstack, $OWNSTACK_DATA)")
    env_cmd = commands.add_parser("env", help="print shell exports for the AWS CLI and SDKs")
    account_cmd = commands.add_parser("account", help="create and list accounts")
    account_sub = account_cmd.add_subparsers(dest="account_command", required=True)
    create_cmd = account_sub.add_parser("create", help="create an account (idempotent)")
    create_cmd.add_argument("name", help="the account's name")
    create_cmd.add_argument("--id", help="its 12-digit account id (default: generated)")
    list_cmd = account_sub.add_parser("list", help="list the accounts (no secrets)")
    for cmd in (serve_cmd, env_cmd):
        add_tls_flags(cmd)  # docs/tls.md
    for cmd in (serve_cmd, env_cmd, create_cmd, list_cmd):
        cmd.add_argument("--data", help="data directory (default ./.ownstack, $OWNSTACK_DATA)")
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


def print_env(config: Config) -> int:
    identity = load_identity(config.data_dir, config.credentials)
    exports = {
        "AWS_ENDPOINT_URL": f"http://{_client_host(config.host)}:{config.port}",
        "AWS_ACCESS_KEY_ID": identity.access_key,
        "AWS_SECRET_ACCESS_KEY": identity.secret_key,
        "AWS_DEFAULT_REGION": config.region,
        "AWS_REGION": config.region,
    }
    exports.update(env_exports(config, _client_host(config.host)))  # https, its CA bundle
    for name, value in exports.items():
        print(f"export {name}={shlex.quote(value)}")
    return 0


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


def _client_host(host: str) -> str:
    """Where a client on this machine reaches a server bound to `host`."""
    if host in ("0.0.0.0", "", "::"):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def serve(config: Config, *, worker_fd: int | None = None) -> int:
    """Serve until SIGTERM/SIGINT. `worker_fd`: run as one of `serve_workers`' workers."""
    _configure_logging(config.log_level)
    from ownstack.gateway.server import install_event_loop

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
    http = config.limits.get("http", {})
    unknown = sorted(set(http) - {"request_timeout"})
    if unknown:
        raise ConfigError(f"limits.http: unknown limit(s) {', '.join(unknown)}")
    timeout = http.get("request_timeout", 30)
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

        def announce() -> None:
            url = listening(_client_host(config.host), port, tls_port)
            print(
                f"ownstack listening on {url} (data {config.data_dir}, {workers} workers)",
                file=sys.stderr,
                flush=True,
            )

        return asyncio.run(Supervisor(command, workers, on_ready=announce).run())


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
        try:
            for server in reversed(servers):  # HTTPS first: plain HTTP answering means both do
                await server.start()
            _announce(config, servers[0].port, worker_fd, servers[-1].port if tls else None)
            await _until_signalled(worker_fd)
        finally:
            app.drain()  # long polls answer now instead of holding the stop up
            await asyncio.gather(*(s.stop() for s in servers))
            flusher.cancel()
            _flush_access_log()
    finally:
        # Closing the stores lets the sqlite writer flush and checkpoint before we exit.
        await close()


def _announce(config: Config, port: int, worker_fd: int | None, tls_port: int | None) -> None:
    if worker_fd is not None:  # the supervisor announces the port once, for all its workers
        from ownstack.workers import READY

        os.write(worker_fd, READY)
        return
    url = listening(_client_host(config.host), port, tls_port)
    print(f"ownstack listening on {url} (data {config.data_dir})", file=sys.stderr)
    sys.stderr.flush()


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
