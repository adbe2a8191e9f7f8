// Tables (DynamoDB, JSON protocol): list, create (partition key, optional sort key, billing
// mode), describe, delete; one table's first items by scan or query, shown as JSON, and an
// item editor to put or delete items (parts/table_items.js).
// Routes: #/tables, #/tables?name=TABLE.

import { actions, jsonBlock, plural, rowsTable } from "./parts/common.js";
import { itemsSection, putSection } from "./parts/table_items.js";

export const title = "Tables";

// Tables are described one call each: only the first ones of a long list.
const DESCRIBED = 50;
const KEY_TYPES = [["S", "String"], ["N", "Number"], ["B", "Binary"]];

export async function render(root, ctx) {
  if (ctx.params.name) return renderTable(root, ctx, ctx.params.name);
  return renderTables(root, ctx);
}

/** "pk (S), sk (N)" from a key schema and the attribute definitions. */
export function keyText(table, schema = table.KeySchema) {
  const types = Object.fromEntries((table.AttributeDefinitions || []).map((d) => [d.AttributeName, d.AttributeType]));
  return (schema || []).map((k) => `${k.AttributeName} (${types[k.AttributeName] || "?"})`).join(", ");
}

// ----- all tables

async function listTables(api) {
  const names = [];
  let start;
  do {
    const out = await api.json("dynamodb", "ListTables", { ExclusiveStartTableName: start, Limit: 100 });
    names.push(...(out.TableNames || []));
    start = out.LastEvaluatedTableName;
  } while (start && names.length < 5000);
  return names;
}

async function describeAll(api, names) {
  return Promise.all(
    names.map(async (name, i) => {
      if (i >= DESCRIBED) return { TableName: name };
      const out = await api.json("dynamodb", "DescribeTable", { TableName: name }).catch(() => ({}));
      return out.Table || { TableName: name };
    }),
  );
}

function tablesTable(ctx, tables) {
  const { ui, api } = ctx;
  return rowsTable(
    ui,
    [
      { label: "Name", render: (t) => ui.link(t.TableName, "tables", { name: t.TableName }, { "data-test": "table-link" }) },
      { label: "Status", render: (t) => t.TableStatus ?? "" },
      { label: "Key", render: (t) => keyText(t) },
      { label: "Items", render: (t) => t.ItemCount ?? "" },
      { label: "Size", render: (t) => (t.TableSizeBytes === undefined ? "" : ui.bytes(t.TableSizeBytes)) },
      {
        label: "",
        render: (t) =>
          ui.confirmButton("Delete", async () => {
            await api.json("dynamodb", "DeleteTable", { TableName: t.TableName });
            ctx.notice(`Deleted table ${t.TableName}.`);
            await ctx.refresh();
          }, { test: "delete-table" }),
      },
    ],
    tables,
    { empty: "No tables yet: create one below.", test: "tables", rowTest: "table-row", nameOf: (t) => t.TableName },
  );
}

function createRequest(values) {
  const name = values.name.trim();
  const keys = [[values.pk.trim(), values.pkType, "HASH"]];
  if (values.sk.trim()) keys.push([values.sk.trim(), values.skType, "RANGE"]);
  const request = {
    TableName: name,
    AttributeDefinitions: keys.map(([n, t]) => ({ AttributeName: n, AttributeType: t })),
    KeySchema: keys.map(([n, , k]) => ({ AttributeName: n, KeyType: k })),
    BillingMode: values.billing,
  };
  if (values.billing === "PROVISIONED") request.ProvisionedThroughput = { ReadCapacityUnits: 5, WriteCapacityUnits: 5 };
  return request;
}

function createForm(ctx) {
  const { ui, api } = ctx;
  return ui.form(
    [
      { name: "name", label: "Name", required: true, placeholder: "my-table" },
      { name: "pk", label: "Partition key", required: true, placeholder: "pk" },
      { name: "pkType", label: "Type", type: "select", value: "S", options: KEY_TYPES },
      { name: "sk", label: "Sort key (optional)", placeholder: "sk" },
      { name: "skType", label: "Type", type: "select", value: "S", options: KEY_TYPES },
      { name: "billing", label: "Capacity", type: "select", value: "PAY_PER_REQUEST", options: [["PAY_PER_REQUEST", "On demand"], ["PROVISIONED", "Provisioned (5 RCU / 5 WCU)"]] },
    ],
    async (values) => {
      const request = createRequest(values);
      await api.json("dynamodb", "CreateTable", request);
      await ctx.go("tables", { name: request.TableName });
      ctx.notice(`Created table ${request.TableName}.`);
    },
    { submit: "Create table", test: "create-table" },
  );
}

async function renderTables(root, ctx) {
  const { ui } = ctx;
  const tables = await describeAll(ctx.api, await listTables(ctx.api));
  root.append(ui.section(plural(tables.length, "table"), tablesTable(ctx, tables)), ui.section("Create a table", createForm(ctx)));
}

// ----- one table

function describeSection(ctx, table) {
  const { ui } = ctx;
  const indexes = [...(table.GlobalSecondaryIndexes || []), ...(table.LocalSecondaryIndexes || [])];
  const pairs = [
    ["Status", table.TableStatus],
    ["Key", keyText(table)],
    ["Items", String(table.ItemCount ?? "")],
    ["Size", ui.bytes(table.TableSizeBytes ?? 0)],
    ["Capacity", table.BillingModeSummary?.BillingMode || "PROVISIONED"],
    ["Indexes", indexes.map((i) => `${i.IndexName}: ${keyText(table, i.KeySchema)}`).join("; ") || "none"],
    ["Stream", table.StreamSpecification?.StreamEnabled ? `${table.StreamSpecification.StreamViewType} (${table.LatestStreamArn})` : "off"],
    ["Created", table.CreationDateTime ? ui.when(table.CreationDateTime * 1000) : ""],
    ["ARN", table.TableArn],
  ];
  return ui.section(
    "Description",
    ui.kv(pairs, { test: "table-description" }),
    ui.h("details", {}, ui.h("summary", {}, "DescribeTable answer"), jsonBlock(ui, table)),
  );
}

async function renderTable(root, ctx, name) {
  const { ui, api } = ctx;
  const { Table: table } = await api.json("dynamodb", "DescribeTable", { TableName: name });
  const editor = putSection(ctx, table);
  root.append(
    ui.h("p", { class: "crumbs" }, ui.link("Tables", "tables"), " / ", name),
    ui.h("h2", { "data-test": "table-name" }, name),
    actions(
      ui,
      ui.confirmButton("Delete table", async () => {
        await api.json("dynamodb", "DeleteTable", { TableName: name });
        await ctx.go("tables");
        ctx.notice(`Deleted table ${name}.`);
      }, { test: "delete-table" }),
      ui.button("Reload", () => ctx.refresh(), { test: "reload" }),
    ),
    await itemsSection(ctx, table, editor),
    editor,
    describeSection(ctx, table),
  );
}
