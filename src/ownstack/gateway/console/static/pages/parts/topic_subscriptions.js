// A topic's subscriptions: the list (unsubscribe), and subscribing an SQS queue, an HTTP/S URL
// or a Lambda function. Delivery to a queue or a function is SNS acting as its service
// principal, so, as AWS's console does, subscribing can also grant the topic that right: a
// statement in the queue's policy, or a permission on the function.

import { lastPart, parseJson, plural, rowsTable, suggest } from "./common.js";
import { allowFunction, allowQueue, deliveryTargets, statementId } from "./grants.js";
import { attributeParams } from "./query_maps.js";

const PROTOCOLS = [["sqs", "Amazon SQS"], ["http", "HTTP"], ["https", "HTTPS"], ["lambda", "AWS Lambda"]];
const SNS = "sns.amazonaws.com";

async function subscriptionsOf(ctx, arn) {
  const subs = [];
  let token;
  do {
    const doc = await ctx.api.query("sns", "ListSubscriptionsByTopic", { TopicArn: arn, NextToken: token });
    for (const m of ctx.xml.all(doc, "member")) {
      const get = (tag) => ctx.xml.childText(m, tag);
      subs.push({ arn: get("SubscriptionArn"), protocol: get("Protocol"), endpoint: get("Endpoint"), owner: get("Owner") });
    }
    token = ctx.xml.text(doc, "NextToken");
  } while (token && subs.length < 5000);
  return subs;
}

function endpointCell(ui, sub) {
  if (sub.protocol === "sqs") return ui.link(lastPart(sub.endpoint), "queues", { arn: sub.endpoint }, { "data-test": "queue-link" });
  if (sub.protocol === "lambda") return ui.link(lastPart(sub.endpoint), "functions", { name: lastPart(sub.endpoint) });
  return ui.h("code", {}, sub.endpoint);
}

export async function subscriptionsSection(ctx, arn) {
  const { ui, api } = ctx;
  const subs = await subscriptionsOf(ctx, arn);
  const pending = (s) => !s.arn.startsWith("arn:");
  const table = rowsTable(
    ui,
    [
      { label: "Protocol", render: (s) => s.protocol },
      { label: "Endpoint", render: (s) => endpointCell(ui, s) },
      { label: "Status", render: (s) => (pending(s) ? "pending confirmation" : "confirmed") },
      { label: "Subscription ARN", render: (s) => (pending(s) ? "" : ui.h("code", {}, s.arn)) },
      {
        label: "",
        render: (s) =>
          pending(s)
            ? ""
            : ui.confirmButton("Unsubscribe", async () => {
                await api.query("sns", "Unsubscribe", { SubscriptionArn: s.arn });
                ctx.notice(`Unsubscribed ${s.endpoint}.`);
                await ctx.refresh();
              }, { test: "unsubscribe" }),
      },
    ],
    subs,
    { empty: "No subscriptions yet: subscribe below.", test: "subscriptions", rowTest: "subscription-row", nameOf: (s) => s.endpoint },
  );
  return ui.section(plural(subs.length, "subscription"), table);
}

function subscribeAttributes(values) {
  const attributes = {};
  if (values.raw) attributes.RawMessageDelivery = "true";
  const filter = parseJson(values.filter, "Filter policy");
  if (filter !== undefined) attributes.FilterPolicy = JSON.stringify(filter);
  return attributes;
}

export async function subscribeSection(ctx, arn) {
  const { ui, api, xml } = ctx;
  const targets = await deliveryTargets(api);
  const form = ui.form(
    [
      { name: "protocol", label: "Protocol", type: "select", value: "sqs", options: PROTOCOLS },
      { name: "endpoint", label: "Endpoint (queue ARN, URL or function ARN)", required: true, placeholder: "arn:aws:sqs:…" },
      { name: "raw", label: "Raw message delivery", type: "checkbox" },
      { name: "allow", label: "Allow this topic to deliver (queue policy / function permission)", type: "checkbox", value: true },
      { name: "filter", label: "Filter policy (JSON, optional)", type: "textarea", rows: 2 },
    ],
    async (values) => {
      const endpoint = values.endpoint.trim();
      const sid = statementId("topic", arn);
      if (values.allow && values.protocol === "sqs") await allowQueue(api, endpoint, SNS, arn, sid);
      if (values.allow && values.protocol === "lambda") await allowFunction(api, endpoint, SNS, arn, sid);
      const params = { TopicArn: arn, Protocol: values.protocol, Endpoint: endpoint, ReturnSubscriptionArn: "true" };
      const doc = await api.query("sns", "Subscribe", { ...params, ...attributeParams(subscribeAttributes(values)) });
      await ctx.refresh();
      ctx.notice(`Subscribed ${endpoint}: ${xml.text(doc, "SubscriptionArn")}.`);
    },
    { submit: "Subscribe", test: "subscribe" },
  );
  return ui.section("Subscribe", suggest(ui, form, "endpoint", targets));
}
