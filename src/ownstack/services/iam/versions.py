"""Managed policy versions: CreatePolicyVersion, GetPolicyVersion, DeletePolicyVersion,
ListPolicyVersions, SetDefaultPolicyVersion. At most five versions per policy."""

from __future__ import annotations

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.identity.managed import AWS_POLICY_PREFIX
from ownstack.identity.records import POLICIES, PolicyVersionRecord, entity_key
from ownstack.ports.meta import Op, Put

from .base import IamBase
from .errors import delete_conflict, limit_exceeded, no_such_entity, policy_not_found
from .paging import page
from .shapes import version_shape
from .validate import check_document, check_managed_size

MAX_VERSIONS = 5


def version_missing(arn: str, version_id: str) -> Exception:
    return no_such_entity(f"Policy {arn} version {version_id} does not exist or is not attachable.")


class PolicyVersionOps(IamBase):
    async def create_policy_version(self, ctx: RequestContext, params: Params) -> Result:
        arn, text = params["PolicyArn"], params["PolicyDocument"]
        default = bool(params.get("SetAsDefault"))
        check_managed_size(text)
        check_document(text, "identity", arn, managed=True)

        async def build() -> tuple[list[Op], PolicyVersionRecord]:
            stored = await self.customer_policy(ctx, arn)
            policy = stored.record
            if len(policy.versions) >= MAX_VERSIONS:
                raise limit_exceeded(
                    "A managed policy can have up to 5 versions. Before you create a new"
                    " version, you must delete an existing version."
                )
            now = self.clock.now()
            version = PolicyVersionRecord(f"v{policy.next_version}", text, now)
            policy.versions.append(version)
            policy.next_version += 1
            if default:
                policy.default_version, policy.updated = version.id, now
            key = entity_key(ctx.account_id, policy.name)
            return [Put(POLICIES, key, policy.encode(), expect=stored.version)], version

        version = await self.write(ctx, build)
        shape = version_shape(version, version.id if default else "", document=False)
        return {"PolicyVersion": shape}

    async def get_policy_version(self, ctx: RequestContext, params: Params) -> Result:
        arn, version_id = params["PolicyArn"], params["VersionId"]
        if arn.startswith(AWS_POLICY_PREFIX):
            aws = self.directory.aws_policies.get(arn)
            if aws is None:
                raise policy_not_found(arn)
            if version_id != aws.default_version:
                raise version_missing(arn, version_id)
            aws_version = PolicyVersionRecord(aws.default_version, aws.document, aws.updated)
            return {"PolicyVersion": version_shape(aws_version, version_id, document=True)}
        policy = (await self.customer_policy(ctx, arn)).record
        version = policy.version(version_id)
        if version is None:
            raise version_missing(arn, version_id)
        return {"PolicyVersion": version_shape(version, policy.default_version, document=True)}

    async def list_policy_versions(self, ctx: RequestContext, params: Params) -> Result:
        arn = params["PolicyArn"]
        if arn.startswith(AWS_POLICY_PREFIX):
            aws = self.directory.aws_policies.get(arn)
            if aws is None:
                raise policy_not_found(arn)
            only = PolicyVersionRecord(aws.default_version, "", aws.updated)
            return {
                "Versions": [version_shape(only, only.id, document=False)],
                "IsTruncated": False,
            }
        policy = (await self.customer_policy(ctx, arn)).record
        newest_first = sorted(policy.versions, key=lambda v: -int(v.id[1:]))
        order = {v.id: f"{i:04d}" for i, v in enumerate(newest_first)}
        chosen, more = page(newest_first, params, lambda v: order[v.id])
        shapes = [version_shape(v, policy.default_version, document=False) for v in chosen]
        return {"Versions": shapes, **more}

    async def delete_policy_version(self, ctx: RequestContext, params: Params) -> Result:
        arn, version_id = params["PolicyArn"], params["VersionId"]

        async def build() -> tuple[list[Op], None]:
            stored = await self.customer_policy(ctx, arn)
            policy = stored.record
            if policy.version(version_id) is None:
                raise version_missing(arn, version_id)
            if version_id == policy.default_version:
                raise delete_conflict("Cannot delete the default version of a policy.")
            policy.versions = [v for v in policy.versions if v.id != version_id]
            key = entity_key(ctx.account_id, policy.name)
            return [Put(POLICIES, key, policy.encode(), expect=stored.version)], None

        await self.write(ctx, build)
        return {}

    async def set_default_policy_version(self, ctx: RequestContext, params: Params) -> Result:
        arn, version_id = params["PolicyArn"], params["VersionId"]

        async def build() -> tuple[list[Op], None]:
            stored = await self.customer_policy(ctx, arn)
            policy = stored.record
            if policy.version(version_id) is None:
                raise version_missing(arn, version_id)
            policy.default_version, policy.updated = version_id, self.clock.now()
            key = entity_key(ctx.account_id, policy.name)
            return [Put(POLICIES, key, policy.encode(), expect=stored.version)], None

        await self.write(ctx, build)
        return {}
