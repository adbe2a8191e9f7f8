"""Fixtures the SNS end-to-end tests share: boto3 clients for the session's real server, fresh
topic names, and an HTTP endpoint that records what SNS POSTs to it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from snskit import HttpSink, unique


@pytest.fixture
def sns(server: Any) -> Any:
    return server.client("sns")


@pytest.fixture
def sqs(server: Any) -> Any:
    return server.client("sqs")


@pytest.fixture(scope="session")
def sink() -> Iterator[HttpSink]:
    server = HttpSink()
    yield server
    server.close()


@pytest.fixture
def topic(sns: Any) -> Callable[..., str]:
    """make(name=None, **create_topic kwargs) -> the ARN of a new topic."""

    def make(name: str | None = None, **kw: Any) -> str:
        arn: str = sns.create_topic(Name=name or unique(), **kw)["TopicArn"]
        return arn

    return make


@pytest.fixture
def confirmed_http(sns: Any, sink: HttpSink) -> Callable[..., tuple[str, str]]:
    """subscribe(topic_arn, **attributes) -> (subscription ARN, endpoint path): an http
    subscription to the sink, confirmed with the token SNS POSTed to it."""

    def subscribe(topic_arn: str, **attributes: str) -> tuple[str, str]:
        path = "/" + unique("ep")
        sns.subscribe(
            TopicArn=topic_arn, Protocol="http", Endpoint=sink.url + path, Attributes=attributes
        )
        (confirmation,) = sink.wait_for(1, path=path)
        token = confirmation.json()["Token"]
        arn: str = sns.confirm_subscription(TopicArn=topic_arn, Token=token)["SubscriptionArn"]
        return arn, path

    return subscribe
