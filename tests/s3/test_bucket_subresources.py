"""Bucket sub-resources over boto3 against a real server: website, request payment,
accelerate, logging, metrics, analytics, Intelligent-Tiering and inventory configurations.
Each stored document comes back exactly; each setting ownstack would have to act on and does
not is refused (501 NotImplemented); bad input gets S3's error and leaves the bucket as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from s3kit import ctx, error, run
from subresourcekit import raw_client, refused, unique, without_metadata

from ownstack.backends.memory import MemoryBlobs, MemoryMeta
from ownstack.core.clock import ManualClock
from ownstack.services.s3.buckets import BucketOps
from ownstack.services.s3.subresource_configs import SubresourceConfigOps
from ownstack.services.s3.subresource_store import configs_ns

MALFORMED = (
    "The XML you provided was not well-formed or did not validate against our published schema"
)
NO_CONFIG = "The specified configuration does not exist."

WEBSITE = {
    "IndexDocument": {"Suffix": "index.html"},
    "ErrorDocument": {"Key": "errors/404.html"},
    "RoutingRules": [
        {
            "Condition": {"KeyPrefixEquals": "docs/"},
            "Redirect": {
                "Protocol": "https",
                "HostName": "example.com",
                "ReplaceKeyPrefixWith": "documents/",
                "HttpRedirectCode": "302",
            },
        },
        {
            "Condition": {"HttpErrorCodeReturnedEquals": "404", "KeyPrefixEquals": "old/"},
            "Redirect": {"ReplaceKeyWith": "gone.html"},
        },
    ],
}


@pytest.fixture
def raw(server: Any) -> Any:
    return raw_client(server)


@pytest.fixture
def bucket(s3: Any) -> Iterator[str]:
    name = unique("sub")
    s3.create_bucket(Bucket=name)
    yield name


# --- website ----------------------------------------------------------------------------------


def test_website_round_trip_and_delete(s3: Any, bucket: str) -> None:
    err = refused(lambda: s3.get_bucket_website(Bucket=bucket), "NoSuchWebsiteConfiguration", 404)
    assert err["Message"] == "The specified bucket does not have a website configuration"
    assert err["BucketName"] == bucket
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration=WEBSITE)
    assert without_metadata(s3.get_bucket_website(Bucket=bucket)) == WEBSITE
    redirect_all = {"RedirectAllRequestsTo": {"HostName": "example.org", "Protocol": "https"}}
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration=redirect_all)
    assert without_metadata(s3.get_bucket_website(Bucket=bucket)) == redirect_all
    deleted = s3.delete_bucket_website(Bucket=bucket)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    refused(lambda: s3.get_bucket_website(Bucket=bucket), "NoSuchWebsiteConfiguration", 404)
    # Deleting what is not there is no error, as on S3.
    assert s3.delete_bucket_website(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204


def _rule(redirect: dict[str, Any], condition: dict[str, Any] | None = None) -> dict[str, Any]:
    rule: dict[str, Any] = {"Redirect": redirect}
    if condition is not None:
        rule["Condition"] = condition
    return rule


def _site(*rules: dict[str, Any]) -> dict[str, Any]:
    return {"IndexDocument": {"Suffix": "index.html"}, "RoutingRules": list(rules)}


_PROTOCOL = (
    "Invalid protocol, protocol can be http or https. If not defined the protocol will be"
    " selected automatically."
)


@pytest.mark.parametrize(
    ("config", "code", "message"),
    [
        (
            {},
            "InvalidArgument",
            "A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty",
        ),
        (
            {"IndexDocument": {"Suffix": "a/index.html"}},
            "InvalidArgument",
            "The IndexDocument Suffix is not well formed",
        ),
        (
            {"IndexDocument": {"Suffix": ""}},
            "InvalidArgument",
            "The IndexDocument Suffix is not well formed",
        ),
        (
            {"IndexDocument": {"Suffix": "i.html"}, "ErrorDocument": {"Key": ""}},
            "InvalidArgument",
            "The ErrorDocument Key is not well formed",
        ),
        (
            {
                "RedirectAllRequestsTo": {"HostName": "example.com"},
                "IndexDocument": {"Suffix": "index.html"},
            },
            "InvalidArgument",
            "RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules.",
        ),
        (
            {"RedirectAllRequestsTo": {"HostName": ""}},
            "InvalidRequest",
            'A host name must be provided to redirect all requests (e.g. "example.com").',
        ),
        (
            {"RedirectAllRequestsTo": {"HostName": "example.com", "Protocol": "ftp"}},
            "InvalidRequest",
            _PROTOCOL,
        ),
        ({"RedirectAllRequestsTo": {"Protocol": "http"}}, "MalformedXML", MALFORMED),
        ({"IndexDocument": {"Suffix": "i.html"}, "RoutingRules": []}, "MalformedXML", MALFORMED),
        (_site({"Condition": {"KeyPrefixEquals": "a"}}), "MalformedXML", MALFORMED),
        (
            _site(_rule({"ReplaceKeyWith": "a", "ReplaceKeyPrefixWith": "b"})),
            "InvalidRequest",
            "You can only define ReplaceKeyPrefix or ReplaceKey but not both.",
        ),
        (
            _site(_rule({"HostName": "example.com"}, {})),
            "InvalidRequest",
            "Condition cannot be empty. To redirect all requests without a condition, the"
            " condition element shouldn't be present.",
        ),
        (_site(_rule({"Protocol": "gopher"})), "InvalidRequest", _PROTOCOL),
        (
            _site(_rule({"HttpRedirectCode": "300"})),
            "InvalidRequest",
            "The provided HTTP redirect code (300) is not valid. Valid codes are 3XX except 300.",
        ),
        (
            _site(_rule({"HttpRedirectCode": "200"})),
            "InvalidRequest",
            "The provided HTTP redirect code (200) is not valid. Valid codes are 3XX except 300.",
        ),
        (_site(_rule({"HttpRedirectCode": "abc"})), "MalformedXML", MALFORMED),
        (
            _site(_rule({"HostName": "x"}, {"HttpErrorCodeReturnedEquals": "399"})),
            "InvalidRequest",
            "The provided HTTP error code (399) is not valid. Valid codes are 4XX or 5XX.",
        ),
        (
            _site(
                *[
                    _rule({"ReplaceKeyWith": f"k{i}"}, {"KeyPrefixEquals": f"p{i}"})
                    for i in range(51)
                ]
            ),
            "InvalidRequest",
            "The number of routing rules must not exceed 50.",
        ),
    ],
)
def test_website_bad_input_leaves_the_configuration(
    s3: Any, raw: Any, bucket: str, config: dict[str, Any], code: str, message: str
) -> None:
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration=WEBSITE)
    put = lambda: raw.put_bucket_website(Bucket=bucket, WebsiteConfiguration=config)  # noqa: E731
    refused(put, code, 400, message)
    assert without_metadata(s3.get_bucket_website(Bucket=bucket)) == WEBSITE


def test_website_of_a_missing_bucket(s3: Any) -> None:
    name = unique("gone")
    put = lambda: s3.put_bucket_website(Bucket=name, WebsiteConfiguration=WEBSITE)  # noqa: E731
    refused(put, "NoSuchBucket", 404)
    refused(lambda: s3.get_bucket_website(Bucket=name), "NoSuchBucket", 404)


# --- request payment, accelerate, logging ----------------------------------------------------


def test_request_payment_bucket_owner_is_kept_and_requester_refused(
    s3: Any, raw: Any, bucket: str
) -> None:
    assert s3.get_bucket_request_payment(Bucket=bucket)["Payer"] == "BucketOwner"
    s3.put_bucket_request_payment(
        Bucket=bucket, RequestPaymentConfiguration={"Payer": "BucketOwner"}
    )
    assert s3.get_bucket_request_payment(Bucket=bucket)["Payer"] == "BucketOwner"

    def put(payer: str) -> Any:
        return lambda: raw.put_bucket_request_payment(
            Bucket=bucket, RequestPaymentConfiguration={"Payer": payer}
        )

    err = refused(put("Requester"), "NotImplemented", 501)
    assert "Requester Pays" in err["Message"]
    refused(put("Nobody"), "MalformedXML", 400, MALFORMED)
    assert s3.get_bucket_request_payment(Bucket=bucket)["Payer"] == "BucketOwner"


def test_accelerate_suspended_is_stored_and_enabled_refused(s3: Any, raw: Any, bucket: str) -> None:
    assert "Status" not in s3.get_bucket_accelerate_configuration(Bucket=bucket)
    s3.put_bucket_accelerate_configuration(
        Bucket=bucket, AccelerateConfiguration={"Status": "Suspended"}
    )
    assert s3.get_bucket_accelerate_configuration(Bucket=bucket)["Status"] == "Suspended"

    def put(config: dict[str, Any]) -> Any:
        return lambda: raw.put_bucket_accelerate_configuration(
            Bucket=bucket, AccelerateConfiguration=config
        )

    err = refused(put({"Status": "Enabled"}), "NotImplemented", 501)
    assert "Transfer Acceleration" in err["Message"]
    refused(put({"Status": "Fast"}), "MalformedXML", 400, MALFORMED)
    refused(
        put({}),
        "IllegalAccelerateConfigurationException",
        400,
        "The Accelerate element must be specified",
    )
    assert s3.get_bucket_accelerate_configuration(Bucket=bucket)["Status"] == "Suspended"


def test_accelerate_refuses_bucket_names_with_periods(s3: Any) -> None:
    name = unique("dot.ted")
    s3.create_bucket(Bucket=name)
    put = lambda: s3.put_bucket_accelerate_configuration(  # noqa: E731
        Bucket=name, AccelerateConfiguration={"Status": "Suspended"}
    )
    refused(
        put,
        "InvalidRequest",
        400,
        "S3 Transfer Acceleration is not supported for buckets with periods (.) in their names",
    )
    assert "Status" not in s3.get_bucket_accelerate_configuration(Bucket=name)


def test_logging_off_is_accepted_and_delivery_refused(s3: Any, bucket: str) -> None:
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=bucket)
    s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={})
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=bucket)

    def enable(target: str) -> Any:
        status = {"LoggingEnabled": {"TargetBucket": target, "TargetPrefix": "logs/"}}
        return lambda: s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus=status)

    missing = unique("nolog")
    err = refused(
        enable(missing),
        "InvalidTargetBucketForLogging",
        400,
        "The target bucket for logging does not exist",
    )
    assert err["TargetBucket"] == missing
    elsewhere = unique("eulogs")
    s3.create_bucket(
        Bucket=elsewhere, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    err = refused(enable(elsewhere), "CrossLocationLoggingProhibited", 403)
    assert err["TargetBucketLocation"] == "eu-west-1"
    target = unique("logs")
    s3.create_bucket(Bucket=target)
    err = refused(enable(target), "NotImplemented", 501)
    assert "Server access log delivery" in err["Message"]
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=bucket)


# --- id-keyed configurations -----------------------------------------------------------------

METRICS = [
    {"Id": "EntireBucket"},
    {"Id": "prefix", "Filter": {"Prefix": "logs/"}},
    {"Id": "tag", "Filter": {"Tag": {"Key": "team", "Value": "a"}}},
    {
        "Id": "and.both_1",
        "Filter": {
            "And": {
                "Prefix": "p/",
                "Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}],
            }
        },
    },
    {"Id": "ap", "Filter": {"AccessPointArn": "arn:aws:s3:us-east-1:123456789012:accesspoint/x"}},
]


def test_metrics_round_trip_replace_and_delete(s3: Any, bucket: str) -> None:
    for config in METRICS:
        s3.put_bucket_metrics_configuration(
            Bucket=bucket, Id=config["Id"], MetricsConfiguration=config
        )
    for config in METRICS:
        got = s3.get_bucket_metrics_configuration(Bucket=bucket, Id=config["Id"])
        assert got["MetricsConfiguration"] == config
    listed = s3.list_bucket_metrics_configurations(Bucket=bucket)
    assert listed["MetricsConfigurationList"] == sorted(METRICS, key=lambda c: c["Id"])
    assert listed["IsTruncated"] is False
    assert "NextContinuationToken" not in listed
    # A Put replaces the whole configuration.
    s3.put_bucket_metrics_configuration(
        Bucket=bucket, Id="prefix", MetricsConfiguration={"Id": "prefix"}
    )
    got = s3.get_bucket_metrics_configuration(Bucket=bucket, Id="prefix")
    assert got["MetricsConfiguration"] == {"Id": "prefix"}
    deleted = s3.delete_bucket_metrics_configuration(Bucket=bucket, Id="prefix")
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    get = lambda: s3.get_bucket_metrics_configuration(Bucket=bucket, Id="prefix")  # noqa: E731
    refused(get, "NoSuchConfiguration", 404, NO_CONFIG)
    delete = lambda: s3.delete_bucket_metrics_configuration(Bucket=bucket, Id="prefix")  # noqa: E731
    refused(delete, "NoSuchConfiguration", 404, NO_CONFIG)


def test_metrics_list_pages_by_100(s3: Any, bucket: str) -> None:
    ids = [f"m{i:03d}" for i in range(201)]
    for config_id in ids:
        s3.put_bucket_metrics_configuration(
            Bucket=bucket, Id=config_id, MetricsConfiguration={"Id": config_id}
        )
    seen: list[str] = []
    token = None
    pages = []
    while True:
        kw = {"ContinuationToken": token} if token else {}
        page = s3.list_bucket_metrics_configurations(Bucket=bucket, **kw)
        pages.append(len(page["MetricsConfigurationList"]))
        seen += [c["Id"] for c in page["MetricsConfigurationList"]]
        if token:
            assert page["ContinuationToken"] == token
        if not page["IsTruncated"]:
            assert "NextContinuationToken" not in page
            break
        token = page["NextContinuationToken"]
    assert pages == [100, 100, 1]
    assert seen == ids
    bad = lambda: s3.list_bucket_metrics_configurations(  # noqa: E731
        Bucket=bucket, ContinuationToken="!!not-a-token!!"
    )
    refused(bad, "InvalidArgument", 400, "The continuation token provided is incorrect")


@pytest.mark.parametrize(
    ("config_id", "config"),
    [
        ("one", {"Id": "other"}),
        ("bad id!", {"Id": "bad id!"}),
        ("x" * 65, {"Id": "x" * 65}),
        ("two", {"Id": "two", "Filter": {"Prefix": "a", "Tag": {"Key": "k", "Value": "v"}}}),
        ("none", {"Id": "none", "Filter": {}}),
        ("lone", {"Id": "lone", "Filter": {"And": {"Prefix": "a"}}}),
        ("tagless", {"Id": "tagless", "Filter": {"Tag": {"Key": "k"}}}),
    ],
)
def test_metrics_bad_input(s3: Any, raw: Any, bucket: str, config_id: str, config: Any) -> None:
    s3.put_bucket_metrics_configuration(
        Bucket=bucket, Id="keep", MetricsConfiguration={"Id": "keep"}
    )
    put = lambda: raw.put_bucket_metrics_configuration(  # noqa: E731
        Bucket=bucket, Id=config_id, MetricsConfiguration=config
    )
    refused(put, "MalformedXML", 400, MALFORMED)
    listed = s3.list_bucket_metrics_configurations(Bucket=bucket)["MetricsConfigurationList"]
    assert listed == [{"Id": "keep"}]


ANALYTICS = {
    "Id": "sca",
    "Filter": {"And": {"Prefix": "data/", "Tags": [{"Key": "k", "Value": "v"}]}},
    "StorageClassAnalysis": {},
}


def test_analytics_round_trip_and_export_refused(s3: Any, bucket: str) -> None:
    s3.put_bucket_analytics_configuration(Bucket=bucket, Id="sca", AnalyticsConfiguration=ANALYTICS)
    got = s3.get_bucket_analytics_configuration(Bucket=bucket, Id="sca")
    assert got["AnalyticsConfiguration"] == ANALYTICS
    listed = s3.list_bucket_analytics_configurations(Bucket=bucket)
    assert listed["AnalyticsConfigurationList"] == [ANALYTICS]
    export = {
        "Id": "export",
        "StorageClassAnalysis": {
            "DataExport": {
                "OutputSchemaVersion": "V_1",
                "Destination": {
                    "S3BucketDestination": {"Format": "CSV", "Bucket": f"arn:aws:s3:::{bucket}"}
                },
            }
        },
    }
    put = lambda: s3.put_bucket_analytics_configuration(  # noqa: E731
        Bucket=bucket, Id="export", AnalyticsConfiguration=export
    )
    err = refused(put, "NotImplemented", 501)
    assert "DataExport" in err["Message"]
    mismatch = lambda: s3.put_bucket_analytics_configuration(  # noqa: E731
        Bucket=bucket, Id="sca", AnalyticsConfiguration={**ANALYTICS, "Id": "other"}
    )
    refused(mismatch, "MalformedXML", 400, MALFORMED)
    get = lambda: s3.get_bucket_analytics_configuration(Bucket=bucket, Id="export")  # noqa: E731
    refused(get, "NoSuchConfiguration", 404, NO_CONFIG)
    assert s3.list_bucket_analytics_configurations(Bucket=bucket)["AnalyticsConfigurationList"] == [
        ANALYTICS
    ]
    s3.delete_bucket_analytics_configuration(Bucket=bucket, Id="sca")
    assert "AnalyticsConfigurationList" not in s3.list_bucket_analytics_configurations(
        Bucket=bucket
    )


TIERING = {
    "Id": "archive",
    "Filter": {"Prefix": "cold/"},
    "Status": "Disabled",
    "Tierings": [
        {"Days": 90, "AccessTier": "ARCHIVE_ACCESS"},
        {"Days": 180, "AccessTier": "DEEP_ARCHIVE_ACCESS"},
    ],
}


def test_intelligent_tiering_disabled_is_stored_and_enabled_refused(
    s3: Any, raw: Any, bucket: str
) -> None:
    s3.put_bucket_intelligent_tiering_configuration(
        Bucket=bucket, Id="archive", IntelligentTieringConfiguration=TIERING
    )
    got = s3.get_bucket_intelligent_tiering_configuration(Bucket=bucket, Id="archive")
    assert got["IntelligentTieringConfiguration"] == TIERING
    listed = s3.list_bucket_intelligent_tiering_configurations(Bucket=bucket)
    assert listed["IntelligentTieringConfigurationList"] == [TIERING]

    def put(config: dict[str, Any]) -> Any:
        return lambda: raw.put_bucket_intelligent_tiering_configuration(
            Bucket=bucket, Id="archive", IntelligentTieringConfiguration=config
        )

    err = refused(put({**TIERING, "Status": "Enabled"}), "NotImplemented", 501)
    assert "Intelligent-Tiering" in err["Message"]
    early = {**TIERING, "Tierings": [{"Days": 30, "AccessTier": "ARCHIVE_ACCESS"}]}
    err = refused(put(early), "InvalidArgument", 400)
    assert err["ArgumentValue"] == "30"
    refused(put({**TIERING, "Status": "Sometimes"}), "MalformedXML", 400, MALFORMED)
    refused(put({**TIERING, "Id": "other"}), "MalformedXML", 400, MALFORMED)
    got = s3.get_bucket_intelligent_tiering_configuration(Bucket=bucket, Id="archive")
    assert got["IntelligentTieringConfiguration"] == TIERING
    s3.delete_bucket_intelligent_tiering_configuration(Bucket=bucket, Id="archive")
    get = lambda: s3.get_bucket_intelligent_tiering_configuration(  # noqa: E731
        Bucket=bucket, Id="archive"
    )
    refused(get, "NoSuchConfiguration", 404, NO_CONFIG)


def _inventory(bucket: str, **changes: Any) -> dict[str, Any]:
    config = {
        "Id": "weekly",
        "IsEnabled": False,
        "Destination": {
            "S3BucketDestination": {
                "AccountId": "123456789012",
                "Bucket": f"arn:aws:s3:::{bucket}",
                "Format": "Parquet",
                "Prefix": "inventory",
                "Encryption": {"SSES3": {}},
            }
        },
        "Filter": {"Prefix": "data/"},
        "IncludedObjectVersions": "Current",
        "OptionalFields": ["Size", "ETag", "StorageClass"],
        "Schedule": {"Frequency": "Weekly"},
    }
    config.update(changes)
    return config


def test_inventory_disabled_is_stored_and_enabled_refused(s3: Any, raw: Any, bucket: str) -> None:
    stored = _inventory(bucket)
    s3.put_bucket_inventory_configuration(Bucket=bucket, Id="weekly", InventoryConfiguration=stored)
    got = s3.get_bucket_inventory_configuration(Bucket=bucket, Id="weekly")
    assert got["InventoryConfiguration"] == stored
    listed = s3.list_bucket_inventory_configurations(Bucket=bucket)
    assert listed["InventoryConfigurationList"] == [stored]

    def put(config: dict[str, Any], config_id: str = "weekly") -> Any:
        return lambda: raw.put_bucket_inventory_configuration(
            Bucket=bucket, Id=config_id, InventoryConfiguration=config
        )

    err = refused(put(_inventory(bucket, IsEnabled=True)), "NotImplemented", 501)
    assert "Inventory" in err["Message"]
    refused(
        put(_inventory(bucket), "daily"),
        "IdMismatch",
        400,
        "Document ID does not match the specified configuration ID.",
    )
    bad_arn = _inventory(bucket)
    bad_arn["Destination"]["S3BucketDestination"]["Bucket"] = bucket
    refused(put(bad_arn), "InvalidS3DestinationBucket", 400, "Invalid bucket ARN.")
    bad_format = _inventory(bucket)
    bad_format["Destination"]["S3BucketDestination"]["Format"] = "XLS"
    refused(put(bad_format), "MalformedXML", 400, MALFORMED)
    refused(put(_inventory(bucket, OptionalFields=["Colour"])), "MalformedXML", 400, MALFORMED)
    refused(put(_inventory(bucket, Schedule={})), "MalformedXML", 400, MALFORMED)
    got = s3.get_bucket_inventory_configuration(Bucket=bucket, Id="weekly")
    assert got["InventoryConfiguration"] == stored
    s3.delete_bucket_inventory_configuration(Bucket=bucket, Id="weekly")
    assert "InventoryConfigurationList" not in s3.list_bucket_inventory_configurations(
        Bucket=bucket
    )


def test_configurations_survive_a_restart(fresh_server: Any) -> None:
    first = fresh_server()
    s3 = first.client("s3")
    name = unique("durable")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_website(Bucket=name, WebsiteConfiguration=WEBSITE)
    s3.put_bucket_metrics_configuration(Bucket=name, Id="prefix", MetricsConfiguration=METRICS[1])
    s3.put_bucket_accelerate_configuration(
        Bucket=name, AccelerateConfiguration={"Status": "Suspended"}
    )
    first.stop()
    again = fresh_server(first.data_dir).client("s3")
    assert without_metadata(again.get_bucket_website(Bucket=name)) == WEBSITE
    got = again.get_bucket_metrics_configuration(Bucket=name, Id="prefix")
    assert got["MetricsConfiguration"] == METRICS[1]
    assert again.get_bucket_accelerate_configuration(Bucket=name)["Status"] == "Suspended"


# --- the 1,000-configuration limit, on the service itself (a thousand Puts over HTTP would
# --- take too long for the suite) ------------------------------------------------------------


class _Svc(BucketOps, SubresourceConfigOps):
    pass


def test_a_thousand_and_first_configuration_is_refused() -> None:
    svc = _Svc(MemoryMeta(), MemoryBlobs(), ManualClock())
    run(svc.create_bucket(ctx(), {"Bucket": "bkt"}))

    def put(config_id: str, kind: str = "metrics") -> Any:
        member = "MetricsConfiguration" if kind == "metrics" else "AnalyticsConfiguration"
        doc: dict[str, Any] = {"Id": config_id}
        if kind == "analytics":
            doc["StorageClassAnalysis"] = {}
        method = getattr(svc, f"put_bucket_{kind}_configuration")
        return method(ctx(), {"Bucket": "bkt", "Id": config_id, member: doc})

    for i in range(1000):
        run(put(f"m{i}"))
    err = error(put("one-more"))
    assert (err.code, err.status) == ("TooManyConfigurations", 400)
    assert err.message == (
        "You are attempting to create a new configuration but have already reached the"
        " 1,000-configuration limit."
    )
    run(put("m7"))  # replacing one is not adding one
    run(put("a1", "analytics"))  # the limit is per kind


def test_deleting_the_bucket_deletes_its_configurations() -> None:
    meta = MemoryMeta()
    svc = _Svc(meta, MemoryBlobs(), ManualClock())
    run(svc.create_bucket(ctx(), {"Bucket": "bkt"}))
    for config_id in ("a", "b"):
        params = {"Bucket": "bkt", "Id": config_id, "MetricsConfiguration": {"Id": config_id}}
        run(svc.put_bucket_metrics_configuration(ctx(), params))
    bucket = run(svc.bucket(ctx(), "bkt"))
    assert bucket.subresources == {"metrics": "2"}  # the record keeps only the count
    assert len(run(meta.scan(configs_ns(bucket.id)))) == 2
    run(svc.delete_bucket_metrics_configuration(ctx(), {"Bucket": "bkt", "Id": "a"}))
    assert run(svc.bucket(ctx(), "bkt")).subresources == {"metrics": "1"}
    run(svc.delete_bucket(ctx(), {"Bucket": "bkt"}))
    assert run(meta.scan(configs_ns(bucket.id))) == []
