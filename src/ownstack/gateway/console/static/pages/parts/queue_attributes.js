// A queue's attributes: shown (timestamps as dates, policies as JSON, the dead-letter queue as
// a link) and edited (only the attributes that changed are sent to SetQueueAttributes).

import { jsonBlock, lastPart, millis, prettyText } from "./common.js";

const TIMESTAMPS = ["CreatedTimestamp", "LastModifiedTimestamp"];
const DOCUMENTS = ["Policy", "RedrivePolicy", "RedriveAllowPolicy"];
const EDITABLE = [
  ["VisibilityTimeout", "Visibility timeout (s)", "number"],
  ["MessageRetentionPeriod", "Retention (s)", "number"],
  ["DelaySeconds", "Delivery delay (s)", "number"],
  ["ReceiveMessageWaitTimeSeconds", "Receive wait (s)", "number"],
  ["MaximumMessageSize", "Maximum message size (bytes)", "number"],
  ["RedrivePolicy", "Redrive policy (JSON; empty removes it)", "textarea"],
  ["RedriveAllowPolicy", "Redrive allow policy (JSON)", "textarea"],
  ["Policy", "Access policy (JSON; empty removes it)", "textarea"],
];

/** The URL of the queue an ARN names (arn:aws:sqs:REGION:ACCOUNT:NAME). */
export async function queueUrlOf(api, arn) {
  const [, , , , account, name] = arn.split(":");
  const out = await api.json("sqs", "GetQueueUrl", { QueueName: name, QueueOwnerAWSAccountId: account });
  return out.QueueUrl;
}

function shown(ui, name, value) {
  if (TIMESTAMPS.includes(name)) return millis(ui, Number(value) * 1000);
  if (name === "RedrivePolicy") {
    const target = parsed(value).deadLetterTargetArn;
    return [
      target ? ui.link(`dead-letter queue: ${lastPart(target)}`, "queues", { arn: target }, { "data-test": "dlq-link" }) : "",
      jsonBlock(ui, prettyText(value)),
    ];
  }
  if (DOCUMENTS.includes(name)) return jsonBlock(ui, prettyText(value));
  return value;
}

export function attributesSection(ctx, url, attrs) {
  const { ui } = ctx;
  const pairs = [["QueueUrl", url], ...Object.keys(attrs).sort().map((k) => [k, shown(ui, k, attrs[k])])];
  return ui.section("Attributes", ui.kv(pairs, { test: "queue-attributes" }));
}

export function editSection(ctx, url, attrs) {
  const { ui, api } = ctx;
  const fields = EDITABLE.map(([name, label, type]) => ({
    name, label, type, value: DOCUMENTS.includes(name) ? prettyText(attrs[name] || "") : attrs[name] ?? "",
  }));
  if (attrs.FifoQueue === "true") {
    fields.push({ name: "ContentBasedDeduplication", label: "Content-based deduplication", type: "checkbox", value: attrs.ContentBasedDeduplication === "true" });
  }
  const form = ui.form(
    fields,
    async (values) => {
      const changed = changedAttributes(values, attrs);
      if (!Object.keys(changed).length) return ctx.notice("Nothing changed.");
      await api.json("sqs", "SetQueueAttributes", { QueueUrl: url, Attributes: changed });
      ctx.notice(`Updated ${Object.keys(changed).join(", ")}.`);
      await ctx.refresh();
    },
    { submit: "Save attributes", test: "edit-attributes" },
  );
  return ui.section("Edit attributes", form);
}

function changedAttributes(values, attrs) {
  const changed = {};
  for (const [name, value] of Object.entries(values)) {
    if (typeof value === "boolean") {
      if (value !== (attrs[name] === "true")) changed[name] = String(value);
      continue;
    }
    const typed = value.trim();
    const before = DOCUMENTS.includes(name) ? compact(attrs[name] || "") : attrs[name] ?? "";
    const after = DOCUMENTS.includes(name) ? compact(typed) : typed;
    if (after !== before) changed[name] = after;
  }
  return changed;
}

function parsed(text) {
  try {
    return JSON.parse(text) || {};
  } catch {
    return {};
  }
}

/** A JSON document without its whitespace (a policy re-indented for editing is unchanged). */
function compact(text) {
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return text;
  }
}
