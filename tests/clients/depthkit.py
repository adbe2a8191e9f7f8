"""Helpers of the S3-in-depth client tests (test_*_s3_depth.py): a module's own server with an
HTTPS port (SSE-C needs one) and fast lifecycle days, boto3 clients for it, anonymous HTTP
requests (public ACLs, CORS preflights, the website endpoint), and errors as the aws CLI
reports them."""

from __future__ import annotations

import http.client
import itertools
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clientkit import AwsCli

from ownserver import ServerHandle, free_port

# Lifecycle "days" of one second, swept every second: an expiration rule acts within seconds.
FAST_LIFECYCLE = "limits:\n  s3: {lifecycle_interval_s: 1, lifecycle_day_s: 1}\n"
_names = itertools.count()


@dataclass
class DepthServer:
    """A module's server: `handle` (plain HTTP), its HTTPS port and the CA bundle to trust."""

    handle: ServerHandle
    tls_port: int

    @property
    def ca_bundle(self) -> Path:
        return self.handle.data_dir / "tls" / "cert.pem"

    @property
    def https_endpoint(self) -> str:
        return f"https://127.0.0.1:{self.tls_port}"

    def https_client(self) -> Any:
        """boto3 S3 over HTTPS, trusting the certificate the server made."""
        return self.handle.client(
            "s3", endpoint_url=self.https_endpoint, verify=str(self.ca_bundle)
        )


def depth_server(launch_server: Callable[..., ServerHandle], root: Path) -> Iterator[DepthServer]:
    """Start the module's server (HTTP + HTTPS with a generated certificate); stop it after."""
    data = root / "data"
    data.mkdir(parents=True)
    (data / "ownstack.yaml").write_text(FAST_LIFECYCLE)
    port = free_port()
    handle = launch_server(data, args=["--tls", "--tls-port", str(port)])
    try:
        yield DepthServer(handle, port)
    finally:
        handle.stop()


def unique(stem: str) -> str:
    return f"{stem}-{next(_names)}-{uuid.uuid4().hex[:8]}"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def anonymous(port: int, method: str, path: str, headers: dict[str, str] | None = None) -> Answer:
    """An unsigned request, as a browser or `curl` sends it (header names lower-cased)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        body = resp.read()
        return Answer(resp.status, {k.lower(): v for k, v in resp.getheaders()}, body)
    finally:
        conn.close()


def xml_code(body: bytes) -> str:
    found = re.search(rb"<Code>([^<]*)</Code>", body)
    return found.group(1).decode() if found else ""


def public_read_policy(bucket: str) -> str:
    return (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",'
        f'"Action":"s3:GetObject","Resource":"arn:aws:s3:::{bucket}/*"}}]}}'
    )


# `aws --debug` logs each response's status as urllib3 sees it:
#   ... "GET /bucket/key?versionId=x HTTP/1.1" 400 None
_STATUS_LINE = re.compile(r'"[A-Z]+ [^"]* HTTP/1\.1" (\d{3}) ')
_CLI_ERROR = re.compile(
    r"An error occurred \(([^)]*)\) when calling the \w+ operation"
    r"(?: \(reached max retries: \d+\))?: (.*)"
)


def cli_error(cli: AwsCli, *args: str) -> tuple[str, int, str]:
    """Run an aws CLI command that must fail; (error code, HTTP status, message) of the last
    response, as the CLI printed them."""
    proc = cli.attempt("--debug", *args)
    assert proc.returncode != 0, f"{' '.join(args)} succeeded:\n{proc.stdout}"
    statuses = _STATUS_LINE.findall(proc.stderr)
    found = _CLI_ERROR.findall(proc.stderr)
    assert statuses and found, proc.stderr[-3000:]
    code, message = found[-1]
    return code, int(statuses[-1]), message.strip()
