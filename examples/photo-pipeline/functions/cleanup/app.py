"""Runs every minute (an EventBridge Scheduler schedule): counts the run in the table, so a
check can see the schedule firing."""

import time

import boto3

table = boto3.resource("dynamodb").Table("thumbnails")


def handler(event, context):
    table.update_item(
        Key={"photo": "_cleanup"},
        UpdateExpression="ADD runs :one SET last_run = :now",
        ExpressionAttributeValues={":one": 1, ":now": int(time.time())},
    )
    return {"cleaned": True}
