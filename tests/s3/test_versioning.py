"""S3 versioning through a real server and boto3: the bucket setting, version ids on every
write, reads, deletes and delete markers, copies, tags and attributes by version, Suspended
buckets, DeleteBucket, and the refusals (AWS's codes, statuses and messages)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from notifykit import nothing_more, queue_config, receive, record_of, s3_queue
from versioningkit import error_of, headers_of, new_bucket, signed_raw, versions_of

from ownserver import ServerHandle

KiB = 1024
MiB = 1024 * KiB


@pytest.fixture(scope="module")
def srv(launch_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    handle = launch_server(tmp_path_factory.mktemp("versioning") / "data")
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture(scope="module")
def s3(srv: ServerHandle) -> Any:
    return srv.client("s3")


def body(s3: Any, bucket: str, key: str, **kw: Any) -> bytes:
    data: bytes = s3.get_object(Bucket=bucket, Key=key, **kw)["Body"].read()
    return data


def blob_files(srv: ServerHandle) -> int:
    return sum(1 for p in (srv.data_dir / "blobs").glob("*/*/*") if p.is_file())


# -- the bucket setting -------------------------------------------------------------------


def test_never_versioned_bucket_reports_no_status_and_no_version_ids(s3: Any) -> None:
    bucket = new_bucket(s3, None)
    out = s3.get_bucket_versioning(Bucket=bucket)
    assert "Status" not in out and "MFADelete" not in out
    put = s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert "VersionId" not in put
    assert "x-amz-version-id" not in put["ResponseMetadata"]["HTTPHeaders"]
    head = s3.head_object(Bucket=bucket, Key="k")
    assert "x-amz-version-id" not in head["ResponseMetadata"]["HTTPHeaders"]
    assert body(s3, bucket, "k", VersionId="null") == b"x"
    (version,) = s3.list_object_versions(Bucket=bucket)["Versions"]
    assert (version["VersionId"], version["IsLatest"]) == ("null", True)
    s3.delete_object(Bucket=bucket, Key="k", VersionId="null")
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_enable_then_suspend(s3: Any) -> None:
    bucket = new_bucket(s3, "Enabled")
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Suspended"
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"Status": "Disabled"}, ("MalformedXML", 400)),
        ({"Status": "enabled"}, ("MalformedXML", 400)),
        ({"Status": "Enabled", "MFADelete": "Disabled"}, ("MalformedXML", 400)),
        ({"Status": "Enabled", "MFADelete": "Maybe"}, ("MalformedXML", 400)),
        ({"Status": "Enabled", "MFADelete": "Enabled"}, ("AccessDenied", 403)),
    ],
)
def test_bad_versioning_configuration_is_refused_and_changes_nothing(
    s3: Any, config: dict[str, str], expected: tuple[str, int]
) -> None:
    for before in (None, "Suspended"):
        bucket = new_bucket(s3, before)
        with pytest.raises(ClientError) as exc:
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration=config)
        code, status, message = error_of(exc)
        assert (code, status) == expected
        if code == "AccessDenied":
            assert message == "Mfa Authentication must be used for this request"
        else:
            assert message.startswith("The XML you provided was not well-formed")
        assert s3.get_bucket_versioning(Bucket=bucket).get("Status") == before


def test_mfa_header_is_not_implemented(s3: Any) -> None:
    bucket = new_bucket(s3, None)
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_versioning(
            Bucket=bucket,
            MFA="arn:aws:iam::123456789012:mfa/root 123456",
            VersioningConfiguration={"Status": "Enabled", "MFADelete": "Enabled"},
        )
    assert error_of(exc)[:2] == ("NotImplemented", 501)
    assert exc.value.response["Error"]["Header"] == "x-amz-mfa"
    assert "Status" not in s3.get_bucket_versioning(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"kept")
    with pytest.raises(ClientError) as exc:
        s3.delete_object(Bucket=bucket, Key="k", MFA="serial 123456")
    assert error_of(exc)[:2] == ("NotImplemented", 501)
    with pytest.raises(ClientError) as exc:
        s3.delete_objects(Bucket=bucket, MFA="serial 123456", Delete={"Objects": [{"Key": "k"}]})
    assert error_of(exc)[:2] == ("NotImplemented", 501)
    assert body(s3, bucket, "k") == b"kept"


def test_versioning_document_that_is_not_xml_is_malformed(s3: Any, srv: ServerHandle) -> None:
    bucket = new_bucket(s3, "Enabled")
    for document in (b"<VersioningConfiguration><Status>Enabled", b"not xml"):
        status, answer, _ = signed_raw(srv, "PUT", f"/{bucket}?versioning", document)
        assert status == 400 and b"<Code>MalformedXML</Code>" in answer
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"


def test_versioning_of_a_missing_bucket(s3: Any) -> None:
    for call in (
        lambda: s3.get_bucket_versioning(Bucket="no-such-bucket-here"),
        lambda: s3.put_bucket_versioning(
            Bucket="no-such-bucket-here", VersioningConfiguration={"Status": "Enabled"}
        ),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert error_of(exc)[:2] == ("NoSuchBucket", 404)


# -- writes and reads by version ----------------------------------------------------------


def test_every_write_is_a_new_version(s3: Any) -> None:
    bucket = new_bucket(s3)
    ids = [
        s3.put_object(Bucket=bucket, Key="k", Body=f"v{n}".encode())["VersionId"] for n in range(3)
    ]
    assert len(set(ids)) == 3 and all(len(i) == 32 and i.isalnum() for i in ids)
    for n, version_id in enumerate(ids):
        got = s3.get_object(Bucket=bucket, Key="k", VersionId=version_id)
        assert (got["Body"].read(), got["VersionId"]) == (f"v{n}".encode(), version_id)
        head = s3.head_object(Bucket=bucket, Key="k", VersionId=version_id)
        assert (head["ContentLength"], head["VersionId"]) == (2, version_id)
    latest = s3.get_object(Bucket=bucket, Key="k")
    assert (latest["Body"].read(), latest["VersionId"]) == (b"v2", ids[2])
    listed = versions_of(s3, bucket)
    assert listed == [
        ("k", ids[2], True, False),
        ("k", ids[1], False, False),
        ("k", ids[0], False, False),
    ]
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["k"]


def test_large_versions_keep_their_bytes(s3: Any) -> None:
    bucket = new_bucket(s3)
    data = [bytes([n]) * (200 * KiB) for n in range(3)]
    ids = [s3.put_object(Bucket=bucket, Key="big", Body=d)["VersionId"] for d in data]
    for version_id, expected in zip(ids, data, strict=True):
        assert body(s3, bucket, "big", VersionId=version_id) == expected
    ranged = s3.get_object(Bucket=bucket, Key="big", VersionId=ids[0], Range="bytes=10-19")
    assert ranged["Body"].read() == data[0][10:20]


def test_copy_and_multipart_completion_make_versions(s3: Any) -> None:
    bucket = new_bucket(s3)
    first = s3.put_object(Bucket=bucket, Key="src", Body=b"first")["VersionId"]
    s3.put_object(Bucket=bucket, Key="src", Body=b"second")
    copied = s3.copy_object(
        Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src", "VersionId": first}
    )
    assert copied["CopySourceVersionId"] == first
    assert body(s3, bucket, "dst") == b"first"
    assert body(s3, bucket, "dst", VersionId=copied["VersionId"]) == b"first"
    latest = s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
    assert latest["VersionId"] != copied["VersionId"]
    assert body(s3, bucket, "dst") == b"second"
    upload = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    parts = [b"a" * (5 * MiB), b"b" * 10]
    done = [
        {
            "PartNumber": n,
            "ETag": s3.upload_part(Bucket=bucket, Key="dst", UploadId=upload, PartNumber=n, Body=p)[
                "ETag"
            ],
        }
        for n, p in enumerate(parts, start=1)
    ]
    completed = s3.complete_multipart_upload(
        Bucket=bucket, Key="dst", UploadId=upload, MultipartUpload={"Parts": done}
    )
    assert len(completed["VersionId"]) == 32
    assert body(s3, bucket, "dst") == b"".join(parts)
    assert body(s3, bucket, "dst", VersionId=copied["VersionId"]) == b"first"
    dst_versions = [v[1] for v in versions_of(s3, bucket, Prefix="dst")]
    assert dst_versions == [completed["VersionId"], latest["VersionId"], copied["VersionId"]]


def test_restore_an_old_version_by_copying_it_onto_its_key(s3: Any) -> None:
    bucket = new_bucket(s3)
    old = s3.put_object(Bucket=bucket, Key="k", Body=b"old")["VersionId"]
    s3.put_object(Bucket=bucket, Key="k", Body=b"new")
    restored = s3.copy_object(
        Bucket=bucket, Key="k", CopySource={"Bucket": bucket, "Key": "k", "VersionId": old}
    )
    assert body(s3, bucket, "k") == b"old"
    assert len(versions_of(s3, bucket)) == 3 and restored["CopySourceVersionId"] == old


def test_upload_part_copy_from_a_version(s3: Any) -> None:
    bucket = new_bucket(s3)
    old = s3.put_object(Bucket=bucket, Key="src", Body=b"x" * (5 * MiB))["VersionId"]
    s3.put_object(Bucket=bucket, Key="src", Body=b"newer")
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    part = s3.upload_part_copy(
        Bucket=bucket,
        Key="mp",
        UploadId=upload,
        PartNumber=1,
        CopySource={"Bucket": bucket, "Key": "src", "VersionId": old},
    )
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="mp",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["CopyPartResult"]["ETag"]}]},
    )
    assert body(s3, bucket, "mp") == b"x" * (5 * MiB)


def test_object_written_before_versioning_is_the_null_version(s3: Any) -> None:
    bucket = new_bucket(s3, None)
    s3.put_object(Bucket=bucket, Key="k", Body=b"before")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    assert s3.head_object(Bucket=bucket, Key="k")["VersionId"] == "null"
    new = s3.put_object(Bucket=bucket, Key="k", Body=b"after")["VersionId"]
    assert body(s3, bucket, "k", VersionId="null") == b"before"
    assert versions_of(s3, bucket) == [("k", new, True, False), ("k", "null", False, False)]
    s3.delete_object(Bucket=bucket, Key="k", VersionId="null")
    assert versions_of(s3, bucket) == [("k", new, True, False)]


# -- delete markers and permanent deletes -------------------------------------------------


def test_delete_makes_a_marker_and_the_key_reads_as_deleted(s3: Any) -> None:
    bucket = new_bucket(s3)
    kept = s3.put_object(Bucket=bucket, Key="k", Body=b"data")["VersionId"]
    deleted = s3.delete_object(Bucket=bucket, Key="k")
    marker = deleted["VersionId"]
    assert deleted["DeleteMarker"] is True and len(marker) == 32
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="k")
    assert error_of(exc)[:2] == ("NoSuchKey", 404)
    assert headers_of(exc)["x-amz-delete-marker"] == "true"
    assert headers_of(exc)["x-amz-version-id"] == marker
    with pytest.raises(ClientError) as exc:
        s3.head_object(Bucket=bucket, Key="k")
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert headers_of(exc)["x-amz-delete-marker"] == "true"
    for call in (s3.get_object, s3.head_object):
        with pytest.raises(ClientError) as exc:
            call(Bucket=bucket, Key="k", VersionId=marker)
        assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 405
        headers = headers_of(exc)
        assert headers["x-amz-delete-marker"] == "true" and "last-modified" in headers
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="k", VersionId=marker)
    assert error_of(exc) == (
        "MethodNotAllowed",
        405,
        "The specified method is not allowed against this resource.",
    )
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    assert versions_of(s3, bucket) == [("k", kept, False, False), ("k", marker, True, True)]
    assert body(s3, bucket, "k", VersionId=kept) == b"data"  # still there, by id


def test_deleting_the_marker_brings_the_object_back(s3: Any) -> None:
    bucket = new_bucket(s3)
    s3.put_object(Bucket=bucket, Key="k", Body=b"data")
    marker = s3.delete_object(Bucket=bucket, Key="k")["VersionId"]
    again = s3.delete_object(Bucket=bucket, Key="k")["VersionId"]  # a second marker
    assert again != marker
    out = s3.delete_object(Bucket=bucket, Key="k", VersionId=again)
    assert (out["VersionId"], out["DeleteMarker"]) == (again, True)
    with pytest.raises(ClientError):
        s3.get_object(Bucket=bucket, Key="k")  # the older marker is the latest now
    s3.delete_object(Bucket=bucket, Key="k", VersionId=marker)
    assert body(s3, bucket, "k") == b"data"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["k"]


def test_deleting_the_current_version_makes_the_previous_current(s3: Any) -> None:
    bucket = new_bucket(s3)
    ids = [
        s3.put_object(Bucket=bucket, Key="k", Body=f"v{n}".encode())["VersionId"] for n in range(3)
    ]
    out = s3.delete_object(Bucket=bucket, Key="k", VersionId=ids[2])
    assert out["VersionId"] == ids[2] and "DeleteMarker" not in out
    assert body(s3, bucket, "k") == b"v1"
    assert s3.list_objects_v2(Bucket=bucket)["Contents"][0]["Size"] == 2
    s3.delete_object(Bucket=bucket, Key="k", VersionId=ids[0])  # a noncurrent one
    assert body(s3, bucket, "k") == b"v1"
    assert versions_of(s3, bucket) == [("k", ids[1], True, False)]
    s3.delete_object(Bucket=bucket, Key="k", VersionId=ids[1])
    assert versions_of(s3, bucket) == []
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_permanent_delete_frees_the_bytes(s3: Any, srv: ServerHandle) -> None:
    bucket = new_bucket(s3)
    before = blob_files(srv)
    ids = [
        s3.put_object(Bucket=bucket, Key="k", Body=bytes([n]) * (100 * KiB))["VersionId"]
        for n in range(2)
    ]
    s3.delete_object(Bucket=bucket, Key="k")
    assert blob_files(srv) == before + 2  # a marker keeps every version's bytes
    for version_id in ids:
        s3.delete_object(Bucket=bucket, Key="k", VersionId=version_id)
    assert blob_files(srv) == before


def test_version_ids_bad_and_unknown(s3: Any) -> None:
    bucket = new_bucket(s3)
    s3.put_object(Bucket=bucket, Key="k", Body=b"data")
    unknown = "A" * 32
    for bad in ("not-an-id", "x" * 33):
        for call in (s3.get_object, s3.get_object_tagging, s3.delete_object):
            with pytest.raises(ClientError) as exc:
                call(Bucket=bucket, Key="k", VersionId=bad)
            assert error_of(exc) == ("InvalidArgument", 400, "Invalid version id specified")
    for call in (s3.get_object, s3.get_object_tagging):
        with pytest.raises(ClientError) as exc:
            call(Bucket=bucket, Key="k", VersionId=unknown)
        assert error_of(exc) == ("NoSuchVersion", 404, "The specified version does not exist.")
        assert exc.value.response["Error"]["VersionId"] == unknown
    with pytest.raises(ClientError) as exc:
        s3.head_object(Bucket=bucket, Key="k", VersionId=unknown)
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(ClientError) as exc:
        s3.copy_object(
            Bucket=bucket, Key="c", CopySource={"Bucket": bucket, "Key": "k", "VersionId": unknown}
        )
    assert error_of(exc)[:2] == ("NoSuchVersion", 404)
    with pytest.raises(ClientError) as exc:
        s3.get_object_attributes(
            Bucket=bucket, Key="k", VersionId=unknown, ObjectAttributes=["ETag"]
        )
    assert error_of(exc)[:2] == ("NoSuchVersion", 404)
    # Deleting a version that does not exist does nothing and says so as S3 does: 204.
    out = s3.delete_object(Bucket=bucket, Key="k", VersionId=unknown)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 204 and out["VersionId"] == unknown
    assert body(s3, bucket, "k") == b"data" and len(versions_of(s3, bucket)) == 1


def test_copy_source_naming_a_delete_marker_is_refused(s3: Any) -> None:
    bucket = new_bucket(s3)
    s3.put_object(Bucket=bucket, Key="k", Body=b"data")
    marker = s3.delete_object(Bucket=bucket, Key="k")["VersionId"]
    with pytest.raises(ClientError) as exc:
        s3.copy_object(
            Bucket=bucket, Key="c", CopySource={"Bucket": bucket, "Key": "k", "VersionId": marker}
        )
    assert error_of(exc) == (
        "InvalidRequest",
        400,
        "The source of a copy request may not specifically refer to a delete marker by version id.",
    )
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=bucket, Key="c", CopySource={"Bucket": bucket, "Key": "k"})
    assert error_of(exc)[:2] == ("NoSuchKey", 404)
    assert [v[0] for v in versions_of(s3, bucket)] == ["k", "k"]  # nothing new in "c"


def test_conditional_writes_look_at_the_current_version(s3: Any) -> None:
    bucket = new_bucket(s3)
    first = s3.put_object(Bucket=bucket, Key="k", Body=b"one")
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="k", Body=b"two", IfNoneMatch="*")
    assert error_of(exc)[:2] == ("PreconditionFailed", 412)
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="k", Body=b"two", IfMatch='"0000"')
    assert error_of(exc)[:2] == ("PreconditionFailed", 412)
    s3.put_object(Bucket=bucket, Key="k", Body=b"two", IfMatch=first["ETag"])
    s3.delete_object(Bucket=bucket, Key="k")
    s3.put_object(Bucket=bucket, Key="k", Body=b"three", IfNoneMatch="*")  # deleted: absent
    assert body(s3, bucket, "k") == b"three"
    assert len(versions_of(s3, bucket)) == 4


# -- tags and attributes of a version -----------------------------------------------------


def test_tags_by_version(s3: Any) -> None:
    bucket = new_bucket(s3)
    old = s3.put_object(Bucket=bucket, Key="k", Body=b"old", Tagging="a=1")["VersionId"]
    new = s3.put_object(Bucket=bucket, Key="k", Body=b"new", Tagging="b=2")["VersionId"]
    out = s3.put_object_tagging(
        Bucket=bucket, Key="k", VersionId=old, Tagging={"TagSet": [{"Key": "c", "Value": "3"}]}
    )
    assert out["VersionId"] == old
    got = s3.get_object_tagging(Bucket=bucket, Key="k", VersionId=old)
    assert (got["TagSet"], got["VersionId"]) == ([{"Key": "c", "Value": "3"}], old)
    current = s3.get_object_tagging(Bucket=bucket, Key="k")
    assert (current["TagSet"], current["VersionId"]) == ([{"Key": "b", "Value": "2"}], new)
    s3.put_object_tagging(Bucket=bucket, Key="k", Tagging={"TagSet": [{"Key": "d", "Value": "4"}]})
    assert s3.get_object_tagging(Bucket=bucket, Key="k", VersionId=new)["TagSet"] == [
        {"Key": "d", "Value": "4"}
    ]
    assert (
        s3.head_object(Bucket=bucket, Key="k")["ResponseMetadata"]["HTTPHeaders"][
            "x-amz-tagging-count"
        ]
        == "1"
    )
    deleted = s3.delete_object_tagging(Bucket=bucket, Key="k", VersionId=old)
    assert deleted["VersionId"] == old
    assert s3.get_object_tagging(Bucket=bucket, Key="k", VersionId=old)["TagSet"] == []
    # The current version's tags are kept in both its records: delete the newer, check again.
    s3.delete_object(Bucket=bucket, Key="k", VersionId=new)
    assert s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == []
    marker = s3.delete_object(Bucket=bucket, Key="k")["VersionId"]
    with pytest.raises(ClientError) as exc:
        s3.get_object_tagging(Bucket=bucket, Key="k", VersionId=marker)
    assert error_of(exc)[:2] == ("MethodNotAllowed", 405)


def test_object_attributes_by_version(s3: Any) -> None:
    bucket = new_bucket(s3)
    old = s3.put_object(Bucket=bucket, Key="k", Body=b"old!")
    s3.put_object(Bucket=bucket, Key="k", Body=b"newer")
    got = s3.get_object_attributes(
        Bucket=bucket, Key="k", VersionId=old["VersionId"], ObjectAttributes=["ETag", "ObjectSize"]
    )
    assert (got["VersionId"], got["ObjectSize"]) == (old["VersionId"], 4)
    assert got["ETag"] == old["ETag"].strip('"')
    marker = s3.delete_object(Bucket=bucket, Key="k")["VersionId"]
    with pytest.raises(ClientError) as exc:
        s3.get_object_attributes(Bucket=bucket, Key="k", ObjectAttributes=["ETag"])
    assert error_of(exc)[:2] == ("NoSuchKey", 404)
    assert headers_of(exc)["x-amz-delete-marker"] == "true"
    with pytest.raises(ClientError) as exc:
        s3.get_object_attributes(
            Bucket=bucket, Key="k", VersionId=marker, ObjectAttributes=["ETag"]
        )
    assert error_of(exc)[:2] == ("MethodNotAllowed", 405)
    assert "last-modified" in headers_of(exc)


# -- DeleteObjects ------------------------------------------------------------------------


def test_delete_objects_in_a_versioning_bucket(s3: Any) -> None:
    bucket = new_bucket(s3)
    a1 = s3.put_object(Bucket=bucket, Key="a", Body=b"a1")["VersionId"]
    a2 = s3.put_object(Bucket=bucket, Key="a", Body=b"a2")["VersionId"]
    s3.put_object(Bucket=bucket, Key="b", Body=b"b")
    c_marker = s3.delete_object(Bucket=bucket, Key="c")["VersionId"]  # a marker, no object
    out = s3.delete_objects(
        Bucket=bucket,
        Delete={
            "Objects": [
                {"Key": "a", "VersionId": a1},
                {"Key": "b"},
                {"Key": "c", "VersionId": c_marker},
                {"Key": "d", "VersionId": "bogus"},
            ]
        },
    )
    deleted = {d["Key"]: d for d in out["Deleted"]}
    assert deleted["a"] == {"Key": "a", "VersionId": a1}
    assert deleted["b"]["DeleteMarker"] is True and len(deleted["b"]["DeleteMarkerVersionId"]) == 32
    assert deleted["c"] == {
        "Key": "c",
        "VersionId": c_marker,
        "DeleteMarker": True,
        "DeleteMarkerVersionId": c_marker,
    }
    (error,) = out["Errors"]
    assert (error["Key"], error["Code"], error["VersionId"]) == ("d", "NoSuchVersion", "bogus")
    listed = versions_of(s3, bucket)
    assert ("a", a2, True, False) in listed and ("a", a1, False, False) not in listed
    assert ("b", deleted["b"]["DeleteMarkerVersionId"], True, True) in listed
    assert not [v for v in listed if v[0] == "c"]
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["a"]


# -- Suspended ----------------------------------------------------------------------------


def test_suspended_bucket_writes_the_null_version(s3: Any, srv: ServerHandle) -> None:
    bucket = new_bucket(s3)
    kept = s3.put_object(Bucket=bucket, Key="k", Body=b"E" * (100 * KiB))["VersionId"]
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    before = blob_files(srv)
    first = s3.put_object(Bucket=bucket, Key="k", Body=b"1" * (100 * KiB))
    assert "VersionId" not in first  # S3 answers a null-version write without the header
    second = s3.put_object(Bucket=bucket, Key="k", Body=b"2" * (100 * KiB))
    assert "VersionId" not in second
    assert blob_files(srv) == before + 1  # the replaced null version's bytes are gone
    assert body(s3, bucket, "k") == b"2" * (100 * KiB)
    assert body(s3, bucket, "k", VersionId="null") == b"2" * (100 * KiB)
    assert body(s3, bucket, "k", VersionId=kept) == b"E" * (100 * KiB)
    assert versions_of(s3, bucket) == [("k", "null", True, False), ("k", kept, False, False)]
    deleted = s3.delete_object(Bucket=bucket, Key="k")
    assert (deleted["DeleteMarker"], deleted["VersionId"]) == (True, "null")
    assert blob_files(srv) == before  # the null marker replaced the null version
    assert versions_of(s3, bucket) == [("k", kept, False, False), ("k", "null", True, True)]
    s3.put_object(Bucket=bucket, Key="k", Body=b"3")
    assert versions_of(s3, bucket) == [("k", "null", True, False), ("k", kept, False, False)]


def test_suspended_bucket_writes_answer_no_version_id(s3: Any) -> None:
    # A write to a Suspended bucket stores the "null" version, and S3 answers PutObject,
    # CopyObject and CompleteMultipartUpload with no x-amz-version-id (as for a bucket never
    # versioned); reads of that version do name it "null".
    bucket = new_bucket(s3, "Suspended")
    put = s3.put_object(Bucket=bucket, Key="a", Body=b"a")
    assert "VersionId" not in put
    copied = s3.copy_object(Bucket=bucket, Key="b", CopySource={"Bucket": bucket, "Key": "a"})
    assert "VersionId" not in copied
    upload = s3.create_multipart_upload(Bucket=bucket, Key="c")["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="c", UploadId=upload, PartNumber=1, Body=b"c")
    done = s3.complete_multipart_upload(
        Bucket=bucket,
        Key="c",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    assert "VersionId" not in done
    for key in ("a", "b", "c"):
        assert s3.head_object(Bucket=bucket, Key=key)["VersionId"] == "null"
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    assert s3.put_object(Bucket=bucket, Key="a", Body=b"v")["VersionId"] != "null"


def test_suspended_then_enabled_keeps_the_null_version(s3: Any) -> None:
    bucket = new_bucket(s3, "Suspended")
    s3.put_object(Bucket=bucket, Key="k", Body=b"null one")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    new = s3.put_object(Bucket=bucket, Key="k", Body=b"enabled")["VersionId"]
    assert body(s3, bucket, "k", VersionId="null") == b"null one"
    s3.delete_object(Bucket=bucket, Key="k", VersionId=new)
    assert body(s3, bucket, "k") == b"null one"
    assert s3.head_object(Bucket=bucket, Key="k")["VersionId"] == "null"


# -- DeleteBucket --------------------------------------------------------------------------


def test_delete_bucket_waits_for_every_version_and_marker(s3: Any) -> None:
    bucket = new_bucket(s3)
    version = s3.put_object(Bucket=bucket, Key="k", Body=b"x")["VersionId"]
    marker = s3.delete_object(Bucket=bucket, Key="k")["VersionId"]
    for remaining in (version, marker):
        with pytest.raises(ClientError) as exc:
            s3.delete_bucket(Bucket=bucket)
        assert error_of(exc) == (
            "BucketNotEmpty",
            409,
            "The bucket you tried to delete is not empty",
        )
        s3.delete_object(Bucket=bucket, Key="k", VersionId=remaining)
    s3.delete_bucket(Bucket=bucket)
    with pytest.raises(ClientError) as exc:
        s3.head_bucket(Bucket=bucket)
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    s3.create_bucket(Bucket=bucket)  # a new bucket of that name starts empty
    assert s3.list_object_versions(Bucket=bucket).get("Versions") is None


def test_no_blob_is_left_behind_once_every_version_is_gone(s3: Any, srv: ServerHandle) -> None:
    bucket = new_bucket(s3)
    before = blob_files(srv)
    for n in range(3):
        s3.put_object(Bucket=bucket, Key=f"k{n % 2}", Body=bytes([n]) * (80 * KiB))
    s3.delete_object(Bucket=bucket, Key="k0")
    for key, version_id, _, _ in versions_of(s3, bucket):
        s3.delete_object(Bucket=bucket, Key=key, VersionId=version_id)
    s3.delete_bucket(Bucket=bucket)
    assert blob_files(srv) == before


# -- notifications --------------------------------------------------------------------------


def test_notifications_carry_version_ids_and_marker_events(s3: Any, srv: ServerHandle) -> None:
    bucket = new_bucket(s3)
    sqs = srv.client("sqs")
    url, arn = s3_queue(sqs, bucket)
    events = ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]
    s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration=queue_config(arn, events)
    )
    version = s3.put_object(Bucket=bucket, Key="k", Body=b"data")["VersionId"]
    marker = s3.delete_object(Bucket=bucket, Key="k")["VersionId"]
    s3.delete_object(Bucket=bucket, Key="k", VersionId=version)
    got = [record_of(b) for b in receive(sqs, url, 3)]
    seen = sorted((r["eventName"], r["s3"]["object"].get("versionId")) for r in got)
    assert seen == sorted(
        [
            ("ObjectCreated:Put", version),
            ("ObjectRemoved:DeleteMarkerCreated", marker),
            ("ObjectRemoved:Delete", version),
        ]
    )
    nothing_more(sqs, url, wait=1)
