"""Topic names and the ARNs of topics, subscriptions and their endpoints."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import invalid_parameter

_TOPIC_NAME = re.compile(r"[A-Za-z0-9_-]{1,256}")
_FIFO_TOPIC_NAME = re.compile(r"[A-Za-z0-9_-]{1,251}\.fifo")
_TOPIC_ARN = re.compile(r"arn:aws:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_.-]{1,256})")
_SQS_ARN = re.compile(r"arn:aws:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]{1,80}")
_LAMBDA_ARN = re.compile(r"arn:aws:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:.+)?")


@dataclass(frozen=True, slots=True)
class TopicArn:
    arn: str
    region: str
    account_id: str
    name: str


def check_topic_name(name: str, fifo: bool) -> None:
    if fifo:
        if not _FIFO_TOPIC_NAME.fullmatch(name):
            raise invalid_parameter(
                "Invalid parameter: Fifo Topic names must end with .fifo and must be made up of "
                "only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, "
                "and must be between 1 and 256 characters long."
            )
        return
    if not _TOPIC_NAME.fullmatch(name):
        raise invalid_parameter("Invalid parameter: Topic Name")


def topic_arn(region: str, account_id: str, name: str) -> str:
    return f"arn:aws:sns:{region}:{account_id}:{name}"


def parse_topic_arn(arn: str, parameter: str = "TopicArn") -> TopicArn:
    match = _TOPIC_ARN.fullmatch(arn)
    if match is None:
        elements = len(arn.split(":"))
        if elements < 6:  # AWS says why when the ARN is too short to be one
            raise invalid_parameter(
                f"Invalid parameter: {parameter} Reason: An ARN must have at least 6 elements, "
                f"not {elements}"
            )
        raise invalid_parameter(f"Invalid parameter: {parameter}")
    return TopicArn(arn, match.group(1), match.group(2), match.group(3))


def topic_of_subscription(arn: str) -> str | None:
    """The topic ARN a subscription ARN (topic ARN + ":" + uuid) belongs to."""
    topic, sep, sub_id = arn.rpartition(":")
    if not sep or not sub_id or _TOPIC_ARN.fullmatch(topic) is None:
        return None
    return topic


def account_prefix(region: str, account_id: str) -> str:
    """What every topic and subscription ARN of this account and region begins with."""
    return f"arn:aws:sns:{region}:{account_id}:"


def is_sqs_arn(arn: str) -> bool:
    return _SQS_ARN.fullmatch(arn) is not None


def is_lambda_arn(arn: str) -> bool:
    return _LAMBDA_ARN.fullmatch(arn) is not None
