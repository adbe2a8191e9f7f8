"""The IAM page in headless Chromium against a real server: create a user and an access key
(the secret shown once, and it works), attach and detach a managed policy, view a policy
document; create a role and a customer managed policy."""

from __future__ import annotations

import json
from typing import Any

import boto3
from consolekit import (
    CONSOLE_MARKS,
    confirm,
    console_browser,
    console_page,
    console_server,
    open_page,
    shoot,
    sign_in,
)

pytestmark = CONSOLE_MARKS
__all__ = ["console_browser", "console_page", "console_server"]

READ_ONLY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"


def test_user_access_key_and_policies(console_server: Any, console_page: Any) -> None:
    page, iam = console_page, console_server.client("iam")
    sign_in(page, console_server)
    open_page(page, "iam")
    create = page.locator("form[data-test=create-user]")
    create.locator("input[name=name]").fill("console-alice")
    create.locator("button[type=submit]").click()
    page.locator("[data-test=user-name]", has_text="console-alice").wait_for()

    page.locator("[data-test=create-access-key]").click()
    key_id = page.locator("[data-test=new-key-id]").inner_text()
    secret = page.locator("[data-test=new-secret]").inner_text()
    page.locator(f"[data-test=key-row][data-name={key_id}]").wait_for()
    sts = boto3.client(
        "sts",
        endpoint_url=console_server.endpoint,
        region_name=console_server.region,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
    )
    assert sts.get_caller_identity()["Arn"].endswith(":user/console-alice")

    attach = page.locator("form[data-test=attach-policy]")
    attach.locator("select[name=arn]").select_option(READ_ONLY)
    attach.locator("button[type=submit]").click()
    page.locator("[data-test=attached-row][data-name=AmazonS3ReadOnlyAccess]").wait_for()
    attached = iam.list_attached_user_policies(UserName="console-alice")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [READ_ONLY]
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, "iam")

    page.locator("[data-test=attached-row] [data-test=policy-link]").click()
    document = page.locator("[data-test=policy-document]")
    document.wait_for()
    assert "s3:Get*" in json.dumps(json.loads(document.inner_text()))
    assert "user console-alice" in page.locator("[data-test=policy-details]").inner_text()

    open_page(page, "iam", user="console-alice")
    confirm(page.locator("[data-test=attached-row] [data-test=detach-policy]"))
    page.locator("#banner .notice", has_text="Detached").wait_for()
    assert iam.list_attached_user_policies(UserName="console-alice")["AttachedPolicies"] == []


def test_role_and_customer_policy(console_server: Any, console_page: Any) -> None:
    page, iam = console_page, console_server.client("iam")
    sign_in(page, console_server)
    open_page(page, "iam", tab="roles")
    create = page.locator("form[data-test=create-role]")
    create.locator("input[name=name]").fill("console-fn-role")
    create.locator("button[type=submit]").click()
    page.locator("[data-test=role-name]", has_text="console-fn-role").wait_for()
    trust = iam.get_role(RoleName="console-fn-role")["Role"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}

    open_page(page, "iam", tab="policies")
    policy = page.locator("form[data-test=create-policy]")
    policy.locator("input[name=name]").fill("console-read-bucket")
    policy.locator("button[type=submit]").click()
    page.locator("[data-test=policy-name]", has_text="console-read-bucket").wait_for()
    shown = json.loads(page.locator("[data-test=policy-document]").inner_text())
    assert shown["Statement"][0]["Action"] == ["s3:GetObject"]
    confirm(page.locator("[data-test=delete-policy]"))
    page.locator("#banner .notice", has_text="Deleted policy").wait_for()
    assert iam.list_policies(Scope="Local")["Policies"] == []
