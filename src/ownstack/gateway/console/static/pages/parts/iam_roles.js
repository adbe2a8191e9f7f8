// IAM roles: the list (create with a trust policy) and one role: its trust policy (view,
// edit), managed and inline policies, delete.

import { actions, parseJson, plural, pretty, rowsTable } from "./common.js";
import { LAMBDA_TRUST, attachedSection, documentText, inlineSection, listAll, tabs } from "./iam_common.js";

export async function renderRoles(root, ctx) {
  const { ui, api } = ctx;
  const roles = await listAll(ctx, "ListRoles", { MaxItems: "1000" }, "Roles");
  const table = rowsTable(
    ui,
    [
      { label: "Role", render: (r) => ui.link(r.RoleName, "iam", { role: r.RoleName }, { "data-test": "role-link" }) },
      { label: "Description", render: (r) => r.Description || "" },
      { label: "Created", render: (r) => ui.when(r.CreateDate) },
      { label: "ARN", render: (r) => ui.h("code", {}, r.Arn) },
    ],
    roles,
    { empty: "No roles yet: create one below.", test: "roles", rowTest: "role-row", nameOf: (r) => r.RoleName },
  );
  const create = ui.form(
    [
      { name: "name", label: "Role name", required: true, placeholder: "my-function-role" },
      { name: "description", label: "Description (optional)" },
      { name: "trust", label: "Trust policy (who may assume the role)", type: "textarea", rows: 8, value: pretty(LAMBDA_TRUST) },
    ],
    async ({ name, description, trust }) => {
      const document = parseJson(trust, "The trust policy");
      const params = { RoleName: name.trim(), AssumeRolePolicyDocument: JSON.stringify(document) };
      if (description.trim()) params.Description = description.trim();
      await api.query("iam", "CreateRole", params);
      await ctx.go("iam", { role: name.trim() });
      ctx.notice(`Created role ${name.trim()}.`);
    },
    { submit: "Create role", test: "create-role" },
  );
  root.append(tabs(ctx, "roles"), ui.section(plural(roles.length, "role"), table), ui.section("Create a role", create));
}

function trustSection(ctx, name, encoded) {
  const { ui, api } = ctx;
  const form = ui.form(
    [{ name: "trust", label: "Trust policy", type: "textarea", rows: 10, value: documentText(encoded) }],
    async ({ trust }) => {
      const document = parseJson(trust, "The trust policy");
      await api.query("iam", "UpdateAssumeRolePolicy", { RoleName: name, PolicyDocument: JSON.stringify(document) });
      await ctx.refresh();
      ctx.notice("Updated the trust policy.");
    },
    { submit: "Save trust policy", test: "trust-policy" },
  );
  return ui.section("Trust policy", form);
}

export async function renderRole(root, ctx, name) {
  const { ui, api, xml } = ctx;
  const doc = await api.query("iam", "GetRole", { RoleName: name });
  root.append(
    tabs(ctx, "roles"),
    ui.h("p", { class: "crumbs" }, ui.link("Roles", "iam", { tab: "roles" }), " / ", name),
    ui.h("h2", { "data-test": "role-name" }, name),
    actions(
      ui,
      ui.confirmButton("Delete role", async () => {
        await api.query("iam", "DeleteRole", { RoleName: name });
        await ctx.go("iam", { tab: "roles" });
        ctx.notice(`Deleted role ${name}.`);
      }, { test: "delete-role" }),
    ),
    ui.section(
      "Role",
      ui.kv([
        ["ARN", xml.text(doc, "Arn")],
        ["Role ID", xml.text(doc, "RoleId")],
        ["Description", xml.text(doc, "Description")],
        ["Maximum session", `${xml.text(doc, "MaxSessionDuration")} s`],
        ["Created", ui.when(xml.text(doc, "CreateDate"))],
      ], { test: "role-details" }),
    ),
    await attachedSection(ctx, "Role", name),
    await inlineSection(ctx, "Role", name),
    trustSection(ctx, name, xml.text(doc, "AssumeRolePolicyDocument")),
  );
}
