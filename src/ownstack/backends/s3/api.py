"""The few S3 operations the engine uses, over the pool, signed; upstream failures become port
errors (`raise ... from exc`).

Translation: a missing key is BlobNotFound (the caller names the blob); a network failure, a
timeout, a 5xx, a missing bucket or refused credentials are BackendUnavailable (the engine is
not usable as configured, and a health check says so); any other error answer is a PortError
naming the upstream's code and message.
"""

from __future__ import annotations

import base64
import hashlib
import xml.sax.saxutils
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from defusedxml import ElementTree

from ownstack.backends.s3.http import ConnectionLost, HttpPool, Response
from ownstack.backends.s3.signing import Signer
from ownstack.ports.errors import BackendUnavailable, PortError

_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
_UNAVAILABLE_CODES = {"NoSuchBucket", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"}


class UpstreamError(PortError):
    """An error answer from the upstream that is not one the engine expects."""

    def __init__(self, status: int, code: str, message: str, operation: str) -> None:
        super().__init__(f"upstream {operation} failed: {status} {code}: {message}")
        self.status = status
        self.code = code


class UpstreamUnavailable(BackendUnavailable):
    def __init__(self, message: str, status: int = 0, code: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class MissingKey(PortError):
    """404 NoSuchKey: the caller turns it into BlobNotFound with the blob's id."""


@dataclass(frozen=True, slots=True)
class Listed:
    key: str
    last_modified: float


def content_md5(body: bytes) -> str:
    return base64.b64encode(hashlib.md5(body, usedforsecurity=False).digest()).decode()


class S3Api:
    def __init__(self, pool: HttpPool, signer: Signer, bucket: str) -> None:
        self._pool = pool
        self._signer = signer
        self._bucket_path = "/" + quote(bucket, safe="")

    async def put_object(self, key: str, body: bytes, md5: str) -> None:
        resp = await self._send("PUT", key, "", body, {"Content-MD5": md5}, "PutObject")
        await _drain(resp)

    async def create_upload(self, key: str) -> str:
        resp = await self._send("POST", key, "uploads=", b"", {}, "CreateMultipartUpload")
        return _text(await resp.read(), "UploadId")

    async def upload_part(
        self, key: str, upload_id: str, number: int, body: bytes, md5: str
    ) -> str:
        query = f"partNumber={number}&uploadId={quote(upload_id, safe='')}"
        resp = await self._send("PUT", key, query, body, {"Content-MD5": md5}, "UploadPart")
        await _drain(resp)
        return resp.headers["etag"]

    async def complete_upload(self, key: str, upload_id: str, etags: list[str]) -> None:
        parts = "".join(
            f"<Part><PartNumber>{n}</PartNumber><ETag>{_xml_escape(etag)}</ETag></Part>"
            for n, etag in enumerate(etags, 1)
        )
        body = f"<CompleteMultipartUpload>{parts}</CompleteMultipartUpload>".encode()
        query = f"uploadId={quote(upload_id, safe='')}"
        headers = {"Content-MD5": content_md5(body), "Content-Type": "application/xml"}
        resp = await self._send("POST", key, query, body, headers, "CompleteMultipartUpload")
        # S3 may answer 200 and still fail: the error is then in the body (it keeps the
        # connection alive with whitespace while it assembles a big object).
        answer = await resp.read()
        if b"<Error>" in answer:
            raise _error(500, answer, "CompleteMultipartUpload")

    async def abort_upload(self, key: str, upload_id: str) -> None:
        query = f"uploadId={quote(upload_id, safe='')}"
        await _drain(await self._send("DELETE", key, query, b"", {}, "AbortMultipartUpload"))

    async def get_range(self, key: str, offset: int, length: int) -> Response:
        """The object's bytes [offset, offset+length) (length > 0): a 206 (or 200) response
        whose body is unread. ValueError when the range is not inside the object."""
        headers = {"Range": f"bytes={offset}-{offset + length - 1}"}
        try:
            resp = await self._send("GET", key, "", b"", headers, "GetObject")
        except UpstreamError as exc:
            if exc.status == 416:
                raise ValueError(f"range [{offset}, {offset + length}) outside the blob") from exc
            raise
        size = _total_size(resp)
        if size is not None and offset + length > size:
            resp.release()
            raise ValueError(f"range [{offset}, {offset + length}) outside blob of {size} bytes")
        if resp.status == 200 and offset != 0:
            resp.release()  # the store ignored the Range header: no way to read just the range
            raise UpstreamError(200, "RangeIgnored", "the Range header was ignored", "GetObject")
        return resp

    async def object_size(self, key: str) -> int:
        resp = await self._send("HEAD", key, "", b"", {}, "HeadObject")
        resp.release()
        return int(resp.headers.get("content-length", "0"))

    async def delete_object(self, key: str) -> None:
        await _drain(await self._send("DELETE", key, "", b"", {}, "DeleteObject"))

    async def head_bucket(self) -> None:
        (await self._send("HEAD", None, "", b"", {}, "HeadBucket")).release()

    async def list_keys(self, prefix: str) -> AsyncIterator[Listed]:
        """Every key under `prefix` with its Last-Modified, a page (up to 1000) at a time."""
        token: str | None = None
        while True:
            query = f"list-type=2&prefix={quote(prefix, safe='')}"
            if token is not None:
                query = f"continuation-token={quote(token, safe='')}&{query}"
            resp = await self._send("GET", None, query, b"", {}, "ListObjectsV2")
            page = ElementTree.fromstring(await resp.read())
            for item in page:
                if item.tag in (f"{_NS}Contents", "Contents"):
                    yield Listed(_child(item, "Key"), _epoch(_child(item, "LastModified")))
            token = _find(page, "NextContinuationToken")
            if _find(page, "IsTruncated") != "true" or not token:
                return

    async def close(self) -> None:
        await self._pool.close()

    async def _send(
        self,
        method: str,
        key: str | None,
        query: str,
        body: bytes,
        headers: dict[str, str],
        operation: str,
    ) -> Response:
        path = self._bucket_path if key is None else f"{self._bucket_path}/{quote(key, safe='/')}"
        target = f"{path}?{query}" if query else path
        signed = self._signer.headers(method, self._pool.origin.netloc, target, headers)
        try:
            resp = await self._pool.request(method, target, signed, body)
        except ConnectionLost as exc:
            raise UpstreamUnavailable(f"upstream {operation}: {exc}") from exc
        if resp.status < 300:
            return resp
        try:
            answer = await resp.read()
        except ConnectionLost as exc:
            raise UpstreamUnavailable(f"upstream {operation}: {exc}") from exc
        if key is None and resp.status == 404:  # a HEAD's 404 has no body to name the bucket
            raise UpstreamUnavailable(
                f"upstream {operation} failed: 404 NoSuchBucket: {self._bucket_path[1:]}", 404
            )
        raise _error(resp.status, answer, operation)


async def _drain(resp: Response) -> None:
    """Read a response's (small) body to its end, so its connection goes back to the pool."""
    await resp.read()


def _error(status: int, answer: bytes, operation: str) -> PortError:
    code, message = _error_fields(answer)
    if status == 404 and code in ("NoSuchKey", ""):
        return MissingKey(f"{operation}: {code or 'Not Found'}")
    if status >= 500 or code in _UNAVAILABLE_CODES or status in (401, 403):
        return UpstreamUnavailable(
            f"upstream {operation} failed: {status} {code}: {message}", status, code
        )
    return UpstreamError(status, code, message, operation)


def _error_fields(answer: bytes) -> tuple[str, str]:
    if not answer.strip():
        return "", ""
    try:
        root = ElementTree.fromstring(answer.strip())
    except ElementTree.ParseError:
        return "", answer[:200].decode(errors="replace")
    return root.findtext("Code") or "", root.findtext("Message") or ""


def _total_size(resp: Response) -> int | None:
    """The object's size from Content-Range ("bytes 0-9/10"), or Content-Length for a 200."""
    content_range = resp.headers.get("content-range")
    if content_range is not None:
        total = content_range.rpartition("/")[2]
        return int(total) if total.isdigit() else None
    return resp.content_length


def _text(answer: bytes, name: str) -> str:
    value = _find(ElementTree.fromstring(answer), name)
    if not value:
        raise UpstreamError(200, "MalformedResponse", f"no {name} in the answer", name)
    return str(value)


def _find(elem: Any, name: str) -> str | None:
    """A child's text, with S3's namespace or without (some compatible stores leave it out)."""
    value: str | None = elem.findtext(f"{_NS}{name}")
    if value is None:
        value = elem.findtext(name)
    return value


def _child(item: Any, name: str) -> str:
    return str(_find(item, name) or "")


def _epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def _xml_escape(text: str) -> str:
    return xml.sax.saxutils.escape(text, {'"': "&quot;"})
