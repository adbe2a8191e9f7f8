"""Multipart uploads end to end: a real server driven by boto3, with real 5 MiB parts."""

from __future__ import annotations

import base64
import hashlib
import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from awscrt import checksums as crt
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

MIB = 1024 * 1024
PART = 5 * MIB
NO_SUCH_UPLOAD = (
    "The specified upload does not exist. The upload ID may be invalid, or the upload may have"
    " been aborted or completed."
)


@pytest.fixture
def bucket(s3: Any) -> str:
    name = f"mpu-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


def error_of(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    err = info.value.response
    return (
        err["Error"]["Code"],
        err["ResponseMetadata"]["HTTPStatusCode"],
        err["Error"]["Message"],
    )


def md5(data: bytes) -> bytes:
    return hashlib.md5(data).digest()


def test_upload_list_complete_get(s3: Any, bucket: str) -> None:
    datas = [b"a" * PART, b"b" * 1000]
    created = s3.create_multipart_upload(
        Bucket=bucket, Key="big", ContentType="text/plain", Metadata={"color": "blue"}
    )
    upload_id = created["UploadId"]
    assert (created["Bucket"], created["Key"]) == (bucket, "big")
    etags = [
        s3.upload_part(Bucket=bucket, Key="big", UploadId=upload_id, PartNumber=i + 1, Body=d)[
            "ETag"
        ]
        for i, d in enumerate(datas)
    ]
    assert etags == [f'"{md5(d).hex()}"' for d in datas]
    uploads = s3.list_multipart_uploads(Bucket=bucket)["Uploads"]
    assert [(u["Key"], u["UploadId"]) for u in uploads] == [("big", upload_id)]
    parts = s3.list_parts(Bucket=bucket, Key="big", UploadId=upload_id)
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in parts["Parts"]] == [
        (1, etags[0], PART),
        (2, etags[1], 1000),
    ]
    assert parts["IsTruncated"] is False
    done = s3.complete_multipart_upload(
        Bucket=bucket,
        Key="big",
        UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": i + 1, "ETag": e} for i, e in enumerate(etags)]},
    )
    expected = f'"{hashlib.md5(b"".join(md5(d) for d in datas)).hexdigest()}-2"'
    assert (done["ETag"], done["Bucket"], done["Key"]) == (expected, bucket, "big")
    got = s3.get_object(Bucket=bucket, Key="big")
    assert got["ETag"] == expected and got["ContentType"] == "text/plain"
    assert got["Metadata"] == {"color": "blue"}
    assert got["Body"].read() == b"".join(datas)
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)
    listed = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert [(o["Key"], o["ETag"], o["Size"]) for o in listed] == [("big", expected, PART + 1000)]


def test_no_such_upload_and_abort(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as info:
        s3.upload_part(Bucket=bucket, Key="k", UploadId="nope", PartNumber=1, Body=b"x")
    assert error_of(info) == ("NoSuchUpload", 404, NO_SUCH_UPLOAD)
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=1, Body=b"x")
    aborted = s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=upload_id)
    assert aborted["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as info:
        s3.list_parts(Bucket=bucket, Key="k", UploadId=upload_id)
    assert error_of(info) == ("NoSuchUpload", 404, NO_SUCH_UPLOAD)
    with pytest.raises(ClientError) as info:
        s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=upload_id)
    assert error_of(info)[:2] == ("NoSuchUpload", 404)


def test_part_number_out_of_range(s3: Any, bucket: str) -> None:
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    with pytest.raises(ClientError) as info:
        s3.upload_part(Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=10001, Body=b"x")
    assert error_of(info) == (
        "InvalidArgument",
        400,
        "Part number must be an integer between 1 and 10000, inclusive",
    )


