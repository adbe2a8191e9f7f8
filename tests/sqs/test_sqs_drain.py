"""Stopping the server while a long poll waits: the poll answers at once with no messages, and
the server exits promptly (services/sqs/draining.py)."""

from __future__ import annotations

import threading
import time
from typing import Any


def test_a_waiting_long_poll_answers_empty_when_the_server_stops(fresh_server: Any) -> None:
    srv = fresh_server()
    sqs = srv.client("sqs")
    url = sqs.create_queue(QueueName="drained")["QueueUrl"]
    outcome: dict[str, Any] = {}

    def poll() -> None:
        try:
            outcome["response"] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)
        except Exception as exc:  # reported by the assertion below
            outcome["error"] = exc

    poller = threading.Thread(target=poll)
    poller.start()
    time.sleep(0.5)  # the receive is waiting in the server by now
    started = time.monotonic()
    assert srv.stop() == 0
    stopped_after = time.monotonic() - started
    poller.join(5)

    assert "error" not in outcome, outcome.get("error")
    assert outcome["response"].get("Messages", []) == []
    assert outcome["response"]["ResponseMetadata"]["HTTPStatusCode"] == 200
    # The HTTP server's grace period is 5 s and the poll had ~19.5 s left: neither was waited.
    assert stopped_after < 3, stopped_after
