// Dead-letter queue redrive: the queues that dead-letter into this one, StartMessageMoveTask
// back to them (or to a chosen queue), and the move tasks with their progress, refreshed while
// one runs, and cancellable.

import { lastPart, millis, output, rowsTable } from "./common.js";

const WATCH_MS = 1500;

async function sourcesOf(api, url) {
  const out = await api.json("sqs", "ListDeadLetterSourceQueues", { QueueUrl: url, MaxResults: 1000 });
  return out.queueUrls || [];
}

async function tasksOf(api, arn) {
  const out = await api.json("sqs", "ListMessageMoveTasks", { SourceArn: arn, MaxResults: 10 });
  return out.Results || [];
}

function tasksTable(ctx, tasks, reload) {
  const { ui, api } = ctx;
  return rowsTable(
    ui,
    [
      { label: "Status", render: (t) => ui.h("span", { "data-test": "task-status" }, t.Status) },
      { label: "Started", render: (t) => millis(ui, t.StartedTimestamp) },
      { label: "Moved", render: (t) => `${t.ApproximateNumberOfMessagesMoved ?? 0} of ${t.ApproximateNumberOfMessagesToMove ?? "?"}` },
      { label: "Destination", render: (t) => (t.DestinationArn ? lastPart(t.DestinationArn) : "original sources") },
      { label: "Rate", render: (t) => (t.MaxNumberOfMessagesPerSecond ? `${t.MaxNumberOfMessagesPerSecond}/s` : "") },
      { label: "Failure", render: (t) => t.FailureReason ?? "" },
      {
        label: "",
        render: (t) =>
          t.Status === "RUNNING" && t.TaskHandle
            ? ui.confirmButton("Cancel", async () => {
                await api.json("sqs", "CancelMessageMoveTask", { TaskHandle: t.TaskHandle });
                ctx.notice("Cancelled the move task.");
                await reload();
              }, { test: "cancel-task" })
            : "",
      },
    ],
    tasks,
    { empty: "No move task yet.", test: "move-tasks", rowTest: "task-row", nameOf: (t) => t.Status },
  );
}

function startForm(ctx, arn, sources, reload) {
  const { ui, api } = ctx;
  return ui.form(
    [
      {
        name: "destination", label: "Move messages to", type: "select", value: "",
        options: [["", "their source queues (as received)"], ...sources.map((u) => [u, lastPart(u)])],
      },
      { name: "rate", label: "Messages per second (optional)", type: "number", min: 1, max: 500 },
    ],
    async ({ destination, rate }) => {
      const request = { SourceArn: arn, MaxNumberOfMessagesPerSecond: rate ? Number(rate) : undefined };
      if (destination) {
        const out = await api.json("sqs", "GetQueueAttributes", { QueueUrl: destination, AttributeNames: ["QueueArn"] });
        request.DestinationArn = out.Attributes.QueueArn;
      }
      await api.json("sqs", "StartMessageMoveTask", request);
      ctx.notice("Started redriving the dead-letter queue.");
      await reload();
    },
    { submit: "Start redrive", test: "start-redrive" },
  );
}

export async function redriveSection(ctx, url, attrs) {
  const { ui, api } = ctx;
  const arn = attrs.QueueArn;
  const sources = await sourcesOf(api, url);
  const shown = output(ui, "move-tasks-output");
  let running = false;
  const reload = async () => {
    const tasks = await tasksOf(api, arn).catch(() => []);
    running = tasks.some((t) => t.Status === "RUNNING");
    shown.replaceChildren(tasksTable(ctx, tasks, reload));
  };
  await reload();
  ctx.every(WATCH_MS, () => (running ? reload() : undefined));
  const intro = sources.length
    ? ui.h("p", {}, "Dead-letter queue of: ", sources.flatMap((u, i) => [i ? ", " : "", ui.link(lastPart(u), "queues", { url: u }, { "data-test": "source-link" })]))
    : ui.h("p", { class: "hint" }, "No queue names this one as its dead-letter queue.");
  return ui.section("Dead-letter redrive", intro, sources.length ? startForm(ctx, arn, sources, reload) : null, shown);
}
