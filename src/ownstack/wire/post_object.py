"""S3's POST Object (browser-based uploads) as the PutObject it stands for, and its answers.

"Parameters that are passed to PUT through HTTP headers are instead passed as form fields to
POST" (S3 API reference, POST Object): the form's fields become the headers of an equivalent
PutObject request, which the S3 codec then parses exactly as it parses a PUT, so every
PutObject member (metadata, checksums, storage class, ACL, tags, SSE...) is taken, or refused,
exactly as PutObject takes or refuses it. `acl` is x-amz-acl; `tagging` is an XML Tagging
document (PutObject's x-amz-tagging is URL-encoded).

The answer (S3 API reference): success_action_redirect (or the older `redirect`) a 303 to that
URL with bucket, key and etag appended; else success_action_status 200 or 201 (201: a
PostResponse document), anything else 204; always ETag and Location headers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from ownstack.core.http import BodyReader, Headers, Request, Response

from .s3quirks import malformed_xml
from .xmlshape import MalformedXmlError, local_name, parse_document
from .xmlwrite import escape_text

FILENAME_VARIABLE = "${filename}"
AUTH_FIELDS = frozenset(
    {"x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature", "x-amz-security-token"}
)
"""Fields that authenticate the form: they are not object settings."""
_HEADER_FIELDS = frozenset(
    {"cache-control", "content-type", "content-disposition", "content-encoding", "expires"}
    | {"content-md5"}
)
"""Standard headers a form sets as fields (the REST-specific headers of the POST policy
document, and Content-MD5)."""
_RENAMED = {"acl": "x-amz-acl"}
_META = "x-amz-meta-"
_STATUSES = frozenset({200, 201, 204})


def form_fields(pairs: Iterable[tuple[str, str]]) -> tuple[dict[str, str], list[str]]:
    """The form's fields by lower-cased name (form field names are case-insensitive; a field
    sent twice keeps its first value, x-amz-meta-* ones are joined with ","), and the names in
    the order sent."""
    fields: dict[str, str] = {}
    names: list[str] = []
    for raw, value in pairs:
        name = raw.lower()
        names.append(name)
        if name not in fields:
            fields[name] = value
        elif name.startswith(_META):
            fields[name] = f"{fields[name]},{value}"
    return fields, names


def object_key(fields: Mapping[str, str], filename: str | None) -> str:
    """The key field with ${filename} replaced by the uploaded file's name."""
    key = fields.get("key", "")
    if FILENAME_VARIABLE in key:
        key = key.replace(FILENAME_VARIABLE, filename or "")
    return key


def put_request(
    bucket: str, key: str, fields: Mapping[str, str], body: BodyReader, remote: str
) -> Request:
    """The PutObject request the form stands for (its headers from the fields; `body` the
    file). Raises MalformedXML for a `tagging` field that is not a Tagging document."""
    headers = Headers()
    for name, value in fields.items():
        if name == "tagging":
            headers.add("x-amz-tagging", tagging_header(value))
        elif name in _RENAMED:
            headers.add(_RENAMED[name], value)
        elif name in _HEADER_FIELDS or (name.startswith("x-amz-") and name not in AUTH_FIELDS):
            headers.add(name, value)
    path = f"/{quote(bucket, safe='')}/{quote(key, safe='')}"
    return Request("POST", path, "", headers, body, remote=remote)


def tagging_header(document: str) -> str:
    """A Tagging XML document as x-amz-tagging's URL-encoded form."""
    try:
        root = parse_document(document.encode())
    except MalformedXmlError as exc:
        raise malformed_xml() from exc
    if local_name(root.tag) != "Tagging":
        raise malformed_xml()
    pairs: list[tuple[str, str]] = []
    for tag_set in root:
        if local_name(tag_set.tag) != "TagSet":
            raise malformed_xml()
        for tag in tag_set:
            if local_name(tag.tag) != "Tag":
                raise malformed_xml()
            parts = {local_name(child.tag): child.text or "" for child in tag}
            if "Key" not in parts:
                raise malformed_xml()
            pairs.append((parts["Key"], parts.get("Value", "")))
    return urlencode(pairs, quote_via=quote)


def redirect_target(fields: Mapping[str, str]) -> str | None:
    """success_action_redirect (or redirect) when it is a URL S3 can use; else None ("If
    Amazon S3 cannot interpret the URL, it acts as if the field is not present")."""
    url = fields.get("success_action_redirect") or fields.get("redirect")
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def answer(
    put: Response, fields: Mapping[str, str], bucket: str, key: str, location: str
) -> Response:
    """The POST's answer, from PutObject's (its ETag, version id, checksum headers...)."""
    etag = next((v for n, v in put.headers if n.lower() == "etag"), "")
    headers = [(n, v) for n, v in put.headers if n.lower() != "content-type"]
    redirect = redirect_target(fields)
    if redirect is not None:
        query = urlencode({"bucket": bucket, "key": key, "etag": etag}, quote_via=quote)
        headers.append(("Location", _with_query(redirect, query)))
        return Response(303, headers, b"")
    headers.append(("Location", location))
    status = _status(fields.get("success_action_status"))
    if status != 201:
        return Response(status, headers, b"")
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<PostResponse>'
        f"<Location>{escape_text(location)}</Location><Bucket>{escape_text(bucket)}</Bucket>"
        f"<Key>{escape_text(key)}</Key><ETag>{escape_text(etag)}</ETag></PostResponse>"
    )
    headers.append(("Content-Type", "application/xml"))
    return Response(201, headers, body.encode())


def _status(value: str | None) -> int:
    """success_action_status: 200, 201 or 204; "If the value is not set or if it is set to an
    invalid value, Amazon S3 returns an empty document with a 204 status code"."""
    if value is None or not value.strip().isdigit():
        return 204
    status = int(value.strip())
    return status if status in _STATUSES else 204


def _with_query(url: str, query: str) -> str:
    parts = urlsplit(url)
    joined = f"{parts.query}&{query}" if parts.query else query
    return urlunsplit(parts._replace(query=joined))


def object_url(scheme: str, host: str, bucket: str, key: str, virtual_host: bool) -> str:
    """The Location of the new object, as the client addressed the bucket."""
    path = quote(key, safe="/~")
    if virtual_host:
        return f"{scheme}://{host}/{path}"
    return f"{scheme}://{host}/{quote(bucket, safe='')}/{path}"
