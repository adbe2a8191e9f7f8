"""The logs page in headless Chromium against a real server: a log group made with boto3 is
listed, its stream's events are shown, followed (a new event appears) and filtered by a
pattern, across the group and within the stream."""

from __future__ import annotations

import time
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

GROUP, STREAM = "/console/app", "2026/01/01/worker-1"


def put(logs: Any, *messages: str) -> None:
    now = int(time.time() * 1000)
    events = [{"timestamp": now + i, "message": m} for i, m in enumerate(messages)]
    logs.put_log_events(logGroupName=GROUP, logStreamName=STREAM, logEvents=events)


def messages(page: Any, within: str) -> list[str]:
    cells = page.locator(f"[data-test={within}] [data-test=event-message]")
    return [str(text) for text in cells.all_inner_texts()]


def test_groups_streams_events_filter(console_server: Any, console_page: Any) -> None:
    page, logs = console_page, console_server.client("logs")
    logs.create_log_group(logGroupName=GROUP)
    logs.create_log_stream(logGroupName=GROUP, logStreamName=STREAM)
    put(logs, "INFO starting", "ERROR disk full", "INFO done")

    sign_in(page, console_server)
    open_page(page, "logs")
    page.locator(f'[data-test=group-row][data-name="{GROUP}"] a').click()
    page.locator("[data-test=group-name]", has_text=GROUP).wait_for()
    page.locator(f'[data-test=stream-row][data-name="{STREAM}"] a').click()
    page.locator("[data-test=stream-name]", has_text=STREAM).wait_for()
    assert messages(page, "events-output") == ["INFO starting", "ERROR disk full", "INFO done"]

    page.locator("[data-test=follow]").click()
    page.locator("[data-test=events-summary]", has_text="following").wait_for()
    put(logs, "ERROR again")
    page.locator(
        "[data-test=events-output] [data-test=event-message]", has_text="ERROR again"
    ).wait_for()
    shoot(page, "logs")

    stream_filter = page.locator("form[data-test=filter-events]")
    stream_filter.locator("input[name=pattern]").fill("ERROR")
    stream_filter.locator("button[type=submit]").click()
    page.locator("[data-test=filter-output]", has_text="2 matching events").wait_for()
    assert messages(page, "filter-output") == ["ERROR disk full", "ERROR again"]

    open_page(page, "logs", group=GROUP)
    group_filter = page.locator("form[data-test=filter-events]")
    group_filter.locator("input[name=pattern]").fill('"disk full"')
    group_filter.locator("button[type=submit]").click()
    page.locator("[data-test=filter-output]", has_text="1 matching event").wait_for()
    assert STREAM in page.locator("[data-test=filter-output] [data-test=event-row]").inner_text()
