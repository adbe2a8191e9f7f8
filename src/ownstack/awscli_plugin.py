"""An aws CLI v1 plugin that makes SQS (and the few other commands below) use the configured
endpoint, as every other command does.

awscli v1 honours a profile's `endpoint_url` and `AWS_ENDPOINT_URL` (since 1.29), except for
the commands its `overridesslcommonname` customization points at a fixed AWS host (SQS: e.g.
`https://queue.amazonaws.com`) whenever `--endpoint-url` is not on the command line: `aws
--profile ownstack sqs list-queues` would go to AWS. This plugin runs before that
customization and puts the configured endpoint (the one botocore itself would use) on the
command line's place. It changes nothing when no endpoint is configured, and nothing for the
other commands. CLI v2 needs no plugin (and loads none unless `cli_legacy_plugin_path` is set).

`ownstack env --profile NAME` adds it to `~/.aws/config` only when the aws CLI it finds is v1
and runs in the Python environment this package is installed in (another v1 install could not
import it):

    [plugins]
    ownstack_endpoints = ownstack.awscli_plugin

It imports nothing from ownstack: it runs inside the aws CLI's process.
"""

from __future__ import annotations

from typing import Any

PLUGIN_NAME = "ownstack_endpoints"
FALLBACK_COMMANDS = frozenset({"sqs", "emr", "rds", "docdb", "neptune", "health"})
"""awscli 1.46's list, if its module moves."""


def awscli_initialize(cli: Any) -> None:
    # User plugins are initialised before awscli's own handlers (awscli/plugin.py), and the
    # customization registers itself last: this handler runs first.
    cli.register("before-building-argument-table-parser", use_configured_endpoint)


def use_configured_endpoint(session: Any, parsed_globals: Any, **_: Any) -> None:
    if getattr(parsed_globals, "endpoint_url", None) is not None:
        return
    command = getattr(parsed_globals, "command", None)
    if command not in _overridden_commands():
        return
    url = configured_endpoint(session, command)
    if url:
        parsed_globals.endpoint_url = url


def configured_endpoint(session: Any, service: str) -> str | None:
    """AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the profile's `services` section, then its
    `endpoint_url`, unless `ignore_configured_endpoint_urls` is set: botocore's own order."""
    try:
        from botocore.configprovider import ConfiguredEndpointProvider
        from botocore.utils import ensure_boolean
    except ImportError:
        return None
    if ensure_boolean(session.get_config_variable("ignore_configured_endpoint_urls")):
        return None
    provider = ConfiguredEndpointProvider(
        full_config=session.full_config,
        scoped_config=session.get_scoped_config(),
        client_name=service,
    )
    url = provider.provide()
    return str(url) if url else None


def _overridden_commands() -> frozenset[str]:
    try:
        from awscli.customizations.overridesslcommonname import (  # type: ignore[import-untyped]
            SSL_COMMON_NAMES,
        )
    except ImportError:
        return FALLBACK_COMMANDS
    return frozenset(SSL_COMMON_NAMES)
