"""What the console's browser tests share (docs/console.md, "Testing a page"): a module's
ownstack server, Debian's headless Chromium driven by Playwright (never a downloaded browser),
a 1280x800 page that fails the test on an uncaught JS error, sign-in, navigation, the error
banner, and screenshots checked not to be blank.

A test module imports what it uses: `from consolekit import console_server, console_browser,
console_page, sign_in, open_page, shoot` (pytest finds the fixtures through that import), and
sets `pytestmark = CONSOLE_MARKS` so it is skipped, saying why, without chromium or Playwright.

Screenshots go to docs/img/console-<name>.png when OWNSTACK_SCREENSHOTS=1, otherwise into a
temporary directory."""

from __future__ import annotations

import os
import shutil
import struct
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from ownserver import ServerHandle, start_server

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None
)

try:
    from playwright.sync_api import Page, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None
    Page = Any

CONSOLE_MARKS = [
    pytest.mark.slow,  # a browser per module: make test-quick leaves these out
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt: chromium)"),
    pytest.mark.skipif(
        sync_playwright is None, reason="Playwright's Python package is not installed (pip)"
    ),
]

VIEWPORT = {"width": 1280, "height": 800}
CONSOLE_PATH = "/_ownstack/console/"
WAIT_MS = 10_000
REPO = Path(__file__).resolve().parents[2]
DOCS_IMG = REPO / "docs" / "img"
_SHOTS = Path(tempfile.gettempdir()) / "ownstack-console-shots"


@pytest.fixture(scope="module")
def console_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    handle = start_server(tmp_path_factory.mktemp("console") / "data")
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture(scope="module")
def console_browser() -> Iterator[Any]:
    if sync_playwright is None or CHROMIUM is None:
        pytest.skip("chromium or Playwright is missing")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def console_page(console_browser: Any) -> Iterator[Any]:
    """A fresh page (its own context: no session left from another test). Uncaught JS errors
    fail the test: a page that throws is broken even if the screen looks right."""
    context = console_browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield page
    finally:
        context.close()
    assert not errors, f"the console threw: {errors}"


def console_url(server: ServerHandle) -> str:
    return server.endpoint + CONSOLE_PATH


def sign_in(
    page: Any,
    server: ServerHandle,
    access_key: str | None = None,
    secret_key: str | None = None,
    session_token: str | None = None,
    region: str | None = None,
) -> str:
    """Open the console, sign in (the server's root keys by default) and return the ARN the
    header shows."""
    page.goto(console_url(server))
    form = page.locator("form[data-test=sign-in]")
    form.locator("input[name=accessKey]").fill(access_key or server.access_key)
    form.locator("input[name=secretKey]").fill(secret_key or server.secret_key)
    if session_token:
        form.locator("input[name=sessionToken]").fill(session_token)
    if region:
        form.locator("input[name=region]").fill(region)
    form.locator("button[type=submit]").click()
    arn = page.locator("#arn")
    arn.wait_for()
    return str(arn.inner_text())


def open_page(page: Any, name: str, **params: str) -> None:
    """Navigate to a console page and wait until it has rendered (ready or error)."""
    query = urlencode({k: v for k, v in params.items() if v})
    target = f"#/{name}" + (f"?{query}" if query else "")
    # Mark the page as loading first: hashchange fires later, and until then the previous
    # render's "ready" would satisfy the wait.
    page.evaluate(_NAVIGATE, target)
    wait_rendered(page, name)


_NAVIGATE = """(hash) => {
  if (location.hash === hash) return;
  document.getElementById("page").dataset.state = "loading";
  location.hash = hash;
}"""


def confirm(button: Any) -> None:
    """Click a confirmButton: the first click asks "Sure?", the second runs it."""
    button.click()
    button.get_by_text("Sure?").wait_for()
    button.click()


