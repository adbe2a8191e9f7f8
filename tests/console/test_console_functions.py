"""The functions page in headless Chromium against a real server: a python function created
with boto3 is invoked from the page (its result and log tail shown); a function is created from
a .zip upload and deleted. Skipped where python functions cannot run (as the Lambda suite is)."""

from __future__ import annotations

import functools
import io
import json
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
from consolekit import (
    CONSOLE_MARKS,
    console_browser,
    console_page,
    console_server,
    open_page,
    shoot,
    sign_in,
)

pytestmark = CONSOLE_MARKS
__all__ = ["console_browser", "console_page", "console_server"]

RUNTIME = "python3.12"
CODE = """
def handler(event, context):
    print("console-log-line", event.get("who"))
    return {"greeting": "hello " + event.get("who", "?"), "n": 42}
"""
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


@functools.cache
def runtime_missing(runtime: str) -> str | None:
    """Why functions of `runtime` cannot run here, as the server's own engine would say."""
    from ownstack.backends.process import open_runtime
    from ownstack.core.clock import SystemClock
    from ownstack.ports.engine import EngineContext

    with tempfile.TemporaryDirectory() as scratch:
        engine = open_runtime(EngineContext(Path(scratch), {}, SystemClock()))
        return engine.unavailable(runtime)


def package(code: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("index.py", code)
    return buf.getvalue()


@pytest.fixture(scope="module")
def role(console_server: Any) -> str:
    iam = console_server.client("iam")
    made = iam.create_role(RoleName="console-fn-role", AssumeRolePolicyDocument=json.dumps(TRUST))
    return str(made["Role"]["Arn"])


def test_invoke_shows_result_and_log_tail(
    console_server: Any, console_page: Any, role: str
) -> None:
    reason = runtime_missing(RUNTIME)
    if reason:
        pytest.skip(f"{RUNTIME} cannot run here: {reason}")
    lam, page = console_server.client("lambda"), console_page
    lam.create_function(
        FunctionName="console-greeter",
        Runtime=RUNTIME,
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": package(CODE)},
    )
    lam.get_waiter("function_active_v2").wait(FunctionName="console-greeter")
    sign_in(page, console_server)
    open_page(page, "functions")
    page.locator("[data-test=function-row][data-name=console-greeter] a").click()
    page.locator("[data-test=function-name]", has_text="console-greeter").wait_for()
    assert "index.handler" in page.locator("[data-test=function-configuration]").inner_text()
    invoke = page.locator("form[data-test=invoke]")
    invoke.locator("textarea[name=payload]").fill('{"who": "console"}')
    invoke.locator("button[type=submit]").click()
    result = page.locator("[data-test=invoke-result]")
    result.wait_for(timeout=30_000)  # a cold start
    assert json.loads(result.inner_text()) == {"greeting": "hello console", "n": 42}
    log = page.locator("[data-test=invoke-log]").inner_text()
    assert "console-log-line console" in log and "REPORT RequestId" in log
    shoot(page, "functions")


def test_create_from_zip_and_delete(console_server: Any, console_page: Any, role: str) -> None:
    lam, page = console_server.client("lambda"), console_page
    sign_in(page, console_server)
    open_page(page, "functions")
    create = page.locator("form[data-test=create-function]")
    create.locator("input[name=name]").fill("console-uploaded")
    create.locator("input[name=role]").fill(role)
    create.locator("input[name=zip]").set_input_files(
        {"name": "fn.zip", "mimeType": "application/zip", "buffer": package(CODE)}
    )
    create.locator("button[type=submit]").click()
    page.locator("[data-test=function-name]", has_text="console-uploaded").wait_for()
    config = lam.get_function_configuration(FunctionName="console-uploaded")
    assert (config["Runtime"], config["Role"], config["Handler"]) == (
        RUNTIME,
        role,
        "index.handler",
    )

    delete = page.locator("[data-test=delete-function]")
    delete.click()
    delete.click()
    page.locator("#banner .notice", has_text="Deleted function").wait_for()
    names = [f["FunctionName"] for f in lam.list_functions()["Functions"]]
    assert "console-uploaded" not in names
