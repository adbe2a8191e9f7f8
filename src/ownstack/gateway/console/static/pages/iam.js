// IAM (query protocol): users (access keys, with the secret shown once), roles (trust
// policies) and managed policies (documents); attach and detach managed policies.
// Routes: #/iam?tab=users|roles|policies, #/iam?user=NAME, #/iam?role=NAME, #/iam?policy=ARN.

import { renderPolicies, renderPolicy } from "./parts/iam_policies.js";
import { renderRole, renderRoles } from "./parts/iam_roles.js";
import { renderUser, renderUsers } from "./parts/iam_users.js";

export const title = "IAM";

export async function render(root, ctx) {
  const { user, role, policy, tab } = ctx.params;
  if (user) return renderUser(root, ctx, user);
  if (role) return renderRole(root, ctx, role);
  if (policy) return renderPolicy(root, ctx, policy);
  if (tab === "roles") return renderRoles(root, ctx);
  if (tab === "policies") return renderPolicies(root, ctx);
  return renderUsers(root, ctx);
}
