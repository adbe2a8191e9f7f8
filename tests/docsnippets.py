"""Code blocks of the docs/ pages that tests run, so a documented configuration cannot rot.

A block is marked for testing by an HTML comment on the line right before its opening fence
(invisible when the page is rendered):

    <!-- snippet: NAME -->
    ```ini
    [ownstack]
    endpoint = http://127.0.0.1:4566
    ```

NAME is unique on its page. `snippets(page)` returns a page's marked blocks by name; `fill`
puts a test server's address and keys where the docs show the placeholders below, which are
what a reader sees and replaces. The test that owns a page says which names it expects, so a
marked block no test runs, or a test whose block was renamed away, fails.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent.parent / "docs"

DOC_ENDPOINT = "http://127.0.0.1:4566"
DOC_HOST_PORT = "127.0.0.1:4566"
DOC_ACCESS_KEY = "YOUR_ACCESS_KEY_ID"
DOC_SECRET_KEY = "YOUR_SECRET_ACCESS_KEY"

_MARKED = re.compile(
    r"^<!-- snippet: (?P<name>[\w.-]+) -->\n"
    r"(?P<fence>`{3,}|~{3,})(?P<info>[^\n]*)\n"
    r"(?P<body>.*?)\n"
    r"(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)


@dataclass(frozen=True)
class Snippet:
    page: str
    name: str
    lang: str
    text: str


def snippets(page: str) -> dict[str, Snippet]:
    """The marked blocks of docs/<page>, by name (ValueError on a name used twice)."""
    found: dict[str, Snippet] = {}
    for match in _MARKED.finditer((DOCS / page).read_text()):
        name = match["name"]
        if name in found:
            raise ValueError(f"docs/{page}: snippet {name!r} is marked twice")
        lang = match["info"].strip().split(" ")[0]
        found[name] = Snippet(page, name, lang, match["body"] + "\n")
    return found


def fill(text: str, server: Any) -> str:
    """The snippet with the docs' placeholder endpoint and keys replaced by `server`'s."""
    return (
        text.replace(DOC_ENDPOINT, server.endpoint)
        .replace(DOC_HOST_PORT, f"127.0.0.1:{server.port}")
        .replace(DOC_ACCESS_KEY, server.access_key)
        .replace(DOC_SECRET_KEY, server.secret_key)
    )
