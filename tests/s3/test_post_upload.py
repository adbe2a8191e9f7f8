"""S3 browser-based uploads (POST Object) against a real server: forms from boto3's
generate_presigned_post (Signature Version 4 and 2) posted as browsers post them, every answer
S3 gives (201 PostResponse, 204, 200, 303 redirect), the policy's checks with AWS's codes and
messages (each leaving the bucket unchanged), IAM authorisation of the signer, anonymous
uploads through a bucket policy, and the ObjectCreated:Post notification."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree

import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError
from notifykit import queue_config, receive, record_of, s3_queue
from postkit import (
    Part,
    assert_error,
    error_of,
    md5_etag,
    policy_text,
    post_form,
    post_parts,
    unique,
    v2_form,
)

from ownserver import ServerHandle

MAX_PUT = 3 * 1024 * 1024
"""The server's single-upload limit here (S3's 5 GiB, made small enough to pass in a test)."""
LATER = "2099-01-01T00:00:00Z"


@pytest.fixture(scope="module")
def srv(launch_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    data: Path = tmp_path_factory.mktemp("post-upload") / "data"
    data.mkdir(parents=True)
    (data / "ownstack.yaml").write_text(f"limits:\n  s3: {{max_single_put: {MAX_PUT}}}\n")
    handle: ServerHandle = launch_server(data)
    yield handle
    handle.stop()


@pytest.fixture(scope="module")
def s3(srv: ServerHandle) -> Any:
    """Presigns POST forms with Signature Version 2 (botocore's default for them)."""
    return srv.client("s3")


@pytest.fixture(scope="module")
def s3v4(srv: ServerHandle) -> Any:
    return srv.client("s3", config=Config(signature_version="s3v4"))


@pytest.fixture
def bucket(s3: Any) -> str:
    name = unique("post")
    s3.create_bucket(Bucket=name)
    return name


def keys(s3: Any, bucket: str) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


def signed_v2(srv: ServerHandle, document: dict[str, Any] | str) -> list[Part]:
    return v2_form(srv.access_key, srv.secret_key, policy_text(document))


# --- uploads that succeed ----------------------------------------------------------------------


def test_v4_form_answers_201_and_keeps_the_object_settings(
    srv: ServerHandle, s3: Any, s3v4: Any, bucket: str
) -> None:
    fields = {
        "success_action_status": "201",
        "Content-Type": "text/plain",
        "x-amz-meta-uuid": "14365123651274",
        "Cache-Control": "max-age=60",
        "Content-Disposition": 'attachment; filename="n.txt"',
        "x-amz-storage-class": "STANDARD_IA",
    }
    conditions = [
        {"success_action_status": "201"},
        ["starts-with", "$Content-Type", "text/"],
        {"x-amz-meta-uuid": "14365123651274"},
        ["starts-with", "$Cache-Control", ""],
        ["starts-with", "$Content-Disposition", "attachment"],
        {"x-amz-storage-class": "STANDARD_IA"},
        ["content-length-range", 1, 1024],
    ]
    post = s3v4.generate_presigned_post(
        bucket, "docs/${filename}", Fields=fields, Conditions=conditions, ExpiresIn=300
    )
    assert post["fields"]["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    data = b"hello from a browser"
    # As a browser sends it: requests puts the fields first, the file last.
    resp = requests.post(
        post["url"], data=post["fields"], files={"file": ("note.txt", data)}, timeout=30
    )
    assert resp.status_code == 201, resp.text
    location = f"{srv.endpoint}/{bucket}/docs/note.txt"
    assert resp.headers["ETag"] == md5_etag(data)
    assert resp.headers["Location"] == location
    assert resp.headers["Content-Type"] == "application/xml"
    root = ElementTree.fromstring(resp.content)
    assert root.tag == "PostResponse"
    assert [(c.tag, c.text) for c in root] == [
        ("Location", location),
        ("Bucket", bucket),
        ("Key", "docs/note.txt"),
        ("ETag", md5_etag(data)),
    ]
    head = s3.head_object(Bucket=bucket, Key="docs/note.txt")
    assert head["ContentType"] == "text/plain"
    assert head["Metadata"] == {"uuid": "14365123651274"}
    assert head["CacheControl"] == "max-age=60"
    assert head["ContentDisposition"] == 'attachment; filename="n.txt"'
    assert head["StorageClass"] == "STANDARD_IA"
    assert s3.get_object(Bucket=bucket, Key="docs/note.txt")["Body"].read() == data


def test_v2_form_answers_204_by_default(srv: ServerHandle, s3: Any, bucket: str) -> None:
    post = s3.generate_presigned_post(bucket, "in/${filename}")
    assert set(post["fields"]) == {"key", "AWSAccessKeyId", "policy", "signature"}
    resp = post_form(post, b"\x00binary\xff", "photo one.png")
    assert resp.status_code == 204, resp.text
    assert resp.content == b""
    assert resp.headers["ETag"] == md5_etag(b"\x00binary\xff")
    assert resp.headers["Location"] == f"{srv.endpoint}/{bucket}/in/photo%20one.png"
    got = s3.get_object(Bucket=bucket, Key="in/photo one.png")
    assert got["Body"].read() == b"\x00binary\xff"
    # The file part's own Content-Type is not the object's: only a Content-Type field is.
    assert got["ContentType"] == "binary/octet-stream"


@pytest.mark.parametrize(("asked", "status"), [("200", 200), ("204", 204), ("404", 204)])
def test_success_action_status(s3v4: Any, bucket: str, asked: str, status: int) -> None:
    post = s3v4.generate_presigned_post(
        bucket,
        "k",
        Fields={"success_action_status": asked},
        Conditions=[{"success_action_status": asked}],
    )
    resp = post_form(post, b"abc")
    assert resp.status_code == status
    assert resp.content == b""
    assert resp.headers["ETag"] == md5_etag(b"abc")


@pytest.mark.parametrize("field", ["success_action_redirect", "redirect"])
def test_redirect_answers_303_with_bucket_key_and_etag(s3v4: Any, bucket: str, field: str) -> None:
    target = "https://app.example.com/done?from=form"
    post = s3v4.generate_presigned_post(
        bucket, "a b.txt", Fields={field: target}, Conditions=[{field: target}]
    )
    resp = post_form(post, b"redirected")
    assert resp.status_code == 303, resp.text
    etag = quote(md5_etag(b"redirected"), safe="")
    assert resp.headers["Location"] == (f"{target}&bucket={bucket}&key=a%20b.txt&etag={etag}")
    assert resp.headers["ETag"] == md5_etag(b"redirected")


def test_a_redirect_that_is_no_url_is_ignored(s3v4: Any, bucket: str) -> None:
    post = s3v4.generate_presigned_post(
        bucket,
        "k",
        Fields={"success_action_redirect": "not a url"},
        Conditions=[["starts-with", "$success_action_redirect", ""]],
    )
    assert post_form(post).status_code == 204


def test_post_on_the_bucket_virtual_host(srv: ServerHandle, s3v4: Any, bucket: str) -> None:
    post = s3v4.generate_presigned_post(bucket, "vhost.txt")
    host = f"{bucket}.localhost:{srv.port}"
    resp = post_form(post, b"vhost", url=f"{srv.endpoint}/", headers={"Host": host})
    assert resp.status_code == 204, resp.text
    assert resp.headers["Location"] == f"http://{host}/vhost.txt"
    assert s3v4.get_object(Bucket=bucket, Key="vhost.txt")["Body"].read() == b"vhost"


def test_fields_after_the_file_are_ignored(s3v4: Any, bucket: str) -> None:
    post = s3v4.generate_presigned_post(bucket, "first")
    after: list[Part] = [("x-amz-meta-late", "1"), ("key", "second"), ("policy", "junk")]
    resp = post_form(post, b"data", after=after)
    assert resp.status_code == 204, resp.text
    assert keys(s3v4, bucket) == ["first"]
    assert s3v4.head_object(Bucket=bucket, Key="first")["Metadata"] == {}


def test_x_ignore_fields_need_no_condition(s3v4: Any, bucket: str) -> None:
    post = s3v4.generate_presigned_post(bucket, "k")
    resp = post_form(post, extra=[("x-ignore-submit", "Upload")])
    assert resp.status_code == 204, resp.text


def test_field_names_and_operations_are_case_insensitive(
    srv: ServerHandle, s3: Any, bucket: str
) -> None:
    document = {
        "expiration": LATER,
        "conditions": [
            {"bUcKeT": bucket},
            ["StArTs-WiTh", "$KeY", "foo"],
            ["starts-with", "$CoNtEnT-TyPe", "text/plain"],
            ["content-length-range", "0", "1024"],
        ],
    }
    parts: list[Part] = [
        ("kEy", "foo.txt"),
        *signed_v2(srv, document),
        ("content-type", "text/plain"),
        ("file", ("f", b"bar", "text/plain")),
    ]
    resp = post_parts(f"{srv.endpoint}/{bucket}", parts)
    assert resp.status_code == 204, resp.text
    assert s3.head_object(Bucket=bucket, Key="foo.txt")["ContentType"] == "text/plain"


def test_content_type_lists_match_a_prefix_entry_by_entry(s3v4: Any, bucket: str) -> None:
    post = s3v4.generate_presigned_post(
        bucket, "img", Conditions=[["starts-with", "$Content-Type", "image/"]]
    )
    ok = post_form(post, extra=[("Content-Type", "image/jpeg,image/png")])
    assert ok.status_code == 204, ok.text
    bad = post_form(post, extra=[("Content-Type", "image/jpeg,text/plain")])
    assert_error(
        bad,
        403,
        "AccessDenied",
        'Invalid according to Policy: Policy Condition failed: ["starts-with", '
        '"$Content-Type", "image/"]',
    )


def test_tagging_field_tags_the_object(s3v4: Any, bucket: str) -> None:
    tagging = (
        "<Tagging><TagSet><Tag><Key>team</Key><Value>blue sky</Value></Tag>"
        "<Tag><Key>n</Key><Value>1</Value></Tag></TagSet></Tagging>"
    )
    post = s3v4.generate_presigned_post(
        bucket, "tagged", Fields={"tagging": tagging}, Conditions=[["starts-with", "$tagging", ""]]
    )
    assert post_form(post).status_code == 204
    tags = s3v4.get_object_tagging(Bucket=bucket, Key="tagged")["TagSet"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("n", "1"), ("team", "blue sky")]
    broken = s3v4.generate_presigned_post(
        bucket,
        "broken",
        Fields={"tagging": "<Tagging><TagSet>"},
        Conditions=[["starts-with", "$tagging", ""]],
    )
    assert_error(
        post_form(broken),
        400,
        "MalformedXML",
        "The XML you provided was not well-formed or did not validate against our published schema",
    )
    assert keys(s3v4, bucket) == ["tagged"]


def test_checksum_fields_are_verified_as_put_object_verifies_them(s3v4: Any, bucket: str) -> None:
    data = b"checked content"
    digest = base64.b64encode(hashlib.sha256(data).digest()).decode()
    post = s3v4.generate_presigned_post(
        bucket,
        "sum",
        Fields={"x-amz-checksum-sha256": digest},
        Conditions=[{"x-amz-checksum-sha256": digest}],
    )
    resp = post_form(post, data)
    assert resp.status_code == 204, resp.text
    assert resp.headers["x-amz-checksum-sha256"] == digest
    head = s3v4.head_object(Bucket=bucket, Key="sum", ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"] == digest
    # A wrong checksum: the error PutObject gives, and nothing stored.
    with pytest.raises(ClientError) as put_err:
        s3v4.put_object(Bucket=bucket, Key="wrong", Body=b"other", ChecksumSHA256=digest)
    resp = post_form(post, b"other")
    expected = put_err.value.response
    assert resp.status_code == expected["ResponseMetadata"]["HTTPStatusCode"]
    error = error_of(resp)
    assert (error["Code"], error["Message"]) == (
        expected["Error"]["Code"],
        expected["Error"]["Message"],
    )
    assert s3v4.get_object(Bucket=bucket, Key="sum")["Body"].read() == data


@pytest.mark.parametrize("acl", ["private", "bucket-owner-full-control", "public-read"])
def test_acl_field_is_taken_as_put_object_takes_x_amz_acl(s3v4: Any, bucket: str, acl: str) -> None:
    try:
        s3v4.put_object(Bucket=bucket, Key="by-put", Body=b"x", ACL=acl)
        expected: tuple[int, str] = (204, "")
    except ClientError as exc:
        response = exc.response
        expected = (response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"])
    post = s3v4.generate_presigned_post(
        bucket, "by-post", Fields={"acl": acl}, Conditions=[{"acl": acl}]
    )
    resp = post_form(post)
    got = (resp.status_code, "" if resp.status_code < 300 else error_of(resp)["Code"])
    assert got == expected
    assert ("by-post" in keys(s3v4, bucket)) == (expected[0] == 204)


def test_a_file_larger_than_a_megabyte_streams_intact(s3v4: Any, bucket: str) -> None:
    data = bytes(range(256)) * (10 * 1024 + 7)  # ~2.5 MiB, not a multiple of any chunk
    post = s3v4.generate_presigned_post(
        bucket, "big", Conditions=[["content-length-range", 0, MAX_PUT]]
    )
    resp = post_form(post, data)
    assert resp.status_code == 204, resp.text
    assert resp.headers["ETag"] == md5_etag(data)
    assert s3v4.get_object(Bucket=bucket, Key="big")["Body"].read() == data


# --- the policy refuses --------------------------------------------------------------------------


def test_expired_policy(s3v4: Any, bucket: str) -> None:
    post = s3v4.generate_presigned_post(bucket, "k", ExpiresIn=-60)
    assert_error(
        post_form(post), 403, "AccessDenied", "Invalid according to Policy: Policy expired."
    )
    assert keys(s3v4, bucket) == []


def test_a_field_no_condition_names_is_refused(s3v4: Any, bucket: str) -> None:
    # boto3: "if a particular element is included in the fields dictionary it will not be
    # automatically added to the conditions list".
    post = s3v4.generate_presigned_post(bucket, "k", Fields={"x-amz-meta-Color": "red"})
    assert_error(
        post_form(post),
        403,
        "AccessDenied",
        "Invalid according to Policy: Extra input fields: x-amz-meta-color",
    )
    assert keys(s3v4, bucket) == []


def test_exact_match_condition_failed(s3v4: Any, bucket: str) -> None:
    post = s3v4.generate_presigned_post(
        bucket, "k", Fields={"x-amz-meta-color": "red"}, Conditions=[{"x-amz-meta-color": "red"}]
    )
    fields = {**post["fields"], "x-amz-meta-color": "blue"}
    assert_error(
        post_form({**post, "fields": fields}),
        403,
        "AccessDenied",
        'Invalid according to Policy: Policy Condition failed: ["eq", "$x-amz-meta-color", "red"]',
    )
    assert keys(s3v4, bucket) == []


def test_starts_with_condition_failed(s3v4: Any, bucket: str) -> None:
    post = s3v4.generate_presigned_post(bucket, "user/alice/${filename}")
    fields = {**post["fields"], "key": "user/bob/x"}
    assert_error(
        post_form({**post, "fields": fields}),
        403,
        "AccessDenied",
        'Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", '
        '"user/alice/"]',
    )
    assert keys(s3v4, bucket) == []


def test_an_empty_prefix_matches_anything(s3v4: Any, bucket: str) -> None:
    post = s3v4.generate_presigned_post(
        bucket,
        "k",
        Fields={"x-amz-meta-note": "anything at all"},
        Conditions=[["starts-with", "$x-amz-meta-note", ""]],
    )
    assert post_form(post).status_code == 204
    assert s3v4.head_object(Bucket=bucket, Key="k")["Metadata"] == {"note": "anything at all"}


def test_a_form_for_another_bucket_is_refused(srv: ServerHandle, s3v4: Any, bucket: str) -> None:
    other = unique("post-other")
    s3v4.create_bucket(Bucket=other)
    post = s3v4.generate_presigned_post(other, "k")
    resp = post_form(post, url=f"{srv.endpoint}/{bucket}")
    assert_error(
        resp,
        403,
        "AccessDenied",
        f'Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "{other}"]',
    )
    assert keys(s3v4, bucket) == [] and keys(s3v4, other) == []


@pytest.mark.parametrize(
    ("size", "code", "message", "bound"),
    [
        (5, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size", 10),
        (25, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", 20),
    ],
)
def test_content_length_range(
    s3v4: Any, bucket: str, size: int, code: str, message: str, bound: int
) -> None:
    post = s3v4.generate_presigned_post(bucket, "k", Conditions=[["content-length-range", 10, 20]])
    error = assert_error(post_form(post, b"x" * size), 400, code, message)
    limit = "MinSizeAllowed" if code == "EntityTooSmall" else "MaxSizeAllowed"
    assert (error["ProposedSize"], error[limit]) == (str(size), str(bound))
    assert keys(s3v4, bucket) == []
    assert post_form(post, b"x" * 15).status_code == 204


def test_content_length_range_holds_while_streaming(s3v4: Any, bucket: str) -> None:
    limit = 1536 * 1024
    post = s3v4.generate_presigned_post(
        bucket, "k", Conditions=[["content-length-range", 0, limit]]
    )
    size = 2 * 1024 * 1024
    error = assert_error(
        post_form(post, b"y" * size),
        400,
        "EntityTooLarge",
        "Your proposed upload exceeds the maximum allowed size",
    )
    assert (error["ProposedSize"], error["MaxSizeAllowed"]) == (str(size), str(limit))
    assert keys(s3v4, bucket) == []


def test_the_single_upload_limit_holds_while_streaming(s3v4: Any, bucket: str) -> None:
    post = s3v4.generate_presigned_post(bucket, "k")
    error = assert_error(
        post_form(post, b"z" * (MAX_PUT + 1024 * 1024)),
        400,
        "EntityTooLarge",
        "Your proposed upload exceeds the maximum allowed size",
    )
    assert error["MaxSizeAllowed"] == str(MAX_PUT)
    assert keys(s3v4, bucket) == []


def test_bad_signatures(srv: ServerHandle, s3: Any, s3v4: Any, bucket: str) -> None:
    v4 = s3v4.generate_presigned_post(bucket, "k")
    forged = {**v4["fields"], "x-amz-signature": "0" * 64}
    error = assert_error(
        post_form({**v4, "fields": forged}),
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method.",
    )
    assert error["StringToSign"] == v4["fields"]["policy"]
    assert error["SignatureProvided"] == "0" * 64
    assert error["AWSAccessKeyId"] == srv.access_key
    # A policy changed after signing (a later expiration) no longer matches its signature.
    v2 = s3.generate_presigned_post(bucket, "k")
    document = json.loads(base64.b64decode(v2["fields"]["policy"]))
    document["expiration"] = LATER
    tampered = {**v2["fields"], "policy": policy_text(document)}
    error = error_of(post_form({**v2, "fields": tampered}))
    assert error["Code"] == "SignatureDoesNotMatch"
    assert keys(s3, bucket) == []


def test_unknown_access_keys(srv: ServerHandle, s3: Any, s3v4: Any, bucket: str) -> None:
    v4 = s3v4.generate_presigned_post(bucket, "k")
    credential = v4["fields"]["x-amz-credential"].replace(srv.access_key, "AKIANOSUCHKEY0000000")
    resp = post_form({**v4, "fields": {**v4["fields"], "x-amz-credential": credential}})
    error = assert_error(
        resp,
        403,
        "InvalidAccessKeyId",
        "The AWS Access Key Id you provided does not exist in our records.",
    )
    assert error["AWSAccessKeyId"] == "AKIANOSUCHKEY0000000"
    v2 = s3.generate_presigned_post(bucket, "k")
    resp = post_form({**v2, "fields": {**v2["fields"], "AWSAccessKeyId": "AKIANOSUCHKEY0000000"}})
    assert error_of(resp)["Code"] == "InvalidAccessKeyId"
    assert keys(s3, bucket) == []


def test_malformed_credentials_and_algorithms(s3v4: Any, bucket: str) -> None:
    post = s3v4.generate_presigned_post(bucket, "k")
    fields = post["fields"]
    cases = [
        (
            {"x-amz-credential": "AKIA/2026/us-east-1"},
            "the Credential is mal-formed; expecting "
            '"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
        ),
        (
            {"x-amz-credential": fields["x-amz-credential"].replace("/s3/", "/sqs/")},
            'incorrect service "sqs". This endpoint belongs to "s3".',
        ),
        ({"x-amz-algorithm": "AWS4-HMAC-SHA1"}, "Only AWS4-HMAC-SHA256 is supported"),
    ]
    for change, message in cases:
        resp = post_form({**post, "fields": {**fields, **change}})
        assert_error(resp, 400, "InvalidArgument", message)
    assert keys(s3v4, bucket) == []


MISSING = (
    "Bucket POST must contain a field named '{}'.  If it is specified, please check the order "
    "of the fields."
)


def test_missing_fields(srv: ServerHandle, s3: Any, s3v4: Any, bucket: str) -> None:
    v4 = s3v4.generate_presigned_post(bucket, "k")
    v2 = s3.generate_presigned_post(bucket, "k")
    cases = [
        (v4, ["key"], [], "key"),
        (v4, ["key"], [("key", "k")], "key"),  # a key after the file is not read
        (v4, ["x-amz-signature"], [], "x-amz-signature"),
        (v4, ["policy"], [], "policy"),
        (v4, ["x-amz-date"], [], "x-amz-date"),
        (v2, ["signature"], [], "signature"),
        (v2, ["AWSAccessKeyId", "signature"], [], "AWSAccessKeyId"),
    ]
    for post, drop, after, name in cases:
        resp = post_form(post, drop=drop, after=after)
        error = assert_error(resp, 400, "InvalidArgument", MISSING.format(name))
        assert (error["ArgumentName"], error["ArgumentValue"]) == (name, "")
    assert keys(s3, bucket) == []


def test_a_form_without_a_file(srv: ServerHandle, s3v4: Any, bucket: str) -> None:
    post = s3v4.generate_presigned_post(bucket, "k")
    resp = post_parts(post["url"], list(post["fields"].items()))
    assert_error(
        resp,
        400,
        "IncorrectNumberOfFilesInPostRequest",
        "POST requires exactly one file upload per request.",
    )
    assert keys(s3v4, bucket) == []


def test_bodies_that_are_not_multipart_form_data(srv: ServerHandle, bucket: str, s3: Any) -> None:
    url = f"{srv.endpoint}/{bucket}"
    resp = requests.post(url, data={"key": "k"}, timeout=30)  # form-urlencoded
    error = assert_error(
        resp,
        412,
        "PreconditionFailed",
        "At least one of the pre-conditions you specified did not hold",
    )
    assert error["Condition"] == "Bucket POST must be of the enclosure-type multipart/form-data"
    malformed = "The body of your POST request is not well-formed multipart/form-data."
    garbage = requests.post(
        url,
        data=b"this is not a multipart body",
        headers={"Content-Type": "multipart/form-data; boundary=xyz"},
        timeout=30,
    )
    assert_error(garbage, 400, "MalformedPOSTRequest", malformed)
    post = s3.generate_presigned_post(bucket, "k")
    body = b"".join(
        f'--b\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in post["fields"].items()
    )
    file_head = b'--b\r\nContent-Disposition: form-data; name="file"\r\n\r\n'
    for content in (b"no end", b"s" * (1536 * 1024)):  # read whole / streamed into storage
        truncated = body + file_head + content
        resp = requests.post(
            url,
            data=truncated,
            headers={"Content-Type": "multipart/form-data; boundary=b"},
            timeout=30,
        )
        assert_error(resp, 400, "MalformedPOSTRequest", malformed)
    assert keys(s3, bucket) == []


def test_fields_before_the_file_are_capped_at_20_kb(
    srv: ServerHandle, s3v4: Any, bucket: str
) -> None:
    post = s3v4.generate_presigned_post(bucket, "k")
    resp = post_form(post, extra=[("x-ignore-padding", "p" * (20 * 1024))])
    assert_error(
        resp,
        400,
        "MaxPostPreDataLengthExceededError",
        "Your POST request fields preceding the upload file were too large.",
    )
    assert keys(s3v4, bucket) == []


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("not json", "Invalid Policy: Invalid JSON."),
        ({"conditions": []}, "Invalid Policy: Policy missing expiration."),
        ({"expiration": LATER}, "Invalid Policy: Policy missing conditions."),
        (
            {"expiration": "2099-01-01 00:00:00", "conditions": []},
            "Invalid Policy: Invalid 'expiration' value: '2099-01-01 00:00:00'",
        ),
        (
            {"expiration": LATER, "conditions": {}},
            "Invalid Policy: Invalid 'conditions' value: must be a List.",
        ),
        (
            {"expiration": LATER, "conditions": [{"a": "1", "b": "2"}]},
            "Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one "
            "property specified.",
        ),
        (
            {"expiration": LATER, "conditions": [["in", "$key", "a"]]},
            "Invalid Policy: Invalid Condition: unknown operation 'in'.",
        ),
        (
            {"expiration": LATER, "conditions": [["eq", "$key"]]},
            "Invalid Policy: Invalid eq: wrong number of arguments.",
        ),
        (
            {"expiration": LATER, "conditions": [["content-length-range", -1, 0]]},
            "Invalid Policy: Invalid content-length-range: the minimum and maximum must be "
            "integers, 0 <= minimum <= maximum.",
        ),
        (
            {"expiration": LATER, "CONDITIONS": []},
            'Invalid Policy: Unexpected: "CONDITIONS"',
        ),
    ],
)
def test_invalid_policy_documents(
    srv: ServerHandle, s3: Any, bucket: str, document: Any, message: str
) -> None:
    parts: list[Part] = [("key", "k"), *signed_v2(srv, document), ("file", ("f", b"x", "a/b"))]
    assert_error(
        post_parts(f"{srv.endpoint}/{bucket}", parts), 400, "InvalidPolicyDocument", message
    )
    assert keys(s3, bucket) == []


# --- who may upload ----------------------------------------------------------------------------


def _allow_public_policies(s3: Any, bucket: str) -> None:
    """New buckets block public bucket policies (S3's default since 2023): lift that."""
    try:
        s3.delete_public_access_block(Bucket=bucket)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "NotImplemented":
            raise


def test_an_unsigned_form_is_anonymous(srv: ServerHandle, s3: Any, bucket: str) -> None:
    parts: list[Part] = [("key", "public/${filename}"), ("file", ("drop.txt", b"hi", "text/plain"))]
    url = f"{srv.endpoint}/{bucket}"
    assert_error(post_parts(url, parts), 403, "AccessDenied", "Access Denied")
    assert keys(s3, bucket) == []
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{bucket}/public/*",
            }
        ],
    }
    _allow_public_policies(s3, bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    resp = post_parts(url, parts)
    assert resp.status_code == 204, resp.text
    assert s3.get_object(Bucket=bucket, Key="public/drop.txt")["Body"].read() == b"hi"
    # Outside the granted prefix: still denied.
    elsewhere: list[Part] = [("key", "private/x"), ("file", ("x", b"no", "text/plain"))]
    assert_error(post_parts(url, elsewhere), 403, "AccessDenied", "Access Denied")
    missing = post_parts(f"{srv.endpoint}/{unique('no-such')}", parts)
    assert_error(missing, 404, "NoSuchBucket", "The specified bucket does not exist")
    assert keys(s3, bucket) == ["public/drop.txt"]


def _user(srv: ServerHandle, actions: list[str], resource: str) -> tuple[str, Any, dict[str, str]]:
    iam = srv.client("iam")
    name = unique("uploader")
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource}],
    }
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(document))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    client = srv.client(
        "s3",
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        config=Config(signature_version="s3v4"),
    )
    return arn, client, key


def test_the_signer_must_be_allowed_to_put_the_object(srv: ServerHandle, bucket: str) -> None:
    arn, user, _ = _user(srv, ["s3:PutObject"], f"arn:aws:s3:::{bucket}/uploads/*")
    allowed = user.generate_presigned_post(bucket, "uploads/${filename}")
    assert post_form(allowed, b"ok", "a.txt").status_code == 204
    denied = user.generate_presigned_post(bucket, "elsewhere/a.txt")
    assert_error(
        post_form(denied),
        403,
        "AccessDenied",
        f"User: {arn} is not authorized to perform: s3:PutObject on resource: "
        f'"arn:aws:s3:::{bucket}/elsewhere/a.txt" because no identity-based policy allows the '
        "s3:PutObject action",
    )
    # Tags need s3:PutObjectTagging too, as on PutObject.
    tagging = "<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>"
    tagged = user.generate_presigned_post(
        bucket,
        "uploads/t",
        Fields={"tagging": tagging},
        Conditions=[{"tagging": tagging}],
    )
    error = error_of(post_form(tagged))
    assert error["Code"] == "AccessDenied"
    assert "s3:PutObjectTagging" in error["Message"]
    assert keys(srv.client("s3"), bucket) == ["uploads/a.txt"]


def test_temporary_credentials_sign_with_their_token(srv: ServerHandle, bucket: str) -> None:
    _, _, key = _user(srv, ["s3:PutObject", "sts:GetSessionToken"], "*")
    sts = srv.client(
        "sts", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"]
    )
    temp = sts.get_session_token()["Credentials"]
    session = srv.client(
        "s3",
        aws_access_key_id=temp["AccessKeyId"],
        aws_secret_access_key=temp["SecretAccessKey"],
        aws_session_token=temp["SessionToken"],
        config=Config(signature_version="s3v4"),
    )
    post = session.generate_presigned_post(bucket, "temp")
    assert post["fields"]["x-amz-security-token"] == temp["SessionToken"]
    assert post_form(post, b"temp").status_code == 204
    bad = {**post["fields"], "x-amz-security-token": "not-a-token"}
    resp = post_form({**post, "fields": bad})
    assert_error(resp, 400, "InvalidToken", "The provided token is malformed or otherwise invalid.")
    assert keys(srv.client("s3"), bucket) == ["temp"]


def test_a_post_is_notified_as_object_created_post(
    srv: ServerHandle, s3v4: Any, bucket: str
) -> None:
    sqs = srv.client("sqs")
    url, arn = s3_queue(sqs, bucket)
    config = queue_config(arn, ["s3:ObjectCreated:Post"], Id="posts")
    s3v4.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
    s3v4.put_object(Bucket=bucket, Key="by-put", Body=b"not notified")
    post = s3v4.generate_presigned_post(bucket, "by-post")
    assert post_form(post, b"notified").status_code == 204
    record = record_of(receive(sqs, url, 1)[0])
    assert record["eventName"] == "ObjectCreated:Post"
    assert record["s3"]["object"]["key"] == "by-post"
    assert record["s3"]["object"]["size"] == len(b"notified")


def test_a_versioned_bucket_answers_the_new_version_id(s3v4: Any, bucket: str) -> None:
    s3v4.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    post = s3v4.generate_presigned_post(bucket, "v")
    first, second = post_form(post, b"one"), post_form(post, b"two")
    assert (first.status_code, second.status_code) == (204, 204)
    versions = s3v4.list_object_versions(Bucket=bucket)["Versions"]
    by_id = {v["VersionId"]: v["ETag"] for v in versions}
    assert by_id == {
        first.headers["x-amz-version-id"]: md5_etag(b"one"),
        second.headers["x-amz-version-id"]: md5_etag(b"two"),
    }
