"""The events page in headless Chromium against a real server: create a bus and a rule with an
event pattern, test the pattern, add a queue as the rule's target (granting EventBridge the
right to send), put a test event and see it arrive; disable and delete the rule."""

from __future__ import annotations

import json
import time
from typing import Any

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


def received(sqs: Any, url: str, timeout: float = 10.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])
        if got:
            return list(got)
    raise AssertionError(f"nothing arrived in {url} within {timeout} s")


def test_bus_rule_target_put_event(console_server: Any, console_page: Any) -> None:
    page, sqs, events = console_page, console_server.client("sqs"), console_server.client("events")
    sink = sqs.create_queue(QueueName="console-event-sink")["QueueUrl"]
    sink_arn = sqs.get_queue_attributes(QueueUrl=sink, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sign_in(page, console_server)
    open_page(page, "events")
    page.locator("[data-test=bus-row][data-name=default]").wait_for()
    bus = page.locator("form[data-test=create-bus]")
    bus.locator("input[name=name]").fill("console-orders")
    bus.locator("button[type=submit]").click()
    page.locator("[data-test=bus-name]", has_text="console-orders").wait_for()

    rule = page.locator("form[data-test=create-rule]")
    rule.locator("input[name=name]").fill("console-rule")
    rule.locator("textarea[name=pattern]").fill('{"source": ["console.test"]}')
    rule.locator("button[type=submit]").click()
    page.locator("[data-test=rule-name]", has_text="console-rule").wait_for()
    assert json.loads(page.locator("[data-test=rule-pattern]").inner_text()) == {
        "source": ["console.test"]
    }
    page.locator("form[data-test=test-pattern] button[type=submit]").click()
    page.locator("[data-test=pattern-verdict]", has_text="matches this event").wait_for()

    target = page.locator("form[data-test=add-target]")
    target.locator("input[name=arn]").fill(sink_arn)
    target.locator("button[type=submit]").click()
    page.locator("[data-test=target-row][data-name=target-1]").wait_for()
    listed = events.list_targets_by_rule(Rule="console-rule", EventBusName="console-orders")
    assert [t["Arn"] for t in listed["Targets"]] == [sink_arn]
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, "events")

    open_page(page, "events", bus="console-orders")
    put = page.locator("form[data-test=put-events]")
    put.locator("textarea[name=detail]").fill('{"order": 7}')
    put.locator("button[type=submit]").click()
    page.locator("#banner .notice", has_text="Put event").wait_for()
    (message,) = received(sqs, sink)
    event = json.loads(message["Body"])
    assert (event["source"], event["detail"]) == ("console.test", {"order": 7})

    open_page(page, "events", bus="console-orders", rule="console-rule")
    page.locator("[data-test=toggle-rule]").click()
    page.locator("[data-test=rule-state]", has_text="DISABLED").wait_for()
    confirm(page.locator("[data-test=delete-rule]"))
    page.locator("#banner .notice", has_text="Deleted rule").wait_for()
    assert events.list_rules(EventBusName="console-orders")["Rules"] == []