def test_complete_errors(s3: Any, bucket: str) -> None:
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    e1 = s3.upload_part(Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=1, Body=b"small")[
        "ETag"
    ]
    e2 = s3.upload_part(Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=2, Body=b"tail")[
        "ETag"
    ]

    def complete(parts: list[dict[str, Any]]) -> tuple[str, int, str]:
        with pytest.raises(ClientError) as info:
            s3.complete_multipart_upload(
                Bucket=bucket, Key="k", UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
        return error_of(info)

    assert complete([{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]) == (
        "EntityTooSmall",
        400,
        "Your proposed upload is smaller than the minimum allowed size",
    )
    assert complete([{"PartNumber": 2, "ETag": e2}, {"PartNumber": 1, "ETag": e1}])[:2] == (
        "InvalidPartOrder",
        400,
    )
    assert complete([{"PartNumber": 1, "ETag": e2}])[:2] == ("InvalidPart", 400)
    assert complete([{"PartNumber": 3, "ETag": e1}])[:2] == ("InvalidPart", 400)
    for outside in (-4, 0, 10001):  # not a part number at all: refused before any lookup
        assert complete([{"PartNumber": outside, "ETag": e1}]) == (
            "InvalidArgument",
            400,
            "Part number must be an integer between 1 and 10000, inclusive",
        )
    # A single small part is a valid (last) part.
    done = s3.complete_multipart_upload(
        Bucket=bucket,
        Key="k",
        UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": 2, "ETag": e2}]},
    )
    assert done["ETag"] == f'"{hashlib.md5(md5(b"tail")).hexdigest()}-1"'
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"tail"


def test_upload_part_copy(s3: Any, bucket: str) -> None:
    source = bytes(range(256)) * (PART // 256 + 10)
    s3.put_object(Bucket=bucket, Key="src", Body=source)
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    first = s3.upload_part_copy(
        Bucket=bucket,
        Key="dst",
        UploadId=upload_id,
        PartNumber=1,
        CopySource={"Bucket": bucket, "Key": "src"},
        CopySourceRange=f"bytes=0-{PART - 1}",
    )
    assert first["CopyPartResult"]["ETag"] == f'"{md5(source[:PART]).hex()}"'
    second = s3.upload_part_copy(
        Bucket=bucket,
        Key="dst",
        UploadId=upload_id,
        PartNumber=2,
        CopySource=f"{bucket}/src",
        CopySourceRange="bytes=10-19",
    )
    with pytest.raises(ClientError) as info:
        s3.upload_part_copy(
            Bucket=bucket,
            Key="dst",
            UploadId=upload_id,
            PartNumber=3,
            CopySource=f"{bucket}/src",
            CopySourceIfMatch='"nope"',
        )
    assert error_of(info)[:2] == ("PreconditionFailed", 412)
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="dst",
        UploadId=upload_id,
        MultipartUpload={
            "Parts": [
                {"PartNumber": 1, "ETag": first["CopyPartResult"]["ETag"]},
                {"PartNumber": 2, "ETag": second["CopyPartResult"]["ETag"]},
            ]
        },
    )
    body = s3.get_object(Bucket=bucket, Key="dst")["Body"].read()
    assert body == source[:PART] + source[10:20]


def test_transfer_manager_upload_and_download(s3: Any, bucket: str) -> None:
    data = hashlib.sha256(b"seed").digest() * ((2 * PART + 12345) // 32)
    config = TransferConfig(multipart_threshold=PART, multipart_chunksize=PART)
    s3.upload_fileobj(io.BytesIO(data), bucket, "tm", Config=config)
    head = s3.head_object(Bucket=bucket, Key="tm", ChecksumMode="ENABLED")
    assert head["ContentLength"] == len(data)
    chunks = [data[i : i + PART] for i in range(0, len(data), PART)]
    etag = hashlib.md5(b"".join(md5(c) for c in chunks)).hexdigest()
    assert head["ETag"] == f'"{etag}-3"'
    # s3transfer asks for CRC32 checksums: the object's is the composite of the parts'.
    crcs = b"".join(crt.crc32(c).to_bytes(4, "big") for c in chunks)
    composite = base64.b64encode(crt.crc32(crcs).to_bytes(4, "big")).decode()
    assert (head["ChecksumCRC32"], head["ChecksumType"]) == (f"{composite}-3", "COMPOSITE")
    out = io.BytesIO()
    s3.download_fileobj(bucket, "tm", out)
    assert out.getvalue() == data


def test_full_object_crc64nvme(s3: Any, bucket: str) -> None:
    datas = [b"x" * PART, b"y" * 77]
    created = s3.create_multipart_upload(Bucket=bucket, Key="c", ChecksumAlgorithm="CRC64NVME")
    assert created["ChecksumType"] == "FULL_OBJECT"
    upload_id = created["UploadId"]
    parts = []
    for i, d in enumerate(datas):
        res = s3.upload_part(
            Bucket=bucket,
            Key="c",
            UploadId=upload_id,
            PartNumber=i + 1,
            Body=d,
            ChecksumAlgorithm="CRC64NVME",
        )
        parts.append({"PartNumber": i + 1, "ETag": res["ETag"]})
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key="c", UploadId=upload_id, MultipartUpload={"Parts": parts}
    )
    whole = base64.b64encode(crt.crc64nvme(b"".join(datas)).to_bytes(8, "big")).decode()
    assert done["ChecksumCRC64NVME"] == whole
    assert done["ChecksumType"] == "FULL_OBJECT"


def sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def sha256_upload(
    s3: Any, bucket: str, key: str, datas: list[bytes]
) -> tuple[str, list[dict[str, Any]]]:
    """A SHA256 upload with `datas` as its parts: its id and the part list to complete with."""
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key, ChecksumAlgorithm="SHA256")[
        "UploadId"
    ]
    parts = []
    for number, data in enumerate(datas, start=1):
        res = s3.upload_part(
            Bucket=bucket,
            Key=key,
            UploadId=upload_id,
            PartNumber=number,
            Body=data,
            ChecksumAlgorithm="SHA256",
        )
        parts.append(
            {"PartNumber": number, "ETag": res["ETag"], "ChecksumSHA256": sha256_b64(data)}
        )
    return upload_id, parts


def test_get_part_returns_that_parts_checksum(s3: Any, bucket: str) -> None:
    datas = [b"p" * PART, b"q" * 321]
    upload_id, parts = sha256_upload(s3, bucket, "pc", datas)
    s3.complete_multipart_upload(
        Bucket=bucket, Key="pc", UploadId=upload_id, MultipartUpload={"Parts": parts}
    )
    for number, data in enumerate(datas, start=1):
        # boto3 also checks the returned checksum against the part's bytes it receives.
        got = s3.get_object(Bucket=bucket, Key="pc", PartNumber=number, ChecksumMode="ENABLED")
        assert got["Body"].read() == data
        assert (got["ChecksumSHA256"], got["ChecksumType"]) == (sha256_b64(data), "COMPOSITE")
    plain = s3.head_object(Bucket=bucket, Key="pc", PartNumber=1)  # no ChecksumMode: none sent
    assert "ChecksumSHA256" not in plain


def test_a_retried_complete_gets_the_same_answer(s3: Any, bucket: str) -> None:
    # A client whose first CompleteMultipartUpload answer was lost retries it: S3 answers the
    # same again rather than NoSuchUpload, while the object is the one that upload made.
    datas = [b"r" * PART, b"s" * 99]
    upload_id, parts = sha256_upload(s3, bucket, "rc", datas)

    def complete(listed: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        return s3.complete_multipart_upload(  # type: ignore[no-any-return]
            Bucket=bucket, Key="rc", UploadId=upload_id, MultipartUpload={"Parts": listed}, **extra
        )

    first = complete(parts)
    fields = ("Bucket", "Key", "ETag", "ChecksumSHA256", "ChecksumType")
    again = complete(parts, IfNoneMatch="*")  # the retry of a conditional complete, too
    assert {f: again[f] for f in fields} == {f: first[f] for f in fields}
    assert first["ETag"].endswith('-2"')
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    with pytest.raises(ClientError) as info:  # a different part list is not a retry
        complete(parts[:1])
    assert error_of(info) == ("NoSuchUpload", 404, NO_SUCH_UPLOAD)
    with pytest.raises(ClientError) as info:  # the upload takes no more parts
        s3.upload_part(Bucket=bucket, Key="rc", UploadId=upload_id, PartNumber=3, Body=b"x")
    assert error_of(info)[:2] == ("NoSuchUpload", 404)
    s3.put_object(Bucket=bucket, Key="rc", Body=b"replaced")
    with pytest.raises(ClientError) as info:  # the object it made is gone
        complete(parts)
    assert error_of(info)[:2] == ("NoSuchUpload", 404)


def test_upload_without_algorithm_gets_the_default_checksum(s3: Any, bucket: str) -> None:
    datas = [b"d" * PART, b"e" * 10]
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="dflt")["UploadId"]
    parts = []
    for number, data in enumerate(datas, start=1):
        res = s3.upload_part(  # boto3 sends a CRC32 of each part on its own
            Bucket=bucket, Key="dflt", UploadId=upload_id, PartNumber=number, Body=data
        )
        parts.append({"PartNumber": number, "ETag": res["ETag"]})
    listed = s3.list_parts(Bucket=bucket, Key="dflt", UploadId=upload_id)["Parts"]
    assert all(not k.startswith("Checksum") for p in listed for k in p)  # none listed, as S3
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key="dflt", UploadId=upload_id, MultipartUpload={"Parts": parts}
    )
    whole = base64.b64encode(crt.crc64nvme(b"".join(datas)).to_bytes(8, "big")).decode()
    assert (done["ChecksumCRC64NVME"], done["ChecksumType"]) == (whole, "FULL_OBJECT")
    head = s3.head_object(Bucket=bucket, Key="dflt", ChecksumMode="ENABLED")
    assert (head["ChecksumCRC64NVME"], head["ChecksumType"]) == (whole, "FULL_OBJECT")
    attrs = s3.get_object_attributes(Bucket=bucket, Key="dflt", ObjectAttributes=["ObjectParts"])
    assert attrs["ObjectParts"]["TotalPartsCount"] == 2
    assert "Parts" not in attrs["ObjectParts"]  # no checksum algorithm was asked for


