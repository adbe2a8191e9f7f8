"""The console end to end in headless Chromium against a real server: sign in with the root
keys, create a bucket, upload a file (random bytes) with the progress bar, see it listed,
browse a prefix, download it byte-identical, read its metadata and tags, presign a link that
serves the same bytes, see AWS's error for a bucket that is not empty, delete, open the server
page and watch its chart, sign out. A user without S3 permissions sees AccessDenied.
Each page visited is screenshotted and checked not to be blank (consolekit.shoot)."""

from __future__ import annotations

import os
import threading
import urllib.request
from pathlib import Path
from typing import Any

from consolekit import (
    CONSOLE_MARKS,
    banner_error,
    confirm,
    console_browser,
    console_page,
    console_server,
    open_page,
    shoot,
    sign_in,
    wait_rendered,
)

from ownserver import ServerHandle

pytestmark = CONSOLE_MARKS
__all__ = ["console_browser", "console_page", "console_server"]  # fixtures, used by name

BUCKET = "console-photos"
PAYLOAD = os.urandom(300 * 1024)
# A key the signer must encode: spaces, '&', '+', '=', non-ASCII (S3 signs the path as sent).
NOTE_KEY = "docs/2026/notes & ideas+1=ü.txt"
NOTE = "a note: ünïcode\n".encode()


def _row(page: Any, test: str, **data: str) -> Any:
    attrs = "".join(f'[data-{k}="{v}"]' for k, v in data.items())
    return page.locator(f'tr[data-test="{test}"]{attrs}')


def _create_bucket(page: Any, name: str) -> None:
    form = page.locator("form[data-test=create-bucket]")
    form.locator("input[name=name]").fill(name)
    form.locator("button[type=submit]").click()
    _row(page, "bucket-row", name=name).wait_for()


def _upload(page: Any, name: str, data: bytes, key: str = "") -> None:
    form = page.locator("form[data-test=upload]")
    form.locator("input[name=file]").set_input_files(
        {"name": name, "mimeType": "application/octet-stream", "buffer": data}
    )
    if key:
        form.locator("input[name=name]").fill(key)
    form.locator("button[type=submit]").click()
    page.locator("#banner .notice", has_text=f"Uploaded {key or name} ").wait_for()
    # The bar stays full after the upload: the progress events reached the end.
    assert page.locator("[data-test=progress] progress").get_attribute("value") == str(len(data))


def _download(page: Any, button: Any) -> bytes:
    with page.expect_download() as info:
        button.click()
    return Path(info.value.path()).read_bytes()


