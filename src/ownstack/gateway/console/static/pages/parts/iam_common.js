// What the IAM views share: paginated lists (Marker / IsTruncated), the members of a list
// element as plain objects, policy documents (IAM returns them URL-encoded), and the
// managed and inline policies of a user or a role.

import { jsonBlock, lastPart, plural, prettyText, rowsTable } from "./common.js";

export const LAMBDA_TRUST = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
};

/** The direct children of `<listTag>` as {childTag: text} objects. */
export function members(xml, doc, listTag) {
  const list = xml.one(doc, listTag);
  return Array.from(list?.children || []).map((m) =>
    Object.fromEntries(Array.from(m.children).map((c) => [c.localName, c.children.length ? c : c.textContent])),
  );
}

/** Every page of a paginated IAM list: the members of `listTag` across all pages. */
export async function listAll(ctx, action, params, listTag) {
  const found = [];
  let marker;
  do {
    const doc = await ctx.api.query("iam", action, { ...params, Marker: marker });
    found.push(...members(ctx.xml, doc, listTag));
    marker = ctx.xml.text(doc, "IsTruncated") === "true" ? ctx.xml.text(doc, "Marker") : "";
  } while (marker && found.length < 10000);
  return found;
}

/** A policy document as IAM returns it (URL-encoded JSON), indented. */
export function documentText(encoded) {
  let text = encoded || "";
  try {
    text = decodeURIComponent(text);
  } catch {
    // not encoded: shown as it is
  }
  return prettyText(text);
}

export function tabs(ctx, current) {
  const { ui } = ctx;
  const tab = (name, label) => ui.link(label, "iam", { tab: name }, { class: name === current ? "active" : "", "data-test": `tab-${name}` });
  return ui.h("nav", { class: "tabs" }, tab("users", "Users"), tab("roles", "Roles"), tab("policies", "Policies"));
}

async function attachForm(ctx, kind, name, attached) {
  const { ui, api } = ctx;
  const policies = await listAll(ctx, "ListPolicies", { Scope: "All", MaxItems: "1000" }, "Policies").catch(() => []);
  const have = new Set(attached.map((p) => p.PolicyArn));
  const options = policies.filter((p) => !have.has(p.Arn)).map((p) => [p.Arn, p.PolicyName]);
  return ui.form(
    [{ name: "arn", label: "Managed policy", type: "select", value: options[0]?.[0], options }],
    async ({ arn }) => {
      await api.query("iam", `Attach${kind}Policy`, { [`${kind}Name`]: name, PolicyArn: arn });
      await ctx.refresh();
      ctx.notice(`Attached ${lastPart(arn)}.`);
    },
    { submit: "Attach policy", test: "attach-policy" },
  );
}

/** The managed policies attached to a user or role (kind "User" / "Role"): detach, attach. */
export async function attachedSection(ctx, kind, name) {
  const { ui, api } = ctx;
  const attached = await listAll(ctx, `ListAttached${kind}Policies`, { [`${kind}Name`]: name }, "AttachedPolicies");
  const table = rowsTable(
    ui,
    [
      { label: "Policy", render: (p) => ui.link(p.PolicyName, "iam", { policy: p.PolicyArn }, { "data-test": "policy-link" }) },
      { label: "ARN", render: (p) => ui.h("code", {}, p.PolicyArn) },
      {
        label: "",
        render: (p) =>
          ui.confirmButton("Detach", async () => {
            await api.query("iam", `Detach${kind}Policy`, { [`${kind}Name`]: name, PolicyArn: p.PolicyArn });
            await ctx.refresh();
            ctx.notice(`Detached ${p.PolicyName}.`);
          }, { test: "detach-policy" }),
      },
    ],
    attached,
    { empty: "No managed policy attached.", test: "attached-policies", rowTest: "attached-row", nameOf: (p) => p.PolicyName },
  );
  return ui.section(`Managed policies (${attached.length})`, table, await attachForm(ctx, kind, name, attached));
}

/** The inline policies of a user or role, each document shown; delete one. */
export async function inlineSection(ctx, kind, name) {
  const { ui, api, xml } = ctx;
  const doc = await api.query("iam", `List${kind}Policies`, { [`${kind}Name`]: name });
  const names = xml.all(xml.one(doc, "PolicyNames"), "member").map((m) => m.textContent);
  const policies = await Promise.all(
    names.map(async (policy) => {
      const got = await api.query("iam", `Get${kind}Policy`, { [`${kind}Name`]: name, PolicyName: policy });
      return { name: policy, document: documentText(xml.text(got, "PolicyDocument")) };
    }),
  );
  const table = rowsTable(
    ui,
    [
      { label: "Name", render: (p) => p.name },
      { label: "Document", render: (p) => jsonBlock(ui, p.document, "inline-document") },
      {
        label: "",
        render: (p) =>
          ui.confirmButton("Delete", async () => {
            await api.query("iam", `Delete${kind}Policy`, { [`${kind}Name`]: name, PolicyName: p.name });
            await ctx.refresh();
            ctx.notice(`Deleted inline policy ${p.name}.`);
          }, { test: "delete-inline" }),
      },
    ],
    policies,
    { empty: "No inline policy.", test: "inline-policies", rowTest: "inline-row", nameOf: (p) => p.name },
  );
  return ui.section(plural(policies.length, "inline policy", "inline policies"), table);
}
