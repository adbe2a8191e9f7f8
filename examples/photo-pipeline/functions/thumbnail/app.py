"""Runs for each upload to the photos bucket (an S3 event notification): records a thumbnail
entry in the DynamoDB table `thumbnails`."""

import urllib.parse

import boto3

table = boto3.resource("dynamodb").Table("thumbnails")


def handler(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        table.put_item(
            Item={
                "photo": key,
                "bucket": bucket,
                "size": record["s3"]["object"]["size"],
                "thumbnail": f"thumbs/{key}.jpg",
            }
        )
    return {"recorded": len(event["Records"])}
