// IAM users: the list (create, delete) and one user: its access keys (create: the secret is
// shown once, here, and nowhere else; activate/deactivate; delete), groups, managed and inline
// policies.

import { actions, output, plural, rowsTable } from "./common.js";
import { attachedSection, inlineSection, listAll, tabs } from "./iam_common.js";

export async function renderUsers(root, ctx) {
  const { ui, api } = ctx;
  const users = await listAll(ctx, "ListUsers", { MaxItems: "1000" }, "Users");
  const table = rowsTable(
    ui,
    [
      { label: "User", render: (u) => ui.link(u.UserName, "iam", { user: u.UserName }, { "data-test": "user-link" }) },
      { label: "Path", render: (u) => u.Path },
      { label: "Created", render: (u) => ui.when(u.CreateDate) },
      { label: "ARN", render: (u) => ui.h("code", {}, u.Arn) },
    ],
    users,
    { empty: "No users yet: create one below.", test: "users", rowTest: "user-row", nameOf: (u) => u.UserName },
  );
  const create = ui.form(
    [
      { name: "name", label: "User name", required: true, placeholder: "alice" },
      { name: "path", label: "Path", value: "/" },
    ],
    async ({ name, path }) => {
      await api.query("iam", "CreateUser", { UserName: name.trim(), Path: path.trim() || "/" });
      await ctx.go("iam", { user: name.trim() });
      ctx.notice(`Created user ${name.trim()}.`);
    },
    { submit: "Create user", test: "create-user" },
  );
  root.append(tabs(ctx, "users"), ui.section(plural(users.length, "user"), table), ui.section("Create a user", create));
}

function keysTable(ctx, name, keys, reload) {
  const { ui, api } = ctx;
  const setStatus = (key, status) => async () => {
    await api.query("iam", "UpdateAccessKey", { UserName: name, AccessKeyId: key.AccessKeyId, Status: status });
    ctx.notice(`${key.AccessKeyId} is now ${status}.`);
    await reload();
  };
  return rowsTable(
    ui,
    [
      { label: "Access key ID", render: (k) => ui.h("code", {}, k.AccessKeyId) },
      { label: "Status", render: (k) => k.Status },
      { label: "Created", render: (k) => ui.when(k.CreateDate) },
      {
        label: "",
        render: (k) => [
          k.Status === "Active"
            ? ui.button("Deactivate", setStatus(k, "Inactive"), { test: "deactivate-key" })
            : ui.button("Activate", setStatus(k, "Active"), { test: "activate-key" }),
          " ",
          ui.confirmButton("Delete", async () => {
            await api.query("iam", "DeleteAccessKey", { UserName: name, AccessKeyId: k.AccessKeyId });
            ctx.notice(`Deleted access key ${k.AccessKeyId}.`);
            await reload();
          }, { test: "delete-key" }),
        ],
      },
    ],
    keys,
    { empty: "No access keys.", test: "access-keys", rowTest: "key-row", nameOf: (k) => k.AccessKeyId },
  );
}

/** The new key pair, shown once: IAM never returns the secret again. */
function secretBox(ui, key) {
  return ui.h(
    "div",
    { class: "secret", "data-test": "new-access-key" },
    ui.h("p", {}, ui.h("strong", {}, "New access key: copy the secret now, it will not be shown again.")),
    ui.kv([
      ["Access key ID", ui.h("code", { "data-test": "new-key-id" }, key.id)],
      ["Secret access key", ui.h("code", { "data-test": "new-secret" }, key.secret)],
    ]),
  );
}

async function keysSection(ctx, name) {
  const { ui, api, xml } = ctx;
  const list = output(ui, "access-keys-output");
  const fresh = output(ui, "new-key-output");
  const reload = async () => {
    const keys = await listAll(ctx, "ListAccessKeys", { UserName: name }, "AccessKeyMetadata");
    list.replaceChildren(keysTable(ctx, name, keys, reload));
  };
  await reload();
  const create = ui.button("Create access key", async () => {
    const doc = await api.query("iam", "CreateAccessKey", { UserName: name });
    fresh.replaceChildren(secretBox(ui, { id: xml.text(doc, "AccessKeyId"), secret: xml.text(doc, "SecretAccessKey") }));
    await reload();
  }, { test: "create-access-key", kind: "primary" });
  return ui.section("Access keys", list, ui.h("p", {}, create), fresh);
}

export async function renderUser(root, ctx, name) {
  const { ui, api, xml } = ctx;
  const doc = await api.query("iam", "GetUser", { UserName: name });
  const groups = await listAll(ctx, "ListGroupsForUser", { UserName: name }, "Groups");
  root.append(
    tabs(ctx, "users"),
    ui.h("p", { class: "crumbs" }, ui.link("Users", "iam", { tab: "users" }), " / ", name),
    ui.h("h2", { "data-test": "user-name" }, name),
    actions(
      ui,
      ui.confirmButton("Delete user", async () => {
        await api.query("iam", "DeleteUser", { UserName: name });
        await ctx.go("iam", { tab: "users" });
        ctx.notice(`Deleted user ${name}.`);
      }, { test: "delete-user" }),
    ),
    ui.section(
      "User",
      ui.kv([
        ["ARN", xml.text(doc, "Arn")],
        ["User ID", xml.text(doc, "UserId")],
        ["Path", xml.text(doc, "Path")],
        ["Created", ui.when(xml.text(doc, "CreateDate"))],
        ["Groups", groups.map((g) => g.GroupName).join(", ") || "none"],
      ], { test: "user-details" }),
    ),
    await keysSection(ctx, name),
    await attachedSection(ctx, "User", name),
    await inlineSection(ctx, "User", name),
  );
}