def wait_rendered(page: Any, name: str) -> str:
    """Wait until page `name` has rendered; returns its state ("ready" or "error"). After a
    click that re-renders the same page, the previous render may still count: wait for an
    element of the new view instead."""
    selector = f'#page[data-page="{name}"]:is([data-state=ready], [data-state=error])'
    page.wait_for_selector(selector)
    return str(page.get_attribute("#page", "data-state"))


def banner_error(page: Any) -> tuple[str, str]:
    """Wait for the error banner; (AWS's code, its message)."""
    box = page.locator("#banner .error")
    box.wait_for()
    return box.locator(".code").inner_text(), box.locator(".message").inner_text()


def shoot(page: Any, name: str) -> bytes:
    """Screenshot the viewport, check it is not blank, save it as console-<name>.png."""
    png = bytes(page.screenshot())
    assert_not_blank(png)
    folder = DOCS_IMG if os.environ.get("OWNSTACK_SCREENSHOTS") == "1" else _SHOTS
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"console-{name}.png").write_bytes(png)
    return png


# ----- a tiny PNG reader: enough to tell a real screen from a blank one


def png_pixels(png: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of raw pixel bytes) of an 8-bit RGB/RGBA, non-interlaced PNG (what
    Chromium writes)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", b""
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, data = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = data
        elif kind == b"IDAT":
            idat += data
        pos += 12 + length
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and color in (2, 6) and interlace == 0, "unexpected PNG format"
    channels = 3 if color == 2 else 4
    return width, height, _unfilter(zlib.decompress(idat), width * channels, height, channels)


def _unfilter(raw: bytes, stride: int, height: int, bpp: int) -> list[bytes]:
    """Undo PNG's per-row filters. "Up" rows (most of a screenshot) are added to the row above
    all at once, as one big integer with the carries masked off at each byte (SWAR)."""
    low = int.from_bytes(b"\x7f" * stride, "big")
    high = int.from_bytes(b"\x80" * stride, "big")
    rows: list[bytes] = []
    prev = bytes(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], raw[start + 1 : start + 1 + stride]
        if kind == 2:
            a, b = int.from_bytes(line, "big"), int.from_bytes(prev, "big")
            line = (((a & low) + (b & low)) ^ ((a ^ b) & high)).to_bytes(stride, "big")
        elif kind:
            line = _unfilter_row(kind, bytearray(line), prev, bpp)
        rows.append(line)
        prev = line
    return rows


def _unfilter_row(kind: int, out: bytearray, prev: bytes, bpp: int) -> bytes:
    """Sub (1), Average (3) and Paeth (4): each byte depends on the one to its left."""
    for i in range(len(out)):
        left = out[i - bpp] if i >= bpp else 0
        up = prev[i]
        if kind == 1:
            out[i] = (out[i] + left) & 0xFF
        elif kind == 3:
            out[i] = (out[i] + ((left + up) >> 1)) & 0xFF
        else:
            corner = prev[i - bpp] if i >= bpp else 0
            p = left + up - corner
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
            best = left if pa <= pb and pa <= pc else up if pb <= pc else corner
            out[i] = (out[i] + best) & 0xFF
    return bytes(out)


def assert_not_blank(png: bytes, *, min_colors: int = 8, min_ink: float = 0.02) -> None:
    """A screen with content: several distinct colours, and at least `min_ink` of the sampled
    pixels differ from the most common one (the background)."""
    width, height, rows = png_pixels(png)
    bpp = len(rows[0]) // width
    counts: dict[bytes, int] = {}
    for y in range(0, height, 4):
        row = rows[y]
        for x in range(0, width, 4):
            pixel = row[x * bpp : x * bpp + 3]
            counts[pixel] = counts.get(pixel, 0) + 1
    total = sum(counts.values())
    background = max(counts.values())
    assert len(counts) >= min_colors, f"screenshot looks blank: {len(counts)} colours"
    assert (total - background) / total >= min_ink, "screenshot looks blank: almost one colour"
