"""`ownstack env`: the shell exports that point the AWS CLI and SDKs at the server a data dir
belongs to, found from any working directory (docs/getting-started.md).

The server is found through its data dir (config/datadir.py: --data, $OWNSTACK_DATA, ./.ownstack
in the current directory, else the per-user default) and the record it keeps there while it runs
(cli_state.py): the endpoint is the address it really listens on, not the one the settings of
this shell would give. A data dir whose server is stopped still has its keys: they are printed
with the endpoint its settings give, and a note says no server is running. No data dir, or one
that holds no keys yet, is an error: nothing is created and no key is invented.
"""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass

from ownstack.cli_state import Recorded, client_host, probe
from ownstack.cli_tls import generated_ca
from ownstack.config import Config, find_identity
from ownstack.config.datadir import DataDirSource

EXIT_NOT_FOUND = 1


class ServerNotFound(Exception):
    """No server, or no keys, for the data dir; the message says which and what to do."""


@dataclass(frozen=True, slots=True)
class EnvFlags:
    """What the command line of `env` / `aws` said (None: not given)."""

    port: int | None = None
    tls: bool | None = None
    tls_port: int | None = None


@dataclass(frozen=True, slots=True)
class Target:
    """Where a client reaches the server, and as whom."""

    endpoint: str
    access_key: str
    secret_key: str
    region: str
    ca_bundle: str | None
    recorded: Recorded | None
    """The running server's record (None when no server is running on the data dir)."""

    def exports(self) -> dict[str, str]:
        exports = {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
        }
        if self.ca_bundle:
            exports["AWS_CA_BUNDLE"] = self.ca_bundle
        return exports


def env_command(config: Config, flags: EnvFlags) -> int:
    try:
        target = find_target(config, flags)
    except ServerNotFound as exc:
        print(f"ownstack: {exc}", file=sys.stderr)
        return EXIT_NOT_FOUND
    if target.recorded is None:
        print(
            f"ownstack: no server is running on {config.data_dir}: these are its keys, with the"
            f" endpoint its settings give ({target.endpoint}); start it with `ownstack serve`",
            file=sys.stderr,
        )
    for name, value in target.exports().items():
        print(f"export {name}={shlex.quote(value)}")
    return 0


def find_target(config: Config, flags: EnvFlags) -> Target:
    """The running server of config.data_dir (or, stopped, its settings); ServerNotFound when
    the data dir does not exist or holds no keys."""
    data_dir = config.data_dir
    if not data_dir.is_dir():
        raise ServerNotFound(
            f"no server found: there is no data dir at {data_dir} ({_why(config)}). Start one"
            " with `ownstack serve`, or name yours with --data DIR or $OWNSTACK_DATA"
        )
    identity = find_identity(data_dir, config.credentials)
    if identity is None:
        raise ServerNotFound(
            f"no server has started on {data_dir} yet (it holds no keys): start one with"
            f" `ownstack serve --data {shlex.quote(str(data_dir))}`"
        )
    recorded = probe(data_dir)
    if recorded is None or not recorded.live:
        endpoint, ca = _from_settings(config, flags)
        return Target(endpoint, identity.access_key, identity.secret_key, config.region, ca, None)
    state = recorded.state
    if state.access_key_id != identity.access_key:
        raise ServerNotFound(
            f"the server on {data_dir} (pid {state.pid}) accepts root key {state.access_key_id},"
            f" not {identity.access_key}: its keys were set in its own environment"
            " (OWNSTACK_ROOT_ACCESS_KEY, OWNSTACK_ROOT_SECRET_KEY); set the same here"
        )
    endpoint, ca = _from_record(recorded, flags)
    return Target(endpoint, identity.access_key, identity.secret_key, state.region, ca, recorded)


def _why(config: Config) -> str:
    source = config.data_dir_source
    if source is DataDirSource.DEFAULT:
        return "the default data dir"
    if source is DataDirSource.LEGACY:
        return "./.ownstack in this directory"
    return f"from {source.value}"


def _from_record(recorded: Recorded, flags: EnvFlags) -> tuple[str, str | None]:
    """The running server's endpoint: HTTPS when it serves it (unless --no-tls), --port and
    --tls-port replacing the recorded ports."""
    state = recorded.state
    host = client_host(state.host)
    https_port = flags.tls_port or state.https_port
    if https_port and flags.tls is not False:
        return f"https://{host}:{https_port}", state.ca_bundle
    return f"http://{host}:{flags.port or state.port}", None


def _from_settings(config: Config, flags: EnvFlags) -> tuple[str, str | None]:
    """A stopped server's endpoint, as its settings (and this command line) give it. The
    generated certificate is named only if it exists: nothing is made here."""
    host = client_host(config.host)
    if not config.tls.enabled:
        return f"http://{host}:{config.port}", None
    ca = generated_ca(config)
    return f"https://{host}:{config.tls.port}", str(ca) if ca and ca.exists() else None
