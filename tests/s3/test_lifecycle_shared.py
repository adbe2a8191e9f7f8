"""Two real ownstack processes sharing one PostgreSQL meta schema, each with a lifecycle day of a
second: a bucket's due objects are expired once, by the one process holding the sweep's lease,
and the other takes the sweep over when the holder stops. Skipped, saying why, where PostgreSQL
is not reachable."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from lifecyclekit import bucket, keys, wait_for

from conformance.kit import postgres_options, postgres_unreachable
from ownstack.backends import postgres

PAST = datetime(2020, 1, 1, tzinfo=UTC)
_SWEPT = re.compile(r"lifecycle: (\d+) expired")


@pytest.fixture(scope="module")
def pair(
    tmp_path_factory: pytest.TempPathFactory, launch_server: Callable[..., Any]
) -> Iterator[list[Any]]:
    if (why := postgres_unreachable()) is not None:
        pytest.skip(why)
    if not postgres.engine.provides("meta"):
        pytest.skip("the postgres engine does not provide the meta port")
    root = tmp_path_factory.mktemp("lifecycle-shared")
    meta = {"engine": "postgres", **postgres_options(root / "schema")}
    servers: list[Any] = []
    try:
        for name in ("one", "two"):
            data = root / name
            data.mkdir()
            (data / "ownstack.yaml").write_text(
                f"backends: {json.dumps({'meta': meta})}\n"
                "limits:\n  s3: {lifecycle_interval_s: 1, lifecycle_day_s: 1}\n"
            )
            servers.append(launch_server(data))
        yield servers
    finally:
        for server in servers:
            server.stop()


def expired_by(server: Any) -> int:
    """How many objects this process's sweeps expired (its log's INFO lines)."""
    return sum(int(n) for n in _SWEPT.findall(server.log()))


def test_one_process_sweeps_and_the_other_takes_over(pair: list[Any]) -> None:
    one, two = pair
    s3 = one.client("s3")
    name = bucket(s3)
    for i in range(20):  # small: inline in the shared meta records, no blob files
        s3.put_object(Bucket=name, Key=f"due/{i}", Body=b"d")
    s3.put_object(Bucket=name, Key="kept", Body=b"k")
    rule = {"ID": "r", "Filter": {"Prefix": "due/"}, "Status": "Enabled"}
    s3.put_bucket_lifecycle_configuration(
        Bucket=name, LifecycleConfiguration={"Rules": [{**rule, "Expiration": {"Date": PAST}}]}
    )
    wait_for(lambda: keys(s3, name) == {"kept"}, what="expiry")
    wait_for(lambda: expired_by(one) + expired_by(two) == 20, what="the sweep's log")
    # One process did it all: the other never held the lease.
    assert sorted((expired_by(one), expired_by(two))) == [0, 20]
    holder, other = (one, two) if expired_by(one) else (two, one)

    holder.stop()  # a clean stop releases the lease: the other takes over
    s3 = other.client("s3")
    for i in range(5):
        s3.put_object(Bucket=name, Key=f"due/late{i}", Body=b"d")
    wait_for(lambda: keys(s3, name) == {"kept"}, what="expiry by the other process")
    wait_for(lambda: expired_by(other) == 5, what="the other process's sweep")
