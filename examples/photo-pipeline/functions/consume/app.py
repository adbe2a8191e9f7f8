"""Consumes the `ready` queue (an SQS event source mapping with ReportBatchItemFailures): writes
a marker object per announced thumbnail; a photo whose name contains "bad" fails alone, so only
that message goes back to the queue (and, after its redrive policy, to the dead-letter queue)."""

import json

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    failures = []
    for message in event["Records"]:
        note = json.loads(json.loads(message["body"])["Message"])
        if "bad" in note["photo"]:
            failures.append({"itemIdentifier": message["messageId"]})
            continue
        s3.put_object(Bucket="photos", Key=f"done/{note['photo']}", Body=note["thumbnail"])
    return {"batchItemFailures": failures}
