"""The s3 engine: the blob port on an upstream S3-compatible store, shared by any number of
ownstack processes.

Options (ownstack.yaml `backends: {blobs: {engine: s3, ...}}`): `endpoint` (http(s)://host:port,
required), `bucket` (required, must exist), `access_key` / `secret_key` (default
$OWNSTACK_BLOBS_ACCESS_KEY / $OWNSTACK_BLOBS_SECRET_KEY), `region` (default us-east-1), `prefix`
(default "blobs/"), `part_size` (bytes per multipart part, default 8 MiB, at least 5 MiB),
`inline_read_limit` (default 8 MiB, see S3Blobs.open_range), `connect_timeout` (default 5 s),
`read_timeout` (default 30 s: the longest any one wait on the upstream may stall),
`max_idle_connections` (kept open for reuse, default 32).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from ownstack.backends.s3.api import S3Api
from ownstack.backends.s3.blobs import S3Blobs
from ownstack.backends.s3.http import HttpPool, Origin, Timeouts
from ownstack.backends.s3.signing import Signer
from ownstack.backends.s3.writer import MIN_PART
from ownstack.ports.engine import Engine, EngineContext, EngineOption

ACCESS_KEY_ENV = "OWNSTACK_BLOBS_ACCESS_KEY"
SECRET_KEY_ENV = "OWNSTACK_BLOBS_SECRET_KEY"  # noqa: S105  # a variable name
DEFAULT_PREFIX = "blobs/"
DEFAULT_REGION = "us-east-1"
DEFAULT_PART_SIZE = 8 << 20
DEFAULT_INLINE_READ_LIMIT = 8 << 20
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 30.0
DEFAULT_MAX_IDLE_CONNECTIONS = 32


def open_blobs(ctx: EngineContext) -> S3Blobs:
    """Builds the store without connecting (the first request connects; `health` checks)."""
    opts = ctx.options
    endpoint = _required(opts, "endpoint")
    bucket = _required(opts, "bucket")
    access_key = str(opts.get("access_key") or os.environ.get(ACCESS_KEY_ENV) or "")
    secret_key = str(opts.get("secret_key") or os.environ.get(SECRET_KEY_ENV) or "")
    if not access_key or not secret_key:
        raise ValueError(
            f"the s3 blob engine needs access_key and secret_key (options or ${ACCESS_KEY_ENV}"
            f" / ${SECRET_KEY_ENV})"
        )
    part_size = int(opts.get("part_size", DEFAULT_PART_SIZE))
    if part_size < MIN_PART:
        raise ValueError(f"part_size must be at least {MIN_PART} bytes (S3's smallest part)")
    timeouts = Timeouts(
        connect=float(opts.get("connect_timeout", DEFAULT_CONNECT_TIMEOUT)),
        read=float(opts.get("read_timeout", DEFAULT_READ_TIMEOUT)),
    )
    idle = int(opts.get("max_idle_connections", DEFAULT_MAX_IDLE_CONNECTIONS))
    pool = HttpPool(Origin.parse(endpoint), timeouts, idle)
    signer = Signer(access_key, secret_key, str(opts.get("region") or DEFAULT_REGION))
    return S3Blobs(
        S3Api(pool, signer, bucket),
        str(opts.get("prefix", DEFAULT_PREFIX)),
        part_size=part_size,
        inline_read_limit=int(opts.get("inline_read_limit", DEFAULT_INLINE_READ_LIMIT)),
        spool_dir=ctx.data_dir if ctx.data_dir.is_dir() else None,
    )


def _required(opts: Mapping[str, Any], name: str) -> str:
    value = opts.get(name)
    if not value:
        raise ValueError(f"the s3 blob engine needs the {name!r} option")
    return str(value)


engine = Engine(
    name="s3",
    factories={"blobs": open_blobs},
    shared_ports=frozenset({"blobs"}),  # the upstream bucket is the shared state
    options=(
        EngineOption(
            "endpoint", None, "The upstream's URL, http(s)://host:port.", shown_default="required"
        ),
        EngineOption("bucket", None, "The upstream bucket (must exist).", shown_default="required"),
        EngineOption("access_key", None, "The upstream's access key id.", env=ACCESS_KEY_ENV),
        EngineOption("secret_key", None, "Its secret access key.", env=SECRET_KEY_ENV),
        EngineOption("region", DEFAULT_REGION, "The upstream's region (SigV4 scope)."),
        EngineOption("prefix", DEFAULT_PREFIX, "Key prefix of the blobs in the bucket."),
        EngineOption("part_size", DEFAULT_PART_SIZE, "Bytes per multipart part (at least 5 MiB)."),
        EngineOption(
            "inline_read_limit",
            DEFAULT_INLINE_READ_LIMIT,
            "Ranges up to this many bytes are read into memory; longer ones are spooled to a"
            " temporary file.",
        ),
        EngineOption("connect_timeout", DEFAULT_CONNECT_TIMEOUT, "Seconds to connect."),
        EngineOption(
            "read_timeout",
            DEFAULT_READ_TIMEOUT,
            "The longest, in seconds, any one wait on the upstream may stall.",
        ),
        EngineOption(
            "max_idle_connections", DEFAULT_MAX_IDLE_CONNECTIONS, "Connections kept open for reuse."
        ),
    ),
)

__all__ = ["S3Blobs", "engine", "open_blobs"]
