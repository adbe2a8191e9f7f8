// DOM helpers every page uses: elements (text is always text, never HTML), tables, forms,
// buttons whose errors land in the banner, and the banner itself.

/** h("a", {href: "#", class: "x", onclick: fn, "data-test": "y"}, "text", node, [more]) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else if (name === "class" || name.includes("-") || name === "for" || name === "role") {
      el.setAttribute(name, value === true ? "" : String(value));
    } else {
      el[name] = value;
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// ----- the banner

function banner() {
  return document.getElementById("banner");
}

export function clearMessages() {
  banner()?.replaceChildren();
}

/** Show an error: an AwsError shows AWS's code and message (and the request id). */
export function showError(err) {
  console.warn(err);
  const code = err?.code || err?.name || "Error";
  const message = err?.awsMessage ?? err?.message ?? String(err);
  const box = h(
    "div",
    { class: "error", role: "alert", "data-test": "error" },
    h("strong", { class: "code" }, code),
    " ",
    h("span", { class: "message" }, message),
    err?.requestId ? h("small", { class: "request-id" }, ` (request ${err.requestId})`) : null,
    h("button", { class: "close", title: "Dismiss", onclick: (e) => e.target.parentElement.remove() }, "×"),
  );
  banner()?.replaceChildren(box);
}

export function showNotice(text) {
  const box = h(
    "div",
    { class: "notice", role: "status", "data-test": "notice" },
    h("span", { class: "message" }, text),
    h("button", { class: "close", title: "Dismiss", onclick: (e) => e.target.parentElement.remove() }, "×"),
  );
  banner()?.replaceChildren(box);
}

/** Run an action, showing what it throws; returns its value (undefined after an error). */
export async function guarded(action) {
  try {
    return await action();
  } catch (err) {
    showError(err);
    return undefined;
  }
}

// ----- building blocks

export function button(label, action, { kind = "", title, test } = {}) {
  const el = h("button", { type: "button", class: kind, title, "data-test": test }, label);
  el.addEventListener("click", async (event) => {
    event.preventDefault();
    el.disabled = true;
    try {
      await guarded(action);
    } finally {
      el.disabled = false;
    }
  });
  return el;
}

/** A destructive button: the first click asks inline, the second (on "Sure?") runs it. */
export function confirmButton(label, action, { test } = {}) {
  const el = h("button", { type: "button", class: "danger", "data-test": test }, label);
  let armed = false;
  let timer = 0;
  el.addEventListener("click", async (event) => {
    event.preventDefault();
    if (!armed) {
      armed = true;
      el.textContent = "Sure?";
      el.classList.add("armed");
      timer = setTimeout(() => {
        armed = false;
        el.textContent = label;
        el.classList.remove("armed");
      }, 4000);
      return;
    }
    clearTimeout(timer);
    el.disabled = true;
    try {
      await guarded(action);
    } finally {
      el.disabled = false;
      armed = false;
      el.textContent = label;
      el.classList.remove("armed");
    }
  });
  return el;
}

/** columns: [{label, render(row) -> node|string}]; rows: any values. */
export function table(columns, rows, { empty = "Nothing here yet.", test } = {}) {
  const head = h("tr", {}, columns.map((c) => h("th", {}, c.label)));
  const body = rows.length
    ? rows.map((row) => h("tr", {}, columns.map((c) => h("td", {}, c.render(row)))))
    : [h("tr", {}, h("td", { class: "empty", colSpan: columns.length }, empty))];
  return h("table", { class: "grid", "data-test": test }, h("thead", {}, head), h("tbody", {}, body));
}

function field(spec) {
  const { name, label, type = "text", value = "", placeholder = "", options = [], required } = spec;
  let input;
  if (type === "select") {
    input = h(
      "select",
      { name },
      options.map((o) => {
        const [v, text] = Array.isArray(o) ? o : [o, o];
        return h("option", { value: v, selected: v === value }, text);
      }),
    );
  } else if (type === "textarea") {
    input = h("textarea", { name, placeholder, rows: spec.rows || 4 }, value);
  } else if (type === "checkbox") {
    input = h("input", { type, name, checked: Boolean(value) });
  } else {
    input = h("input", { type, name, value, placeholder, required, min: spec.min, max: spec.max });
  }
  return h("label", { class: `field field-${type}` }, h("span", {}, label ?? name), input);
}

function valuesOf(formEl, fields) {
  const values = {};
  for (const spec of fields) {
    const input = formEl.elements.namedItem(spec.name);
    if (spec.type === "file") values[spec.name] = input.files[0] ?? null;
    else if (spec.type === "checkbox") values[spec.name] = input.checked;
    else values[spec.name] = input.value;
  }
  return values;
}

/** fields: [{name, label, type, value, placeholder, options, required}]; onSubmit(values). */
export function form(fields, onSubmit, { submit = "Save", test } = {}) {
  const submitButton = h("button", { type: "submit", class: "primary" }, submit);
  const el = h("form", { class: "form", "data-test": test }, fields.map(field), submitButton);
  el.addEventListener("submit", async (event) => {
    event.preventDefault();
    const fieldset = Array.from(el.elements);
    fieldset.forEach((e) => (e.disabled = true));
    try {
      await guarded(() => onSubmit(valuesOf(el, fields), el));
    } finally {
      fieldset.forEach((e) => (e.disabled = false));
    }
  });
  return el;
}

export function section(title, ...children) {
  return h("section", { class: "card" }, title ? h("h2", {}, title) : null, children);
}

/** A definition list from [[key, value], ...] or an object. */
export function kv(pairs, { test } = {}) {
  const entries = Array.isArray(pairs) ? pairs : Object.entries(pairs);
  return h(
    "dl",
    { class: "kv", "data-test": test },
    entries.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v ?? "")]),
  );
}

export function href(page, params = {}) {
  const qs = new URLSearchParams(
    Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== ""),
  ).toString();
  return `#/${page}${qs ? "?" + qs : ""}`;
}

export function link(text, page, params = {}, attrs = {}) {
  return h("a", { href: href(page, params), ...attrs }, text);
}

export function progress() {
  const bar = h("progress", { max: 1, value: 0 });
  const label = h("span", { class: "progress-label" }, "");
  const el = h("span", { class: "progress", "data-test": "progress" }, bar, label);
  el.set = (loaded, total) => {
    bar.max = total || 1;
    bar.value = loaded;
    label.textContent = total ? ` ${Math.round((100 * loaded) / total)}%` : "";
  };
  return el;
}

export function bytes(n) {
  const size = Number(n);
  if (!Number.isFinite(size)) return "";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  let value = size;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i += 1;
  }
  return i === 0 ? `${size} B` : `${value.toFixed(1)} ${units[i]}`;
}

export function when(date) {
  const d = date instanceof Date ? date : new Date(date);
  return Number.isNaN(d.getTime()) ? String(date ?? "") : d.toLocaleString();
}

/** Save a Blob as a file download, by a temporary blob: URL. */
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = h("a", { href: url, download: filename || "download" });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
