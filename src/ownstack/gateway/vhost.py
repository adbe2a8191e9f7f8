"""S3 virtual-hosted-style addressing: `<bucket>.<base>[:port]` -> path style `/<bucket>/<key>`.

Bases are the configured host names (`s3_hostnames`) plus AWS's own shapes
(`s3.amazonaws.com`, `s3.<region>.amazonaws.com`, `s3-<region>.amazonaws.com`), so clients
that build AWS host names still land here. A bucket name may itself contain dots, so the
longest matching base wins and everything before it is the bucket.
"""

from __future__ import annotations

import re

_CACHE_LIMIT = 1024
"""Distinct Host headers remembered; a client only ever sends a few, but a scan of made-up
ones must not grow the cache without bound (it is emptied when full)."""

_AWS_HOST = re.compile(
    r"^(?P<bucket>.+)\.s3(?:[.-][a-z0-9-]+)?(?:\.dualstack\.[a-z0-9-]+)?\.amazonaws\.com$"
)


def strip_port(host: str) -> str:
    if host.startswith("["):  # IPv6 literal: never a virtual host
        return host
    name, _, _ = host.partition(":")
    return name.lower().rstrip(".")


class VirtualHosts:
    def __init__(self, bases: tuple[str, ...]) -> None:
        self._bases = tuple(sorted({b.lower() for b in bases}, key=len, reverse=True))
        self._exact = frozenset(self._bases)
        # Host header -> bucket (or None): the answer depends on the text alone, and most
        # requests repeat one Host, so this skips the parsing and the bases scan (~3 us).
        self._known: dict[str, str | None] = {}

    def bucket_of(self, host_header: str | None) -> str | None:
        """The bucket a virtual-hosted-style Host names, or None for path style."""
        if not host_header:
            return None
        known = self._known
        if host_header in known:
            return known[host_header]
        if len(known) >= _CACHE_LIMIT:
            known.clear()
        bucket = known[host_header] = self._bucket_of(host_header)
        return bucket

    def _bucket_of(self, host_header: str) -> str | None:
        host = strip_port(host_header)
        if host in self._exact:
            return None
        for base in self._bases:
            if host.endswith(base) and host[-len(base) - 1 : -len(base)] == ".":
                return host[: -len(base) - 1]
        match = _AWS_HOST.match(host)
        return match.group("bucket") if match else None


def path_style(bucket: str, path: str) -> str:
    """The path-style path for a virtual-hosted request's raw (still percent-encoded) path;
    the key keeps its encoding byte for byte."""
    if path in ("", "/"):
        return f"/{bucket}"
    return f"/{bucket}{path}" if path.startswith("/") else f"/{bucket}/{path}"
