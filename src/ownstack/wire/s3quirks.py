"""What S3 does that its botocore model does not say.

- Routing: the model gives several operations the same method and path (PutObject, CopyObject,
  UploadPart, UploadPartCopy all `PUT /{Bucket}/{Key+}`). The generic router separates them by
  the required members present (`x-amz-copy-source`, `partNumber` + `uploadId`); where the
  model still ties (`GET /` is ListBuckets or ListDirectoryBuckets; the deprecated lifecycle and
  notification operations) PREFERRED names the winner.
- Unknown method/path: MethodNotAllowed 405, not a generic unknown-operation error.
- Output document roots: botocore's client ignores the root element's name, so the model omits
  it; real S3 (and stricter clients) use the names below.
- GetBucketLocation's body is a bare `<LocationConstraint>` whose text is the region (empty
  for us-east-1), which the model cannot express.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ownstack.core.errors import ServiceError

from .xmlwrite import escape_text

S3_XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"

PREFERRED = frozenset(
    {
        "ListBuckets",
        "GetBucketLifecycleConfiguration",
        "PutBucketLifecycleConfiguration",
        "GetBucketNotificationConfiguration",
        "PutBucketNotificationConfiguration",
    }
)

ROOT_NAMES: dict[str, str] = {
    "ListBuckets": "ListAllMyBucketsResult",
    "ListDirectoryBuckets": "ListAllMyDirectoryBucketsResult",
    "ListObjects": "ListBucketResult",
    "ListObjectsV2": "ListBucketResult",
    "ListObjectVersions": "ListVersionsResult",
    "ListMultipartUploads": "ListMultipartUploadsResult",
    "ListParts": "ListPartsResult",
    "CreateMultipartUpload": "InitiateMultipartUploadResult",
    "CompleteMultipartUpload": "CompleteMultipartUploadResult",
    "DeleteObjects": "DeleteResult",
    "GetBucketAcl": "AccessControlPolicy",
    "GetObjectAcl": "AccessControlPolicy",
    "GetBucketTagging": "Tagging",
    "GetObjectTagging": "Tagging",
    "GetBucketVersioning": "VersioningConfiguration",
    "GetBucketCors": "CORSConfiguration",
    "GetBucketLifecycleConfiguration": "LifecycleConfiguration",
    "GetBucketWebsite": "WebsiteConfiguration",
    "GetBucketLogging": "BucketLoggingStatus",
    "GetBucketNotificationConfiguration": "NotificationConfiguration",
    "GetBucketRequestPayment": "RequestPaymentConfiguration",
    "GetBucketAccelerateConfiguration": "AccelerateConfiguration",
    "GetObjectAttributes": "GetObjectAttributesResponse",
    "ListBucketAnalyticsConfigurations": "ListBucketAnalyticsConfigurationResult",
    "ListBucketInventoryConfigurations": "ListInventoryConfigurationsResult",
    "ListBucketMetricsConfigurations": "ListMetricsConfigurationsResult",
    "ListBucketIntelligentTieringConfigurations": (
        "ListBucketIntelligentTieringConfigurationsOutput"
    ),
}


def root_name(operation: str, output_shape_name: str) -> str:
    known = ROOT_NAMES.get(operation)
    if known is not None:
        return known
    base = output_shape_name.removesuffix("Output").removesuffix("Result")
    return base + "Result"


def method_not_allowed(method: str, path: str) -> ServiceError:
    """S3's 405, naming the method and the kind of resource the path addresses."""
    bucket, _, key = path.lstrip("/").partition("/")
    kind = "OBJECT" if key else ("BUCKET" if bucket else "SERVICE")
    return ServiceError(
        "MethodNotAllowed",
        "The specified method is not allowed against this resource.",
        405,
        fields={"Method": method, "ResourceType": kind},
    )


def too_big() -> ServiceError:
    return ServiceError("MaxMessageLengthExceeded", "Your request was too big.", 400)


def malformed_xml() -> ServiceError:
    return ServiceError(
        "MalformedXML",
        "The XML you provided was not well-formed or did not validate against our published schema",
        400,
    )


def invalid_uri() -> ServiceError:
    """A path whose percent-decoded bytes are not UTF-8 (a key sent as Latin-1, say)."""
    return ServiceError("InvalidURI", "Couldn't parse the specified URI.", 400)


def missing_content_length() -> ServiceError:
    return ServiceError(
        "MissingContentLength", "You must provide the Content-Length HTTP header.", 411
    )


def missing_body() -> ServiceError:
    return ServiceError("MissingRequestBodyError", "Request Body is empty", 400)


def location_body(result: Mapping[str, Any]) -> bytes:
    """GetBucketLocation's document: the region as the root's text, empty for us-east-1."""
    region = result.get("LocationConstraint") or ""
    if region == "us-east-1":
        region = ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<LocationConstraint xmlns="{S3_XMLNS}">{escape_text(str(region))}</LocationConstraint>'
    ).encode()
