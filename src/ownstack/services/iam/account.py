"""The account: GetAccountSummary, Create/Delete/ListAccountAliases,
GetAccountAuthorizationDetails."""

from __future__ import annotations

import re
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.identity.records import ACCOUNTS, ALIASES, AccountRecord, AliasRecord
from ownstack.ports.meta import ABSENT, Delete, Op, Put

from .errors import already_exists, no_such_entity, validation_error
from .paging import page
from .policies import PolicyOps
from .shapes import encoded, group_shape, policy_shape, profile_shape, role_shape, user_shape
from .versions import MAX_VERSIONS

_ALIAS = re.compile(r"^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$")
QUOTAS = {
    "UsersQuota": 5000,
    "GroupsQuota": 300,
    "RolesQuota": 1000,
    "PoliciesQuota": 1500,
    "InstanceProfilesQuota": 1000,
    "ServerCertificatesQuota": 20,
    "AccessKeysPerUserQuota": 2,
    "SigningCertificatesPerUserQuota": 2,
    "GroupsPerUserQuota": 10,
    "AttachedPoliciesPerUserQuota": 10,
    "AttachedPoliciesPerGroupQuota": 10,
    "AttachedPoliciesPerRoleQuota": 10,
    "PolicySizeQuota": 6144,
    "UserPolicySizeQuota": 2048,
    "GroupPolicySizeQuota": 5120,
    "RolePolicySizeQuota": 10240,
    "AssumeRolePolicySizeQuota": 2048,
    "VersionsPerPolicyQuota": MAX_VERSIONS,
    "PolicyVersionsInUseQuota": 10000,
    "GlobalEndpointTokenVersion": 1,
}
_FILTERS = ("User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy")


