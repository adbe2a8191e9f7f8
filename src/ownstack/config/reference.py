"""Every setting of ownstack.yaml (and the few given only on the command line or in the
environment): its key, its default, its environment variable and its flag, with what it does.

One source of truth: the loader (settings.py, tls.py) and the readers of `limits` (cli.py,
app.py, app_lambda.py, app_schedules.py) take their keys and defaults from here, and
scripts/gen_config_doc.py renders docs/configuration.md from it; tests/test_config_reference.py
checks the doc is current and that what is declared here is what the code reads. The limits a
service owns (S3Limits, Lambda's retry schedule) keep their defaults in the service; the same
test checks they agree with this table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Setting(Generic[T]):
    key: str
    """Its path in ownstack.yaml (`tls.port`, `accounts[].id`), or its name when `in_file` is
    false (the data dir: no file can say where the file is)."""
    default: T
    doc: str
    env: str | None = None
    """The environment variable that overrides it (above the file, below the flag)."""
    flag: str | None = None
    """The `ownstack serve` flag that sets it (above everything)."""
    shown_default: str | None = None
    """How the reference shows a default that is not a plain value (generated, derived)."""
    in_file: bool = True

    def from_env(self, env: Mapping[str, str]) -> str | None:
        """Its environment variable's value; None when unset or empty (as if not given)."""
        return (env.get(self.env) or None) if self.env else None


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    doc: str
    settings: tuple[Setting[Any], ...]


# Given only on the command line or in the environment.
DATA = Setting(
    "data",
    None,
    "The data directory: ownstack.yaml, credentials.json, the stores of the embedded engines.",
    env="OWNSTACK_DATA",
    flag="--data",
    shown_default="`./.ownstack` if it exists, else `$XDG_DATA_HOME/ownstack`"
    " (`~/.local/share/ownstack`)",
    in_file=False,
)
CONFIG = Setting(
    "config",
    None,
    "The configuration file; one named here must exist.",
    flag="--config",
    shown_default="`<data>/ownstack.yaml` (none: every default)",
    in_file=False,
)
RUNTIMES_DIR = Setting(
    "runtimes_dir",
    None,
    "Where Lambda's managed runtimes are installed (`make runtimes`) and run from"
    " (docs/lambda-runtime.md).",
    env="OWNSTACK_RUNTIMES_DIR",
    shown_default="`~/.cache/ownstack/runtimes`",
    in_file=False,
)

# The server.
HOST = Setting(
    "host",
    "127.0.0.1",
    "Address to bind. `0.0.0.0` serves other machines too.",
    env="OWNSTACK_HOST",
    flag="--host",
)
PORT = Setting(
    "port",
    4566,
    "Port of the HTTP endpoint (0: any free port).",
    env="OWNSTACK_PORT",
    flag="--port",
)
REGION = Setting(
    "region", "us-east-1", "The region the server is (ARNs, SigV4 scope).", env="OWNSTACK_REGION"
)
LOG_LEVEL = Setting(
    "log_level",
    "INFO",
    "DEBUG, INFO, WARNING, ERROR or CRITICAL (any case).",
    env="OWNSTACK_LOG_LEVEL",
)
S3_HOSTNAMES = Setting(
    "s3_hostnames",
    ("localhost", "s3.localhost", "127.0.0.1"),
    "Host names whose subdomains are S3 virtual-hosted buckets (`bucket.s3.localhost`).",
)
WORKERS = Setting(
    "workers",
    1,
    "Server processes on one port (1-256); more than 1 needs engines that share their port"
    " across processes (docs/scaling.md).",
    env="OWNSTACK_WORKERS",
    flag="--workers",
)

# The root credentials of the default account.
ACCESS_KEY = Setting(
    "credentials.access_key",
    None,
    "The default account's root access key id.",
    env="OWNSTACK_ROOT_ACCESS_KEY",
    shown_default="generated on first use, kept in `<data>/credentials.json`",
)
SECRET_KEY = Setting(
    "credentials.secret_key",
    None,
    "Its secret access key.",
    env="OWNSTACK_ROOT_SECRET_KEY",
    shown_default="generated on first use, kept in `<data>/credentials.json`",
)
ACCOUNT_ID = Setting(
    "credentials.account_id",
    None,
    "The default account's 12-digit id (quote it in YAML).",
    env="OWNSTACK_ACCOUNT_ID",
    shown_default="generated on first use, kept in `<data>/credentials.json`",
)

