"""What `aws logs tail GROUP [--follow] [--since S] [--filter-pattern P]` (AWS CLI v2,
awscli/customizations/logs/tail.py) asks CloudWatch Logs, for tests: the CLI 1.x this project
pins has no `logs tail`. It pages FilterLogEvents (interleaved=True, startTime) to the end; with
--follow it then polls again from the newest timestamp seen, skipping the event ids it already
printed at that timestamp, until it is killed. Each event is printed as
`<ISO time> <stream> <message>`, as the CLI's detailed format does.

    python tail_client.py ENDPOINT GROUP SINCE_MS [--follow] [--filter-pattern P]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.config import Config

POLL_S = 0.3
"""The CLI polls every 5 s; tests need not wait that long."""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("endpoint")
    parser.add_argument("group")
    parser.add_argument("since", type=int)
    parser.add_argument("--follow", action="store_true")
    parser.add_argument("--filter-pattern")
    args = parser.parse_args()
    client = boto3.client(
        "logs", endpoint_url=args.endpoint, config=Config(retries={"max_attempts": 1})
    )
    kwargs: dict[str, Any] = {
        "logGroupName": args.group,
        "interleaved": True,
        "startTime": args.since,
    }
    if args.filter_pattern is not None:
        kwargs["filterPattern"] = args.filter_pattern
    if args.follow:
        follow(client, kwargs)
    else:
        for page in client.get_paginator("filter_log_events").paginate(**kwargs):
            for event in page["events"]:
                show(event)


def follow(client: Any, kwargs: dict[str, Any]) -> None:
    seen: dict[int, set[str]] = defaultdict(set)
    while True:
        response = client.filter_log_events(**kwargs)
        for event in response["events"]:
            if event["eventId"] not in seen[event["timestamp"]]:
                seen[event["timestamp"]].add(event["eventId"])
                show(event)
        if seen:
            newest = max(seen)
            seen = defaultdict(set, {newest: seen[newest]})
        if "nextToken" in response:
            kwargs["nextToken"] = response["nextToken"]
            continue
        if seen:
            kwargs["startTime"] = max(seen)
        kwargs.pop("nextToken", None)
        time.sleep(POLL_S)


def show(event: dict[str, Any]) -> None:
    moment = datetime.fromtimestamp(event["timestamp"] / 1000, UTC).isoformat(
        timespec="milliseconds"
    )
    print(f"{moment} {event['logStreamName']} {event['message']}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
