// A test PutEvents to a bus: source, detail type, detail (JSON), resources. PutEvents answers
// 200 even when an entry fails: the entry's own ErrorCode is shown as the error.

import { AwsError } from "../../js/api.js";
import { parseJson } from "./common.js";

export function putEventsSection(ctx, bus) {
  const { ui, api } = ctx;
  const form = ui.form(
    [
      { name: "source", label: "Source", required: true, value: "console.test" },
      { name: "detailType", label: "Detail type", required: true, value: "Console test" },
      { name: "detail", label: "Detail (JSON object)", type: "textarea", rows: 4, value: '{\n  "hello": "world"\n}' },
      { name: "resources", label: "Resources (ARNs, comma-separated, optional)" },
    ],
    async (values) => {
      const detail = parseJson(values.detail, "The detail") ?? {};
      const entry = {
        EventBusName: bus,
        Source: values.source.trim(),
        DetailType: values.detailType.trim(),
        Detail: JSON.stringify(detail),
        Resources: values.resources.split(",").map((r) => r.trim()).filter(Boolean),
      };
      const out = await api.json("events", "PutEvents", { Entries: [entry] });
      const [result] = out.Entries || [];
      if (out.FailedEntryCount || result?.ErrorCode) throw new AwsError(result?.ErrorCode || "Failed", result?.ErrorMessage || "", 200);
      ctx.notice(`Put event ${result?.EventId}.`);
    },
    { submit: "Put event", test: "put-events" },
  );
  return ui.section("Send a test event", form);
}
