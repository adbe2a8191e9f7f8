"""A small HTTP server on 127.0.0.1 that records the POSTs SNS makes to it (the endpoint of an
http subscription) and answers each with the next status it was told to use."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    def json(self) -> Any:
        return json.loads(self.body)


class HttpSink:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.statuses: dict[str, deque[int]] = {}
        """Per path, the statuses to answer with next (then 200)."""
        self._cond = threading.Condition()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                with sink._cond:
                    queued = sink.statuses.get(self.path)
                    status = queued.popleft() if queued else 200
                    sink.received.append(Received(self.path, headers, body, time.monotonic()))
                    sink._cond.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def wait_for(
        self, count: int, timeout: float = 10.0, path: str | None = None
    ) -> list[Received]:
        """The first `count` requests (to `path`, when given), waiting up to `timeout` s."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                got = [r for r in self.received if path is None or r.path == path]
                if len(got) >= count:
                    return got[:count]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(got)} requests to {path}, expected {count}")
                self._cond.wait(left)

    def answer(self, path: str, *statuses: int) -> None:
        """Answer the next requests to `path` with `statuses`, in order (then 200 again)."""
        with self._cond:
            self.statuses.setdefault(path, deque()).extend(statuses)

    def to(self, path: str) -> list[Received]:
        with self._cond:
            return [r for r in self.received if r.path == path]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def notifications(sink: HttpSink, path: str, count: int, timeout: float = 10.0) -> list[Received]:
    """The first `count` Notification POSTs to `path` (after its SubscriptionConfirmation)."""
    got = sink.wait_for(count + 1, timeout, path=path)[1:]
    assert all(r.headers["x-amz-sns-message-type"] == "Notification" for r in got)
    return got


def queue_arn(sqs: Any, name: str, **attributes: str) -> tuple[str, str]:
    """(queue URL, queue ARN) of a new SQS queue."""
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return url, attrs["QueueArn"]


def allow_topic(sqs: Any, url: str, queue: str, *topics: str) -> None:
    """Give the queue the policy AWS requires of every queue SNS delivers to (a subscribed
    queue, a subscription's dead-letter queue), even in the topic's own account: the service
    principal sns.amazonaws.com may send, for these topics (aws:SourceArn)."""
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "sns.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": queue,
        "Condition": {"ArnEquals": {"aws:SourceArn": list(topics)}},
    }
    policy = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})


def topic_queue(sqs: Any, name: str, topic: str, **attributes: str) -> tuple[str, str]:
    """(queue URL, queue ARN) of a new SQS queue `topic` may deliver to."""
    url, arn = queue_arn(sqs, name, **attributes)
    allow_topic(sqs, url, arn, topic)
    return url, arn


def envelope(message: dict[str, Any]) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(message["Body"])
    return parsed
