// EventBridge rules: a bus's rules (create with an event pattern or a schedule expression) and
// one rule: its pattern (and a test of an event against it), enable / disable, its targets
// (add one, optionally letting EventBridge deliver to a queue or function; remove), delete.

import { AwsError } from "../../js/api.js";
import { actions, jsonBlock, parseJson, plural, pretty, prettyText, rowsTable, suggest } from "./common.js";
import { allowFunction, allowQueue, deliveryTargets, statementId } from "./grants.js";

const EVENTS = "events.amazonaws.com";
const EXAMPLE_PATTERN = { source: ["console.test"] };

async function listRules(api, bus) {
  const rules = [];
  let token;
  do {
    const out = await api.json("events", "ListRules", { EventBusName: bus, NextToken: token, Limit: 100 });
    rules.push(...(out.Rules || []));
    token = out.NextToken;
  } while (token && rules.length < 5000);
  return rules;
}

function createForm(ctx, bus) {
  const { ui, api } = ctx;
  return ui.form(
    [
      { name: "name", label: "Rule name", required: true, placeholder: "my-rule" },
      { name: "pattern", label: "Event pattern (JSON; or leave empty and give a schedule)", type: "textarea", rows: 4, value: pretty(EXAMPLE_PATTERN) },
      { name: "schedule", label: "Schedule expression (default bus only)", placeholder: "rate(5 minutes)" },
      { name: "state", label: "State", type: "select", value: "ENABLED", options: ["ENABLED", "DISABLED"] },
      { name: "description", label: "Description (optional)" },
    ],
    async (values) => {
      const pattern = parseJson(values.pattern, "The event pattern");
      const request = {
        Name: values.name.trim(),
        EventBusName: bus,
        State: values.state,
        EventPattern: pattern === undefined ? undefined : JSON.stringify(pattern),
        ScheduleExpression: values.schedule.trim() || undefined,
        Description: values.description.trim() || undefined,
      };
      await api.json("events", "PutRule", request);
      await ctx.go("events", { bus, rule: request.Name });
      ctx.notice(`Created rule ${request.Name}.`);
    },
    { submit: "Create rule", test: "create-rule" },
  );
}

export async function rulesSection(ctx, bus) {
  const { ui } = ctx;
  const rules = await listRules(ctx.api, bus);
  const table = rowsTable(
    ui,
    [
      { label: "Rule", render: (r) => ui.link(r.Name, "events", { bus, rule: r.Name }, { "data-test": "rule-link" }) },
      { label: "State", render: (r) => r.State },
      { label: "Matches", render: (r) => ui.h("code", {}, r.ScheduleExpression || r.EventPattern || "") },
      { label: "Description", render: (r) => r.Description || "" },
    ],
    rules,
    { empty: "No rules on this bus.", test: "rules", rowTest: "rule-row", nameOf: (r) => r.Name },
  );
  return [ui.section(plural(rules.length, "rule"), table), ui.section("Create a rule", createForm(ctx, bus))];
}

// ----- one rule

function failed(out) {
  const [entry] = out.FailedEntries || [];
  return out.FailedEntryCount ? new AwsError(entry?.ErrorCode || "Failed", entry?.ErrorMessage || "", 200) : null;
}

function targetsTable(ctx, bus, rule, targets) {
  const { ui, api } = ctx;
  return rowsTable(
    ui,
    [
      { label: "Id", render: (t) => t.Id },
      { label: "Target", render: (t) => ui.h("code", {}, t.Arn) },
      { label: "Input", render: (t) => (t.Input ? jsonBlock(ui, prettyText(t.Input)) : t.InputPath || (t.InputTransformer ? "transformed" : "the event")) },
      {
        label: "",
        render: (t) =>
          ui.confirmButton("Remove", async () => {
            const out = await api.json("events", "RemoveTargets", { Rule: rule, EventBusName: bus, Ids: [t.Id] });
            const error = failed(out);
            if (error) throw error;
            await ctx.refresh();
            ctx.notice(`Removed target ${t.Id}.`);
          }, { test: "remove-target" }),
      },
    ],
    targets,
    { empty: "No targets: events this rule matches go nowhere.", test: "targets", rowTest: "target-row", nameOf: (t) => t.Id },
  );
}

