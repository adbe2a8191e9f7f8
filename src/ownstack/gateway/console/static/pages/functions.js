// Functions (Lambda, rest-json): list, create from a .zip, view a function's configuration,
// invoke it with a JSON payload (the result and the tail of its log: LogType=Tail), delete.
// Routes: #/functions, #/functions?name=FUNCTION.

import { errorFrom } from "../js/api.js";
import { actions, decodeBase64Text, fileBase64, jsonBlock, output, parseJson, plural, prettyText, rowsTable, suggest } from "./parts/common.js";

export const title = "Functions";

const API = "/2015-03-31/functions";
const RUNTIMES = ["python3.13", "python3.12", "python3.11", "python3.10", "nodejs22.x", "nodejs20.x", "nodejs18.x", "provided.al2023", "provided.al2"];

export async function render(root, ctx) {
  if (ctx.params.name) return renderFunction(root, ctx, ctx.params.name);
  return renderFunctions(root, ctx);
}

function pathOf(name, tail = "") {
  return `${API}/${encodeURIComponent(name)}${tail}`;
}

// ----- all functions

async function listFunctions(api) {
  const functions = [];
  let marker;
  do {
    const out = await api.restJson("lambda", "GET", API, { query: { Marker: marker, MaxItems: "50" } });
    functions.push(...(out?.Functions || []));
    marker = out?.NextMarker;
  } while (marker && functions.length < 5000);
  return functions;
}

function functionsTable(ctx, functions) {
  const { ui, api } = ctx;
  return rowsTable(
    ui,
    [
      { label: "Name", render: (f) => ui.link(f.FunctionName, "functions", { name: f.FunctionName }, { "data-test": "function-link" }) },
      { label: "Runtime", render: (f) => f.Runtime || f.PackageType || "" },
      { label: "Handler", render: (f) => ui.h("code", {}, f.Handler || "") },
      { label: "Memory", render: (f) => `${f.MemorySize} MB` },
      { label: "Timeout", render: (f) => `${f.Timeout} s` },
      { label: "Last modified", render: (f) => ui.when(f.LastModified) },
      {
        label: "",
        render: (f) =>
          ui.confirmButton("Delete", async () => {
            await api.restJson("lambda", "DELETE", pathOf(f.FunctionName));
            ctx.notice(`Deleted function ${f.FunctionName}.`);
            await ctx.refresh();
          }, { test: "delete-function" }),
      },
    ],
    functions,
    { empty: "No functions yet.", test: "functions", rowTest: "function-row", nameOf: (f) => f.FunctionName },
  );
}

async function roleArns(api, xml) {
  const doc = await api.query("iam", "ListRoles", { MaxItems: "100" });
  return xml.all(doc, "member").map((m) => xml.childText(m, "Arn")).filter(Boolean);
}

async function createForm(ctx) {
  const { ui, api, xml } = ctx;
  const roles = await roleArns(api, xml).catch(() => []);
  const form = ui.form(
    [
      { name: "name", label: "Name", required: true, placeholder: "my-function" },
      { name: "runtime", label: "Runtime", type: "select", value: "python3.12", options: RUNTIMES },
      { name: "handler", label: "Handler", value: "index.handler" },
      { name: "role", label: "Execution role ARN", required: true, placeholder: "arn:aws:iam::…:role/…" },
      { name: "timeout", label: "Timeout (s)", type: "number", value: "3", min: 1, max: 900 },
      { name: "memory", label: "Memory (MB)", type: "number", value: "128", min: 128, max: 10240 },
      { name: "zip", label: "Code (.zip)", type: "file", required: true },
    ],
    async (values) => {
      if (!values.zip) throw new Error("Choose the function's .zip file.");
      const body = {
        FunctionName: values.name.trim(),
        Runtime: values.runtime,
        Handler: values.handler.trim(),
        Role: values.role.trim(),
        Timeout: Number(values.timeout),
        MemorySize: Number(values.memory),
        Code: { ZipFile: await fileBase64(values.zip) },
      };
      await api.restJson("lambda", "POST", API, { body });
      await ctx.go("functions", { name: body.FunctionName });
      ctx.notice(`Created function ${body.FunctionName}.`);
    },
    { submit: "Create function", test: "create-function" },
  );
  return suggest(ui, form, "role", roles);
}

