"""The queues page in headless Chromium against a real server: AWS's error for a bad name;
create a queue, send a message, peek it (receive count shown), purge; redrive a dead-letter
queue back to its source; a FIFO queue: send with a group, delete a peeked message, edit an
attribute."""

from __future__ import annotations

import json
from typing import Any

from consolekit import (
    CONSOLE_MARKS,
    banner_error,
    console_browser,
    console_page,
    console_server,
    open_page,
    shoot,
    sign_in,
)

pytestmark = CONSOLE_MARKS
__all__ = ["console_browser", "console_page", "console_server"]


def test_create_send_peek_purge(console_server: Any, console_page: Any) -> None:
    page, sqs = console_page, console_server.client("sqs")
    sign_in(page, console_server)
    open_page(page, "queues")
    create = page.locator("form[data-test=create-queue]")
    create.locator("input[name=name]").fill("no spaces allowed")
    create.locator("button[type=submit]").click()
    code, message = banner_error(page)  # AWS's own answer, shown as it is
    assert code == "InvalidParameterValue" and message
    create.locator("input[name=name]").fill("console-orders")
    create.locator("input[name=VisibilityTimeout]").fill("45")
    create.locator("button[type=submit]").click()
    page.locator("[data-test=queue-name]", has_text="console-orders").wait_for()
    url = sqs.get_queue_url(QueueName="console-orders")["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])
    assert attrs["Attributes"]["VisibilityTimeout"] == "45"

    send = page.locator("form[data-test=send-message]")
    send.locator("textarea[name=body]").fill('{"order": 17}')
    send.locator("textarea[name=attributes]").fill('{"kind": "test", "n": 3}')
    send.locator("button[type=submit]").click()
    page.locator("#banner .notice", has_text="Sent message").wait_for()

    page.locator("[data-test=peek]").click()
    row = page.locator("[data-test=message-row]")
    row.wait_for()
    assert json.loads(row.locator("[data-test=message-body]").inner_text()) == {"order": 17}
    assert "kind=test" in row.inner_text() and "n=3" in row.inner_text()
    assert row.locator("td").nth(2).inner_text() == "1"  # ApproximateReceiveCount
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, "queues")

    purge = page.locator("[data-test=purge-queue]")
    purge.click()
    purge.click()  # the confirmation click
    page.locator("#banner .notice", has_text="Purged").wait_for()
    page.locator("[data-test=peek]").click()
    page.locator("[data-test=peek-output]", has_text="0 messages").wait_for()
    assert "Messages" not in sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)

    open_page(page, "queues")
    listed = page.locator("[data-test=queue-row][data-name=console-orders]")
    assert listed.count() == 1


def test_fifo_queue_and_dead_letter_redrive(console_server: Any, console_page: Any) -> None:
    page, sqs = console_page, console_server.client("sqs")
    dlq = sqs.create_queue(QueueName="console-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})
    source = sqs.create_queue(QueueName="console-src", Attributes={"RedrivePolicy": policy})[
        "QueueUrl"
    ]
    sqs.send_message(QueueUrl=source, MessageBody="poison")
    sqs.receive_message(QueueUrl=source, VisibilityTimeout=0)
    assert "Messages" not in sqs.receive_message(QueueUrl=source)  # moved to the DLQ

    sign_in(page, console_server)
    open_page(page, "queues", url=dlq)
    page.locator("[data-test=source-link]", has_text="console-src").wait_for()
    page.locator("form[data-test=start-redrive] button[type=submit]").click()
    page.locator("[data-test=task-status]", has_text="COMPLETED").wait_for()
    got = sqs.receive_message(QueueUrl=source, WaitTimeSeconds=1)["Messages"]
    assert [m["Body"] for m in got] == ["poison"]

    open_page(page, "queues")
    create = page.locator("form[data-test=create-queue]")
    create.locator("input[name=name]").fill("console-jobs")
    create.locator("select[name=type]").select_option("fifo")
    create.locator("input[name=ContentBasedDeduplication]").check()
    create.locator("button[type=submit]").click()
    page.locator("[data-test=queue-name]", has_text="console-jobs.fifo").wait_for()
    send = page.locator("form[data-test=send-message]")
    send.locator("textarea[name=body]").fill("job 1")
    send.locator("input[name=group]").fill("g1")
    send.locator("button[type=submit]").click()
    page.locator("#banner .notice", has_text="Sent message").wait_for()
    page.locator("[data-test=peek]").click()
    row = page.locator("[data-test=message-row]")
    row.wait_for()
    assert (
        "g1" in row.inner_text() and row.locator("[data-test=message-body]").inner_text() == "job 1"
    )

    delete = row.locator("[data-test=delete-message]")
    delete.click()
    delete.click()
    page.locator("#banner .notice", has_text="Deleted message").wait_for()
    assert row.count() == 0
    url = sqs.get_queue_url(QueueName="console-jobs.fifo")["QueueUrl"]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)

    edit = page.locator("form[data-test=edit-attributes]")
    edit.locator("input[name=VisibilityTimeout]").fill("60")
    edit.locator("button[type=submit]").click()
    page.locator("#banner .notice", has_text="Updated VisibilityTimeout.").wait_for()
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (attrs["VisibilityTimeout"], attrs["ContentBasedDeduplication"]) == ("60", "true")
