"""The topics page in headless Chromium against a real server: create a topic, subscribe a
queue (granting the topic the right to send), publish a test message and see it arrive on the
queues page; unsubscribe; delete."""

from __future__ import annotations

import json
from typing import Any

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


def test_create_subscribe_publish_unsubscribe(console_server: Any, console_page: Any) -> None:
    page, sqs, sns = console_page, console_server.client("sqs"), console_server.client("sns")
    inbox = sqs.create_queue(QueueName="console-inbox")["QueueUrl"]
    inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sign_in(page, console_server)
    open_page(page, "topics")
    create = page.locator("form[data-test=create-topic]")
    create.locator("input[name=name]").fill("console-events")
    create.locator("button[type=submit]").click()
    page.locator("[data-test=topic-name]", has_text="console-events").wait_for()
    (topic_arn,) = [t["TopicArn"] for t in sns.list_topics()["Topics"]]

    subscribe = page.locator("form[data-test=subscribe]")
    subscribe.locator("input[name=endpoint]").fill(inbox_arn)
    subscribe.locator("input[name=raw]").check()
    subscribe.locator("button[type=submit]").click()
    page.locator("#banner .notice", has_text="Subscribed").wait_for()
    row = page.locator("[data-test=subscription-row]")
    assert "confirmed" in row.inner_text() and "console-inbox" in row.inner_text()
    policy = json.loads(
        sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["Policy"])["Attributes"]["Policy"]
    )
    assert policy["Statement"][0]["Condition"]["ArnEquals"]["aws:SourceArn"] == topic_arn

    publish = page.locator("form[data-test=publish]")
    publish.locator("input[name=subject]").fill("greeting")
    publish.locator("textarea[name=message]").fill("hello from the topics page")
    publish.locator("textarea[name=attributes]").fill('{"kind": "test"}')
    publish.locator("button[type=submit]").click()
    page.locator("#banner .notice", has_text="Published message").wait_for()
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, "topics")

    row.locator("[data-test=queue-link]").click()  # on to the queue: peek what arrived
    page.locator("[data-test=queue-name]", has_text="console-inbox").wait_for()
    page.locator("[data-test=peek]").click()
    message = page.locator("[data-test=message-row]")
    assert message.locator("[data-test=message-body]").inner_text() == "hello from the topics page"
    assert "kind=test" in message.inner_text()

    open_page(page, "topics", arn=topic_arn)
    unsubscribe = page.locator("[data-test=unsubscribe]")
    unsubscribe.click()
    unsubscribe.click()
    page.locator("#banner .notice", has_text="Unsubscribed").wait_for()
    assert sns.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"] == []

    open_page(page, "topics")
    delete = page.locator(
        "[data-test=topic-row][data-name=console-events] [data-test=delete-topic]"
    )
    delete.click()
    delete.click()
    page.locator("#banner .notice", has_text="Deleted topic").wait_for()
    assert sns.list_topics()["Topics"] == []
