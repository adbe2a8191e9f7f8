// Helpers the service pages share (queues, topics, tables, functions, iam, logs, events):
// JSON blocks and editors, tables whose rows tests can find, small text helpers. Importing it
// links the pages' stylesheet (services.css) once.

const STYLESHEET = new URL("./services.css", import.meta.url).href;
if (!document.querySelector(`link[href="${STYLESHEET}"]`)) {
  document.head.append(Object.assign(document.createElement("link"), { rel: "stylesheet", href: STYLESHEET }));
}

export function pretty(value) {
  return JSON.stringify(value, null, 2);
}

/** A <pre> showing `value` (a string as it is, anything else as indented JSON). */
export function jsonBlock(ui, value, test) {
  const text = typeof value === "string" ? value : pretty(value);
  return ui.h("pre", { class: "json", "data-test": test }, text);
}

/** A string as indented JSON when it parses as JSON, else the string itself. */
export function prettyText(text) {
  try {
    return pretty(JSON.parse(text));
  } catch {
    return text;
  }
}

/** Parse what a user typed; `undefined` for blank text; a clear error naming the field. */
export function parseJson(text, what) {
  if (!text || !text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${what} is not valid JSON: ${err.message}`);
  }
}

/** ui.table, with `data-test` = `rowTest` and `data-name` = `nameOf(row)` on each body row. */
export function rowsTable(ui, columns, rows, { empty, test, rowTest, nameOf = () => "" } = {}) {
  const el = ui.table(columns, rows, { empty, test });
  el.querySelectorAll("tbody tr").forEach((tr, i) => {
    if (i < rows.length) Object.assign(tr.dataset, { test: rowTest, name: nameOf(rows[i]) });
  });
  return el;
}

export function plural(n, word, many = `${word}s`) {
  return `${n} ${n === 1 ? word : many}`;
}

/** Buttons and links in one row, spaced. */
export function actions(ui, ...items) {
  const spaced = items.filter(Boolean).flatMap((item, i) => (i ? [" ", item] : [item]));
  return ui.h("p", { class: "actions" }, spaced);
}

/** The resource name at the end of an ARN or URL ("arn:aws:sqs:r:a:name" -> "name"). */
export function lastPart(text) {
  return String(text).split(/[:/]/).pop();
}

/** An epoch in milliseconds (number or digits) as a local date. */
export function millis(ui, value) {
  return value === undefined || value === null || value === "" ? "" : ui.when(Number(value));
}

export function decodeBase64Text(b64) {
  const bytes = Uint8Array.from(atob(b64 || ""), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

export async function fileBase64(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/** A `<datalist>` of suggestions attached to the input named `name` inside `formEl`. */
export function suggest(ui, formEl, name, values) {
  const id = `suggest-${name}-${Math.random().toString(36).slice(2)}`;
  formEl.elements.namedItem(name)?.setAttribute("list", id);
  formEl.append(ui.h("datalist", { id }, values.map((v) => ui.h("option", { value: v }))));
  return formEl;
}

/** A result area that an action fills (replacing what it held). */
export function output(ui, test) {
  return ui.h("div", { class: "output", "data-test": test });
}