def test_sign_in_buckets_objects_server(console_server: ServerHandle, console_page: Any) -> None:
    page, s3 = console_page, console_server.client("s3")
    page.goto(console_server.endpoint + "/_ownstack/console/")
    page.locator("form[data-test=sign-in]").wait_for()
    shoot(page, "sign-in")

    arn = sign_in(page, console_server)
    assert arn == f"arn:aws:iam::{console_server.account_id}:root"
    wait_rendered(page, "buckets")
    for other in ("console-backups", "console-website"):
        s3.create_bucket(Bucket=other)

    _create_bucket(page, BUCKET)
    s3.head_bucket(Bucket=BUCKET)  # made for real, by the signed-in identity
    shoot(page, "buckets")

    page.locator(f'tr[data-name="{BUCKET}"] a[data-test=bucket-link]').click()
    wait_rendered(page, "buckets")
    _upload(page, "random.bin", PAYLOAD)
    _row(page, "object-row", key="random.bin").wait_for()
    assert s3.get_object(Bucket=BUCKET, Key="random.bin")["Body"].read() == PAYLOAD
    _upload(page, "notes.txt", NOTE, key=NOTE_KEY)
    folder = _row(page, "folder-row", prefix="docs/")
    folder.wait_for()
    s3.put_object_tagging(
        Bucket=BUCKET,
        Key="random.bin",
        Tagging={"TagSet": [{"Key": "project", "Value": "console"}]},
    )

    downloaded = _download(
        page, _row(page, "object-row", key="random.bin").locator("button[data-test=download]")
    )
    assert downloaded == PAYLOAD
    shoot(page, "bucket")

    folder.locator("a").click()
    _row(page, "folder-row", prefix="docs/2026/").locator("a").click()
    note_row = _row(page, "object-row", key=NOTE_KEY)
    assert _download(page, note_row.locator("button[data-test=download]")) == NOTE
    assert s3.get_object(Bucket=BUCKET, Key=NOTE_KEY)["Body"].read() == NOTE
    assert "docs" in page.locator("[data-test=crumbs]").inner_text()

    open_page(page, "buckets", bucket=BUCKET, key="random.bin")
    metadata = page.locator("[data-test=metadata]").inner_text()
    assert f"{len(PAYLOAD)} (300.0 KiB)" in metadata
    assert "application/octet-stream" in metadata
    assert "project" in page.locator("[data-test=tags]").inner_text()
    presign = page.locator("form[data-test=presign]")
    presign.locator("select[name=expires]").select_option("900")
    presign.locator("button[type=submit]").click()
    url_box = page.locator("[data-test=presigned-url]")
    page.wait_for_function("() => document.querySelector('[data-test=presigned-url]').value")
    url = url_box.input_value()
    assert "X-Amz-Expires=900" in url
    with urllib.request.urlopen(url, timeout=10) as resp:  # a link anyone can use
        assert resp.read() == PAYLOAD
    assert _download(page, page.locator("p.actions button[data-test=download]")) == PAYLOAD
    shoot(page, "object")

    open_page(page, "buckets")
    confirm(_row(page, "bucket-row", name=BUCKET).locator("button[data-test=delete-bucket]"))
    code, message = banner_error(page)  # AWS's code and message, as S3 answered
    assert code == "BucketNotEmpty"
    assert "not empty" in message

    open_page(page, "buckets", bucket=BUCKET, key="random.bin")
    confirm(page.locator("p.actions button[data-test=delete-object]"))
    wait_rendered(page, "buckets")
    page.locator("[data-test=objects]").wait_for()
    assert _row(page, "object-row", key="random.bin").count() == 0
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix="random")

    _server_page(page, console_server)

    page.locator("#sign-out").click()
    page.locator("form[data-test=sign-in]").wait_for()
    assert page.evaluate("() => sessionStorage.length") == 0


def _server_page(page: Any, server: ServerHandle) -> None:
    """The chart draws live rates: requests made while it samples show up in it."""
    s3, stop = server.client("s3"), threading.Event()

    def traffic() -> None:
        while not stop.is_set():
            s3.list_buckets()
            s3.head_bucket(Bucket=BUCKET)

    worker = threading.Thread(target=traffic, daemon=True)
    worker.start()
    try:
        open_page(page, "server", interval="250")
        page.wait_for_selector("svg[data-test=chart]:not([data-points='0']):not([data-points='1'])")
        page.wait_for_function(
            "() => Number(document.querySelector('svg[data-test=chart]').dataset.points) >= 8"
        )
    finally:
        stop.set()
        worker.join()
    info = page.locator("[data-test=info]").inner_text()
    assert str(server.data_dir) in info
    assert "meta: sqlite" in info
    assert page.locator("[data-test=health]").inner_text() == "ok"
    line = page.locator('svg[data-test=chart] polyline[data-series="s3"]')
    heights = [float(p.split(",")[1]) for p in line.get_attribute("points").split()]
    assert min(heights) < max(heights), "the s3 line should rise off the baseline"
    shoot(page, "server")


def test_a_user_without_s3_permission_sees_access_denied(
    console_server: ServerHandle, console_page: Any
) -> None:
    iam = console_server.client("iam")
    iam.create_user(UserName="console-nobody")
    key = iam.create_access_key(UserName="console-nobody")["AccessKey"]
    page = console_page
    page.goto(console_server.endpoint + "/_ownstack/console/")
    form = page.locator("form[data-test=sign-in]")
    form.locator("input[name=accessKey]").fill(key["AccessKeyId"])
    form.locator("input[name=secretKey]").fill("not-the-secret")
    form.locator("button[type=submit]").click()
    assert banner_error(page)[0] == "SignatureDoesNotMatch"  # STS's answer to a wrong secret

    arn = sign_in(page, console_server, key["AccessKeyId"], key["SecretAccessKey"])
    assert arn == f"arn:aws:iam::{console_server.account_id}:user/console-nobody"
    assert wait_rendered(page, "buckets") == "error"
    code, message = banner_error(page)
    assert code == "AccessDenied"
    assert "s3:ListAllMyBuckets" in message
    assert page.locator("[data-test=bucket-row]").count() == 0
    shoot(page, "access-denied")
