#!/usr/bin/env bash
# Sets up the photo pipeline on an ownstack server with the aws CLI, as one would on AWS:
#
#   upload to s3://photos ──(S3 notification)──> thumbnail (Python) ──> DynamoDB `thumbnails`
#   `thumbnails` stream ──(event source mapping)──> announce (Node.js) ──> SNS `thumbnails-ready`
#   `thumbnails-ready` ──(subscription)──> SQS `ready` ──(mapping, partial batch failures)──>
#       consume (Python) ──> s3://photos/done/<photo>; failures ──(redrive)──> SQS `ready-dlq`
#   EventBridge Scheduler, every minute ──> cleanup (Python) ──> counter in `thumbnails`
#
# Needs: AWS_ENDPOINT_URL and credentials in the environment (eval "$(ownstack env)"), the aws
# CLI, zip. Usage: ./setup.sh
set -euo pipefail
cd "$(dirname "$0")"
: "${AWS_ENDPOINT_URL:?set it, e.g. eval \"\$(.venv/bin/ownstack env)\"}"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-${AWS_REGION:-us-east-1}}"
aws() { command aws --endpoint-url "$AWS_ENDPOINT_URL" --output text "$@"; }
build="$(mktemp -d)"
trap 'rm -rf "$build"' EXIT

account=$(aws sts get-caller-identity --query Account)

# One execution role for the functions and the schedule.
aws iam create-role --role-name photo-pipeline --query Role.Arn --assume-role-policy-document '{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
    "Principal": {"Service": ["lambda.amazonaws.com", "scheduler.amazonaws.com"]}}]}' >/dev/null
aws iam put-role-policy --role-name photo-pipeline --policy-name work --policy-document '{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": "arn:aws:s3:::photos/*"},
    {"Effect": "Allow", "Action": ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:GetRecords",
      "dynamodb:GetShardIterator", "dynamodb:DescribeStream", "dynamodb:ListStreams"], "Resource": "*"},
    {"Effect": "Allow", "Action": "sns:Publish", "Resource": "*"},
    {"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
      "sqs:ChangeMessageVisibility"], "Resource": "*"},
    {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*"}]}'
role="arn:aws:iam::${account}:role/photo-pipeline"

# Storage and messaging.
aws s3 mb s3://photos >/dev/null
stream=$(aws dynamodb create-table --table-name thumbnails \
  --attribute-definitions AttributeName=photo,AttributeType=S \
  --key-schema AttributeName=photo,KeyType=HASH --billing-mode PAY_PER_REQUEST \
  --stream-specification StreamEnabled=true,StreamViewType=NEW_IMAGE \
  --query TableDescription.LatestStreamArn)
topic=$(aws sns create-topic --name thumbnails-ready --query TopicArn)
dlq_url=$(aws sqs create-queue --queue-name ready-dlq --query QueueUrl)
dlq=$(aws sqs get-queue-attributes --queue-url "$dlq_url" --attribute-names QueueArn --query Attributes.QueueArn)
queue_url=$(aws sqs create-queue --queue-name ready --attributes \
  "{\"VisibilityTimeout\": \"5\", \"RedrivePolicy\": \"{\\\"deadLetterTargetArn\\\": \\\"$dlq\\\", \\\"maxReceiveCount\\\": \\\"2\\\"}\"}" \
  --query QueueUrl)
queue=$(aws sqs get-queue-attributes --queue-url "$queue_url" --attribute-names QueueArn --query Attributes.QueueArn)
aws sqs set-queue-attributes --queue-url "$queue_url" --attributes "{\"Policy\": \"{\\\"Version\\\": \\\"2012-10-17\\\", \\\"Statement\\\": [{\\\"Effect\\\": \\\"Allow\\\", \\\"Principal\\\": {\\\"Service\\\": \\\"sns.amazonaws.com\\\"}, \\\"Action\\\": \\\"sqs:SendMessage\\\", \\\"Resource\\\": \\\"$queue\\\", \\\"Condition\\\": {\\\"ArnEquals\\\": {\\\"aws:SourceArn\\\": \\\"$topic\\\"}}}]}\"}"
aws sns subscribe --topic-arn "$topic" --protocol sqs --notification-endpoint "$queue" >/dev/null

# The functions.
function_zip() { (cd "functions/$1" && zip -qr "$build/$1.zip" .); echo "fileb://$build/$1.zip"; }
create_function() {  # name runtime handler timeout [extra args...]
  local name=$1 runtime=$2 handler=$3 timeout=$4; shift 4
  aws lambda create-function --function-name "$name" --runtime "$runtime" --handler "$handler" \
    --role "$role" --timeout "$timeout" --zip-file "$(function_zip "$name")" "$@" >/dev/null
  aws lambda wait function-active-v2 --function-name "$name"
}
create_function thumbnail python3.12 app.handler 10
create_function announce nodejs20.x index.handler 10 --environment "Variables={TOPIC_ARN=$topic}"
create_function consume python3.12 app.handler 5  # within the queue's visibility timeout
create_function cleanup python3.12 app.handler 10

# The wiring.
aws lambda add-permission --function-name thumbnail --statement-id s3 --action lambda:InvokeFunction \
  --principal s3.amazonaws.com --source-arn arn:aws:s3:::photos --source-account "$account" >/dev/null
aws s3api put-bucket-notification-configuration --bucket photos --notification-configuration "{
  \"LambdaFunctionConfigurations\": [{\"Id\": \"thumbnails\",
    \"LambdaFunctionArn\": \"arn:aws:lambda:${AWS_DEFAULT_REGION}:${account}:function:thumbnail\",
    \"Events\": [\"s3:ObjectCreated:*\"],
    \"Filter\": {\"Key\": {\"FilterRules\": [{\"Name\": \"prefix\", \"Value\": \"uploads/\"}]}}}]}"
aws lambda create-event-source-mapping --function-name announce --event-source-arn "$stream" \
  --starting-position TRIM_HORIZON --batch-size 10 >/dev/null
aws lambda create-event-source-mapping --function-name consume --event-source-arn "$queue" \
  --batch-size 10 --function-response-types ReportBatchItemFailures >/dev/null
aws scheduler create-schedule --name cleanup --schedule-expression "rate(1 minute)" \
  --flexible-time-window Mode=OFF --target "{
    \"Arn\": \"arn:aws:lambda:${AWS_DEFAULT_REGION}:${account}:function:cleanup\",
    \"RoleArn\": \"$role\", \"Input\": \"{}\"}" >/dev/null
echo "photo pipeline ready: upload with  aws s3 cp photo.jpg s3://photos/uploads/photo.jpg"
