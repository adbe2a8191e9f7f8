// IAM managed policies: the list (customer managed, AWS managed or both; create) and one
// policy: its default version's document, its versions, who it is attached to, delete.

import { actions, jsonBlock, parseJson, plural, pretty, rowsTable } from "./common.js";
import { documentText, listAll, members, tabs } from "./iam_common.js";

const SCOPES = [["Local", "Customer managed"], ["AWS", "AWS managed"], ["All", "All"]];
const EXAMPLE = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::my-bucket/*" }],
};

export async function renderPolicies(root, ctx) {
  const { ui, api } = ctx;
  const scope = ctx.params.scope || "All";
  const policies = await listAll(ctx, "ListPolicies", { Scope: scope, MaxItems: "1000" }, "Policies");
  const filter = ui.form(
    [{ name: "scope", label: "Show", type: "select", value: scope, options: SCOPES }],
    ({ scope: chosen }) => ctx.go("iam", { tab: "policies", scope: chosen }),
    { submit: "Show", test: "policy-scope" },
  );
  const table = rowsTable(
    ui,
    [
      { label: "Policy", render: (p) => ui.link(p.PolicyName, "iam", { policy: p.Arn }, { "data-test": "policy-link" }) },
      { label: "Type", render: (p) => (p.Arn.startsWith("arn:aws:iam::aws:") ? "AWS managed" : "Customer managed") },
      { label: "Attachments", render: (p) => p.AttachmentCount },
      { label: "Default version", render: (p) => p.DefaultVersionId },
      { label: "Updated", render: (p) => ui.when(p.UpdateDate) },
    ],
    policies,
    { empty: "No policies.", test: "policies", rowTest: "policy-row", nameOf: (p) => p.PolicyName },
  );
  const create = ui.form(
    [
      { name: "name", label: "Policy name", required: true, placeholder: "read-my-bucket" },
      { name: "description", label: "Description (optional)" },
      { name: "document", label: "Policy document", type: "textarea", rows: 10, value: pretty(EXAMPLE) },
    ],
    async ({ name, description, document }) => {
      const params = { PolicyName: name.trim(), PolicyDocument: JSON.stringify(parseJson(document, "The policy document")) };
      if (description.trim()) params.Description = description.trim();
      const doc = await api.query("iam", "CreatePolicy", params);
      await ctx.go("iam", { policy: ctx.xml.text(doc, "Arn") });
      ctx.notice(`Created policy ${params.PolicyName}.`);
    },
    { submit: "Create policy", test: "create-policy" },
  );
  root.append(tabs(ctx, "policies"), ui.section(plural(policies.length, "policy", "policies"), filter, table), ui.section("Create a policy", create));
}

async function attachedTo(ctx, arn) {
  const doc = await ctx.api.query("iam", "ListEntitiesForPolicy", { PolicyArn: arn });
  const { xml } = ctx;
  return [
    ...members(xml, doc, "PolicyUsers").map((u) => ["user", u.UserName]),
    ...members(xml, doc, "PolicyRoles").map((r) => ["role", r.RoleName]),
    ...members(xml, doc, "PolicyGroups").map((g) => ["group", g.GroupName]),
  ];
}

function entityLink(ui, [kind, name]) {
  if (kind === "group") return `group ${name}`;
  return ui.link(`${kind} ${name}`, "iam", { [kind]: name });
}

export async function renderPolicy(root, ctx, arn) {
  const { ui, api, xml } = ctx;
  const policy = members(xml, await api.query("iam", "GetPolicy", { PolicyArn: arn }), "GetPolicyResult")[0] || {};
  const version = await api.query("iam", "GetPolicyVersion", { PolicyArn: arn, VersionId: policy.DefaultVersionId });
  const versions = await listAll(ctx, "ListPolicyVersions", { PolicyArn: arn }, "Versions");
  const entities = await attachedTo(ctx, arn);
  const awsManaged = arn.startsWith("arn:aws:iam::aws:");
  root.append(
    tabs(ctx, "policies"),
    ui.h("p", { class: "crumbs" }, ui.link("Policies", "iam", { tab: "policies" }), " / ", policy.PolicyName),
    ui.h("h2", { "data-test": "policy-name" }, policy.PolicyName),
    awsManaged
      ? null
      : actions(
          ui,
          ui.confirmButton("Delete policy", async () => {
            await api.query("iam", "DeletePolicy", { PolicyArn: arn });
            await ctx.go("iam", { tab: "policies" });
            ctx.notice(`Deleted policy ${policy.PolicyName}.`);
          }, { test: "delete-policy" }),
        ),
    ui.section(
      `Document (version ${policy.DefaultVersionId})`,
      jsonBlock(ui, documentText(xml.text(version, "Document")), "policy-document"),
    ),
    ui.section(
      "Policy",
      ui.kv([
        ["ARN", arn],
        ["Description", policy.Description || ""],
        ["Versions", versions.map((v) => v.VersionId + (v.IsDefaultVersion === "true" ? " (default)" : "")).join(", ")],
        ["Attached to", entities.length ? entities.flatMap((e, i) => [i ? ", " : "", entityLink(ui, e)]) : "nothing"],
        ["Created", ui.when(policy.CreateDate)],
        ["Updated", ui.when(policy.UpdateDate)],
      ], { test: "policy-details" }),
    ),
  );
}
