// Queues (SQS, JSON protocol): list and create (standard or FIFO, with attributes and a
// dead-letter queue); one queue's attributes (view, edit), send, peek, purge, delete, and the
// redrive of a dead-letter queue back to its sources (parts/queue_*.js).
// Routes: #/queues, #/queues?url=QUEUE_URL, #/queues?arn=QUEUE_ARN.

import { actions, lastPart, millis, plural, rowsTable } from "./parts/common.js";
import { attributesSection, editSection, queueUrlOf } from "./parts/queue_attributes.js";
import { peekSection, sendSection } from "./parts/queue_messages.js";
import { redriveSection } from "./parts/queue_redrive.js";

export const title = "Queues";

const LISTED = ["QueueArn", "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
  "ApproximateNumberOfMessagesDelayed", "CreatedTimestamp"];
// Counts are fetched per queue: only for the first ones of a long list.
const COUNTED = 50;

export async function render(root, ctx) {
  const { url, arn } = ctx.params;
  if (url) return renderQueue(root, ctx, url);
  if (arn) return renderQueue(root, ctx, await queueUrlOf(ctx.api, arn));
  return renderQueues(root, ctx);
}

// ----- all queues

async function listQueues(api, prefix) {
  const urls = [];
  let token;
  do {
    const out = await api.json("sqs", "ListQueues", { QueueNamePrefix: prefix || undefined, MaxResults: 1000, NextToken: token });
    urls.push(...(out.QueueUrls || []));
    token = out.NextToken;
  } while (token && urls.length < 5000);
  return urls;
}

async function queueRows(api, urls) {
  return Promise.all(
    urls.map(async (url, i) => {
      if (i >= COUNTED) return { url, attrs: {} };
      const out = await api
        .json("sqs", "GetQueueAttributes", { QueueUrl: url, AttributeNames: LISTED })
        .catch(() => ({}));
      return { url, attrs: out.Attributes || {} };
    }),
  );
}

function queuesTable(ctx, rows) {
  const { ui } = ctx;
  const count = (name) => (row) => row.attrs[name] ?? "";
  return rowsTable(
    ui,
    [
      { label: "Name", render: (r) => ui.link(lastPart(r.url), "queues", { url: r.url }, { "data-test": "queue-link" }) },
      { label: "Type", render: (r) => (r.url.endsWith(".fifo") ? "FIFO" : "Standard") },
      { label: "Available", render: count("ApproximateNumberOfMessages") },
      { label: "In flight", render: count("ApproximateNumberOfMessagesNotVisible") },
      { label: "Delayed", render: count("ApproximateNumberOfMessagesDelayed") },
      { label: "Created", render: (r) => millis(ui, r.attrs.CreatedTimestamp && r.attrs.CreatedTimestamp * 1000) },
    ],
    rows,
    { empty: "No queues yet: create one below.", test: "queues", rowTest: "queue-row", nameOf: (r) => lastPart(r.url) },
  );
}

function createAttributes(values) {
  const attributes = {};
  const numbers = ["VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds", "ReceiveMessageWaitTimeSeconds"];
  for (const name of numbers) if (values[name].trim()) attributes[name] = values[name].trim();
  if (values.type === "fifo") {
    attributes.FifoQueue = "true";
    if (values.ContentBasedDeduplication) attributes.ContentBasedDeduplication = "true";
  }
  if (values.dlq) {
    attributes.RedrivePolicy = JSON.stringify({
      deadLetterTargetArn: values.dlq,
      maxReceiveCount: Number(values.maxReceiveCount || 5),
    });
  }
  return attributes;
}

function createForm(ctx, rows) {
  const { ui, api } = ctx;
  const arns = rows.map((r) => r.attrs.QueueArn).filter(Boolean);
  return ui.form(
    [
      { name: "name", label: "Name", placeholder: "my-queue (a FIFO queue's name ends in .fifo)", required: true },
      { name: "type", label: "Type", type: "select", value: "standard", options: [["standard", "Standard"], ["fifo", "FIFO"]] },
      { name: "VisibilityTimeout", label: "Visibility timeout (s)", type: "number", placeholder: "30", min: 0, max: 43200 },
      { name: "MessageRetentionPeriod", label: "Retention (s)", type: "number", placeholder: "345600 (4 days)", min: 60, max: 1209600 },
      { name: "DelaySeconds", label: "Delivery delay (s)", type: "number", placeholder: "0", min: 0, max: 900 },
      { name: "ReceiveMessageWaitTimeSeconds", label: "Receive wait (s)", type: "number", placeholder: "0", min: 0, max: 20 },
      { name: "ContentBasedDeduplication", label: "Content-based deduplication (FIFO)", type: "checkbox" },
      { name: "dlq", label: "Dead-letter queue", type: "select", value: "", options: [["", "(none)"], ...arns.map((a) => [a, lastPart(a)])] },
      { name: "maxReceiveCount", label: "Receives before dead-lettering", type: "number", placeholder: "5", min: 1, max: 1000 },
    ],
    async (values) => {
      let name = values.name.trim();
      if (values.type === "fifo" && !name.endsWith(".fifo")) name += ".fifo";
      const out = await api.json("sqs", "CreateQueue", { QueueName: name, Attributes: createAttributes(values) });
      await ctx.go("queues", { url: out.QueueUrl });
      ctx.notice(`Created queue ${name}.`);
    },
    { submit: "Create queue", test: "create-queue" },
  );
}

async function renderQueues(root, ctx) {
  const { ui } = ctx;
  const rows = await queueRows(ctx.api, await listQueues(ctx.api, ctx.params.prefix));
  const filter = ui.form(
    [{ name: "prefix", label: "Name prefix", value: ctx.params.prefix || "" }],
    ({ prefix }) => ctx.go("queues", { prefix: prefix.trim() }),
    { submit: "Filter", test: "filter-queues" },
  );
  root.append(
    ui.section(plural(rows.length, "queue"), filter, queuesTable(ctx, rows)),
    ui.section("Create a queue", createForm(ctx, rows)),
  );
}

// ----- one queue

async function renderQueue(root, ctx, url) {
  const { ui, api } = ctx;
  const out = await api.json("sqs", "GetQueueAttributes", { QueueUrl: url, AttributeNames: ["All"] });
  const attrs = out.Attributes || {};
  const fifo = attrs.FifoQueue === "true";
  const name = lastPart(url);
  root.append(
    ui.h("p", { class: "crumbs" }, ui.link("Queues", "queues"), " / ", name),
    ui.h("h2", { "data-test": "queue-name" }, name, fifo ? " (FIFO)" : ""),
    actions(
      ui,
      ui.confirmButton("Purge", async () => {
        await api.json("sqs", "PurgeQueue", { QueueUrl: url });
        ctx.notice(`Purged ${name}: its messages are being deleted.`);
        await ctx.refresh();
      }, { test: "purge-queue" }),
      ui.confirmButton("Delete queue", async () => {
        await api.json("sqs", "DeleteQueue", { QueueUrl: url });
        await ctx.go("queues");
        ctx.notice(`Deleted queue ${name}.`);
      }, { test: "delete-queue" }),
      ui.button("Reload", () => ctx.refresh(), { test: "reload" }),
    ),
    peekSection(ctx, url),
    sendSection(ctx, url, fifo),
    attributesSection(ctx, url, attrs),
    await redriveSection(ctx, url, attrs),
    editSection(ctx, url, attrs),
  );
}
