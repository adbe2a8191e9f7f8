"""DynamoDB and DynamoDB Streams (AWS JSON 1.0) on the meta port (items, indexes, stream
outbox) and the log port (stream records). See docs/dynamodb.md."""
