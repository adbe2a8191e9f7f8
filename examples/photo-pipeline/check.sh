#!/usr/bin/env bash
# Drives the pipeline end to end and says what happened: two uploads, one of which the consumer
# refuses (its name contains "bad"). Exits non-zero if something did not arrive in time.
# Usage: ./check.sh   (after ./setup.sh, same environment)
set -euo pipefail
cd "$(dirname "$0")"
: "${AWS_ENDPOINT_URL:?set it, e.g. eval \"\$(.venv/bin/ownstack env)\"}"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-${AWS_REGION:-us-east-1}}"
aws() { command aws --endpoint-url "$AWS_ENDPOINT_URL" --output text "$@"; }
wait_for() {  # seconds description command...
  local seconds=$1 what=$2; shift 2
  for _ in $(seq "$((seconds * 2))"); do
    if "$@" >/dev/null 2>&1; then echo "ok: $what"; return 0; fi
    sleep 0.5
  done
  echo "FAILED: $what (nothing within ${seconds}s)" >&2
  return 1
}
has_record() { [ "$(aws dynamodb get-item --table-name thumbnails --key "{\"photo\": {\"S\": \"$1\"}}" --query Item.thumbnail.S)" = "thumbs/$1.jpg" ]; }
has_object() { aws s3api head-object --bucket photos --key "$1"; }
dlq_has_bad() {
  local url; url=$(aws sqs get-queue-url --queue-name ready-dlq --query QueueUrl)
  aws sqs receive-message --queue-url "$url" --wait-time-seconds 1 --query 'Messages[0].Body' | grep -q 'bad-cat.jpg'
}
cleanup_ran() { [ "$(aws dynamodb get-item --table-name thumbnails --key '{"photo": {"S": "_cleanup"}}' --query Item.runs.N)" -ge 1 ]; }

echo "a photo" > "${TMPDIR:-/tmp}/photo.jpg"
aws s3 cp "${TMPDIR:-/tmp}/photo.jpg" s3://photos/uploads/good-dog.jpg >/dev/null
aws s3 cp "${TMPDIR:-/tmp}/photo.jpg" s3://photos/uploads/bad-cat.jpg >/dev/null
wait_for 30 "S3 -> thumbnail: record for uploads/good-dog.jpg" has_record uploads/good-dog.jpg
wait_for 30 "stream -> announce -> SNS -> SQS -> consume: done/uploads/good-dog.jpg" has_object done/uploads/good-dog.jpg
wait_for 60 "partial batch failure -> redrive: bad-cat.jpg in ready-dlq" dlq_has_bad
if has_object done/uploads/bad-cat.jpg; then echo "FAILED: the refused photo was processed" >&2; exit 1; fi
wait_for "${CLEANUP_WAIT:-75}" "Scheduler -> cleanup ran" cleanup_ran
echo "pipeline works end to end"
