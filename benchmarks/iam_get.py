"""1 KiB GET as an IAM user against the same GET as root, same server, same run.

The user has five attached managed policies (one with conditions) and the bucket a policy, so
every request of the user's pays the whole authorisation: its key's lookup, its compiled
policies (cached), the bucket's policy (cached by text) and the evaluator. Root's requests pay
only the bucket policy's check (an explicit deny there would stop root too). Measured in
alternation, twice each, so a drift of the machine does not favour either side.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from benchmarks.load import WrkResult
from benchmarks.presign import Presigner, botocore_client
from benchmarks.procs import REGION, running, start_ownstack
from benchmarks.report import Check, ScenarioResult, ratio
from benchmarks.small_get import measure
from benchmarks.targets import BUCKET, make_bucket, presigner

KEY = "small/1k.bin"
USER = "bench-reader"
ROUNDS = 2


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _policies() -> list[str]:
    """Five customer managed policies; the fourth has conditions, only one allows the GET."""
    bucket_arn = f"arn:aws:s3:::{BUCKET}"
    return [
        _doc({"Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:Receive*"], "Resource": "*"}),
        _doc({"Effect": "Allow", "Action": "sns:Publish", "Resource": "arn:aws:sns:*:*:alerts"}),
        _doc({"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": bucket_arn}),
        _doc(
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:ListBucket"],
                "Resource": [bucket_arn, f"{bucket_arn}/*"],
                "Condition": {
                    "IpAddress": {"aws:SourceIp": ["127.0.0.0/8", "::1/128"]},
                    "StringEqualsIfExists": {"aws:RequestedRegion": REGION},
                },
            }
        ),
        _doc({"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}),
    ]


def _bucket_policy(account: str) -> str:
    return _doc(
        {
            "Sid": "OwnAccountOnly",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
            "Condition": {"StringNotEquals": {"aws:PrincipalAccount": account}},
        }
    )


def _client(service: str, endpoint: str, keys: tuple[str, str]) -> Any:
    import boto3

    return boto3.session.Session().client(
        service,
        endpoint_url=endpoint,
        aws_access_key_id=keys[0],
        aws_secret_access_key=keys[1],
        region_name=REGION,
    )


def _make_user(endpoint: str, root: tuple[str, str]) -> tuple[str, str]:
    iam = _client("iam", endpoint, root)
    account = iam.get_user()["User"]["Arn"].split(":")[4]
    iam.create_user(UserName=USER)
    for index, text in enumerate(_policies()):
        arn = iam.create_policy(PolicyName=f"bench-{index}", PolicyDocument=text)["Policy"]["Arn"]
        iam.attach_user_policy(UserName=USER, PolicyArn=arn)
    key = iam.create_access_key(UserName=USER)["AccessKey"]
    s3 = botocore_client(endpoint, *root, REGION)
    s3.put_bucket_policy(Bucket=BUCKET, Policy=_bucket_policy(account))
    return key["AccessKeyId"], key["SecretAccessKey"]


def run(workdir: Path, small_file: Path, seconds: float) -> ScenarioResult:
    rates: dict[str, list[WrkResult]] = {"root": [], "user": []}
    with running(start_ownstack(workdir, workdir / "iam-get-data")) as server:
        make_bucket(server, {KEY: small_file.read_bytes()})
        root_signer = presigner(server)
        user_key = _make_user(server.endpoint, (root_signer.access_key, root_signer.secret_key))
        user_signer = Presigner(*user_key, REGION, f"127.0.0.1:{server.port}")
        targets = {
            "root": root_signer.path("GET", BUCKET, KEY),
            "user": user_signer.path("GET", BUCKET, KEY),
        }
        for _ in range(ROUNDS):
            for who, target in targets.items():
                rates[who].append(measure(server.endpoint, target, seconds, f"GET as {who}"))
    result = ScenarioResult("1 KiB GET as an IAM user (5 policies + bucket policy) vs root")
    best = {who: max(r.ok_per_s for r in runs) for who, runs in rates.items()}
    for who in ("root", "user"):
        result.measures[f"{who} req/s"] = best[who]
        result.measures[f"{who} p99 ms"] = min(r.p99_ms for r in rates[who])
    result.checks.append(
        Check("user / root", ratio(100 * best["user"], best["root"]), 90, unit="%")
    )
    return result
