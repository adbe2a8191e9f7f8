// Letting a service deliver to a queue or a function, as AWS's console does when it wires a
// topic or a rule to one: SNS and EventBridge deliver as their service principal, so the
// queue's policy or the function's policy must allow it for the source (aws:SourceArn). And
// the queues and functions to suggest as targets.

import { lastPart } from "./common.js";
import { queueUrlOf } from "./queue_attributes.js";

// Suggested targets come from one GetQueueAttributes call per queue: the first ones only.
const SUGGESTED = 50;

async function queueArns(api) {
  const out = await api.json("sqs", "ListQueues", { MaxResults: SUGGESTED });
  const arns = await Promise.all(
    (out.QueueUrls || []).map((url) =>
      api.json("sqs", "GetQueueAttributes", { QueueUrl: url, AttributeNames: ["QueueArn"] }).then((a) => a.Attributes?.QueueArn),
    ),
  );
  return arns.filter(Boolean);
}

async function functionArns(api) {
  const out = await api.restJson("lambda", "GET", "/2015-03-31/functions", { query: { MaxItems: "50" } });
  return (out?.Functions || []).map((f) => f.FunctionArn);
}

/** Queue and function ARNs to suggest as a delivery target (none where listing is denied). */
export async function deliveryTargets(api) {
  const [queues, functions] = await Promise.all([queueArns(api).catch(() => []), functionArns(api).catch(() => [])]);
  return [...queues, ...functions];
}

/** A statement id made of the characters every policy accepts. */
export function statementId(prefix, sourceArn) {
  return `${prefix}-${lastPart(sourceArn)}`.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 100);
}

/** Add a statement to the queue's policy letting `principal` send for `sourceArn` (once). */
export async function allowQueue(api, queueArn, principal, sourceArn, sid) {
  const url = await queueUrlOf(api, queueArn);
  const out = await api.json("sqs", "GetQueueAttributes", { QueueUrl: url, AttributeNames: ["Policy"] });
  const policy = out.Attributes?.Policy ? JSON.parse(out.Attributes.Policy) : { Version: "2012-10-17" };
  const statements = [policy.Statement || []].flat();
  if (statements.some((s) => s.Sid === sid)) return;
  statements.push({
    Sid: sid,
    Effect: "Allow",
    Principal: { Service: principal },
    Action: "sqs:SendMessage",
    Resource: queueArn,
    Condition: { ArnEquals: { "aws:SourceArn": sourceArn } },
  });
  policy.Statement = statements;
  await api.json("sqs", "SetQueueAttributes", { QueueUrl: url, Attributes: { Policy: JSON.stringify(policy) } });
}

/** AddPermission on the function for `principal` and `sourceArn` (an existing one is fine). */
export async function allowFunction(api, functionArn, principal, sourceArn, sid) {
  const path = `/2015-03-31/functions/${encodeURIComponent(lastPart(functionArn))}/policy`;
  const body = { StatementId: sid, Action: "lambda:InvokeFunction", Principal: principal, SourceArn: sourceArn };
  await api.restJson("lambda", "POST", path, { body }).catch((err) => {
    if (err.code !== "ResourceConflictException") throw err;
  });
}