async function renderFunctions(root, ctx) {
  const { ui } = ctx;
  const functions = await listFunctions(ctx.api);
  root.append(
    ui.section(plural(functions.length, "function"), functionsTable(ctx, functions)),
    ui.section("Create a function from a .zip", await createForm(ctx)),
  );
}

// ----- one function

function configurationSection(ctx, config) {
  const { ui } = ctx;
  const env = config.Environment?.Variables || {};
  const pairs = [
    ["State", `${config.State || ""}${config.StateReason ? `: ${config.StateReason}` : ""}`],
    ["Runtime", config.Runtime || config.PackageType],
    ["Handler", config.Handler],
    ["Role", config.Role],
    ["Memory", `${config.MemorySize} MB`],
    ["Timeout", `${config.Timeout} s`],
    ["Code", `${ui.bytes(config.CodeSize)} (sha256 ${config.CodeSha256})`],
    ["Version", config.Version],
    ["Last modified", ui.when(config.LastModified)],
    ["Environment", Object.keys(env).length ? ui.kv(env) : "none"],
    ["Layers", (config.Layers || []).map((l) => l.Arn).join(", ") || "none"],
    ["ARN", config.FunctionArn],
  ];
  return ui.section("Configuration", ui.kv(pairs, { test: "function-configuration" }));
}

/** Invoke (RequestResponse, LogType=Tail): the status, function error, payload and log tail. */
async function invoke(api, name, payload, qualifier) {
  const resp = await api.signed("lambda", "POST", pathOf(name, "/invocations"), {
    query: { Qualifier: qualifier || undefined },
    headers: { "x-amz-invocation-type": "RequestResponse", "x-amz-log-type": "Tail", "content-type": "application/json" },
    body: payload,
  });
  if (!resp.ok) throw await errorFrom(resp);
  return {
    status: resp.status,
    functionError: resp.headers.get("x-amz-function-error") || "",
    version: resp.headers.get("x-amz-executed-version") || "",
    log: decodeBase64Text(resp.headers.get("x-amz-log-result") || ""),
    result: await resp.text(),
  };
}

function invokeSection(ctx, name) {
  const { ui, api } = ctx;
  const shown = output(ui, "invoke-output");
  const form = ui.form(
    [
      { name: "payload", label: "Event (JSON)", type: "textarea", rows: 5, value: '{\n  "hello": "world"\n}' },
      { name: "qualifier", label: "Version or alias (optional)" },
    ],
    async ({ payload, qualifier }) => {
      const event = parseJson(payload, "The event") ?? {};
      const out = await invoke(api, name, JSON.stringify(event), qualifier.trim());
      const verdict = out.functionError
        ? ui.h("p", { class: "error-text", "data-test": "function-error" }, `Function error (${out.functionError})`)
        : ui.h("p", {}, `Status ${out.status}, version ${out.version}.`);
      shown.replaceChildren(
        verdict,
        ui.h("h3", {}, "Result"),
        jsonBlock(ui, prettyText(out.result), "invoke-result"),
        ui.h("h3", {}, "Log tail"),
        jsonBlock(ui, out.log || "(no log)", "invoke-log"),
      );
    },
    { submit: "Invoke", test: "invoke" },
  );
  return ui.section("Invoke", form, shown);
}

async function renderFunction(root, ctx, name) {
  const { ui, api } = ctx;
  const fn = await api.restJson("lambda", "GET", pathOf(name));
  root.append(
    ui.h("p", { class: "crumbs" }, ui.link("Functions", "functions"), " / ", name),
    ui.h("h2", { "data-test": "function-name" }, name),
    actions(
      ui,
      ui.confirmButton("Delete function", async () => {
        await api.restJson("lambda", "DELETE", pathOf(name));
        await ctx.go("functions");
        ctx.notice(`Deleted function ${name}.`);
      }, { test: "delete-function" }),
      ui.link("Logs", "logs", { group: `/aws/lambda/${name}` }, { "data-test": "logs-link" }),
    ),
    invokeSection(ctx, name),
    configurationSection(ctx, fn.Configuration),
    fn.Tags && Object.keys(fn.Tags).length ? ui.section("Tags", ui.kv(fn.Tags)) : null,
  );
}
