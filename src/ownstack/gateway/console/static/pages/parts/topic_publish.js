// A test publish to a topic: subject, message, message attributes, and for a FIFO topic the
// message group and deduplication ids.

import { messageAttributeParams } from "./query_maps.js";
import { messageAttributes } from "./queue_messages.js";

export function publishSection(ctx, arn, fifo) {
  const { ui, api, xml } = ctx;
  const fields = [
    { name: "subject", label: "Subject (optional)" },
    { name: "message", label: "Message", type: "textarea", required: true, placeholder: "Hello from the console" },
    { name: "attributes", label: 'Message attributes (JSON, e.g. {"kind": "test", "n": 1})', type: "textarea", rows: 2 },
  ];
  if (fifo) {
    fields.push({ name: "group", label: "Message group ID", value: "default" });
    fields.push({ name: "dedup", label: "Deduplication ID (optional with content-based deduplication)" });
  }
  const form = ui.form(
    fields,
    async (values) => {
      const params = { TopicArn: arn, Message: values.message, ...messageAttributeParams(messageAttributes(values.attributes)) };
      if (values.subject.trim()) params.Subject = values.subject.trim();
      if (fifo) {
        params.MessageGroupId = values.group.trim() || undefined;
        params.MessageDeduplicationId = values.dedup.trim() || undefined;
      }
      const doc = await api.query("sns", "Publish", params);
      ctx.notice(`Published message ${xml.text(doc, "MessageId")}.`);
    },
    { submit: "Publish", test: "publish" },
  );
  return ui.section("Publish a test message", form);
}