def test_list_parts_and_uploads_paging(s3: Any, bucket: str) -> None:
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    for n in (1, 2, 3):
        s3.upload_part(Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=n, Body=b"p" * n)
    page = s3.list_parts(Bucket=bucket, Key="k", UploadId=upload_id, MaxParts=2)
    assert [p["PartNumber"] for p in page["Parts"]] == [1, 2]
    assert (page["IsTruncated"], page["NextPartNumberMarker"], page["MaxParts"]) == (True, 2, 2)
    rest = s3.list_parts(Bucket=bucket, Key="k", UploadId=upload_id, PartNumberMarker=2)
    assert [(p["PartNumber"], p["Size"]) for p in rest["Parts"]] == [(3, 3)]
    assert rest["IsTruncated"] is False
    others = {
        key: s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
        for key in ("a/1", "a/2", "z")
    }
    grouped = s3.list_multipart_uploads(Bucket=bucket, Delimiter="/")
    assert [c["Prefix"] for c in grouped["CommonPrefixes"]] == ["a/"]
    assert [(u["Key"], u["UploadId"]) for u in grouped["Uploads"]] == [
        ("k", upload_id),
        ("z", others["z"]),
    ]
    first = s3.list_multipart_uploads(Bucket=bucket, MaxUploads=2)
    assert [u["Key"] for u in first["Uploads"]] == ["a/1", "a/2"]
    assert first["IsTruncated"] is True
    assert (first["NextKeyMarker"], first["NextUploadIdMarker"]) == ("a/2", others["a/2"])
    second = s3.list_multipart_uploads(
        Bucket=bucket,
        MaxUploads=2,
        KeyMarker=first["NextKeyMarker"],
        UploadIdMarker=first["NextUploadIdMarker"],
    )
    assert [u["Key"] for u in second["Uploads"]] == ["k", "z"]
    assert second["IsTruncated"] is False