# More accounts with fixed root keys.
ACCOUNTS = (
    Setting("accounts", (), "Accounts besides the default one, each with all four fields below."),
    Setting("accounts[].name", None, "Its name (not `default`).", shown_default="required"),
    Setting("accounts[].id", None, "Its 12-digit id, quoted.", shown_default="required"),
    Setting(
        "accounts[].root_access_key",
        None,
        "Its root access key id: 16-128 upper-case letters or digits, not `ASIA...`.",
        shown_default="required",
    ),
    Setting(
        "accounts[].root_secret_key", None, "Its root secret access key.", shown_default="required"
    ),
)

# Which engine backs each port.
BACKENDS = (
    Setting("backends.meta", "sqlite", "Metadata: buckets, objects' records, tables, IAM, ..."),
    Setting("backends.blobs", "fs", "Object bytes."),
    Setting("backends.queue", "sqlite", "SQS messages and internal work queues."),
    Setting(
        "backends.logs",
        "sqlite",
        "DynamoDB stream records and other ordered logs.",
        shown_default="`sqlite`; the `meta` engine when that is `postgres` or `memory`",
    ),
    Setting("backends.runtime", "process", "Lambda sandboxes (docs/lambda-runtime.md)."),
)

# Where the server itself may connect.
EGRESS = (
    Setting(
        "egress.allow",
        (),
        "When given, outbound deliveries (SNS HTTP/S) may reach only these CIDRs or host names"
        " (`*.example.com`); an allowed CIDR lifts the built-in link-local deny.",
    ),
    Setting(
        "egress.deny",
        (),
        "CIDRs or host names outbound deliveries may never reach (above `allow`). Link-local"
        " addresses (cloud metadata) are denied unless allowed.",
    ),
)

# HTTPS on a port of its own (docs/tls.md).
TLS_SELF_SIGNED = Setting(
    "tls.self_signed",
    False,
    "Serve HTTPS with a certificate generated in `<data>/tls/`. The variable takes"
    " `1`/`true`/`yes`/`on` or `0`/`false`/`no`/`off`; off wins over a certificate.",
    env="OWNSTACK_TLS",
    flag="--tls / --no-tls",
)
TLS_CERT = Setting(
    "tls.cert",
    None,
    "A PEM certificate (chain): with `tls.key`, serve HTTPS with it. Relative to the data dir"
    " in the file, to the current directory otherwise.",
    env="OWNSTACK_TLS_CERT",
    flag="--tls-cert",
)
TLS_KEY = Setting(
    "tls.key", None, "Its PEM private key (unencrypted).", env="OWNSTACK_TLS_KEY", flag="--tls-key"
)
TLS_PORT = Setting(
    "tls.port",
    4567,
    "The HTTPS port, beside plain HTTP on `port` (0: any free port).",
    env="OWNSTACK_TLS_PORT",
    flag="--tls-port",
)
TLS_NAMES = Setting("tls.names", (), "Extra DNS names or addresses for the generated certificate.")
TLS = (TLS_SELF_SIGNED, TLS_CERT, TLS_KEY, TLS_PORT, TLS_NAMES)

