"""A real browser (headless Chromium, driven by Playwright) uploads to ownstack the way a web
app does: a page served from another origin (a local HTTP server on 127.0.0.1) holds a
presigned POST form from boto3's generate_presigned_post; the browser picks the file, posts the
form with fetch(FormData) (a CORS request, allowed by the bucket's CORS configuration), reads
the object back with a CORS fetch of a presigned GET URL, and the bytes are compared. A plain
form submission, followed by S3's 303 redirect back to the page, is the second case.

Needs /usr/bin/chromium (Debian's `chromium`) and Playwright's Python package (no browser
download): skipped, saying which is missing, without them."""

from __future__ import annotations

import base64
import html
import json
import os
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from botocore.config import Config
from postkit import md5_etag, unique

from ownserver import ServerHandle

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None
)

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None

pytestmark = [
    pytest.mark.slow,  # a browser
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt: chromium)"),
    pytest.mark.skipif(
        sync_playwright is None, reason="Playwright's Python package is not installed (pip)"
    ),
]

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>upload</title></head>
<body>
<form id="upload" action="{action}" method="post" enctype="multipart/form-data">
{hidden}
<input type="file" name="file">
<input type="submit" id="send" value="Upload">
</form>
<script>
async function upload() {{
  const form = document.getElementById("upload");
  const posted = await fetch(form.action, {{method: "POST", body: new FormData(form)}});
  const answer = await posted.text();
  const read = await fetch({get_url});
  const bytes = new Uint8Array(await read.arrayBuffer());
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {{
    text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }}
  return {{status: posted.status, answer: answer, readStatus: read.status, body: btoa(text)}};
}}
</script>
</body></html>
"""


class _Pages:
    """A local web server (another origin than ownstack) serving pages set by path."""

    def __init__(self) -> None:
        pages: dict[str, str] = {}
        self.pages = pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = pages.get(urlsplit(self.path).path, "<p>done</p>").encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def pages() -> Iterator[_Pages]:
    served = _Pages()
    yield served
    served.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    assert sync_playwright is not None
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def s3(server: ServerHandle) -> Any:
    return server.client("s3", config=Config(signature_version="s3v4"))


@pytest.fixture
def bucket(s3: Any, pages: _Pages) -> str:
    name = unique("browser")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_cors(
        Bucket=name,
        CORSConfiguration={
            "CORSRules": [
                {
                    "AllowedOrigins": [pages.origin],
                    "AllowedMethods": ["GET", "POST"],
                    "AllowedHeaders": ["*"],
                    "ExposeHeaders": ["ETag"],
                }
            ]
        },
    )
    return name


def _form_page(post: dict[str, Any], get_url: str = "") -> str:
    hidden = "\n".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in post["fields"].items()
    )
    return PAGE.format(action=html.escape(post["url"]), hidden=hidden, get_url=json.dumps(get_url))


def test_browser_posts_the_form_with_fetch_and_reads_the_object_back(
    s3: Any, pages: _Pages, browser: Any, bucket: str
) -> None:
    data = bytes(range(256)) * 6000  # 1.5 MB: streamed into storage, every byte value
    post = s3.generate_presigned_post(
        bucket,
        "photos/${filename}",
        Fields={"success_action_status": "201", "Content-Type": "image/png"},
        Conditions=[
            {"success_action_status": "201"},
            ["starts-with", "$Content-Type", "image/"],
            ["content-length-range", 1, 5 * 1024 * 1024],
        ],
    )
    get_url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "photos/cat.png"}, ExpiresIn=300
    )
    pages.pages["/fetch"] = _form_page(post, get_url)
    page = browser.new_page()
    try:
        page.goto(f"{pages.origin}/fetch")
        page.set_input_files(
            "input[name=file]", files=[{"name": "cat.png", "mimeType": "image/png", "buffer": data}]
        )
        result = page.evaluate("upload()")
    finally:
        page.close()
    assert result["status"] == 201, result["answer"]
    assert "<Key>photos/cat.png</Key>" in result["answer"]
    assert f"<ETag>{md5_etag(data)}</ETag>" in result["answer"]
    assert result["readStatus"] == 200
    assert base64.b64decode(result["body"]) == data
    head = s3.head_object(Bucket=bucket, Key="photos/cat.png")
    assert (head["ContentType"], head["ContentLength"]) == ("image/png", len(data))


def test_a_submitted_form_is_redirected_back_to_the_page(
    s3: Any, pages: _Pages, browser: Any, bucket: str
) -> None:
    target = f"{pages.origin}/uploaded"
    post = s3.generate_presigned_post(
        bucket,
        "${filename}",
        Fields={"success_action_redirect": target},
        Conditions=[{"success_action_redirect": target}],
    )
    pages.pages["/form"] = _form_page(post)
    data = b"a plain form upload\n"
    page = browser.new_page()
    try:
        page.goto(f"{pages.origin}/form")
        page.set_input_files(
            "input[name=file]",
            files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": data}],
        )
        with page.expect_navigation(url=f"{target}?*"):
            page.click("#send")
        landed = page.url
    finally:
        page.close()
    query = parse_qs(urlsplit(landed).query)
    assert query == {"bucket": [bucket], "key": ["notes.txt"], "etag": [md5_etag(data)]}
    assert s3.get_object(Bucket=bucket, Key="notes.txt")["Body"].read() == data
