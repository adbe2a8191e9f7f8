"""S3 browser-based uploads (POST Object): an unsigned `POST /<bucket>` (or `POST /` on the
bucket's virtual host) whose multipart/form-data body carries the object and, for a signed
upload, a POST policy and its signature (Signature Version 4 or 2).

Order, as S3 takes it: the form's fields up to the file (wire/formdata.py); the key; the
signature over the policy, which makes the signer the request's principal; the policy
(expiration, conditions, every field covered: wire/post_policy.py); IAM authorisation of
s3:PutObject as that principal (an unsigned form is the anonymous principal, whom only a
bucket policy lets in); then S3's PutObject with the equivalent parameters
(wire/post_object.py) and the file streamed as its body, notified as ObjectCreated:Post.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import unquote

from ownstack.core.context import ANONYMOUS, RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.http import BodyReader, BytesBody, Request, Response
from ownstack.core.service import find_handler
from ownstack.services.s3.objects import CREATED_EVENT
from ownstack.wire import post_policy as pp
from ownstack.wire import sigv4_errors as errs
from ownstack.wire.codec import Codec
from ownstack.wire.formdata import FileStream, boundary_of, read_form
from ownstack.wire.post_object import answer, form_fields, object_key, object_url, put_request
from ownstack.wire.rest import RestCodec

from .audit import Auditor
from .auth import Authenticator
from .authorize import Authorizer
from .authz_context import POST_SIGNATURE
from .vhost import VirtualHosts

OPERATION = "PostObject"
"""The name a browser upload is counted, logged and audited under (CloudTrail's)."""
SMALL_FILE = 1 << 20
"""A file up to this size is read whole before it is stored: its exact size is checked
against the policy first, and PutObject can keep it inline. Larger ones stream."""
_V4 = ("x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature")


def _not_multipart() -> ServiceError:
    return ServiceError(
        "PreconditionFailed",
        "At least one of the pre-conditions you specified did not hold",
        412,
        fields={"Condition": "Bucket POST must be of the enclosure-type multipart/form-data"},
    )


def _no_file() -> ServiceError:
    return ServiceError(
        "IncorrectNumberOfFilesInPostRequest",
        "POST requires exactly one file upload per request.",
        400,
    )


def _bucket_of(path: str) -> str | None:
    """The bucket a path-style `POST /<bucket>` names (None: not a bucket's path)."""
    name, _, rest = path.lstrip("/").partition("/")
    if not name or rest:
        return None
    return unquote(name)


class PostUploads:
    def __init__(
        self,
        auth: Authenticator,
        authorizer: Authorizer,
        auditor: Auditor,
        services: Mapping[str, object],
        vhosts: VirtualHosts,
    ) -> None:
        self._auth = auth
        self._authorizer = authorizer
        self._auditor = auditor
        self._services = services
        self._vhosts = vhosts

    async def serve(self, req: Request, ctx: RequestContext, codec: Codec) -> Response | None:
        """The answer to a POST Object request, None for any other request (unsigned POSTs to
        a bucket only: the gateway already rewrote a virtual-hosted one to path style)."""
        if req.method != "POST" or req.query or ctx.principal.kind != ANONYMOUS:
            return None
        bucket = _bucket_of(req.path)
        if bucket is None:
            return None
        ctx.operation = OPERATION
        boundary = boundary_of(req.headers.get("content-type") or "")
        if boundary is None:
            raise _not_multipart()
        head = await read_form(req.body, boundary)
        if head.file is None:
            raise _no_file()
        fields, names = form_fields(head.fields)
        key = object_key(fields, head.file.filename)
        if not key:
            raise pp.missing_field("key")
        fields["key"] = key
        policy = self._authenticate(fields, ctx)
        if policy is not None:
            pp.check_expiry(policy, self._auth.now())
            pp.check_conditions(policy, fields, bucket)
            pp.check_covered(policy, names)
        body = await self._file_body(head.file, policy, req.body.content_length, boundary)
        return await self._put(req, ctx, codec, bucket, key, fields, body)

    def _authenticate(self, fields: dict[str, str], ctx: RequestContext) -> pp.Policy | None:
        """The form's verified policy (None for an unsigned form), its signer made the
        request's principal."""
        if any(name in fields for name in _V4):
            return self._v4(fields, ctx)
        if "awsaccesskeyid" in fields or "signature" in fields or "policy" in fields:
            return self._v2(fields, ctx)
        return None  # anonymous: only a bucket policy can let it in

    def _v4(self, fields: dict[str, str], ctx: RequestContext) -> pp.Policy:
        for name in ("policy", *_V4):
            if name not in fields:
                raise pp.missing_field(name)
        pp.check_algorithm(fields["x-amz-algorithm"])
        credential = pp.parse_credential(fields["x-amz-credential"])
        policy = fields["policy"]
        secret = self._signer(credential.access_key, fields, ctx)
        provided = fields["x-amz-signature"]
        if not pp.signatures_match(pp.v4_signature(secret, credential, policy), provided):
            raise pp.signature_mismatch(credential.access_key, policy, provided)
        ctx.region = credential.region
        ctx.extra[POST_SIGNATURE] = fields["x-amz-algorithm"]  # s3:signatureversion
        self._auth.note_form_use(credential.access_key, credential.region)
        return pp.parse_policy(policy)

    def _v2(self, fields: dict[str, str], ctx: RequestContext) -> pp.Policy:
        for name, shown in (("awsaccesskeyid", "AWSAccessKeyId"), ("policy", "policy")):
            if name not in fields:
                raise pp.missing_field(shown)
        if "signature" not in fields:
            raise pp.missing_field("signature")
        access_key, policy = fields["awsaccesskeyid"], fields["policy"]
        provided = fields["signature"]
        secret = self._signer(access_key, fields, ctx)
        if not pp.signatures_match(pp.v2_signature(secret, policy), provided):
            raise pp.signature_mismatch(access_key, policy, provided)
        ctx.extra[POST_SIGNATURE] = "AWS"  # Signature Version 2, as s3:signatureversion names it
        self._auth.note_form_use(access_key, ctx.region)
        return pp.parse_policy(policy)

    def _signer(self, access_key: str, fields: Mapping[str, str], ctx: RequestContext) -> str:
        """The key's secret; the key's principal becomes the request's."""
        grant = self._auth.form_signer(access_key, fields.get("x-amz-security-token") or None)
        if grant is None:
            raise errs.unknown_key(errs.S3, access_key)
        ctx.principal = grant.principal
        ctx.account_id = grant.principal.account_id
        return grant.secret

    @staticmethod
    async def _file_body(
        file: FileStream, policy: pp.Policy | None, declared: int | None, boundary: str
    ) -> BodyReader:
        """The file as PutObject's body: whole when small (its size checked against the
        policy now), else streamed with the policy's content-length-range enforced."""
        small = await file.read_small(SMALL_FILE)
        if small is not None:
            if policy is not None:
                pp.check_size(policy, len(small))
            return BytesBody(small)
        if policy is None or policy.length_range is None:
            return file
        estimate = None
        if declared is not None:  # the request's length, less the fields and closing boundary
            estimate = declared - file.start - len(boundary) - 8
        return pp.SizeChecked(file, policy.length_range, estimate)

    async def _put(
        self,
        req: Request,
        ctx: RequestContext,
        codec: Codec,
        bucket: str,
        key: str,
        fields: dict[str, str],
        body: BodyReader,
    ) -> Response:
        if not isinstance(codec, RestCodec):
            raise TypeError("POST Object needs S3's REST codec")
        op = codec.model.operation_model("PutObject")
        params = await codec.parse(op, put_request(bucket, key, fields, body, req.remote))
        checked = await self._authorizer.authorize(ctx, req, "PutObject", params)
        handler = find_handler(self._services.get("s3"), "PutObject")
        if handler is None:
            raise ServiceError("NotImplemented", "POST Object is not implemented.", 501)
        result = await handler(ctx, {**params, CREATED_EVENT: "ObjectCreated:Post"})
        self._auditor.after(ctx, req, params, checked, None)
        virtual = self._vhosts.bucket_of(req.headers.get("host")) is not None
        location = object_url(ctx.scheme, ctx.host, bucket, key, virtual)
        return answer(codec.serialize(op, result, ctx), fields, bucket, key, location)
