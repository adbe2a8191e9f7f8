"""The console's static files: GET/HEAD only, no authentication (they hold no data; every
call the console makes is signed in the browser). The files are indexed once at start, and a
request is answered only for a name in the index, so no path can reach outside `static/`."""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

from ownstack.core.http import Response

from ..internal import CONSOLE_PATH

_PREFIX = CONSOLE_PATH + "/"
_INDEX = "index.html"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".json": "application/json",
}

# Same-origin only: the console calls ownstack's APIs on its own origin and loads nothing else.
# Downloads go through blob: URLs, so the image and navigation sources allow blob: too.
_CSP = (
    "default-src 'self'; img-src 'self' blob: data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
_COMMON = [
    ("Cache-Control", "no-cache"),
    ("X-Content-Type-Options", "nosniff"),
    ("Content-Security-Policy", _CSP),
    ("Referrer-Policy", "no-referrer"),
]


def _index(root: Traversable, prefix: str = "") -> dict[str, Traversable]:
    """Every servable file below `root` by its URL name (`js/api.js`)."""
    found: dict[str, Traversable] = {}
    for entry in root.iterdir():
        name = prefix + entry.name
        if entry.is_dir():
            found.update(_index(entry, name + "/"))
        elif "." + entry.name.rpartition(".")[2] in CONTENT_TYPES:
            found[name] = entry
    return found


def _not_found() -> Response:
    return Response(404, [("Content-Type", "text/plain; charset=utf-8")], b"Not Found")


class ConsoleFiles:
    def __init__(self, root: Traversable | None = None) -> None:
        self._files = _index(root or files(__package__ or __name__).joinpath("static"))

    def names(self) -> list[str]:
        return sorted(self._files)

    def serve(self, path: str) -> Response:
        if path == CONSOLE_PATH:  # relative module URLs need the trailing slash
            return Response(301, [("Location", _PREFIX), ("Content-Length", "0")])
        name = path[len(_PREFIX) :] or _INDEX
        entry = self._files.get(name)
        if entry is None:
            return _not_found()
        body = entry.read_bytes()  # read per request: small files, and edits show at once
        content_type = CONTENT_TYPES["." + name.rpartition(".")[2]]
        return Response(200, [("Content-Type", content_type), *_COMMON], body)
