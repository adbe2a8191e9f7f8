"""S3 Lifecycle configuration through a real server and boto3: Put/Get/DeleteBucketLifecycle-
Configuration, every check PutBucketLifecycleConfiguration makes (S3's code, status and
message, the bucket's configuration unchanged after a refusal), and x-amz-expiration on the
answers of PUT, GET, HEAD, CopyObject and CompleteMultipartUpload.

The server keeps the real 86400-second lifecycle day: nothing here waits for a sweep."""

from __future__ import annotations

import calendar
import email.utils
import math
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from lifecyclekit import bucket, error_of, signed

DAY = 86400
FUTURE = datetime(2031, 3, 4, tzinfo=UTC)
MALFORMED = (
    "The XML you provided was not well-formed or did not validate against our published schema"
)


@pytest.fixture(scope="module")
def server(launch_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    handle = launch_server(tmp_path_factory.mktemp("lifecycle-config") / "data")
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture(scope="module")
def s3(server: Any) -> Any:
    return server.client("s3")


def put(s3: Any, name: str, rules: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
    config = {"Rules": rules}
    out: dict[str, Any] = s3.put_bucket_lifecycle_configuration(
        Bucket=name, LifecycleConfiguration=config, **kw
    )
    return out


def rules_of(s3: Any, name: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = s3.get_bucket_lifecycle_configuration(Bucket=name)["Rules"]
    return out


FULL_RULES: list[dict[str, Any]] = [
    {
        "ID": "logs",
        "Filter": {"Prefix": "logs/"},
        "Status": "Enabled",
        "Transitions": [
            {"Days": 30, "StorageClass": "STANDARD_IA"},
            {"Days": 90, "StorageClass": "GLACIER"},
        ],
        "Expiration": {"Days": 365},
    },
    {
        "ID": "tagged",
        "Filter": {"Tag": {"Key": "kind", "Value": "tmp"}},
        "Status": "Disabled",
        "Expiration": {"Date": FUTURE},
    },
    {
        "ID": "and",
        "Filter": {
            "And": {
                "Prefix": "data/",
                "Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": ""}],
                "ObjectSizeGreaterThan": 100,
                "ObjectSizeLessThan": 5000,
            }
        },
        "Status": "Enabled",
        "NoncurrentVersionTransitions": [
            {"NoncurrentDays": 30, "StorageClass": "ONEZONE_IA", "NewerNoncurrentVersions": 2},
        ],
        "NoncurrentVersionExpiration": {"NoncurrentDays": 60, "NewerNoncurrentVersions": 3},
    },
    {
        "ID": "markers",
        "Filter": {},
        "Status": "Enabled",
        "Expiration": {"ExpiredObjectDeleteMarker": True},
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
    },
    {
        "ID": "big",
        "Filter": {"ObjectSizeGreaterThan": 1048576},
        "Status": "Enabled",
        "Transitions": [{"Date": FUTURE, "StorageClass": "DEEP_ARCHIVE"}],
    },
]


def test_get_without_configuration_is_no_such_lifecycle_configuration(s3: Any) -> None:
    name = bucket(s3)
    err = error_of(lambda: s3.get_bucket_lifecycle_configuration(Bucket=name))
    assert (err["Code"], err["Status"]) == ("NoSuchLifecycleConfiguration", 404)
    assert err["Message"] == "The lifecycle configuration does not exist"
    assert err["BucketName"] == name


def test_put_get_round_trip_every_element(s3: Any) -> None:
    name = bucket(s3)
    out = put(s3, name, FULL_RULES)
    assert out["TransitionDefaultMinimumObjectSize"] == "all_storage_classes_128K"
    got = s3.get_bucket_lifecycle_configuration(Bucket=name)
    assert got["Rules"] == FULL_RULES
    assert got["TransitionDefaultMinimumObjectSize"] == "all_storage_classes_128K"


def test_rule_without_id_gets_one(s3: Any) -> None:
    name = bucket(s3)
    put(s3, name, [{"Filter": {"Prefix": "a"}, "Status": "Enabled", "Expiration": {"Days": 1}}])
    put(s3, name, [{"ID": "", "Filter": {}, "Status": "Enabled", "Expiration": {"Days": 1}}])
    (rule,) = rules_of(s3, name)
    assert len(rule["ID"]) == 48 and rule["Filter"] == {}


def test_v1_rules_with_top_level_prefix(s3: Any) -> None:
    name = bucket(s3)
    rules = [
        {"ID": "one", "Prefix": "a/", "Status": "Enabled", "Expiration": {"Days": 3}},
        {"ID": "two", "Prefix": "b/", "Status": "Enabled", "Expiration": {"Days": 4}},
    ]
    put(s3, name, rules)
    assert rules_of(s3, name) == rules


def test_deprecated_put_bucket_lifecycle_document(server: Any, s3: Any) -> None:
    """PutBucketLifecycle's V1 document (one Transition element, top-level Prefix) at the same
    method and path: stored, and answered by GetBucketLifecycle (the deprecated call)."""
    name = bucket(s3)
    body = (
        b'<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule>'
        b"<ID>v1</ID><Prefix>old/</Prefix><Status>Enabled</Status>"
        b"<Transition><Days>0</Days><StorageClass>GLACIER</StorageClass></Transition>"
        b"<Expiration><Days>10</Days></Expiration></Rule></LifecycleConfiguration>"
    )
    status, _, _ = signed(server, "PUT", f"/{name}?lifecycle", body)
    assert status == 200
    legacy = s3.get_bucket_lifecycle(Bucket=name)["Rules"]
    assert legacy == [
        {
            "ID": "v1",
            "Prefix": "old/",
            "Status": "Enabled",
            "Transition": {"Days": 0, "StorageClass": "GLACIER"},
            "Expiration": {"Days": 10},
        }
    ]


def test_put_replaces_and_delete_removes(s3: Any) -> None:
    name = bucket(s3)
    put(s3, name, FULL_RULES)
    second = [{"ID": "only", "Filter": {}, "Status": "Enabled", "Expiration": {"Days": 9}}]
    put(s3, name, second)
    assert rules_of(s3, name) == second
    deleted = s3.delete_bucket_lifecycle(Bucket=name)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    err = error_of(lambda: s3.get_bucket_lifecycle_configuration(Bucket=name))
    assert err["Code"] == "NoSuchLifecycleConfiguration"
    again = s3.delete_bucket_lifecycle(Bucket=name)  # nothing there: still 204
    assert again["ResponseMetadata"]["HTTPStatusCode"] == 204


def test_transition_default_minimum_object_size(s3: Any) -> None:
    name = bucket(s3)
    out = put(s3, name, FULL_RULES, TransitionDefaultMinimumObjectSize="varies_by_storage_class")
    assert out["TransitionDefaultMinimumObjectSize"] == "varies_by_storage_class"
    got = s3.get_bucket_lifecycle_configuration(Bucket=name)
    assert got["TransitionDefaultMinimumObjectSize"] == "varies_by_storage_class"


def test_unknown_bucket_and_other_owner(server: Any, s3: Any) -> None:
    err = error_of(lambda: put(s3, "no-such-bucket-lc", FULL_RULES))
    assert (err["Code"], err["Status"]) == ("NoSuchBucket", 404)
    name = bucket(s3)
    wrong = error_of(lambda: put(s3, name, FULL_RULES, ExpectedBucketOwner="999999999999"))
    assert (wrong["Code"], wrong["Status"]) == ("AccessDenied", 403)


def _rule(**members: Any) -> dict[str, Any]:
    rule: dict[str, Any] = {"ID": "r", "Filter": {"Prefix": "doc/"}, "Status": "Enabled"}
    rule.update(members)
    return {k: v for k, v in rule.items() if v is not None}


def _ia(days: int, cls: str = "STANDARD_IA") -> dict[str, Any]:
    return {"Days": days, "StorageClass": cls}


REFUSED: list[tuple[str, list[dict[str, Any]], str, str]] = [
    ("no rules", [], "InvalidRequest", "At least one lifecycle rule must be specified."),
    (
        "1001 rules",
        [_rule(ID=f"r{i}", Expiration={"Days": 1}) for i in range(1001)],
        "InvalidRequest",
        "The number of lifecycle rules must not exceed the allowed limit of 1000 rules.",
    ),
    (
        "id of 256 characters",
        [_rule(ID="x" * 256, Expiration={"Days": 1})],
        "InvalidArgument",
        "ID length should not exceed allowed limit of 255",
    ),
    (
        "duplicate ids",
        [_rule(Expiration={"Days": 1}), _rule(Expiration={"Days": 2}, Filter={"Prefix": "x"})],
        "InvalidArgument",
        "Rule ID must be unique. Found same ID for more than one rule",
    ),
    ("status", [_rule(Status="enabled", Expiration={"Days": 1})], "MalformedXML", MALFORMED),
    (
        "neither filter nor prefix",
        [_rule(Filter=None, Expiration={"Days": 1})],
        "MalformedXML",
        MALFORMED,
    ),
    (
        "filter after a v1 rule",
        [
            _rule(Filter=None, Prefix="a", Expiration={"Days": 1}),
            _rule(ID="s", Expiration={"Days": 1}),
        ],
        "InvalidRequest",
        "Filter element can only be used in Lifecycle V2.",
    ),
    (
        "prefix in a v2 configuration",
        [
            _rule(Expiration={"Days": 1}),
            _rule(ID="s", Filter=None, Prefix="a", Expiration={"Days": 1}),
        ],
        "InvalidRequest",
        "Base level prefix cannot be used in Lifecycle V2, prefixes are only supported in the"
        " Filter.",
    ),
    (
        "filter with two conditions outside And",
        [_rule(Filter={"Prefix": "a", "Tag": {"Key": "k", "Value": "v"}}, Expiration={"Days": 1})],
        "MalformedXML",
        MALFORMED,
    ),
    (
        "And with one condition",
        [_rule(Filter={"And": {"ObjectSizeLessThan": 15}}, Expiration={"Days": 1})],
        "MalformedXML",
        MALFORMED,
    ),
    (
        "duplicate tag keys",
        [
            _rule(
                Filter={"And": {"Tags": [{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}]}},
                Expiration={"Days": 1},
            )
        ],
        "InvalidRequest",
        "Duplicate Tag Keys are not allowed.",
    ),
    (
        "size range upside down",
        [
            _rule(
                Filter={"And": {"ObjectSizeGreaterThan": 25, "ObjectSizeLessThan": 15}},
                Expiration={"Days": 1},
            )
        ],
        "InvalidRequest",
        "'ObjectSizeLessThan' has to be a value greater than 'ObjectSizeGreaterThan'.",
    ),
    (
        "negative size",
        [_rule(Filter={"ObjectSizeGreaterThan": -1}, Expiration={"Days": 1})],
        "InvalidRequest",
        "'ObjectSizeGreaterThan' should be between 0 and 1099511627776000.",
    ),
    (
        "zero ObjectSizeLessThan",
        [_rule(Filter={"ObjectSizeLessThan": 0}, Expiration={"Days": 1})],
        "InvalidRequest",
        "'ObjectSizeLessThan' should be between 1 and 1099511627776000.",
    ),
    (
        "prefix over 1024 bytes",
        [_rule(Filter={"Prefix": "p" * 1025}, Expiration={"Days": 1})],
        "InvalidRequest",
        "The maximum size of a prefix is 1024",
    ),
    (
        "no action",
        [_rule()],
        "InvalidRequest",
        "At least one action needs to be specified in a rule",
    ),
    (
        "zero days",
        [_rule(Expiration={"Days": 0})],
        "InvalidArgument",
        "'Days' for Expiration action must be a positive integer",
    ),
    ("days and date", [_rule(Expiration={"Days": 1, "Date": FUTURE})], "MalformedXML", MALFORMED),
    ("empty expiration", [_rule(Expiration={})], "MalformedXML", MALFORMED),
    (
        "marker with days",
        [_rule(Expiration={"Days": 1, "ExpiredObjectDeleteMarker": True})],
        "MalformedXML",
        MALFORMED,
    ),
    (
        "marker with a tag filter",
        [
            _rule(
                Filter={"Tag": {"Key": "k", "Value": "v"}},
                Expiration={"ExpiredObjectDeleteMarker": True},
            )
        ],
        "InvalidRequest",
        "ExpiredObjectDeleteMarker cannot be specified with Tags.",
    ),
    (
        "marker with a size filter",
        [
            _rule(
                Filter={"ObjectSizeGreaterThan": 10}, Expiration={"ExpiredObjectDeleteMarker": True}
            )
        ],
        "InvalidRequest",
        "ExpiredObjectDeleteMarker cannot be specified with Object Size.",
    ),
    (
        "abort with tags",
        [
            _rule(
                Filter={"And": {"Prefix": "a", "Tags": [{"Key": "k", "Value": "v"}]}},
                AbortIncompleteMultipartUpload={"DaysAfterInitiation": 1},
            )
        ],
        "InvalidRequest",
        "AbortIncompleteMultipartUpload cannot be specified with Tags.",
    ),
    ("abort without days", [_rule(AbortIncompleteMultipartUpload={})], "MalformedXML", MALFORMED),
    (
        "abort after zero days",
        [_rule(AbortIncompleteMultipartUpload={"DaysAfterInitiation": 0})],
        "InvalidArgument",
        "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive"
        " integer",
    ),
    (
        "noncurrent expiration without days",
        [_rule(NoncurrentVersionExpiration={"NewerNoncurrentVersions": 1})],
        "MalformedXML",
        MALFORMED,
    ),
    (
        "noncurrent expiration after zero days",
        [_rule(NoncurrentVersionExpiration={"NoncurrentDays": 0})],
        "InvalidArgument",
        "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer",
    ),
    (
        "zero newer noncurrent versions",
        [_rule(NoncurrentVersionExpiration={"NoncurrentDays": 1, "NewerNoncurrentVersions": 0})],
        "InvalidArgument",
        "'NewerNoncurrentVersions' must be a positive integer",
    ),
    (
        "newer noncurrent versions in v1",
        [
            _rule(
                Filter=None,
                Prefix="",
                NoncurrentVersionExpiration={"NoncurrentDays": 1, "NewerNoncurrentVersions": 2},
            )
        ],
        "InvalidRequest",
        "NewerNoncurrentVersions element can only be used in Lifecycle V2.",
    ),
    (
        "standard-ia before 30 days",
        [_rule(Transitions=[_ia(20)])],
        "InvalidArgument",
        "'Days' in Transition action must be greater than or equal to 30 for storageClass"
        " 'STANDARD_IA'",
    ),
    (
        "noncurrent onezone-ia before 30 days",
        [
            _rule(
                NoncurrentVersionTransitions=[{"NoncurrentDays": 29, "StorageClass": "ONEZONE_IA"}]
            )
        ],
        "InvalidArgument",
        "'NoncurrentDays' in NoncurrentVersionTransition action must be greater than or equal to"
        " 30 for storageClass 'ONEZONE_IA'",
    ),
    (
        "transition to standard",
        [_rule(Transitions=[_ia(40, "STANDARD")])],
        "MalformedXML",
        MALFORMED,
    ),
    (
        "transition without time",
        [_rule(Transitions=[{"StorageClass": "GLACIER"}])],
        "MalformedXML",
        MALFORMED,
    ),
    (
        "same class twice",
        [_rule(Transitions=[_ia(40, "GLACIER"), _ia(50, "GLACIER")])],
        "InvalidRequest",
        "'StorageClass' must be different for 'Transition' actions in same 'Rule'",
    ),
    (
        "dates and days mixed",
        [
            _rule(
                Expiration={"Days": 100}, Transitions=[{"Date": FUTURE, "StorageClass": "GLACIER"}]
            )
        ],
        "InvalidRequest",
        "Found mixed 'Date' and 'Days' based Expiration and Transition actions in lifecycle rule",
    ),
    (
        "glacier within 30 days of standard-ia",
        [_rule(Transitions=[_ia(30), _ia(40, "GLACIER")])],
        "InvalidArgument",
        "'Days' in the 'Transition' action for StorageClass 'GLACIER' for filter '(prefix=doc/)'"
        " must be 30 days more than 'Days' in the 'Transition' action for StorageClass"
        " 'STANDARD_IA' for filter '(prefix=doc/)'",
    ),
    (
        "colder class first",
        [_rule(Transitions=[_ia(10, "GLACIER_IR"), _ia(5, "DEEP_ARCHIVE")])],
        "InvalidArgument",
        "'Days' in the 'Transition' action for StorageClass 'DEEP_ARCHIVE' for filter"
        " '(prefix=doc/)' must be greater than 'Days' in the 'Transition' action for"
        " StorageClass 'GLACIER_IR' for filter '(prefix=doc/)'",
    ),
    (
        "expiration before the transition",
        [_rule(Expiration={"Days": 30}, Transitions=[_ia(30)])],
        "InvalidArgument",
        "'Days' in the Expiration action for filter '(prefix=doc/)' must be greater than 'Days'"
        " in the Transition action",
    ),
    (
        "noncurrent expiration before its transition",
        [
            _rule(
                NoncurrentVersionExpiration={"NoncurrentDays": 90},
                NoncurrentVersionTransitions=[{"NoncurrentDays": 100, "StorageClass": "GLACIER"}],
            )
        ],
        "InvalidArgument",
        "'NoncurrentDays' in the NoncurrentVersionExpiration action for filter '(prefix=doc/)'"
        " must be greater than 'NoncurrentDays' in the NoncurrentVersionTransition action",
    ),
    (
        "overlapping v1 prefixes",
        [
            _rule(Filter=None, Prefix="a", Expiration={"Days": 1}),
            _rule(ID="s", Filter=None, Prefix="ab", Expiration={"Days": 2}),
        ],
        "InvalidRequest",
        "Found overlapping prefixes 'a' and 'ab' for same action type 'Expiration'",
    ),
]


@pytest.mark.parametrize(
    ("rules", "code", "message"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED]
)
def test_refused_configuration_leaves_the_bucket_unchanged(
    s3: Any, rules: list[dict[str, Any]], code: str, message: str
) -> None:
    name = bucket(s3)
    before = [{"ID": "kept", "Filter": {}, "Status": "Enabled", "Expiration": {"Days": 5}}]
    put(s3, name, before)
    err = error_of(lambda: put(s3, name, rules))
    assert (err["Code"], err["Status"], err["Message"]) == (code, 400, message)
    assert rules_of(s3, name) == before


def test_date_not_at_midnight_names_it(s3: Any) -> None:
    name = bucket(s3)
    when = datetime(2031, 3, 4, 1, 0, tzinfo=UTC)
    err = error_of(lambda: put(s3, name, [_rule(Expiration={"Date": when})]))
    assert (err["Code"], err["Status"]) == ("InvalidArgument", 400)
    assert err["Message"] == "'Date' must be at midnight GMT"
    assert (err["ArgumentName"], err["ArgumentValue"]) == ("Date", "2031-03-04T01:00:00.000Z")
    assert error_of(lambda: s3.get_bucket_lifecycle_configuration(Bucket=name))["Status"] == 404


def test_bad_minimum_object_size_header(s3: Any) -> None:
    name = bucket(s3)
    err = error_of(
        lambda: put(s3, name, FULL_RULES, TransitionDefaultMinimumObjectSize="tiny")  # type: ignore[arg-type]
    )
    assert (err["Code"], err["Status"]) == ("InvalidRequest", 400)
    assert err["Message"] == "Invalid TransitionDefaultMinimumObjectSize found"


def test_malformed_documents(server: Any, s3: Any) -> None:
    name = bucket(s3)
    for body in (b"<LifecycleConfiguration><Rule>", b"<Wrong/>", b""):
        status, _, text = signed(server, "PUT", f"/{name}?lifecycle", body)
        assert status == 400, text
        assert b"<Code>MalformedXML</Code>" in text or b"MissingRequestBodyError" in text
    assert error_of(lambda: s3.get_bucket_lifecycle_configuration(Bucket=name))["Status"] == 404


def _http_date(when: float) -> str:
    return email.utils.formatdate(when, usegmt=True)


def _days_expiry(last_modified: datetime, days: int) -> float:
    created = calendar.timegm(last_modified.utctimetuple())
    return (math.floor((created + days * DAY) / DAY) + 1) * DAY


def test_expiration_header_on_every_answer(s3: Any) -> None:
    name = bucket(s3)
    rules = [
        {
            "ID": "by date",
            "Filter": {"Prefix": "d/"},
            "Status": "Enabled",
            "Expiration": {"Date": FUTURE},
        },
        {"ID": "soon", "Filter": {"Prefix": "d/x"}, "Status": "Enabled", "Expiration": {"Days": 2}},
        {
            "ID": "off",
            "Filter": {"Prefix": "off/"},
            "Status": "Disabled",
            "Expiration": {"Days": 2},
        },
        {
            "ID": "tagged",
            "Filter": {"Tag": {"Key": "tmp", "Value": "yes"}},
            "Status": "Enabled",
            "Expiration": {"Days": 3},
        },
        {
            "ID": "markers",
            "Filter": {"Prefix": "m/"},
            "Status": "Enabled",
            "Expiration": {"ExpiredObjectDeleteMarker": True},
        },
    ]
    put(s3, name, rules)
    by_date = f'expiry-date="{_http_date(FUTURE.timestamp())}", rule-id="by%20date"'

    out = s3.put_object(Bucket=name, Key="d/a", Body=b"x")
    assert out["Expiration"] == by_date
    assert s3.head_object(Bucket=name, Key="d/a")["Expiration"] == by_date
    assert s3.get_object(Bucket=name, Key="d/a")["Expiration"] == by_date

    # Two rules match: the earlier expiry wins.
    out = s3.put_object(Bucket=name, Key="d/x1", Body=b"x")
    modified = s3.head_object(Bucket=name, Key="d/x1")["LastModified"]
    soon = f'expiry-date="{_http_date(_days_expiry(modified, 2))}", rule-id="soon"'
    assert out["Expiration"] == soon
    assert s3.head_object(Bucket=name, Key="d/x1")["Expiration"] == soon

    for key in ("off/a", "m/a", "other"):
        assert "Expiration" not in s3.put_object(Bucket=name, Key=key, Body=b"x")
        assert "Expiration" not in s3.head_object(Bucket=name, Key=key)

    tagged = s3.put_object(Bucket=name, Key="t", Body=b"x", Tagging="tmp=yes")
    assert tagged["Expiration"].endswith('rule-id="tagged"')
    s3.put_object_tagging(Bucket=name, Key="t", Tagging={"TagSet": []})
    assert "Expiration" not in s3.head_object(Bucket=name, Key="t")

    copied = s3.copy_object(Bucket=name, Key="d/copy", CopySource={"Bucket": name, "Key": "other"})
    assert copied["Expiration"] == by_date

    upload = s3.create_multipart_upload(Bucket=name, Key="d/mpu")
    part = s3.upload_part(
        Bucket=name, Key="d/mpu", UploadId=upload["UploadId"], PartNumber=1, Body=b"z"
    )
    done = s3.complete_multipart_upload(
        Bucket=name,
        Key="d/mpu",
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    assert done["Expiration"] == by_date

    s3.delete_bucket_lifecycle(Bucket=name)
    assert "Expiration" not in s3.head_object(Bucket=name, Key="d/a")
