// Topics (SNS, query protocol): list, create (standard or FIFO), delete; one topic's
// attributes, its subscriptions (subscribe an SQS queue, an HTTP/S URL or a function;
// unsubscribe) and a test publish (parts/topic_*.js).
// Routes: #/topics, #/topics?arn=TOPIC_ARN.

import { actions, jsonBlock, lastPart, plural, prettyText, rowsTable } from "./parts/common.js";
import { attributeParams, entries } from "./parts/query_maps.js";
import { publishSection } from "./parts/topic_publish.js";
import { subscribeSection, subscriptionsSection } from "./parts/topic_subscriptions.js";

export const title = "Topics";

// Attributes are fetched per topic: only for the first ones of a long list.
const DESCRIBED = 50;
const DOCUMENTS = ["Policy", "EffectiveDeliveryPolicy", "DeliveryPolicy", "DataProtectionPolicy"];

export async function render(root, ctx) {
  if (ctx.params.arn) return renderTopic(root, ctx, ctx.params.arn);
  return renderTopics(root, ctx);
}

// ----- all topics

async function listTopics(ctx) {
  const arns = [];
  let token;
  do {
    const doc = await ctx.api.query("sns", "ListTopics", token ? { NextToken: token } : {});
    arns.push(...ctx.xml.all(doc, "TopicArn").map((n) => n.textContent));
    token = ctx.xml.text(doc, "NextToken");
  } while (token && arns.length < 5000);
  return arns;
}

async function topicRows(ctx, arns) {
  return Promise.all(
    arns.map(async (arn, i) => {
      if (i >= DESCRIBED) return { arn, attrs: {} };
      const doc = await ctx.api.query("sns", "GetTopicAttributes", { TopicArn: arn }).catch(() => null);
      return { arn, attrs: doc ? entries(ctx.xml, doc) : {} };
    }),
  );
}

function topicsTable(ctx, rows) {
  const { ui, api } = ctx;
  return rowsTable(
    ui,
    [
      { label: "Name", render: (r) => ui.link(lastPart(r.arn), "topics", { arn: r.arn }, { "data-test": "topic-link" }) },
      { label: "Type", render: (r) => (r.arn.endsWith(".fifo") ? "FIFO" : "Standard") },
      { label: "Subscriptions", render: (r) => r.attrs.SubscriptionsConfirmed ?? "" },
      { label: "Pending", render: (r) => r.attrs.SubscriptionsPending ?? "" },
      { label: "ARN", render: (r) => ui.h("code", {}, r.arn) },
      {
        label: "",
        render: (r) =>
          ui.confirmButton("Delete", async () => {
            await api.query("sns", "DeleteTopic", { TopicArn: r.arn });
            ctx.notice(`Deleted topic ${lastPart(r.arn)}.`);
            await ctx.refresh();
          }, { test: "delete-topic" }),
      },
    ],
    rows,
    { empty: "No topics yet: create one below.", test: "topics", rowTest: "topic-row", nameOf: (r) => lastPart(r.arn) },
  );
}

function createForm(ctx) {
  const { ui, api, xml } = ctx;
  return ui.form(
    [
      { name: "name", label: "Name", placeholder: "my-topic (a FIFO topic's name ends in .fifo)", required: true },
      { name: "type", label: "Type", type: "select", value: "standard", options: [["standard", "Standard"], ["fifo", "FIFO"]] },
      { name: "display", label: "Display name (optional)" },
      { name: "dedup", label: "Content-based deduplication (FIFO)", type: "checkbox" },
    ],
    async (values) => {
      let name = values.name.trim();
      const attributes = {};
      if (values.type === "fifo") {
        if (!name.endsWith(".fifo")) name += ".fifo";
        attributes.FifoTopic = "true";
        if (values.dedup) attributes.ContentBasedDeduplication = "true";
      }
      if (values.display.trim()) attributes.DisplayName = values.display.trim();
      const doc = await api.query("sns", "CreateTopic", { Name: name, ...attributeParams(attributes) });
      await ctx.go("topics", { arn: xml.text(doc, "TopicArn") });
      ctx.notice(`Created topic ${name}.`);
    },
    { submit: "Create topic", test: "create-topic" },
  );
}

async function renderTopics(root, ctx) {
  const { ui } = ctx;
  const rows = await topicRows(ctx, await listTopics(ctx));
  root.append(
    ui.section(plural(rows.length, "topic"), topicsTable(ctx, rows)),
    ui.section("Create a topic", createForm(ctx)),
  );
}

// ----- one topic

function attributesSection(ctx, attrs) {
  const { ui } = ctx;
  const pairs = Object.keys(attrs)
    .sort()
    .map((k) => [k, DOCUMENTS.includes(k) ? jsonBlock(ui, prettyText(attrs[k])) : attrs[k]]);
  return ui.section("Attributes", ui.kv(pairs, { test: "topic-attributes" }));
}

async function renderTopic(root, ctx, arn) {
  const { ui, api } = ctx;
  const attrs = entries(ctx.xml, await api.query("sns", "GetTopicAttributes", { TopicArn: arn }));
  const fifo = attrs.FifoTopic === "true";
  const name = lastPart(arn);
  root.append(
    ui.h("p", { class: "crumbs" }, ui.link("Topics", "topics"), " / ", name),
    ui.h("h2", { "data-test": "topic-name" }, name, fifo ? " (FIFO)" : ""),
    actions(
      ui,
      ui.confirmButton("Delete topic", async () => {
        await api.query("sns", "DeleteTopic", { TopicArn: arn });
        await ctx.go("topics");
        ctx.notice(`Deleted topic ${name}.`);
      }, { test: "delete-topic" }),
      ui.button("Reload", () => ctx.refresh(), { test: "reload" }),
    ),
    publishSection(ctx, arn, fifo),
    await subscriptionsSection(ctx, arn),
    await subscribeSection(ctx, arn),
    attributesSection(ctx, attrs),
  );
}
