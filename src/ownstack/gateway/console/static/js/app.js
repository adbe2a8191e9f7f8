// The console's shell: sign-in, the header (who is signed in, region, sign-out), navigation
// with one entry per page (pages/index.js), hash routing, and the ctx each page renders with.

import { AwsError, createApi } from "./api.js";
import * as ui from "./ui.js";
import * as xml from "./xml.js";
import { PAGES } from "../pages/index.js";

const SESSION_KEY = "ownstack.console.session";
const DEFAULT_REGION = "us-east-1";
const { h } = ui;

const state = {
  session: null, // {accessKey, secretKey, sessionToken, region, identity}
  api: null,
  pages: new Map(), // name -> {title, render} or {title, failed}
  generation: 0,
  timers: [],
  leaving: [],
};

// ----- session (sessionStorage: the keys live as long as the tab, and never leave it)

function loadSession() {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
  } catch {
    return null;
  }
}

function useSession(session) {
  state.session = session;
  state.api = session ? createApi(session) : null;
  if (session) sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  else sessionStorage.removeItem(SESSION_KEY);
}

async function whoAmI(api) {
  const doc = await api.query("sts", "GetCallerIdentity");
  return { arn: xml.text(doc, "Arn"), account: xml.text(doc, "Account"), userId: xml.text(doc, "UserId") };
}

// ----- pages

async function loadPages() {
  const loaded = await Promise.allSettled(PAGES.map((name) => import(`../pages/${name}.js`)));
  loaded.forEach((result, i) => {
    const name = PAGES[i];
    if (result.status === "fulfilled") {
      const mod = result.value;
      state.pages.set(name, { title: mod.title || name, render: mod.render });
    } else {
      state.pages.set(name, { title: name, failed: result.reason });
    }
  });
}

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, "");
  const [name, qs = ""] = raw.split("?", 2);
  return { name: decodeURIComponent(name || ""), params: Object.fromEntries(new URLSearchParams(qs)) };
}

function stopTimers() {
  state.timers.forEach((t) => clearInterval(t));
  state.timers = [];
  const leaving = state.leaving;
  state.leaving = [];
  leaving.forEach((fn) => ui.guarded(fn));
}

function makeCtx(params, generation) {
  const current = () => generation === state.generation;
  return {
    api: state.api,
    ui,
    xml,
    params,
    identity: state.session.identity,
    region: state.session.region,
    go,
    refresh: () => route({ clear: false }),
    error: ui.showError,
    notice: ui.showNotice,
    every(ms, fn) {
      if (!current()) return;
      const timer = setInterval(async () => {
        if (!current()) return clearInterval(timer);
        await ui.guarded(fn);
      }, ms);
      state.timers.push(timer);
    },
    onLeave(fn) {
      if (current()) state.leaving.push(fn);
    },
    get current() {
      return current();
    },
  };
}

/** Navigate to a page; resolves when it has rendered. */
function go(name, params = {}) {
  const target = ui.href(name, params);
  if (location.hash !== target) history.pushState(null, "", target);
  return route({ clear: true });
}

async function route({ clear = true } = {}) {
  if (!state.session) return showSignIn();
  const generation = ++state.generation;
  stopTimers();
  if (clear) ui.clearMessages();
  let { name, params } = parseHash();
  if (!state.pages.has(name)) {
    name = PAGES[0];
    history.replaceState(null, "", ui.href(name));
    params = {};
  }
  const page = state.pages.get(name);
  markNav(name);
  document.title = `${page.title} · ownstack`;
  const main = document.getElementById("page");
  const root = h("div", { class: "page-body" });
  main.dataset.page = name;
  main.dataset.state = "loading";
  main.replaceChildren(h("h1", {}, page.title), root);
  try {
    if (page.failed) throw page.failed;
    await page.render(root, makeCtx(params, generation));
    if (generation === state.generation) main.dataset.state = "ready";
  } catch (err) {
    if (generation !== state.generation) return;
    ui.showError(err);
    main.dataset.state = "error";
  }
}

// ----- layout

function markNav(name) {
  for (const a of document.querySelectorAll("#nav a")) {
    a.classList.toggle("active", a.dataset.page === name);
  }
}

function showShell() {
  const nav = document.getElementById("nav");
  nav.replaceChildren(
    ...PAGES.map((name) =>
      h("a", { href: ui.href(name), "data-page": name }, state.pages.get(name)?.title ?? name),
    ),
  );
  const { identity, region } = state.session;
  const regionInput = h("input", {
    id: "region", name: "region", value: region, size: 12, title: "Region the console signs for",
  });
  regionInput.addEventListener("change", () => {
    const value = regionInput.value.trim() || DEFAULT_REGION;
    useSession({ ...state.session, region: value });
    route({ clear: false });
  });
  document.getElementById("whoami").replaceChildren(
    h(
      "span",
      { class: "who", title: `${identity.arn} (account ${identity.account}, user id ${identity.userId})` },
      "signed in as ",
      h("code", { id: "arn" }, identity.arn),
    ),
    h("label", { class: "region" }, "region ", regionInput),
    h("button", { type: "button", id: "sign-out", onclick: signOut }, "Sign out"),
  );
  document.body.classList.add("signed-in");
}

function signOut() {
  useSession(null);
  state.generation += 1;
  stopTimers();
  document.getElementById("nav").replaceChildren();
  document.getElementById("whoami").replaceChildren();
  document.body.classList.remove("signed-in");
  ui.clearMessages();
  history.replaceState(null, "", location.pathname);
  showSignIn();
}

function showSignIn() {
  document.title = "Sign in · ownstack";
  const main = document.getElementById("page");
  main.dataset.page = "sign-in";
  const signIn = async (values) => {
    const session = {
      accessKey: values.accessKey.trim(),
      secretKey: values.secretKey.trim(),
      sessionToken: values.sessionToken.trim(),
      region: values.region.trim() || DEFAULT_REGION,
    };
    if (!session.accessKey || !session.secretKey) {
      throw new AwsError("MissingCredentials", "Enter an access key ID and a secret access key.", 0);
    }
    session.identity = await whoAmI(createApi(session));
    useSession(session);
    showShell();
    await route({ clear: true });
  };
  main.replaceChildren(
    h(
      "div",
      { class: "sign-in card" },
      h("h1", {}, "Sign in to ownstack"),
      h(
        "p",
        { class: "hint" },
        "Use an access key pair: the root keys ",
        h("code", {}, "ownstack env"),
        " prints, or an IAM user's keys. They stay in this browser tab and sign each call (SigV4).",
      ),
      ui.form(
        [
          { name: "accessKey", label: "Access key ID", placeholder: "AKIA…", required: true },
          { name: "secretKey", label: "Secret access key", type: "password", required: true },
          { name: "sessionToken", label: "Session token (optional)", type: "password" },
          { name: "region", label: "Region", value: DEFAULT_REGION },
        ],
        signIn,
        { submit: "Sign in", test: "sign-in" },
      ),
    ),
  );
  main.dataset.state = "ready";
}

async function start() {
  await loadPages();
  const saved = loadSession();
  if (saved?.identity) {
    useSession(saved);
    showShell();
  }
  window.addEventListener("hashchange", () => route({ clear: true }));
  await route({ clear: true });
}

start().catch((err) => ui.showError(err));
