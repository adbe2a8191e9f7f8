// Logs (CloudWatch Logs, JSON protocol): log groups (create, delete, retention), a group's
// streams and a filter over all of them (FilterLogEvents), and one stream's events
// (GetLogEvents from the start, newer ones on demand or followed; or filtered by a pattern).
// Routes: #/logs, #/logs?group=G, #/logs?group=G&stream=S.

import { actions, millis, plural, rowsTable } from "./parts/common.js";
import { eventsSection, filterSection } from "./parts/log_events.js";

export const title = "Logs";

const RETENTION = ["", 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

export async function render(root, ctx) {
  const { group, stream } = ctx.params;
  if (group && stream) return renderStream(root, ctx, group, stream);
  if (group) return renderGroup(root, ctx, group);
  return renderGroups(root, ctx);
}

function crumbs(ctx, group, stream) {
  const { ui } = ctx;
  const parts = [ui.link("Log groups", "logs")];
  if (group) parts.push(" / ", stream ? ui.link(group, "logs", { group }) : group);
  if (stream) parts.push(" / ", stream);
  return ui.h("p", { class: "crumbs" }, parts);
}

// ----- log groups

async function listGroups(api, prefix) {
  const groups = [];
  let token;
  do {
    const out = await api.json("logs", "DescribeLogGroups", { logGroupNamePrefix: prefix || undefined, nextToken: token, limit: 50 });
    groups.push(...(out.logGroups || []));
    token = out.nextToken;
  } while (token && groups.length < 5000);
  return groups;
}

function groupsTable(ctx, groups) {
  const { ui, api } = ctx;
  return rowsTable(
    ui,
    [
      { label: "Log group", render: (g) => ui.link(g.logGroupName, "logs", { group: g.logGroupName }, { "data-test": "group-link" }) },
      { label: "Retention", render: (g) => (g.retentionInDays ? `${g.retentionInDays} days` : "never expires") },
      { label: "Stored", render: (g) => ui.bytes(g.storedBytes ?? 0) },
      { label: "Created", render: (g) => millis(ui, g.creationTime) },
      {
        label: "",
        render: (g) =>
          ui.confirmButton("Delete", async () => {
            await api.json("logs", "DeleteLogGroup", { logGroupName: g.logGroupName });
            ctx.notice(`Deleted log group ${g.logGroupName}.`);
            await ctx.refresh();
          }, { test: "delete-group" }),
      },
    ],
    groups,
    { empty: "No log groups.", test: "log-groups", rowTest: "group-row", nameOf: (g) => g.logGroupName },
  );
}

async function renderGroups(root, ctx) {
  const { ui, api } = ctx;
  const groups = await listGroups(api, ctx.params.prefix);
  const filter = ui.form(
    [{ name: "prefix", label: "Name prefix", value: ctx.params.prefix || "", placeholder: "/aws/lambda/" }],
    ({ prefix }) => ctx.go("logs", { prefix: prefix.trim() }),
    { submit: "Filter", test: "filter-groups" },
  );
  const create = ui.form(
    [{ name: "name", label: "Log group name", required: true, placeholder: "/my/app" }],
    async ({ name }) => {
      await api.json("logs", "CreateLogGroup", { logGroupName: name.trim() });
      await ctx.go("logs", { group: name.trim() });
      ctx.notice(`Created log group ${name.trim()}.`);
    },
    { submit: "Create log group", test: "create-group" },
  );
  root.append(ui.section(plural(groups.length, "log group"), filter, groupsTable(ctx, groups)), ui.section("Create a log group", create));
}

// ----- one group: its streams

function streamsTable(ctx, group, streams) {
  const { ui, api } = ctx;
  return rowsTable(
    ui,
    [
      { label: "Stream", render: (s) => ui.link(s.logStreamName, "logs", { group, stream: s.logStreamName }, { "data-test": "stream-link" }) },
      { label: "Last event", render: (s) => millis(ui, s.lastEventTimestamp) },
      { label: "First event", render: (s) => millis(ui, s.firstEventTimestamp) },
      { label: "Created", render: (s) => millis(ui, s.creationTime) },
      {
        label: "",
        render: (s) =>
          ui.confirmButton("Delete", async () => {
            await api.json("logs", "DeleteLogStream", { logGroupName: group, logStreamName: s.logStreamName });
            ctx.notice(`Deleted log stream ${s.logStreamName}.`);
            await ctx.refresh();
          }, { test: "delete-stream" }),
      },
    ],
    streams,
    { empty: "No streams in this group.", test: "log-streams", rowTest: "stream-row", nameOf: (s) => s.logStreamName },
  );
}

function retentionForm(ctx, group, days) {
  const { ui, api } = ctx;
  const options = RETENTION.map((d) => [String(d), d ? `${d} days` : "never expire"]);
  return ui.form(
    [{ name: "days", label: "Retention", type: "select", value: String(days || ""), options }],
    async ({ days: chosen }) => {
      if (chosen) await api.json("logs", "PutRetentionPolicy", { logGroupName: group, retentionInDays: Number(chosen) });
      else await api.json("logs", "DeleteRetentionPolicy", { logGroupName: group });
      await ctx.refresh();
      ctx.notice(chosen ? `Events now expire after ${chosen} days.` : "Events now never expire.");
    },
    { submit: "Set retention", test: "retention" },
  );
}

async function renderGroup(root, ctx, group) {
  const { ui, api } = ctx;
  const [found, out] = await Promise.all([
    listGroups(api, group),
    api.json("logs", "DescribeLogStreams", { logGroupName: group, orderBy: "LastEventTime", descending: true, limit: 50 }),
  ]);
  const info = found.find((g) => g.logGroupName === group) || {};
  const streams = out.logStreams || [];
  root.append(
    crumbs(ctx, group),
    ui.h("h2", { "data-test": "group-name" }, group),
    actions(
      ui,
      ui.confirmButton("Delete log group", async () => {
        await api.json("logs", "DeleteLogGroup", { logGroupName: group });
        await ctx.go("logs");
        ctx.notice(`Deleted log group ${group}.`);
      }, { test: "delete-group" }),
      ui.button("Reload", () => ctx.refresh(), { test: "reload" }),
    ),
    ui.section(`${plural(streams.length, "stream")}${out.nextToken ? " (the 50 most recent)" : ""}`, streamsTable(ctx, group, streams)),
    filterSection(ctx, group, null),
    ui.section("Settings", ui.kv([["ARN", info.arn || ""], ["Stored", ui.bytes(info.storedBytes ?? 0)]]), retentionForm(ctx, group, info.retentionInDays)),
  );
}

// ----- one stream: its events

async function renderStream(root, ctx, group, stream) {
  const { ui } = ctx;
  root.append(
    crumbs(ctx, group, stream),
    ui.h("h2", { "data-test": "stream-name" }, stream),
    await eventsSection(ctx, group, stream),
    filterSection(ctx, group, stream),
  );
}
