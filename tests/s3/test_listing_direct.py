"""ListObjects / ListObjectsV2 / ListObjectVersions called on the service directly (memory
backends), plus a property test of V2 paging against a reference model."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ownstack.backends.memory import MemoryBlobs, MemoryMeta
from ownstack.core.clock import ManualClock
from ownstack.core.context import Principal, RequestContext
from ownstack.core.errors import ServiceError
from ownstack.ports.meta import Put, Record
from ownstack.services.s3.base import canonical_user_id
from ownstack.services.s3.listing import ListingOps
from ownstack.services.s3.records import BUCKETS, BucketRecord, ObjectRecord, objects_ns

ACCOUNT = "123456789012"
CTX = RequestContext(
    request_id="t",
    account_id=ACCOUNT,
    region="us-east-1",
    principal=Principal(ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT, "AKIAEXAMPLE"),
)
BUCKET = BucketRecord(
    name="bkt", id="bid", account_id=ACCOUNT, region="us-east-1", created=1.0, owner_name="me"
)
T0 = 1_700_000_000.0


class CountingMeta(MemoryMeta):
    """The memory store, counting scans (to prove prefixes are skipped, not walked)."""

    def __init__(self) -> None:
        super().__init__()
        self.scans = 0

    async def scan(self, ns: str, **kwargs: Any) -> list[Record]:
        self.scans += 1
        return await super().scan(ns, **kwargs)


def make_service(meta: MemoryMeta) -> ListingOps:
    svc = ListingOps(meta, MemoryBlobs(), ManualClock(T0))
    asyncio.run(meta.commit([Put(BUCKETS, BUCKET.name, BUCKET.encode())]))
    return svc


def add_keys(meta: MemoryMeta, keys: list[str], **extra: Any) -> None:
    ops = []
    for i, key in enumerate(keys):
        rec = ObjectRecord(
            size=i, etag=f'"{i:032x}"', last_modified=T0 + i, inline=b"x" * i, **extra
        )
        ops.append(Put(objects_ns(BUCKET.id), key, rec.encode()))
    asyncio.run(meta.commit(ops))


def call(svc: ListingOps, op: str, **params: Any) -> dict[str, Any]:
    result: dict[str, Any] = asyncio.run(getattr(svc, op)(CTX, {"Bucket": "bkt", **params}))
    return result


def error(svc: ListingOps, op: str, **params: Any) -> ServiceError:
    with pytest.raises(ServiceError) as info:
        call(svc, op, **params)
    return info.value


def keys_of(result: dict[str, Any]) -> list[str]:
    return [c["Key"] for c in result.get("Contents", [])]


def prefixes_of(result: dict[str, Any]) -> list[str]:
    return [c["Prefix"] for c in result.get("CommonPrefixes", [])]


@pytest.fixture
def meta() -> CountingMeta:
    return CountingMeta()


@pytest.fixture
def svc(meta: CountingMeta) -> ListingOps:
    return make_service(meta)


def test_v2_lists_every_field_in_utf8_order(svc: ListingOps, meta: MemoryMeta) -> None:
    add_keys(
        meta,
        ["b", "a", "é", "Z", "a/b"],
        checksums={"ChecksumCRC32": "AAAAAA=="},
        checksum_type="FULL_OBJECT",
    )
    result = call(svc, "list_objects_v2")
    assert keys_of(result) == ["Z", "a", "a/b", "b", "é"]
    assert result["KeyCount"] == 5
    assert result["IsTruncated"] is False
    assert result["MaxKeys"] == 1000
    assert result["Name"] == "bkt"
    assert result["Prefix"] == ""
    assert "NextContinuationToken" not in result
    first = result["Contents"][0]
    assert first == {
        "Key": "Z",
        "LastModified": datetime.fromtimestamp(T0 + 3, tz=UTC),
        "ETag": f'"{3:032x}"',
        "Size": 3,
        "StorageClass": "STANDARD",
        "ChecksumAlgorithm": ["CRC32"],
        "ChecksumType": "FULL_OBJECT",
    }


def test_v2_owner_only_with_fetch_owner(svc: ListingOps, meta: MemoryMeta) -> None:
    add_keys(meta, ["k"])
    assert "Owner" not in call(svc, "list_objects_v2")["Contents"][0]
    owned = call(svc, "list_objects_v2", FetchOwner=True)["Contents"][0]
    assert owned["Owner"] == {"ID": canonical_user_id(ACCOUNT), "DisplayName": "me"}


def test_v2_paging_with_continuation_token(svc: ListingOps, meta: MemoryMeta) -> None:
    add_keys(meta, [f"k{i:02d}" for i in range(7)])
    first = call(svc, "list_objects_v2", MaxKeys=3)
    assert keys_of(first) == ["k00", "k01", "k02"]
    assert first["IsTruncated"] is True and first["KeyCount"] == 3
    token = first["NextContinuationToken"]
    second = call(svc, "list_objects_v2", MaxKeys=3, ContinuationToken=token)
    assert keys_of(second) == ["k03", "k04", "k05"]
    assert second["ContinuationToken"] == token
    third = call(
        svc, "list_objects_v2", MaxKeys=3, ContinuationToken=second["NextContinuationToken"]
    )
    assert keys_of(third) == ["k06"]
    assert third["IsTruncated"] is False
    assert "NextContinuationToken" not in third


def test_v2_bad_continuation_token(svc: ListingOps) -> None:
    err = error(svc, "list_objects_v2", ContinuationToken="!!not-a-token")
    assert (err.code, err.status, err.message) == (
        "InvalidArgument",
        400,
        "The continuation token provided is incorrect",
    )
    assert err.fields["ArgumentName"] == "continuation-token"


def test_v2_delimiter_rolls_up_common_prefixes(svc: ListingOps, meta: MemoryMeta) -> None:
    add_keys(meta, ["a/1", "a/2", "b", "c/x/1", "c/y", "d"])
    result = call(svc, "list_objects_v2", Delimiter="/")
    assert keys_of(result) == ["b", "d"]
    assert prefixes_of(result) == ["a/", "c/"]
    assert result["KeyCount"] == 4
    assert result["Delimiter"] == "/"
    nested = call(svc, "list_objects_v2", Delimiter="/", Prefix="c/")
    assert keys_of(nested) == ["c/y"]
    assert prefixes_of(nested) == ["c/x/"]
    assert nested["Prefix"] == "c/"


def test_v2_common_prefix_counts_once_toward_max_keys(svc: ListingOps, meta: MemoryMeta) -> None:
    add_keys(meta, ["a/1", "a/2", "a/3", "b", "c/1"])
    page1 = call(svc, "list_objects_v2", Delimiter="/", MaxKeys=2)
    assert prefixes_of(page1) == ["a/"] and keys_of(page1) == ["b"]
    assert page1["IsTruncated"] is True
    page2 = call(
        svc,
        "list_objects_v2",
        Delimiter="/",
        MaxKeys=2,
        ContinuationToken=page1["NextContinuationToken"],
    )
    assert prefixes_of(page2) == ["c/"] and keys_of(page2) == []
    assert page2["IsTruncated"] is False


def test_v2_page_ending_on_prefix_resumes_after_it(svc: ListingOps, meta: MemoryMeta) -> None:
    add_keys(meta, ["a/1", "a/2", "b"])
    page1 = call(svc, "list_objects_v2", Delimiter="/", MaxKeys=1)
    assert prefixes_of(page1) == ["a/"] and page1["IsTruncated"] is True
    page2 = call(
        svc,
        "list_objects_v2",
        Delimiter="/",
        MaxKeys=1,
        ContinuationToken=page1["NextContinuationToken"],
    )
    assert keys_of(page2) == ["b"] and prefixes_of(page2) == []
    assert page2["IsTruncated"] is False


def test_huge_common_prefix_is_skipped_in_few_scans(svc: ListingOps, meta: CountingMeta) -> None:
    add_keys(meta, [f"big/{i:06d}" for i in range(30_000)] + ["a", "z/1", "zz"])
    meta.scans = 0
    result = call(svc, "list_objects_v2", Delimiter="/")
    assert keys_of(result) == ["a", "zz"]
    assert prefixes_of(result) == ["big/", "z/"]
    assert meta.scans <= 5


def test_v2_start_after_and_prefix(svc: ListingOps, meta: MemoryMeta) -> None:
    add_keys(meta, ["p/a", "p/b", "p/c", "q"])
    result = call(svc, "list_objects_v2", Prefix="p/", StartAfter="p/a")
    assert keys_of(result) == ["p/b", "p/c"]
    assert result["StartAfter"] == "p/a"
    assert keys_of(call(svc, "list_objects_v2", StartAfter="zzz")) == []


def test_v2_max_keys_zero_and_cap(svc: ListingOps, meta: MemoryMeta) -> None:
    add_keys(meta, [f"k{i:04d}" for i in range(1001)])
    zero = call(svc, "list_objects_v2", MaxKeys=0)
    assert "Contents" not in zero
    assert zero["KeyCount"] == 0 and zero["MaxKeys"] == 0
    assert zero["IsTruncated"] is False and "NextContinuationToken" not in zero
    v1 = call(svc, "list_objects", MaxKeys=0, Delimiter="/")
    assert "Contents" not in v1 and v1["IsTruncated"] is False and "NextMarker" not in v1
    capped = call(svc, "list_objects_v2", MaxKeys=5000)
    assert capped["KeyCount"] == 1000 and capped["MaxKeys"] == 1000
    assert capped["IsTruncated"] is True
    err = error(svc, "list_objects_v2", MaxKeys=-1)
    assert (err.code, err.status) == ("InvalidArgument", 400)


def test_encoding_type_url(svc: ListingOps, meta: MemoryMeta) -> None:
    add_keys(meta, ["a b/c+d", "é&x"])
    result = call(svc, "list_objects_v2", EncodingType="url", Delimiter="/", Prefix="")
    assert keys_of(result) == ["%C3%A9%26x"]
    assert prefixes_of(result) == ["a+b/"]
    assert result["EncodingType"] == "url"
    assert result["Delimiter"] == "/"
    flat = call(svc, "list_objects", EncodingType="url", Marker="a b")
    assert keys_of(flat) == ["a+b/c%2Bd", "%C3%A9%26x"]
    assert flat["Marker"] == "a+b"


def test_invalid_encoding_type(svc: ListingOps) -> None:
    for op in ("list_objects", "list_objects_v2", "list_object_versions"):
        err = error(svc, op, EncodingType="base64")
        assert (err.code, err.status, err.message) == (
            "InvalidArgument",
            400,
            "Invalid Encoding Method specified in Request",
        )
        assert err.fields == {"ArgumentName": "encoding-type", "ArgumentValue": "base64"}


def test_no_such_bucket(svc: ListingOps) -> None:
    with pytest.raises(ServiceError) as info:
        asyncio.run(svc.list_objects_v2(CTX, {"Bucket": "nope"}))
    assert (info.value.code, info.value.status) == ("NoSuchBucket", 404)
    assert info.value.fields == {"BucketName": "nope"}


def test_v1_marker_and_next_marker_only_with_delimiter(svc: ListingOps, meta: MemoryMeta) -> None:
    add_keys(meta, ["a", "b/1", "b/2", "c", "d"])
    plain = call(svc, "list_objects", MaxKeys=2)
    assert keys_of(plain) == ["a", "b/1"]
    assert plain["IsTruncated"] is True
    assert plain["Marker"] == ""
    assert "NextMarker" not in plain
    assert plain["Contents"][0]["Owner"] == {"ID": canonical_user_id(ACCOUNT), "DisplayName": "me"}
    resumed = call(svc, "list_objects", MaxKeys=2, Marker="b/1")
    assert keys_of(resumed) == ["b/2", "c"]
    grouped = call(svc, "list_objects", MaxKeys=2, Delimiter="/")
    assert keys_of(grouped) == ["a"] and prefixes_of(grouped) == ["b/"]
    assert grouped["NextMarker"] == "b/"
    rest = call(svc, "list_objects", MaxKeys=2, Delimiter="/", Marker="b/")
    assert keys_of(rest) == ["c", "d"] and prefixes_of(rest) == []
    assert rest["IsTruncated"] is False and "NextMarker" not in rest


def test_list_object_versions(svc: ListingOps, meta: MemoryMeta) -> None:
    add_keys(meta, ["a", "b/1", "c"])
    result = call(svc, "list_object_versions", MaxKeys=1)
    assert result["Versions"] == [
        {
            "Key": "a",
            "LastModified": datetime.fromtimestamp(T0, tz=UTC),
            "ETag": f'"{0:032x}"',
            "Size": 0,
            "StorageClass": "STANDARD",
            "VersionId": "null",
            "IsLatest": True,
            "Owner": {"ID": canonical_user_id(ACCOUNT), "DisplayName": "me"},
        }
    ]
    assert result["IsTruncated"] is True
    assert (result["NextKeyMarker"], result["NextVersionIdMarker"]) == ("a", "null")
    assert (result["KeyMarker"], result["VersionIdMarker"]) == ("", "")
    nxt = call(svc, "list_object_versions", KeyMarker="a", VersionIdMarker="null", Delimiter="/")
    assert [v["Key"] for v in nxt["Versions"]] == ["c"]
    assert prefixes_of(nxt) == ["b/"]
    assert nxt["IsTruncated"] is False


def test_list_object_versions_marker_errors(svc: ListingOps) -> None:
    err = error(svc, "list_object_versions", VersionIdMarker="null")
    assert (err.code, err.message) == (
        "InvalidArgument",
        "A version-id marker cannot be specified without a key marker.",
    )
    err = error(svc, "list_object_versions", KeyMarker="a", VersionIdMarker="bogus")
    assert (err.code, err.message) == ("InvalidArgument", "Invalid version id specified")


# Property: concatenating every V2 page equals the reference listing.


def reference(keys: set[str], prefix: str, delimiter: str, after: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for key in sorted(keys):
        if not key.startswith(prefix) or key <= after:
            continue
        rest = key[len(prefix) :]
        if delimiter and delimiter in rest:
            cp = prefix + rest[: rest.index(delimiter) + len(delimiter)]
            # A prefix sorting at or before the marker counts as listed already: a marker
            # inside a rolled-up prefix (or naming it) skips it, as S3 does.
            if cp > after and (not out or out[-1] != ("p", cp)):
                out.append(("p", cp))
        else:
            out.append(("k", key))
    return out


def all_pages(svc: ListingOps, params: dict[str, Any]) -> list[tuple[str, str]]:
    got: list[tuple[str, str]] = []
    token = None
    for _ in range(500):
        extra = {} if token is None else {"ContinuationToken": token}
        page = call(svc, "list_objects_v2", **params, **extra)
        entries = [("k", k) for k in keys_of(page)] + [("p", p) for p in prefixes_of(page)]
        assert page["KeyCount"] == len(entries) <= params["MaxKeys"]
        got.extend(sorted(entries, key=lambda e: e[1]))
        if not page["IsTruncated"]:
            return got
        token = page["NextContinuationToken"]
    raise AssertionError("listing never ended")


KEYS = st.sets(st.text(alphabet="ab/é", min_size=1, max_size=6), max_size=25)


@settings(max_examples=120, deadline=None)
@given(
    keys=KEYS,
    prefix=st.sampled_from(["", "a", "a/", "b/", "é"]),
    delimiter=st.sampled_from(["", "/", "b", "a/"]),
    max_keys=st.integers(min_value=1, max_value=6),
    start_after=st.sampled_from(["", "a", "a/b", "b"]),
)
def test_v2_paging_matches_reference(
    keys: set[str], prefix: str, delimiter: str, max_keys: int, start_after: str
) -> None:
    meta = MemoryMeta()
    svc = make_service(meta)
    add_keys(meta, sorted(keys))
    params: dict[str, Any] = {"Prefix": prefix, "MaxKeys": max_keys}
    if delimiter:
        params["Delimiter"] = delimiter
    if start_after:
        params["StartAfter"] = start_after
    assert all_pages(svc, params) == reference(keys, prefix, delimiter, start_after)


def all_pages_v1(svc: ListingOps, params: dict[str, Any]) -> list[tuple[str, str]]:
    """ListObjects paging as the SDKs do it: NextMarker, or the last key without a delimiter."""
    got: list[tuple[str, str]] = []
    marker = ""
    for _ in range(500):
        page = call(svc, "list_objects", **params, Marker=marker)
        entries = [("k", k) for k in keys_of(page)] + [("p", p) for p in prefixes_of(page)]
        got.extend(sorted(entries, key=lambda e: e[1]))
        if not page["IsTruncated"]:
            return got
        marker = page.get("NextMarker") or keys_of(page)[-1]
    raise AssertionError("listing never ended")


def all_pages_versions(svc: ListingOps, params: dict[str, Any]) -> list[tuple[str, str]]:
    got: list[tuple[str, str]] = []
    markers: dict[str, str] = {}
    for _ in range(500):
        page = call(svc, "list_object_versions", **params, **markers)
        versions = [("k", v["Key"]) for v in page.get("Versions", [])]
        entries = versions + [("p", p) for p in prefixes_of(page)]
        got.extend(sorted(entries, key=lambda e: e[1]))
        if not page["IsTruncated"]:
            return got
        markers = {"KeyMarker": page["NextKeyMarker"]}
        if "NextVersionIdMarker" in page:
            markers["VersionIdMarker"] = page["NextVersionIdMarker"]
    raise AssertionError("listing never ended")


@settings(max_examples=80, deadline=None)
@given(
    keys=KEYS,
    prefix=st.sampled_from(["", "a", "a/", "é"]),
    delimiter=st.sampled_from(["", "/", "b"]),
    max_keys=st.integers(min_value=1, max_value=5),
)
def test_v1_and_versions_paging_match_reference(
    keys: set[str], prefix: str, delimiter: str, max_keys: int
) -> None:
    meta = MemoryMeta()
    svc = make_service(meta)
    add_keys(meta, sorted(keys))
    params: dict[str, Any] = {"Prefix": prefix, "MaxKeys": max_keys}
    if delimiter:
        params["Delimiter"] = delimiter
    expected = reference(keys, prefix, delimiter, "")
    assert all_pages_v1(svc, params) == expected
    assert all_pages_versions(svc, params) == expected