def test_complete_if_none_match(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="taken", Body=b"old")
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="taken")["UploadId"]
    etag = s3.upload_part(
        Bucket=bucket, Key="taken", UploadId=upload_id, PartNumber=1, Body=b"new"
    )["ETag"]
    parts = {"Parts": [{"PartNumber": 1, "ETag": etag}]}
    with pytest.raises(ClientError) as info:
        s3.complete_multipart_upload(
            Bucket=bucket, Key="taken", UploadId=upload_id, MultipartUpload=parts, IfNoneMatch="*"
        )
    assert error_of(info) == (
        "PreconditionFailed",
        412,
        "At least one of the pre-conditions you specified did not hold",
    )
    assert s3.get_object(Bucket=bucket, Key="taken")["Body"].read() == b"old"
    s3.complete_multipart_upload(
        Bucket=bucket, Key="taken", UploadId=upload_id, MultipartUpload=parts
    )
    assert s3.get_object(Bucket=bucket, Key="taken")["Body"].read() == b"new"


def test_complete_with_malformed_object_checksum(s3: Any, bucket: str) -> None:
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="s", ChecksumAlgorithm="SHA256")[
        "UploadId"
    ]
    res = s3.upload_part(
        Bucket=bucket,
        Key="s",
        UploadId=upload_id,
        PartNumber=1,
        Body=b"abc",
        ChecksumAlgorithm="SHA256",
    )
    parts = {
        "Parts": [{"PartNumber": 1, "ETag": res["ETag"], "ChecksumSHA256": res["ChecksumSHA256"]}]
    }
    # Not a SHA-256 value at all: the header is invalid (a well-formed wrong value is BadDigest).
    for sent, code in (
        ("nonsense", "InvalidRequest"),
        (base64.b64encode(b"\0" * 32).decode(), "BadDigest"),
    ):
        with pytest.raises(ClientError) as info:
            s3.complete_multipart_upload(
                Bucket=bucket,
                Key="s",
                UploadId=upload_id,
                MultipartUpload=parts,
                ChecksumSHA256=sent,
            )
        assert error_of(info)[:2] == (code, 400)
    composite = hashlib.sha256(base64.b64decode(res["ChecksumSHA256"])).digest()
    whole = f"{base64.b64encode(composite).decode()}-1"
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key="s", UploadId=upload_id, MultipartUpload=parts, ChecksumSHA256=whole
    )
    assert done["ChecksumSHA256"] == whole