async function addTargetForm(ctx, bus, described, targets) {
  const { ui, api } = ctx;
  const form = ui.form(
    [
      { name: "arn", label: "Target ARN (queue, topic, function, bus…)", required: true, placeholder: "arn:aws:sqs:…" },
      { name: "id", label: "Target id", value: `target-${targets.length + 1}` },
      { name: "input", label: "Constant input (JSON, optional: default the matched event)", type: "textarea", rows: 2 },
      { name: "allow", label: "Allow EventBridge to deliver (queue policy / function permission)", type: "checkbox", value: true },
    ],
    async (values) => {
      const arn = values.arn.trim();
      const sid = statementId("rule", described.Arn);
      if (values.allow && arn.startsWith("arn:aws:sqs:")) await allowQueue(api, arn, EVENTS, described.Arn, sid);
      if (values.allow && arn.startsWith("arn:aws:lambda:")) await allowFunction(api, arn, EVENTS, described.Arn, sid);
      const input = parseJson(values.input, "The input");
      const target = { Id: values.id.trim(), Arn: arn, Input: input === undefined ? undefined : JSON.stringify(input) };
      const error = failed(await api.json("events", "PutTargets", { Rule: described.Name, EventBusName: bus, Targets: [target] }));
      if (error) throw error;
      await ctx.refresh();
      ctx.notice(`Added target ${target.Id}.`);
    },
    { submit: "Add target", test: "add-target" },
  );
  return suggest(ui, form, "arn", await deliveryTargets(api));
}

function testForm(ctx, described) {
  const { ui, api } = ctx;
  const event = {
    id: "1", "detail-type": "Console test", source: "console.test", account: ctx.identity.account,
    time: new Date().toISOString().replace(/\.\d+Z$/, "Z"), region: ctx.region, resources: [], detail: { hello: "world" },
  };
  const verdict = ui.h("p", { "data-test": "pattern-verdict" });
  const form = ui.form(
    [{ name: "event", label: "Event (JSON)", type: "textarea", rows: 8, value: pretty(event) }],
    async ({ event: text }) => {
      const given = parseJson(text, "The event");
      const out = await api.json("events", "TestEventPattern", { EventPattern: described.EventPattern, Event: JSON.stringify(given) });
      verdict.textContent = out.Result ? "The pattern matches this event." : "The pattern does not match this event.";
    },
    { submit: "Test the pattern", test: "test-pattern" },
  );
  return ui.section("Test an event against the pattern", form, verdict);
}

/** Delete a rule as AWS's console does: its targets first (DeleteRule refuses a rule with targets). */
async function deleteRule(api, bus, rule, targets) {
  if (targets.length) {
    const error = failed(await api.json("events", "RemoveTargets", { Rule: rule, EventBusName: bus, Ids: targets.map((t) => t.Id) }));
    if (error) throw error;
  }
  await api.json("events", "DeleteRule", { Name: rule, EventBusName: bus });
}

export async function renderRule(root, ctx, bus, rule) {
  const { ui, api } = ctx;
  const [described, listed] = await Promise.all([
    api.json("events", "DescribeRule", { Name: rule, EventBusName: bus }),
    api.json("events", "ListTargetsByRule", { Rule: rule, EventBusName: bus, Limit: 100 }),
  ]);
  const targets = listed.Targets || [];
  const enabled = described.State === "ENABLED";
  root.append(
    ui.h("p", { class: "crumbs" }, ui.link("Event buses", "events"), " / ", ui.link(bus, "events", { bus }), " / ", rule),
    ui.h("h2", { "data-test": "rule-name" }, rule),
    actions(
      ui,
      ui.button(enabled ? "Disable" : "Enable", async () => {
        await api.json("events", enabled ? "DisableRule" : "EnableRule", { Name: rule, EventBusName: bus });
        await ctx.refresh();
        ctx.notice(`Rule ${rule} ${enabled ? "disabled" : "enabled"}.`);
      }, { test: "toggle-rule" }),
      ui.confirmButton("Delete rule", async () => {
        await deleteRule(api, bus, rule, targets);
        await ctx.go("events", { bus });
        ctx.notice(`Deleted rule ${rule}.`);
      }, { test: "delete-rule" }),
    ),
    ui.section(
      "Rule",
      ui.kv([
        ["State", ui.h("span", { "data-test": "rule-state" }, described.State)],
        ["Event pattern", described.EventPattern ? jsonBlock(ui, prettyText(described.EventPattern), "rule-pattern") : "none"],
        ["Schedule", described.ScheduleExpression || "none"],
        ["Description", described.Description || ""],
        ["ARN", described.Arn],
      ], { test: "rule-details" }),
    ),
    ui.section(plural(targets.length, "target"), targetsTable(ctx, bus, rule, targets), await addTargetForm(ctx, bus, described, targets)),
    described.EventPattern ? testForm(ctx, described) : null,
  );
}
