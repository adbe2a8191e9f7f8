"""Microseconds per policy evaluate() call, warm: a user with five attached policies (one with
conditions and a policy variable) reading an object from a bucket that has a bucket policy.
Also the two ends the gateway sees: cold (the first request after a policy change: the six
policies compiled again, then evaluated) and cached (a repeated request, answered by the
gateway's DecisionCache).

    .venv/bin/python -m benchmarks.micro_policy [iterations]
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any

from ownstack.core.context import USER, Principal
from ownstack.gateway.decisions import DecisionCache
from ownstack.policy import AccessRequest, Decision, Policy, evaluate, parse_policy

ACCOUNT = "111122223333"
BUCKET = "arn:aws:s3:::reports"


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def attached() -> list[Policy]:
    texts = [
        _doc({"Effect": "Allow", "Action": ["sqs:*", "sns:Publish"], "Resource": "*"}),
        _doc(
            {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"},
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET},
        ),
        _doc(
            {
                "Sid": "OwnFolder",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": f"{BUCKET}/home/${{aws:username}}/*",
                "Condition": {
                    "Bool": {"aws:SecureTransport": "true"},
                    "IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.0.2.0/24"]},
                    "StringEquals": {"aws:PrincipalTag/team": "data"},
                },
            }
        ),
        _doc({"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}),
        _doc({"Effect": "Allow", "Action": ["dynamodb:Get*", "dynamodb:Query"], "Resource": "*"}),
    ]
    return [parse_policy(text, "identity", f"policy-{i}") for i, text in enumerate(texts)]


def bucket_policy() -> Policy:
    text = _doc(
        {
            "Sid": "DenyInsecure",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [BUCKET, f"{BUCKET}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        {
            "Sid": "Partner",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
            "Action": "s3:GetObject",
            "Resource": f"{BUCKET}/shared/*",
        },
    )
    return parse_policy(text, "resource", "bucket-policy")


def measure(label: str, call: Callable[[], Decision], iterations: int) -> None:
    for _ in range(1000):
        call()
    start = time.perf_counter()
    for _ in range(iterations):
        call()
    per_call = (time.perf_counter() - start) / iterations * 1e6
    print(f"{label:<44} {per_call:7.2f} µs/evaluate  allowed={call().allowed}")


def main() -> None:
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    bob = Principal(ACCOUNT, f"arn:aws:iam::{ACCOUNT}:user/bob", "AIDABOB", "AKIABOB", USER, "bob")
    context = {
        "aws:securetransport": ["true"],
        "aws:sourceip": ["10.1.2.3"],
        "aws:principaltag/team": ["data"],
    }
    identity, resource = attached(), bucket_policy()

    def run(action: str, key: str) -> Callable[[], Decision]:
        request = AccessRequest(bob, action, f"{BUCKET}/{key}", context)
        return lambda: evaluate(
            request, identity=identity, resource_policy=resource, resource_account=ACCOUNT
        )

    measure(
        "GetObject, allowed (conditions + variable)", run("s3:GetObject", "home/bob/a"), iterations
    )
    measure(
        "GetObject, implicit deny (other folder)", run("s3:GetObject", "home/eve/a"), iterations
    )
    measure("sqs:SendMessage, allowed (wildcard action)", run("sqs:SendMessage", "x"), iterations)
    measure("s3:DeleteBucket, explicit deny", run("s3:DeleteBucket", ""), iterations)
    get = AccessRequest(bob, "s3:GetObject", f"{BUCKET}/home/bob/a", context)

    def cold() -> Decision:
        return evaluate(
            get, identity=attached(), resource_policy=bucket_policy(), resource_account=ACCOUNT
        )

    measure("cold: compile six policies, then evaluate", cold, max(iterations // 50, 100))
    cache, policies = DecisionCache(), tuple(identity)

    def cached() -> Decision:
        return cache.decide(
            get,
            identity=policies,
            boundary=None,
            session=None,
            resource_policy=resource,
            resource_account=ACCOUNT,
        )

    measure("cached: the gateway's decision cache", cached, iterations)


if __name__ == "__main__":
    main()