# Limits: `limits.<service>.<name>`.
HTTP_LIMITS = (
    Setting(
        "limits.http.request_timeout",
        30,
        "Seconds a request's headers or body may stall.",
    ),
)
S3_LIMITS = (
    Setting(
        "limits.s3.inline_max",
        64 * 1024,
        "Objects up to this many bytes live inline in their metadata record (no blob file).",
    ),
    Setting("limits.s3.max_object_size", 5 * 1024**4, "Largest object (multipart)."),
    Setting("limits.s3.max_single_put", 5 * 1024**3, "Largest single PutObject."),
    Setting("limits.s3.min_part_size", 5 * 1024**2, "Smallest multipart part but the last."),
    Setting("limits.s3.max_parts", 10_000, "Most parts in a multipart upload."),
    Setting("limits.s3.max_key_bytes", 1024, "Longest object key, in UTF-8 bytes."),
    Setting("limits.s3.max_delete_keys", 1000, "Most keys in one DeleteObjects."),
    Setting("limits.s3.max_metadata_bytes", 2 * 1024, "Largest user metadata (x-amz-meta-*)."),
    Setting(
        "limits.s3.lifecycle_interval_s",
        3600,
        "Seconds between two runs of the lifecycle sweeper (docs/s3-lifecycle.md).",
    ),
    Setting(
        "limits.s3.lifecycle_day_s",
        86400,
        'Seconds a lifecycle "day" lasts; tests shorten it so that `Days: 1` passes in seconds.',
    ),
)
SNS_LIMITS = (
    Setting(
        "limits.sns.managed_retry_delays",
        None,
        "Seconds before each retry of a delivery to a Lambda function or SQS queue, replacing"
        " AWS's schedule (e.g. to see a dead-letter queue fill in a test).",
        shown_default="AWS's: 100,015 attempts over some 23 days",
    ),
)
LAMBDA_LIMITS = (
    Setting(
        "limits.lambda.async_retry_delays",
        (60.0, 120.0),
        "Seconds before each retry of a failed asynchronous invocation (AWS's: two retries).",
    ),
    Setting("limits.lambda.idle_s", 600.0, "Seconds an idle sandbox is kept warm."),
    Setting("limits.lambda.async_workers", 8, "Asynchronous events run at once by one process."),
    Setting(
        "limits.lambda.throttle_backoff_s",
        (1.0, 300.0),
        "[first, longest] seconds before a throttled asynchronous event is tried again"
        " (doubling in between).",
    ),
    Setting(
        "limits.lambda.async_visibility_s",
        20.0,
        "Seconds a taken asynchronous event stays taken unless its worker renews it: how soon"
        " a crashed process's events run elsewhere (at least 1).",
    ),
)
EVENTBRIDGE_LIMITS = (
    Setting(
        "limits.eventbridge.minute_s",
        60,
        "Seconds a minute of a scheduled rule's rate() lasts (1-60; tests shorten it). cron()"
        " keeps real time.",
    ),
)
SCHEDULER_LIMITS = (
    Setting(
        "limits.scheduler.minute_s",
        60,
        "Seconds a minute of a schedule's rate() lasts (1-60; tests shorten it). cron() and"
        " at() keep real time.",
    ),
)

SECTIONS = (
    Section(
        "Command line and environment only",
        "Where the data, the file and the Lambda runtimes are: no file can say that about itself.",
        (DATA, CONFIG, RUNTIMES_DIR),
    ),
    Section("Server", "", (HOST, PORT, REGION, LOG_LEVEL, S3_HOSTNAMES, WORKERS)),
    Section(
        "Root credentials",
        "The default account's root user: the environment wins over the file, the file over"
        " the values generated on first use.",
        (ACCESS_KEY, SECRET_KEY, ACCOUNT_ID),
    ),
    Section(
        "Accounts",
        "More accounts with fixed root keys, so a test set-up is reproducible. `ownstack"
        " account create` adds accounts at run time instead.",
        ACCOUNTS,
    ),
    Section(
        "Backends",
        "The engine behind each port: an engine name (`meta: postgres`) or a mapping with"
        " `engine` and that engine's options (`blobs: {engine: fs, path: blobs}`).",
        BACKENDS,
    ),
    Section("Egress", "Where outbound deliveries may connect (SNS HTTP/S subscriptions).", EGRESS),
    Section("HTTPS", "See docs/tls.md.", TLS),
    Section(
        "Limits",
        "Per service; an unknown name is refused at start. Most are AWS's quotas, some exist"
        " so that tests see slow things happen sooner.",
        HTTP_LIMITS
        + S3_LIMITS
        + SNS_LIMITS
        + LAMBDA_LIMITS
        + EVENTBRIDGE_LIMITS
        + SCHEDULER_LIMITS,
    ),
)

ALL_SETTINGS: tuple[Setting[Any], ...] = tuple(s for sec in SECTIONS for s in sec.settings)
TOP_KEYS = frozenset(s.key.split(".")[0].split("[")[0] for s in ALL_SETTINGS if s.in_file)
"""The keys ownstack.yaml may have at its top level."""


def section_keys(prefix: str) -> frozenset[str]:
    """The names under `prefix` (`tls`, `limits.lambda`): {"self_signed", "cert", ...}."""
    dotted = prefix + "."
    return frozenset(s.key[len(dotted) :] for s in ALL_SETTINGS if s.key.startswith(dotted))


def section_defaults(prefix: str) -> dict[str, Any]:
    """Name -> default of the settings under `prefix` (`limits.s3`, `backends`)."""
    dotted = prefix + "."
    return {s.key[len(dotted) :]: s.default for s in ALL_SETTINGS if s.key.startswith(dotted)}


def default_of(key: str) -> Any:
    """The default of the setting `key` (`limits.lambda.idle_s`); KeyError if there is none."""
    for setting in ALL_SETTINGS:
        if setting.key == key:
            return setting.default
    raise KeyError(key)
