"""A function URL's Cors setting, applied as the URL endpoint applies it: a preflight (OPTIONS
with Access-Control-Request-Method) is answered without running the function, and a request
from an allowed Origin gets Access-Control-Allow-Origin (and -Credentials, -Expose-Headers).
A URL without Cors adds nothing; the function's own headers then decide."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ownstack.core.http import Response

Headers = Sequence[tuple[str, str]]


def _header(headers: Headers, name: str) -> str | None:
    return next((v for k, v in headers if k.lower() == name), None)


def _allowed(cors: Mapping[str, Any], origin: str) -> str | None:
    """The Access-Control-Allow-Origin value for `origin`, or None when it is not allowed."""
    origins = [str(o) for o in cors.get("AllowOrigins") or ()]
    if "*" in origins:
        return origin if cors.get("AllowCredentials") else "*"
    return origin if origin in origins else None


def preflight(cors: Mapping[str, Any] | None, method: str, headers: Headers) -> Response | None:
    """The answer to a CORS preflight, or None when the request is not one."""
    if cors is None or method != "OPTIONS":
        return None
    origin = _header(headers, "origin")
    if origin is None or _header(headers, "access-control-request-method") is None:
        return None
    out: list[tuple[str, str]] = [("Vary", "Origin")]
    allow = _allowed(cors, origin)
    if allow is not None:
        out.append(("Access-Control-Allow-Origin", allow))
        methods = cors.get("AllowMethods") or ()
        if methods:
            out.append(("Access-Control-Allow-Methods", ", ".join(methods)))
        allow_headers = cors.get("AllowHeaders") or ()
        if allow_headers:
            out.append(("Access-Control-Allow-Headers", ", ".join(allow_headers)))
        if cors.get("MaxAge") is not None:
            out.append(("Access-Control-Max-Age", str(cors["MaxAge"])))
        if cors.get("AllowCredentials"):
            out.append(("Access-Control-Allow-Credentials", "true"))
    return Response(200, out, b"")


def decorate(cors: Mapping[str, Any] | None, headers: Headers, response: Response) -> Response:
    """Add the CORS headers an allowed Origin gets to the function's response."""
    origin = _header(headers, "origin") if cors is not None else None
    if cors is None or origin is None:
        return response
    allow = _allowed(cors, origin)
    if allow is None:
        return response
    response.headers.append(("Access-Control-Allow-Origin", allow))
    response.headers.append(("Vary", "Origin"))
    if cors.get("AllowCredentials"):
        response.headers.append(("Access-Control-Allow-Credentials", "true"))
    expose = cors.get("ExposeHeaders") or ()
    if expose:
        response.headers.append(("Access-Control-Expose-Headers", ", ".join(expose)))
    return response
