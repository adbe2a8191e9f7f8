// Events (EventBridge, JSON protocol): event buses (create, delete), a bus's rules (create
// with an event pattern or a schedule) and a test PutEvents; one rule: its pattern, enable /
// disable, its targets (add, remove), delete (parts/event_*.js).
// Routes: #/events, #/events?bus=BUS, #/events?bus=BUS&rule=RULE.

import { plural, rowsTable } from "./parts/common.js";
import { putEventsSection } from "./parts/event_put.js";
import { renderRule, rulesSection } from "./parts/event_rules.js";

export const title = "Events";

export async function render(root, ctx) {
  const { bus, rule } = ctx.params;
  if (bus && rule) return renderRule(root, ctx, bus, rule);
  if (bus) return renderBus(root, ctx, bus);
  return renderBuses(root, ctx);
}

async function listBuses(api) {
  const buses = [];
  let token;
  do {
    const out = await api.json("events", "ListEventBuses", { NextToken: token, Limit: 100 });
    buses.push(...(out.EventBuses || []));
    token = out.NextToken;
  } while (token && buses.length < 5000);
  return buses;
}

function busesTable(ctx, buses) {
  const { ui, api } = ctx;
  return rowsTable(
    ui,
    [
      { label: "Event bus", render: (b) => ui.link(b.Name, "events", { bus: b.Name }, { "data-test": "bus-link" }) },
      { label: "Description", render: (b) => b.Description || "" },
      { label: "Created", render: (b) => (b.CreationTime ? ui.when(b.CreationTime * 1000) : "") },
      { label: "ARN", render: (b) => ui.h("code", {}, b.Arn) },
      {
        label: "",
        render: (b) =>
          b.Name === "default"
            ? ""
            : ui.confirmButton("Delete", async () => {
                await api.json("events", "DeleteEventBus", { Name: b.Name });
                ctx.notice(`Deleted event bus ${b.Name}.`);
                await ctx.refresh();
              }, { test: "delete-bus" }),
      },
    ],
    buses,
    { empty: "No event buses.", test: "buses", rowTest: "bus-row", nameOf: (b) => b.Name },
  );
}

async function renderBuses(root, ctx) {
  const { ui, api } = ctx;
  const buses = await listBuses(api);
  const create = ui.form(
    [
      { name: "name", label: "Bus name", required: true, placeholder: "orders" },
      { name: "description", label: "Description (optional)" },
    ],
    async ({ name, description }) => {
      await api.json("events", "CreateEventBus", { Name: name.trim(), Description: description.trim() || undefined });
      await ctx.go("events", { bus: name.trim() });
      ctx.notice(`Created event bus ${name.trim()}.`);
    },
    { submit: "Create event bus", test: "create-bus" },
  );
  root.append(ui.section(plural(buses.length, "event bus", "event buses"), busesTable(ctx, buses)), ui.section("Create an event bus", create));
}

async function renderBus(root, ctx, bus) {
  const { ui } = ctx;
  root.append(
    ui.h("p", { class: "crumbs" }, ui.link("Event buses", "events"), " / ", bus),
    ui.h("h2", { "data-test": "bus-name" }, bus),
    ...(await rulesSection(ctx, bus)),
    putEventsSection(ctx, bus),
  );
}
