"""Listings end to end: a real server driven by boto3."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def bucket(s3: Any) -> str:
    name = f"list-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


def put(s3: Any, bucket: str, *keys: str) -> dict[str, str]:
    return {k: s3.put_object(Bucket=bucket, Key=k, Body=k.encode())["ETag"] for k in keys}


def keys(result: dict[str, Any]) -> list[str]:
    return [c["Key"] for c in result.get("Contents", [])]


def prefixes(result: dict[str, Any]) -> list[str]:
    return [c["Prefix"] for c in result.get("CommonPrefixes", [])]


def error_of(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    err = info.value.response
    return (
        err["Error"]["Code"],
        err["ResponseMetadata"]["HTTPStatusCode"],
        err["Error"]["Message"],
    )


def test_v2_contents_and_order(s3: Any, bucket: str) -> None:
    etags = put(s3, bucket, "b", "a", "é", "Z", "a/b c")
    result = s3.list_objects_v2(Bucket=bucket)
    assert keys(result) == ["Z", "a", "a/b c", "b", "é"]
    assert result["KeyCount"] == 5 and result["MaxKeys"] == 1000
    assert result["IsTruncated"] is False and result["Name"] == bucket
    first = result["Contents"][0]
    assert first["ETag"] == etags["Z"]
    assert first["Size"] == 1
    assert first["StorageClass"] == "STANDARD"
    assert isinstance(first["LastModified"], datetime) and first["LastModified"].tzinfo
    assert abs((datetime.now(UTC) - first["LastModified"]).total_seconds()) < 600
    assert "Owner" not in first
    owned = s3.list_objects_v2(Bucket=bucket, FetchOwner=True)["Contents"][0]
    assert len(owned["Owner"]["ID"]) == 64


def test_v2_delimiter_and_paginator(s3: Any, bucket: str) -> None:
    put(s3, bucket, "a/1", "a/2", "b", "c/x/1", "c/y", "d")
    result = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert keys(result) == ["b", "d"] and prefixes(result) == ["a/", "c/"]
    assert result["KeyCount"] == 4 and result["Delimiter"] == "/"
    pages = list(
        s3.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Delimiter="/", PaginationConfig={"PageSize": 1}
        )
    )
    got = [(keys(p), prefixes(p)) for p in pages]
    assert got == [([], ["a/"]), (["b"], []), ([], ["c/"]), (["d"], [])]
    assert [p["IsTruncated"] for p in pages] == [True, True, True, False]
    flat = list(
        s3.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix="c/", PaginationConfig={"PageSize": 1}
        )
    )
    assert [k for p in flat for k in keys(p)] == ["c/x/1", "c/y"]


def test_v2_start_after_and_max_keys_zero(s3: Any, bucket: str) -> None:
    put(s3, bucket, "p/a", "p/b", "q")
    result = s3.list_objects_v2(Bucket=bucket, StartAfter="p/a")
    assert keys(result) == ["p/b", "q"] and result["StartAfter"] == "p/a"
    zero = s3.list_objects_v2(Bucket=bucket, MaxKeys=0)
    assert "Contents" not in zero and zero["KeyCount"] == 0 and zero["MaxKeys"] == 0
    assert zero["IsTruncated"] is False


def test_empty_delimiter_is_no_delimiter(s3: Any, bucket: str) -> None:
    put(s3, bucket, "x/1", "y")
    # `delimiter=` groups nothing and, like an absent one, is not echoed back.
    for result in (
        s3.list_objects(Bucket=bucket, Delimiter=""),
        s3.list_objects_v2(Bucket=bucket, Delimiter=""),
    ):
        assert keys(result) == ["x/1", "y"] and prefixes(result) == []
        assert "Delimiter" not in result
    versions = s3.list_object_versions(Bucket=bucket, Delimiter="")
    assert [v["Key"] for v in versions["Versions"]] == ["x/1", "y"]
    assert "Delimiter" not in versions


def test_v2_empty_continuation_token_lists_from_the_start(s3: Any, bucket: str) -> None:
    # `continuation-token=` (an SDK paginator's first page) is no token: S3 lists from the
    # start, honours StartAfter, and echoes the empty token; only a non-empty token it did
    # not issue is "incorrect".
    put(s3, bucket, "m", "n")
    first = s3.list_objects_v2(Bucket=bucket, ContinuationToken="")
    assert keys(first) == ["m", "n"]
    assert first["ContinuationToken"] == ""
    assert first["IsTruncated"] is False
    after = s3.list_objects_v2(Bucket=bucket, ContinuationToken="", StartAfter="m")
    assert keys(after) == ["n"]
    with pytest.raises(ClientError) as exc:
        s3.list_objects_v2(Bucket=bucket, ContinuationToken="bogus")
    err = exc.value.response["Error"]
    assert (err["Code"], exc.value.response["ResponseMetadata"]["HTTPStatusCode"]) == (
        "InvalidArgument",
        400,
    )
    assert err["Message"] == "The continuation token provided is incorrect"
    assert err["ArgumentName"] == "continuation-token"


def test_encoding_type_url(s3: Any, bucket: str) -> None:
    put(s3, bucket, "a b/c+d", "é&x")
    # boto3 asks for url encoding itself and decodes the answer transparently...
    assert keys(s3.list_objects_v2(Bucket=bucket)) == ["a b/c+d", "é&x"]
    # ...but leaves the names encoded when the caller asked for it.
    raw = s3.list_objects_v2(Bucket=bucket, EncodingType="url", Delimiter="/")
    assert keys(raw) == ["%C3%A9%26x"] and prefixes(raw) == ["a+b/"]
    assert raw["EncodingType"] == "url"
    with pytest.raises(ClientError) as info:
        s3.list_objects_v2(Bucket=bucket, EncodingType="base64")
    assert error_of(info) == (
        "InvalidArgument",
        400,
        "Invalid Encoding Method specified in Request",
    )


def test_v1_markers(s3: Any, bucket: str) -> None:
    put(s3, bucket, "a", "b/1", "b/2", "c")
    plain = s3.list_objects(Bucket=bucket, MaxKeys=2)
    assert keys(plain) == ["a", "b/1"] and plain["IsTruncated"] is True
    assert "NextMarker" not in plain
    assert len(plain["Contents"][0]["Owner"]["ID"]) == 64
    assert keys(s3.list_objects(Bucket=bucket, Marker="b/1")) == ["b/2", "c"]
    grouped = s3.list_objects(Bucket=bucket, MaxKeys=2, Delimiter="/")
    assert keys(grouped) == ["a"] and prefixes(grouped) == ["b/"]
    assert grouped["NextMarker"] == "b/"
    rest = s3.list_objects(Bucket=bucket, Delimiter="/", Marker=grouped["NextMarker"])
    assert keys(rest) == ["c"] and prefixes(rest) == [] and rest["IsTruncated"] is False


def test_list_object_versions(s3: Any, bucket: str) -> None:
    etags = put(s3, bucket, "a", "b")
    result = s3.list_object_versions(Bucket=bucket, MaxKeys=1)
    (version,) = result["Versions"]
    assert (version["Key"], version["VersionId"], version["IsLatest"]) == ("a", "null", True)
    assert version["ETag"] == etags["a"] and version["Size"] == 1
    assert result["IsTruncated"] is True
    assert (result["NextKeyMarker"], result["NextVersionIdMarker"]) == ("a", "null")
    rest = s3.list_object_versions(Bucket=bucket, KeyMarker="a", VersionIdMarker="null")
    assert [v["Key"] for v in rest["Versions"]] == ["b"]
    assert rest["IsTruncated"] is False


def test_list_missing_bucket(s3: Any) -> None:
    with pytest.raises(ClientError) as info:
        s3.list_objects_v2(Bucket=f"nope-{uuid.uuid4().hex[:8]}")
    assert error_of(info)[:2] == ("NoSuchBucket", 404)


def test_listed_times_are_whole_seconds(server: Any) -> None:
    """S3 writes listing times as "2023-11-15T12:02:40.000Z": the precision of Last-Modified."""
    s3 = server.client("s3")
    bucket = f"ts-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="m")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="m", UploadId=upload_id, PartNumber=1, Body=b"p")
    times = [
        s3.list_objects(Bucket=bucket)["Contents"][0]["LastModified"],
        s3.list_objects_v2(Bucket=bucket)["Contents"][0]["LastModified"],
        s3.list_multipart_uploads(Bucket=bucket)["Uploads"][0]["Initiated"],
        s3.list_parts(Bucket=bucket, Key="m", UploadId=upload_id)["Parts"][0]["LastModified"],
    ]
    assert [t.microsecond for t in times] == [0, 0, 0, 0]


def test_marker_inside_a_common_prefix_skips_that_prefix(server: Any) -> None:
    s3 = server.client("s3")
    bucket = f"mk-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    for key in ("d/a/1", "d/a/2", "d/file1", "d/file2"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
        s3.create_multipart_upload(Bucket=bucket, Key=key)
    # "d/a/" sorts before the marker "d/a/1": it is not listed again.
    page = s3.list_objects(Bucket=bucket, Prefix="d/", Delimiter="/", MaxKeys=1, Marker="d/a/1")
    assert [c["Key"] for c in page["Contents"]] == ["d/file1"]
    assert "CommonPrefixes" not in page
    uploads = s3.list_multipart_uploads(
        Bucket=bucket, Prefix="d/", Delimiter="/", MaxUploads=1, KeyMarker="d/a/1"
    )
    assert [u["Key"] for u in uploads["Uploads"]] == ["d/file1"]
    assert "CommonPrefixes" not in uploads
