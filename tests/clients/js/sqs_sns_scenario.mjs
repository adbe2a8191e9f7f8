// Drives an ownstack server with the AWS SDK for JavaScript v3 (client-sqs, client-sns) and
// prints one JSON document of what it saw; tests/clients/test_js_sdk_sqs_sns.py runs it and
// asserts every field. client-sqs checks the MD5s of what it sends and receives itself: a
// wrong MD5OfMessageBody or MD5OfMessageAttributes fails the call.
// Env: OWNSTACK_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, STEM.
import {
  SQSClient,
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
  SendMessageBatchCommand,
  ReceiveMessageCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  GetQueueUrlCommand,
  SetQueueAttributesCommand,
} from "@aws-sdk/client-sqs";
import {
  SNSClient,
  CreateTopicCommand,
  SubscribeCommand,
  PublishCommand,
  DeleteTopicCommand,
} from "@aws-sdk/client-sns";

const env = process.env;
const common = {
  endpoint: env.OWNSTACK_ENDPOINT,
  region: env.AWS_REGION,
  maxAttempts: 1,
  credentials: {
    accessKeyId: env.AWS_ACCESS_KEY_ID,
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
  },
};
const sqs = new SQSClient(common);
const sns = new SNSClient(common);

async function receiveAll(QueueUrl, want) {
  const got = [];
  for (let i = 0; i < 10 && got.length < want; i++) {
    const r = await sqs.send(new ReceiveMessageCommand({
      QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2,
      MessageAttributeNames: ["All"], MessageSystemAttributeNames: ["All"],
    }));
    got.push(...(r.Messages ?? []));
  }
  return got;
}

async function main() {
  const seen = {};
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({
    QueueName: `js-${env.STEM}`, Attributes: { VisibilityTimeout: "40" },
  }));
  seen.queueUrlEnds = QueueUrl.endsWith(`/js-${env.STEM}`);

  const one = await sqs.send(new SendMessageCommand({
    QueueUrl, MessageBody: "héllo ✓",
    MessageAttributes: {
      text: { DataType: "String", StringValue: "v" },
      count: { DataType: "Number", StringValue: "42" },
      blob: { DataType: "Binary", BinaryValue: new Uint8Array([0, 1, 2, 255]) },
    },
  }));
  seen.sendHasId = typeof one.MessageId === "string" && one.MessageId.length > 0;
  const batch = await sqs.send(new SendMessageBatchCommand({
    QueueUrl,
    Entries: [
      { Id: "a", MessageBody: "first of batch" },
      { Id: "b", MessageBody: "second of batch", DelaySeconds: 0 },
    ],
  }));
  seen.batch = {
    ok: (batch.Successful ?? []).map((e) => e.Id).sort(),
    failed: (batch.Failed ?? []).length,
  };

  const got = await receiveAll(QueueUrl, 3);
  seen.bodies = got.map((m) => m.Body).sort();
  const withAttrs = got.find((m) => m.Body === "héllo ✓");
  seen.attributes = {
    text: withAttrs.MessageAttributes.text.StringValue,
    count: withAttrs.MessageAttributes.count.StringValue,
    blob: Array.from(withAttrs.MessageAttributes.blob.BinaryValue),
    receiveCount: withAttrs.Attributes.ApproximateReceiveCount,
  };
  const deleted = await sqs.send(new DeleteMessageBatchCommand({
    QueueUrl,
    Entries: got.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })),
  }));
  seen.deleted = (deleted.Successful ?? []).length;

  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({
    QueueUrl, AttributeNames: ["All"],
  }));
  seen.queueAttributes = {
    visibility: Attributes.VisibilityTimeout,
    visible: Attributes.ApproximateNumberOfMessages,
    inFlight: Attributes.ApproximateNumberOfMessagesNotVisible,
    arn: Attributes.QueueArn,
  };

  try {
    await sqs.send(new GetQueueUrlCommand({ QueueName: `missing-${env.STEM}` }));
    seen.missingQueue = "no error";
  } catch (err) {
    seen.missingQueue = { name: err.name, status: err.$metadata?.httpStatusCode };
  }

  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: `js-topic-${env.STEM}` }));
  // AWS delivers to a queue only when its policy lets SNS send for the topic.
  await sqs.send(new SetQueueAttributesCommand({
    QueueUrl,
    Attributes: {
      Policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{
          Effect: "Allow",
          Principal: { Service: "sns.amazonaws.com" },
          Action: "sqs:SendMessage",
          Resource: Attributes.QueueArn,
          Condition: { ArnEquals: { "aws:SourceArn": TopicArn } },
        }],
      }),
    },
  }));
  await sns.send(new SubscribeCommand({
    TopicArn, Protocol: "sqs", Endpoint: Attributes.QueueArn,
    Attributes: { RawMessageDelivery: "true" },
  }));
  const published = await sns.send(new PublishCommand({
    TopicArn, Message: "raw to the queue",
    MessageAttributes: { origin: { DataType: "String", StringValue: "js" } },
  }));
  seen.publishHasId = typeof published.MessageId === "string";
  const fanned = await receiveAll(QueueUrl, 1);
  seen.fanned = fanned.map((m) => ({
    body: m.Body,
    origin: m.MessageAttributes?.origin?.StringValue,
  }));

  await sns.send(new DeleteTopicCommand({ TopicArn }));
  await sqs.send(new DeleteQueueCommand({ QueueUrl }));
  console.log(JSON.stringify(seen));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
