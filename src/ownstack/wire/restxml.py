"""The rest-xml protocol (S3, Route 53, CloudFront): REST bindings plus XML documents."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.model import OperationModel, ServiceModel, StructureShape

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.http import Payload, Request, Response

from . import integrity, s3quirks
from .rest import DEFAULT_MAX_BODY, RestCodec
from .restplan import RestPlan
from .values import BadInputError
from .xmlshape import MalformedXmlError, element_to_value, local_name, parse_document
from .xmlwrite import Writer, XmlWriters, escape_attr, escape_text

XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n'


class RestXmlCodec(RestCodec):
    protocol = "rest-xml"

    def __init__(self, model: ServiceModel, max_body: int = DEFAULT_MAX_BODY) -> None:
        self.is_s3 = model.service_name == "s3"
        preferred = s3quirks.PREFERRED if self.is_s3 else frozenset()
        super().__init__(model, max_body, preferred)
        namespace = model.metadata.get("xmlNamespace")
        if self.is_s3:
            namespace = s3quirks.S3_XMLNS
        self.xmlns = f' xmlns="{escape_attr(str(namespace))}"' if namespace else ""
        self.xml = XmlWriters()
        self._writers: dict[str, Writer] = {}
        self._body_rules: dict[str, integrity.BodyRule] = {}

    # --- errors specific to the protocol ------------------------------------------------------

    def _no_route(self, req: Request) -> ServiceError:
        if self.is_s3:
            return s3quirks.method_not_allowed(req.method.upper(), req.path)
        return super()._no_route(req)

    def _too_big(self) -> ServiceError:
        return s3quirks.too_big() if self.is_s3 else super()._too_big()

    def _bad_input(self, message: str) -> ServiceError:
        if self.is_s3:
            return ServiceError("InvalidArgument", message, 400)
        return ServiceError("InvalidInput", message, 400)

    def _bad_uri(self, message: str) -> ServiceError:
        if self.is_s3:  # S3 cannot read a key or bucket that is not UTF-8: its InvalidURI
            return s3quirks.invalid_uri()
        return self._bad_input(message)

    def _missing(self, plan: RestPlan, member: str) -> ServiceError:
        if not self.is_s3:
            return super()._missing(plan, member)
        inp = plan.input
        if inp.payload is not None and inp.payload.member == member:
            return s3quirks.missing_body()
        for binding in inp.headers:
            if binding.member == member:
                return ServiceError(
                    "InvalidRequest", f"Missing required header for this request: {binding.wire}"
                )
        for binding in inp.query:
            if binding.member == member:
                return ServiceError(
                    "InvalidRequest", f"Missing required parameter for this request: {binding.wire}"
                )
        return ServiceError("InvalidArgument", f"Missing required member: {member}", 400)

    # --- bodies -------------------------------------------------------------------------------

    def _check_upload_framing(self, req: Request) -> None:
        # S3 refuses an upload (PutObject, UploadPart) with neither Content-Length nor chunked
        # framing, rather than storing it empty: the gateway reads both as an empty body.
        headers = req.headers
        if (
            self.is_s3
            and req.method.upper() == "PUT"
            and "content-length" not in headers
            and "transfer-encoding" not in headers
        ):
            raise s3quirks.missing_content_length()

    def _check_body(self, plan: RestPlan, req: Request, data: bytes) -> None:
        if self.is_s3:
            integrity.verify_body(data, req.headers, self._body_rule(plan))

    def _body_rule(self, plan: RestPlan) -> integrity.BodyRule:
        name = plan.op.name
        found = self._body_rules.get(name)
        if found is None:
            found = self._body_rules[name] = integrity.body_rule(plan.op)
        return found

    def _parse_body(self, plan: RestPlan, data: bytes, params: dict[str, Any]) -> None:
        try:
            root = parse_document(data)
        except MalformedXmlError as exc:
            raise s3quirks.malformed_xml() from exc
        payload = plan.input.payload
        if payload is not None:
            expected = payload.shape.serialization.get("name", payload.wire)
            if self.is_s3 and local_name(root.tag) != expected:
                # S3 validates the document against its schema: a wrong root is MalformedXML.
                raise s3quirks.malformed_xml()
            try:
                params[payload.member] = element_to_value(root, payload.shape)
            except BadInputError as exc:
                if self.is_s3:  # so is a value of the wrong type (an integer's "abc")
                    raise s3quirks.malformed_xml() from exc
                raise
            return
        shape = plan.op.input_shape
        if not isinstance(shape, StructureShape):
            raise BadInputError("Unexpected request body")
        body_members = {b.member for b in plan.input.body}
        parsed = element_to_value(root, shape)
        params.update({k: v for k, v in parsed.items() if k in body_members})

    def _render_body(self, plan: RestPlan, result: Mapping[str, Any]) -> tuple[Payload, str]:
        out = plan.output
        if self.is_s3 and plan.op.name == "GetBucketLocation":
            return s3quirks.location_body(result), "application/xml"
        if out.payload is not None:
            value = result.get(out.payload.member)
            if out.payload.shape.type_name in ("blob", "string"):
                return _raw_payload(value), ""
            if value is None:
                return b"", ""
        elif not out.body:
            return b"", ""
        parts = [XML_DECL]
        self._writer(plan)(result, parts)
        return "".join(parts).encode(), "application/xml"

    def _writer(self, plan: RestPlan) -> Writer:
        """The operation's compiled document writer (built on first use, then cached)."""
        name = plan.op.name
        found = self._writers.get(name)
        if found is not None:
            return found
        writer = self._build_writer(plan)
        self._writers[name] = writer
        return writer

    def _build_writer(self, plan: RestPlan) -> Writer:
        payload = plan.output.payload
        if payload is not None:
            element = self.xml.element(payload.wire, payload.shape, self.xmlns)
            member = payload.member
            return lambda result, out: element(result[member], out)
        shape = plan.op.output_shape
        assert isinstance(shape, StructureShape)
        name = (
            s3quirks.root_name(plan.op.name, shape.name)
            if self.is_s3
            else shape.serialization.get("name", shape.name)
        )
        children = self.xml.members(shape)
        open_tag, close_tag = f"<{name}{self.xmlns}>", f"</{name}>"

        def write_document(result: Mapping[str, Any], out: list[str]) -> None:
            out.append(open_tag)
            children(result, out)
            out.append(close_tag)

        return write_document

    def serialize_error(
        self, err: ServiceError, ctx: RequestContext, op: OperationModel | None
    ) -> Response:
        fields = "".join(
            f"<{name}>{escape_text(str(value))}</{name}>" for name, value in err.fields.items()
        )
        code, message = escape_text(err.code), escape_text(err.message)
        request_id = escape_text(ctx.request_id)
        if self.is_s3:
            host_id = escape_text(ctx.extra.get("host_id", ctx.request_id))
            body = (
                f"{XML_DECL}<Error><Code>{code}</Code><Message>{message}</Message>{fields}"
                f"<RequestId>{request_id}</RequestId><HostId>{host_id}</HostId></Error>"
            )
        else:
            kind = "Sender" if err.sender_fault else "Receiver"
            body = (
                f"{XML_DECL}<ErrorResponse{self.xmlns}><Error><Type>{kind}</Type>"
                f"<Code>{code}</Code><Message>{message}</Message>{fields}</Error>"
                f"<RequestId>{request_id}</RequestId></ErrorResponse>"
            )
        headers = [("Content-Type", "application/xml"), *err.headers.items()]
        if not self.is_s3:
            headers.append(("x-amzn-RequestId", ctx.request_id))
        return Response(err.status, headers, body.encode())

    def _success_headers(self, headers: list[tuple[str, str]], ctx: RequestContext) -> None:
        # S3's x-amz-request-id is added by the gateway on every response.
        if not self.is_s3:
            super()._success_headers(headers, ctx)


def _raw_payload(value: Any) -> Payload:
    if value is None:
        return b""
    if isinstance(value, str):
        return value.encode("utf-8")
    result: Payload = value
    return result