def test_upload_part_copy_range_starting_past_the_end(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="src", Body=b"0123456789")
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    copy = {"Bucket": bucket, "Key": "dst", "UploadId": upload_id, "PartNumber": 1}
    with pytest.raises(ClientError) as info:
        s3.upload_part_copy(**copy, CopySource=f"{bucket}/src", CopySourceRange="bytes=100-200")
    assert error_of(info) == (
        "InvalidRequest",
        400,
        "The specified copy range is invalid for the source object size",
    )
    with pytest.raises(ClientError) as info:
        s3.upload_part_copy(**copy, CopySource=f"{bucket}/src", CopySourceRange="bytes=0-100")
    assert error_of(info)[:2] == ("InvalidArgument", 400)


def test_upload_part_copy_ignores_a_future_if_modified_since(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="src", Body=b"0123456789")
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    tomorrow = datetime.now(tz=UTC) + timedelta(days=1)
    got = s3.upload_part_copy(
        Bucket=bucket,
        Key="dst",
        UploadId=upload_id,
        PartNumber=1,
        CopySource=f"{bucket}/src",
        CopySourceIfModifiedSince=tomorrow,
    )
    assert got["CopyPartResult"]["ETag"] == f'"{md5(b"0123456789").hex()}"'


def test_complete_if_match_after_a_write_during_the_upload(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"old")
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=1, Body=b"new")[
        "ETag"
    ]
    # Rewritten with the same bytes (same ETag) after the upload began: still a conflict.
    current = s3.put_object(Bucket=bucket, Key="k", Body=b"old")["ETag"]
    with pytest.raises(ClientError) as info:
        s3.complete_multipart_upload(
            Bucket=bucket,
            Key="k",
            UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]},
            IfMatch=current,
        )
    assert error_of(info) == (
        "ConditionalRequestConflict",
        409,
        "The conditional request cannot succeed due to a conflicting operation against this"
        " resource.",
    )
    assert info.value.response["Error"]["Condition"] == "If-Match"
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"old"


def test_list_uploads_markers_name_the_last_upload(s3: Any, bucket: str) -> None:
    ids = [s3.create_multipart_upload(Bucket=bucket, Key=k)["UploadId"] for k in ("b", "a/x")]
    # Not truncated, yet the markers name the last upload listed.
    page = s3.list_multipart_uploads(Bucket=bucket, KeyMarker="a/x", UploadIdMarker=ids[1])
    assert (page["IsTruncated"], page["NextKeyMarker"], page["NextUploadIdMarker"]) == (
        False,
        "b",
        ids[0],
    )
    # A page of common prefixes only has nothing to resume from; UploadIdMarker needs a KeyMarker.
    page = s3.list_multipart_uploads(
        Bucket=bucket, Delimiter="/", MaxUploads=1, UploadIdMarker=ids[0]
    )
    assert (page["IsTruncated"], page["NextKeyMarker"], page["NextUploadIdMarker"]) == (
        True,
        "",
        "",
    )
    assert page["UploadIdMarker"] == ""
    with pytest.raises(ClientError) as info:
        s3.list_multipart_uploads(Bucket=bucket, KeyMarker="b", UploadIdMarker=ids[1])
    assert error_of(info) == ("InvalidArgument", 400, "Invalid uploadId marker")
    assert info.value.response["Error"]["ArgumentName"] == "upload-id-marker"


def test_list_parts_next_marker_without_parts(s3: Any, bucket: str) -> None:
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    assert s3.list_parts(Bucket=bucket, Key="k", UploadId=upload_id)["NextPartNumberMarker"] == 0
