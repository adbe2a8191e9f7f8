// Log events: one stream's events from its start (GetLogEvents; newer ones on demand, or
// followed every few seconds), and a pattern filter over a group or one stream
// (FilterLogEvents, CloudWatch Logs' filter pattern syntax).

import { millis, output, plural, rowsTable } from "./common.js";

const PAGE = 500;
const FOLLOW_MS = 2000;

function eventsTable(ctx, events, { withStream = false } = {}) {
  const { ui } = ctx;
  const columns = [
    { label: "Time", render: (e) => millis(ui, e.timestamp) },
    ...(withStream ? [{ label: "Stream", render: (e) => e.logStreamName }] : []),
    { label: "Message", render: (e) => ui.h("pre", { class: "json", "data-test": "event-message" }, e.message.replace(/\n$/, "")) },
  ];
  return rowsTable(ui, columns, events, { empty: "No events.", test: "log-events", rowTest: "event-row", nameOf: (e) => String(e.timestamp) });
}

export async function eventsSection(ctx, group, stream) {
  const { ui, api } = ctx;
  const shown = output(ui, "events-output");
  const summary = ui.h("p", { class: "hint", "data-test": "events-summary" });
  let events = [];
  let token;
  let following = false;
  const fetchNewer = async () => {
    const out = await api.json("logs", "GetLogEvents", { logGroupName: group, logStreamName: stream, startFromHead: true, limit: PAGE, nextToken: token });
    const fresh = out.events || [];
    token = out.nextForwardToken || token;
    if (fresh.length || !events.length) {
      events = [...events, ...fresh];
      shown.replaceChildren(eventsTable(ctx, events));
    }
    summary.textContent = `${plural(events.length, "event")}${following ? ", following" : ""}.`;
    return fresh.length;
  };
  await fetchNewer();
  const follow = ui.button("Follow", async () => {
    if (following) return;
    following = true;
    follow.textContent = "Following…";
    ctx.every(FOLLOW_MS, fetchNewer);
    await fetchNewer();
  }, { test: "follow" });
  const newer = ui.button("Load newer", fetchNewer, { test: "load-newer" });
  return ui.section("Events", summary, ui.h("p", { class: "actions" }, newer, follow), shown);
}

export function filterSection(ctx, group, stream) {
  const { ui, api } = ctx;
  const shown = output(ui, "filter-output");
  const form = ui.form(
    [
      { name: "pattern", label: 'Filter pattern (e.g. ERROR, "exact phrase", { $.level = "error" })', value: ctx.params.pattern || "" },
      { name: "minutes", label: "Within the last (minutes, empty: all)", type: "number", min: 1 },
    ],
    async ({ pattern, minutes }) => {
      const request = { logGroupName: group, filterPattern: pattern, limit: 100 };
      if (stream) request.logStreamNames = [stream];
      if (minutes) request.startTime = Date.now() - Number(minutes) * 60_000;
      const out = await api.json("logs", "FilterLogEvents", request);
      const events = out.events || [];
      const more = out.nextToken ? " (the first 100)" : "";
      shown.replaceChildren(ui.h("p", { class: "hint" }, `${plural(events.length, "matching event")}${more}.`), eventsTable(ctx, events, { withStream: !stream }));
    },
    { submit: "Filter", test: "filter-events" },
  );
  return ui.section(stream ? "Filter this stream" : "Filter the group's events", form, shown);
}
