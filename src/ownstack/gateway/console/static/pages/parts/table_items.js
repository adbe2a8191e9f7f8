// A table's items: the first page of a Scan (or of a Query on the table or an index, by
// partition key and an optional sort key condition), more pages on demand, each item as JSON
// (plain or DynamoDB's typed JSON) with Edit and Delete; and the editor that puts an item.

import { jsonBlock, output, parseJson, plural, pretty, rowsTable } from "./common.js";
import { keyValue, marshalItem, unmarshalItem } from "./dynamo_json.js";

const PAGE = 25;
const OPERATORS = [["=", "="], ["begins_with", "begins with"], ["<", "<"], ["<=", "<="], [">", ">"], [">=", ">="]];

/** [{name, type}] of the key of the table (index "") or of one of its indexes. */
function keySchema(table, index) {
  const types = Object.fromEntries((table.AttributeDefinitions || []).map((d) => [d.AttributeName, d.AttributeType]));
  const all = [...(table.GlobalSecondaryIndexes || []), ...(table.LocalSecondaryIndexes || [])];
  const schema = index ? all.find((i) => i.IndexName === index)?.KeySchema : table.KeySchema;
  return (schema || []).map((k) => ({ name: k.AttributeName, type: types[k.AttributeName] || "S" }));
}

function itemKey(table, item) {
  return Object.fromEntries(keySchema(table, "").map((k) => [k.name, item[k.name]]));
}

function keyLabel(table, item) {
  return keySchema(table, "").map((k) => `${k.name}=${Object.values(item[k.name] || {})[0] ?? ""}`).join(", ");
}

function readRequest(table, values) {
  const request = { TableName: table.TableName, Limit: PAGE, IndexName: values.index || undefined };
  const [pk, sk] = keySchema(table, values.index);
  if (!values.pkValue) return ["Scan", request];
  const names = { "#pk": pk.name };
  const params = { ":pk": keyValue(pk.type, values.pkValue) };
  let condition = "#pk = :pk";
  if (sk && values.skValue) {
    names["#sk"] = sk.name;
    params[":sk"] = keyValue(sk.type, values.skValue);
    condition += values.op === "begins_with" ? " AND begins_with(#sk, :sk)" : ` AND #sk ${values.op} :sk`;
  }
  Object.assign(request, { KeyConditionExpression: condition, ExpressionAttributeNames: names, ExpressionAttributeValues: params });
  return ["Query", request];
}

function shown(item, format) {
  return format === "typed" ? item : unmarshalItem(item);
}

function itemsTable(ctx, table, items, format, editor) {
  const { ui, api } = ctx;
  return rowsTable(
    ui,
    [
      { label: "Key", render: (item) => ui.h("code", {}, keyLabel(table, item)) },
      { label: "Item", render: (item) => jsonBlock(ui, shown(item, format), "item-json") },
      {
        label: "",
        render: (item) => [
          ui.button("Edit", () => editor.edit(item, format), { test: "edit-item" }),
          " ",
          ui.confirmButton("Delete", async () => {
            await api.json("dynamodb", "DeleteItem", { TableName: table.TableName, Key: itemKey(table, item) });
            ctx.notice(`Deleted item ${keyLabel(table, item)}.`);
            await ctx.refresh();
          }, { test: "delete-item" }),
        ],
      },
    ],
    items,
    { empty: "No items.", test: "items", rowTest: "item-row", nameOf: (item) => keyLabel(table, item) },
  );
}

function readForm(ctx, table, run) {
  const { ui } = ctx;
  const indexes = [...(table.GlobalSecondaryIndexes || []), ...(table.LocalSecondaryIndexes || [])].map((i) => i.IndexName);
  const [pk, sk] = keySchema(table, "");
  const fields = [
    { name: "index", label: "Read from", type: "select", value: "", options: [["", "the table"], ...indexes.map((n) => [n, `index ${n}`])] },
    { name: "pkValue", label: `Partition key value (${pk?.name}; empty: scan)` },
    { name: "op", label: "Sort key condition", type: "select", value: "=", options: OPERATORS },
    { name: "skValue", label: `Sort key value${sk ? ` (${sk.name})` : ""}` },
    { name: "format", label: "Show as", type: "select", value: "plain", options: [["plain", "JSON"], ["typed", "DynamoDB JSON"]] },
  ];
  return ui.form(fields, (values) => run({ ...values, pkValue: values.pkValue.trim(), skValue: values.skValue.trim() }), { submit: "Scan / query", test: "read-items" });
}

export async function itemsSection(ctx, table, editor) {
  const { ui, api } = ctx;
  const shownItems = output(ui, "items-output");
  let items = [];
  let state = null; // {operation, request, format, next}
  const draw = () => {
    const more = state.next ? ui.button("Load more", () => page(false), { test: "more-items" }) : null;
    const summary = ui.h("p", { class: "hint" }, `${plural(items.length, "item")} (${state.operation}${state.next ? ", more to load" : ""}).`);
    shownItems.replaceChildren(summary, itemsTable(ctx, table, items, state.format, editor), more);
  };
  const page = async (first) => {
    const out = await api.json("dynamodb", state.operation, { ...state.request, ExclusiveStartKey: first ? undefined : state.next });
    items = first ? out.Items || [] : [...items, ...(out.Items || [])];
    state.next = out.LastEvaluatedKey;
    draw();
  };
  const run = async (values) => {
    const [operation, request] = readRequest(table, values);
    state = { operation, request, format: values.format };
    await page(true);
  };
  await run({ index: "", pkValue: "", op: "=", skValue: "", format: "plain" });
  return ui.section("Items", readForm(ctx, table, run), shownItems);
}

function example(table) {
  const keys = keySchema(table, "");
  return pretty(Object.fromEntries(keys.map((k) => [k.name, k.type === "N" ? 1 : "value"])));
}

/** The item editor: a section with `edit(item, format)` to load an item into it. */
export function putSection(ctx, table) {
  const { ui, api } = ctx;
  const form = ui.form(
    [
      { name: "item", label: "Item (JSON)", type: "textarea", rows: 8, placeholder: example(table) },
      { name: "typed", label: "DynamoDB JSON (typed: {\"S\": …}, {\"N\": …}, sets)", type: "checkbox" },
    ],
    async (values) => {
      const given = parseJson(values.item, "The item");
      if (!given || typeof given !== "object" || Array.isArray(given)) throw new Error("The item must be a JSON object.");
      const item = values.typed ? given : marshalItem(given);
      await api.json("dynamodb", "PutItem", { TableName: table.TableName, Item: item });
      await ctx.refresh();
      ctx.notice(`Put item ${keyLabel(table, item)}.`);
    },
    { submit: "Put item", test: "put-item" },
  );
  const section = ui.section("Put an item", form);
  section.edit = (item, format) => {
    form.elements.namedItem("item").value = pretty(shown(item, format));
    form.elements.namedItem("typed").checked = format === "typed";
    section.scrollIntoView({ behavior: "smooth" });
  };
  return section;
}
