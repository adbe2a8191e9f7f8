"""The shared condition helpers: read preconditions and copy-source preconditions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ownstack.core.errors import ServiceError
from ownstack.services.s3.conditions import check_copy_source, check_read, etag_matches

ETAG = '"abc"'
MODIFIED = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC).timestamp() + 0.7
BEFORE = datetime(2024, 5, 1, 11, 0, 0, tzinfo=UTC)
SAME_SECOND = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
AFTER = datetime(2024, 5, 1, 13, 0, 0, tzinfo=UTC)
NOW = datetime(2024, 6, 1, tzinfo=UTC).timestamp()


def outcome(check: Any, params: dict[str, Any]) -> tuple[str, int, str] | None:
    try:
        check(ETAG, MODIFIED, params, NOW)
    except ServiceError as err:
        return err.code, err.status, err.fields.get("Condition", "")
    return None


def test_etag_matches() -> None:
    assert etag_matches(ETAG, '"abc"')
    assert etag_matches(ETAG, "abc")
    assert etag_matches(ETAG, '"x", "abc"')
    assert etag_matches(ETAG, "*")
    assert etag_matches(ETAG, 'W/"abc"')
    assert not etag_matches(ETAG, '"abd"')


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, None),
        ({"IfMatch": ETAG}, None),
        ({"IfMatch": '"x"'}, ("PreconditionFailed", 412, "If-Match")),
        ({"IfUnmodifiedSince": BEFORE}, ("PreconditionFailed", 412, "If-Unmodified-Since")),
        ({"IfUnmodifiedSince": SAME_SECOND}, None),
        ({"IfMatch": ETAG, "IfUnmodifiedSince": BEFORE}, None),
        ({"IfNoneMatch": ETAG}, ("NotModified", 304, "")),
        ({"IfNoneMatch": '"x"'}, None),
        ({"IfModifiedSince": SAME_SECOND}, ("NotModified", 304, "")),
        ({"IfModifiedSince": BEFORE}, None),
        ({"IfNoneMatch": '"x"', "IfModifiedSince": AFTER}, None),
        ({"IfModifiedSince": "Wed, 01 May 2024 13:00:00 GMT"}, ("NotModified", 304, "")),
        ({"IfModifiedSince": "garbage"}, None),
        # A date after the server's clock is invalid: ignored, so the object is sent.
        ({"IfModifiedSince": datetime(2100, 10, 29, tzinfo=UTC)}, None),
        ({"IfModifiedSince": "Fri, 29 Oct 2100 12:00:00 GMT"}, None),
        ({"IfMatch": '"x"', "IfNoneMatch": ETAG}, ("PreconditionFailed", 412, "If-Match")),
    ],
)
def test_check_read(params: dict[str, Any], expected: tuple[str, int, str] | None) -> None:
    assert outcome(check_read, params) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"CopySourceIfMatch": ETAG, "CopySourceIfUnmodifiedSince": BEFORE}, None),
        ({"CopySourceIfMatch": '"x"'}, "x-amz-copy-source-If-Match"),
        ({"CopySourceIfUnmodifiedSince": BEFORE}, "x-amz-copy-source-If-Unmodified-Since"),
        ({"CopySourceIfNoneMatch": ETAG}, "x-amz-copy-source-If-None-Match"),
        ({"CopySourceIfModifiedSince": AFTER}, "x-amz-copy-source-If-Modified-Since"),
        ({"CopySourceIfNoneMatch": '"x"', "CopySourceIfModifiedSince": AFTER}, None),
        # As for reads, a date after the server's clock is ignored: the copy goes ahead.
        ({"CopySourceIfModifiedSince": datetime(2100, 10, 29, tzinfo=UTC)}, None),
    ],
)
def test_check_copy_source(params: dict[str, Any], expected: str | None) -> None:
    result = outcome(check_copy_source, params)
    assert result == (None if expected is None else ("PreconditionFailed", 412, expected))


def test_not_modified_carries_validators() -> None:
    with pytest.raises(ServiceError) as info:
        check_read(ETAG, MODIFIED, {"IfNoneMatch": "*"}, NOW)
    assert info.value.headers == {"ETag": ETAG, "Last-Modified": "Wed, 01 May 2024 12:00:00 GMT"}