class AccountOps(PolicyOps):
    async def get_account_summary(self, ctx: RequestContext, params: Params) -> Result:
        acct = ctx.account_id
        policies = await self.store.policies(acct)
        summary = {
            **QUOTAS,
            "Users": len(await self.store.users(acct)),
            "Groups": len(await self.store.groups(acct)),
            "Roles": len(await self.store.roles(acct)),
            "Policies": len(policies),
            "InstanceProfiles": len(await self.store.profiles(acct)),
            "PolicyVersionsInUse": sum(p.record.attachments for p in policies),
            "AccountMFAEnabled": 0,
            "AccountAccessKeysPresent": 1,
            "AccountPasswordPresent": 0,
            "AccountSigningCertificatesPresent": 0,
            "MFADevices": 0,
            "MFADevicesInUse": 0,
            "ServerCertificates": 0,
            "Providers": 0,
        }
        return {"SummaryMap": summary}

    async def create_account_alias(self, ctx: RequestContext, params: Params) -> Result:
        alias = params["AccountAlias"]
        if not _ALIAS.match(alias):
            raise validation_error(
                f"1 validation error detected: Value '{alias}' at 'accountAlias' failed to"
                " satisfy constraint: Member must satisfy regular expression pattern:"
                " ^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$"
            )

        async def build() -> tuple[list[Op], None]:
            owner = await self.store.read(ALIASES, alias, AliasRecord)
            if owner is not None:
                if owner.record.account_id == ctx.account_id:
                    return [], None
                raise already_exists(f"The account alias {alias} already exists.")
            stored = await self.store.account(ctx.account_id)
            record = stored.record if stored else AccountRecord()
            ops: list[Op] = [Delete(ALIASES, old) for old in record.aliases]
            record.aliases = [alias]  # an account has one alias: a new one replaces it
            expect = stored.version if stored else ABSENT
            ops.append(Put(ACCOUNTS, ctx.account_id, record.encode(), expect))
            ops.append(Put(ALIASES, alias, AliasRecord(ctx.account_id).encode(), ABSENT))
            return ops, None

        await self.write(ctx, build)
        return {}

    async def delete_account_alias(self, ctx: RequestContext, params: Params) -> Result:
        alias = params["AccountAlias"]

        async def build() -> tuple[list[Op], None]:
            stored = await self.store.account(ctx.account_id)
            if stored is None or alias not in stored.record.aliases:
                raise no_such_entity(f"The account alias {alias} cannot be found.")
            stored.record.aliases.remove(alias)
            return [
                Put(ACCOUNTS, ctx.account_id, stored.record.encode(), stored.version),
                Delete(ALIASES, alias),
            ], None

        await self.write(ctx, build)
        return {}

    async def list_account_aliases(self, ctx: RequestContext, params: Params) -> Result:
        stored = await self.store.account(ctx.account_id)
        aliases = stored.record.aliases if stored else []
        chosen, more = page(aliases, params, lambda a: a)
        return {"AccountAliases": chosen, **more}

    async def get_account_authorization_details(
        self, ctx: RequestContext, params: Params
    ) -> Result:
        wanted = set(params.get("Filter") or _FILTERS)
        found: list[tuple[str, str, dict[str, Any]]] = []
        if "User" in wanted:
            found += [("1" + k, "UserDetailList", s) for k, s in await self._user_details(ctx)]
        if "Group" in wanted:
            found += [("2" + k, "GroupDetailList", s) for k, s in await self._group_details(ctx)]
        if "Role" in wanted:
            found += [("3" + k, "RoleDetailList", s) for k, s in await self._role_details(ctx)]
        found += [("4" + k, "Policies", s) for k, s in await self._policy_details(ctx, wanted)]
        chosen, more = page(found, params, lambda item: item[0])
        out: dict[str, Any] = {
            "UserDetailList": [],
            "GroupDetailList": [],
            "RoleDetailList": [],
            "Policies": [],
        }
        for _, member, shape in chosen:
            out[member].append(shape)
        return {**out, **more}

    async def _user_details(self, ctx: RequestContext) -> list[tuple[str, dict[str, Any]]]:
        out = []
        for stored in await self.store.users(ctx.account_id):
            user = stored.record
            shape = user_shape(user)
            shape["UserPolicyList"] = _inline_list(user.inline)
            shape["GroupList"] = list(user.groups)
            shape["AttachedManagedPolicies"] = _attached_list(user.attached)
            out.append((user.name.lower(), shape))
        return out

    async def _group_details(self, ctx: RequestContext) -> list[tuple[str, dict[str, Any]]]:
        out = []
        for stored in await self.store.groups(ctx.account_id):
            group = stored.record
            shape = group_shape(group)
            shape["GroupPolicyList"] = _inline_list(group.inline)
            shape["AttachedManagedPolicies"] = _attached_list(group.attached)
            out.append((group.name.lower(), shape))
        return out

    async def _role_details(self, ctx: RequestContext) -> list[tuple[str, dict[str, Any]]]:
        out = []
        for stored in await self.store.roles(ctx.account_id):
            role = stored.record
            shape = role_shape(role)
            profiles = []
            for name in role.profiles:
                profile = await self.store.profile(ctx.account_id, name)
                if profile is not None:
                    profiles.append(profile_shape(profile.record, [role]))
            shape["InstanceProfileList"] = profiles
            shape["RolePolicyList"] = _inline_list(role.inline)
            shape["AttachedManagedPolicies"] = _attached_list(role.attached)
            out.append((role.name.lower(), shape))
        return out

    async def _policy_details(
        self, ctx: RequestContext, wanted: set[str]
    ) -> list[tuple[str, dict[str, Any]]]:
        out = []
        if "LocalManagedPolicy" in wanted:
            for stored in await self.store.policies(ctx.account_id):
                policy = stored.record
                shape = policy_shape(policy, tags=False)
                shape["PolicyVersionList"] = [
                    {
                        "Document": encoded(v.document),
                        "VersionId": v.id,
                        "IsDefaultVersion": v.id == policy.default_version,
                        "CreateDate": v.created,
                    }
                    for v in policy.versions
                ]
                out.append(("1" + policy.name.lower(), shape))
        if "AWSManagedPolicy" in wanted:
            # AWS lists the AWS managed policies the account uses, not all of them.
            attached, bounded = await self.aws_policy_uses(ctx)
            for aws in self.directory.aws_policies.all():
                if not (attached[aws.arn] or bounded[aws.arn]):
                    continue
                shape = {
                    "PolicyName": aws.name,
                    "PolicyId": aws.id,
                    "Arn": aws.arn,
                    "Path": aws.path,
                    "DefaultVersionId": aws.default_version,
                    "AttachmentCount": attached[aws.arn],
                    "PermissionsBoundaryUsageCount": bounded[aws.arn],
                    "IsAttachable": True,
                    "CreateDate": aws.created,
                    "UpdateDate": aws.updated,
                    "PolicyVersionList": [
                        {
                            "Document": encoded(aws.document),
                            "VersionId": aws.default_version,
                            "IsDefaultVersion": True,
                            "CreateDate": aws.updated,
                        }
                    ],
                }
                out.append(("0" + aws.name.lower(), shape))
        return out


def _inline_list(inline: dict[str, str]) -> list[dict[str, str]]:
    return [{"PolicyName": n, "PolicyDocument": encoded(t)} for n, t in inline.items()]


def _attached_list(arns: list[str]) -> list[dict[str, str]]:
    return [{"PolicyName": a.rsplit("/", 1)[-1], "PolicyArn": a} for a in arns]
