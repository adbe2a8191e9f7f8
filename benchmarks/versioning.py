"""S3 versioning: a versioning bucket's 1 KiB PUT and ListObjectVersions over 100,000 versions,
each as a ratio to its unversioned counterpart measured in the same run, on the same server.

- PUT: 100,000 presigned 1 KiB PUTs over 64 keep-alive connections (benchmarks/fill.py) into
  a never-versioned bucket (one new key each) and into a versioning one (25,000 keys, 4
  versions each: 3 of 4 PUTs make an older version noncurrent). PUT/s of each.
- Listing: the whole of each bucket a page of 1,000 at a time, pages in turn on one keep-alive
  connection (SigV4-signed GETs, answers read whole but not parsed beyond the markers for the
  next page): ListObjectsV2 over the 100,000 objects, ListObjectVersions over the 100,000
  versions. Time per page (mean) and for the whole listing.
"""

from __future__ import annotations

import http.client
import re
import time
import urllib.parse
from pathlib import Path

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from benchmarks.fill import run_fill
from benchmarks.procs import ACCESS_KEY, REGION, SECRET_KEY, BenchError, running, start_ownstack
from benchmarks.report import Check, ScenarioResult, ratio
from benchmarks.targets import BUCKET, make_bucket, presigner

COUNT = 100_000
VERSIONS_PER_KEY = 4
PAGE = 1000
VERSIONED = "bench-versioned"
PUT_TARGET = 0.5
"""Versioned PUT/s at least this share of unversioned (it reads the key's head and current
version and writes three records, where an unversioned PUT writes one)."""
LIST_TARGET = 2.0
"""A ListObjectVersions page at most this many times a ListObjectsV2 page."""
_FIELD = re.compile(
    rb"<(IsTruncated|NextContinuationToken|NextKeyMarker|NextVersionIdMarker)>"
    rb"([^<]*)</"
)


def _signed_get(host: str, path: str, query: dict[str, str]) -> tuple[str, dict[str, str]]:
    target = f"{path}?{urllib.parse.urlencode(query, quote_via=urllib.parse.quote)}"
    req = AWSRequest(method="GET", url=f"http://{host}{target}")
    S3SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "s3", REGION).add_auth(req)
    return target, dict(req.headers.items())


def _list_all(port: int, bucket: str, versions: bool) -> tuple[list[float], int]:
    """Seconds per page, and how many entries were listed."""
    host = f"127.0.0.1:{port}"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    query = {"versions": "", "max-keys": str(PAGE)} if versions else {"list-type": "2"}
    query["max-keys"] = str(PAGE)
    times: list[float] = []
    entries = 0
    tag = b"<Version>" if versions else b"<Contents>"
    try:
        while True:
            target, headers = _signed_get(host, f"/{bucket}", query)
            start = time.perf_counter()
            conn.request("GET", target, headers=headers)
            resp = conn.getresponse()
            body = resp.read()
            times.append(time.perf_counter() - start)
            if resp.status != 200:
                raise BenchError(f"listing {bucket}: HTTP {resp.status} {body[:200]!r}")
            entries += body.count(tag)
            fields = {k.decode(): v.decode() for k, v in _FIELD.findall(body)}
            if fields.get("IsTruncated") != "true":
                return times, entries
            if versions:
                query["key-marker"] = fields["NextKeyMarker"]
                query["version-id-marker"] = fields["NextVersionIdMarker"]
            else:
                query["continuation-token"] = fields["NextContinuationToken"]
    finally:
        conn.close()


def run(workdir: Path, count: int = COUNT) -> ScenarioResult:
    result = ScenarioResult(f"versioning: 1 KiB PUT; listing {count:,} versions vs objects")
    with running(start_ownstack(workdir, workdir / "versioning-data")) as server:
        s3 = make_bucket(server)  # never versioned
        s3.create_bucket(Bucket=VERSIONED)
        s3.put_bucket_versioning(Bucket=VERSIONED, VersioningConfiguration={"Status": "Enabled"})
        signer = presigner(server)
        plain_targets = [signer.path("PUT", BUCKET, f"obj-{i:07d}") for i in range(count)]
        plain = run_fill(server.port, plain_targets)
        keys = max(1, count // VERSIONS_PER_KEY)
        ver_targets = [signer.path("PUT", VERSIONED, f"obj-{i % keys:07d}") for i in range(count)]
        versioned = run_fill(server.port, ver_targets)
        plain_pages, plain_listed = _list_all(server.port, BUCKET, versions=False)
        ver_pages, ver_listed = _list_all(server.port, VERSIONED, versions=True)
    for name, load in (("unversioned", plain), ("versioned", versioned)):
        result.measures[f"{name} PUT/s (1 KiB, 64 conns)"] = load.ok_per_s
        if load.failed:
            result.notes.append(f"{name}: {load.failed} PUTs failed, first: {load.first_failure}")
    put_ratio = ratio(versioned.ok_per_s, plain.ok_per_s)
    result.measures["versioned / unversioned PUT/s"] = put_ratio if put_ratio is not None else "n/a"
    plain_page = sum(plain_pages) / len(plain_pages)
    ver_page = sum(ver_pages) / len(ver_pages)
    result.measures[f"ListObjectsV2: {plain_listed:,} objects, s"] = sum(plain_pages)
    result.measures[f"ListObjectVersions: {ver_listed:,} versions, s"] = sum(ver_pages)
    result.measures["ListObjectsV2 page of 1000, ms"] = plain_page * 1000
    result.measures["ListObjectVersions page of 1000, ms"] = ver_page * 1000
    list_ratio = ratio(ver_page, plain_page)
    result.measures["version page / object page time"] = list_ratio if list_ratio else "n/a"
    if ver_listed != versioned.ok or plain_listed != plain.ok:
        result.notes.append(
            f"listed {ver_listed} versions of {versioned.ok} PUT, {plain_listed} objects of"
            f" {plain.ok}"
        )
    result.checks.append(Check("versioned PUT/s vs unversioned", put_ratio, PUT_TARGET))
    result.checks.append(
        Check("ListObjectVersions page vs ListObjectsV2", list_ratio, LIST_TARGET, at_most=True)
    )
    return result


if __name__ == "__main__":  # a quick run on its own: python -m benchmarks.versioning [COUNT]
    import sys
    import tempfile

    from benchmarks.report import render

    with tempfile.TemporaryDirectory(prefix="ownstack-bench-") as tmp:
        Path(tmp).chmod(0o755)
        print(render([run(Path(tmp), int(sys.argv[1]) if len(sys.argv) > 1 else COUNT)]))
