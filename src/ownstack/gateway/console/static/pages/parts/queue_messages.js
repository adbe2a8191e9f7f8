// A queue's messages: send one (body, message attributes, FIFO group and deduplication ids),
// and peek: ReceiveMessage with VisibilityTimeout=0, so what is shown stays available to
// consumers (each peek still counts as a receive, as it does in AWS's own console).

import { jsonBlock, millis, output, parseJson, plural, rowsTable } from "./common.js";

/** {"name": "text" | number | {DataType, StringValue|BinaryValue}} -> SQS MessageAttributes. */
export function messageAttributes(text) {
  const given = parseJson(text, "Message attributes");
  if (given === undefined) return undefined;
  if (typeof given !== "object" || Array.isArray(given) || given === null) {
    throw new Error('Message attributes must be a JSON object: {"name": "value", ...}');
  }
  const out = {};
  for (const [name, value] of Object.entries(given)) {
    if (typeof value === "number") out[name] = { DataType: "Number", StringValue: String(value) };
    else if (typeof value === "object" && value !== null) out[name] = value;
    else out[name] = { DataType: "String", StringValue: String(value) };
  }
  return out;
}

export function sendSection(ctx, url, fifo) {
  const { ui, api } = ctx;
  const fields = [
    { name: "body", label: "Body", type: "textarea", required: true, placeholder: "Hello from the console" },
    { name: "attributes", label: 'Message attributes (JSON, e.g. {"kind": "test", "n": 1})', type: "textarea", rows: 2 },
  ];
  if (fifo) {
    fields.push({ name: "group", label: "Message group ID", value: "default" });
    fields.push({ name: "dedup", label: "Deduplication ID (optional with content-based deduplication)" });
  } else {
    fields.push({ name: "delay", label: "Delay (s)", type: "number", placeholder: "queue default", min: 0, max: 900 });
  }
  const form = ui.form(
    fields,
    async (values) => {
      const request = { QueueUrl: url, MessageBody: values.body, MessageAttributes: messageAttributes(values.attributes) };
      if (fifo) {
        request.MessageGroupId = values.group.trim() || undefined;
        request.MessageDeduplicationId = values.dedup.trim() || undefined;
      } else if (values.delay.trim()) {
        request.DelaySeconds = Number(values.delay);
      }
      const out = await api.json("sqs", "SendMessage", request);
      ctx.notice(`Sent message ${out.MessageId}.`);
    },
    { submit: "Send message", test: "send-message" },
  );
  return ui.section("Send a message", form);
}

function attributeText(attrs) {
  return Object.entries(attrs || {}).map(([k, v]) => `${k}=${v.StringValue ?? v.BinaryValue ?? ""}`).join(", ");
}

function messagesTable(ctx, url, messages) {
  const { ui, api } = ctx;
  return rowsTable(
    ui,
    [
      { label: "Message ID", render: (m) => ui.h("code", {}, m.MessageId) },
      { label: "Body", render: (m) => jsonBlock(ui, m.Body, "message-body") },
      { label: "Receives", render: (m) => m.Attributes?.ApproximateReceiveCount ?? "" },
      { label: "Sent", render: (m) => millis(ui, m.Attributes?.SentTimestamp) },
      { label: "Group", render: (m) => m.Attributes?.MessageGroupId ?? "" },
      { label: "Message attributes", render: (m) => attributeText(m.MessageAttributes) },
      {
        label: "",
        render: (m) => {
          const remove = ui.confirmButton("Delete", async () => {
            await api.json("sqs", "DeleteMessage", { QueueUrl: url, ReceiptHandle: m.ReceiptHandle });
            remove.closest("tr")?.remove();
            ctx.notice(`Deleted message ${m.MessageId}.`);
          }, { test: "delete-message" });
          return remove;
        },
      },
    ],
    messages,
    { empty: "No message is available right now.", test: "messages", rowTest: "message-row", nameOf: (m) => m.MessageId },
  );
}

export function peekSection(ctx, url) {
  const { ui, api } = ctx;
  const shown = output(ui, "peek-output");
  const peek = async () => {
    const out = await api.json("sqs", "ReceiveMessage", {
      QueueUrl: url,
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 0,
      WaitTimeSeconds: 0,
      MessageSystemAttributeNames: ["All"],
      MessageAttributeNames: ["All"],
    });
    const messages = out.Messages || [];
    shown.replaceChildren(ui.h("p", {}, `${plural(messages.length, "message")} received at ${new Date().toLocaleTimeString()}.`), messagesTable(ctx, url, messages));
  };
  return ui.section(
    "Peek",
    ui.h("p", { class: "hint" }, "Receives up to 10 messages with a visibility timeout of 0: they stay available, but each peek counts as a receive (towards a redrive policy's maximum too)."),
    ui.button("Peek messages", peek, { test: "peek", kind: "primary" }),
    shown,
  );
}
