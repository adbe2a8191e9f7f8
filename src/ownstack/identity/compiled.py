"""A principal's policies, gathered from IAM's records and compiled for the evaluator."""

from __future__ import annotations

from ownstack.core.context import Principal
from ownstack.policy import Policy, PolicyKind, parse_policy

from .managed import AWS_POLICY_PREFIX, AwsManagedPolicies
from .model import IdentityPolicies
from .records import GroupRecord, RoleRecord, UserRecord
from .store import IamStore


def name_of(arn: str) -> str:
    """The last path segment of an IAM ARN (a user's, a role's or a policy's name)."""
    return arn.rsplit("/", 1)[-1]


class PolicyCompiler:
    """Reads the policies behind an entity and compiles them. AWS managed policies never
    change, so their compiled form is kept for the life of the process."""

    def __init__(self, store: IamStore, aws: AwsManagedPolicies) -> None:
        self.store = store
        self.aws = aws
        self._aws_compiled: dict[tuple[str, str], Policy] = {}

    async def managed(self, arn: str, kind: PolicyKind = "identity") -> Policy | None:
        """The default version of a managed policy by ARN (None: no such policy)."""
        if arn.startswith(AWS_POLICY_PREFIX):
            return self._aws(arn, kind)
        account_id = arn.split(":")[4] if arn.count(":") >= 5 else ""
        stored = await self.store.policy(account_id, name_of(arn))
        if stored is None or stored.record.arn != arn:
            return None
        return _parse(stored.record.document, kind, arn)

    def _aws(self, arn: str, kind: PolicyKind) -> Policy | None:
        cached = self._aws_compiled.get((arn, kind))
        if cached is not None:
            return cached
        found = self.aws.get(arn)
        if found is None:
            return None
        compiled = self._aws_compiled[(arn, kind)] = _parse(found.document, kind, arn)
        return compiled

    async def attached(self, arns: list[str]) -> list[Policy]:
        out = []
        for arn in arns:
            policy = await self.managed(arn)
            if policy is not None:
                out.append(policy)
        return out

    async def user_policies(self, user: UserRecord) -> list[Policy]:
        """The user's inline and attached policies, then each group's."""
        policies = inline("user", user.name, user.inline)
        policies += await self.attached(user.attached)
        for group_name in user.groups:
            group = await self.store.group(user.arn.split(":")[4], group_name)
            if group is not None:
                policies += await self.group_policies(group.record)
        return policies

    async def group_policies(self, group: GroupRecord) -> list[Policy]:
        return inline("group", group.name, group.inline) + await self.attached(group.attached)

    async def role_policies(self, role: RoleRecord) -> list[Policy]:
        return inline("role", role.name, role.inline) + await self.attached(role.attached)

    async def boundary(self, arn: str) -> Policy | None:
        return await self.managed(arn, "boundary") if arn else None

    async def for_user(self, user: UserRecord, principal: Principal) -> IdentityPolicies:
        return IdentityPolicies(
            identity=tuple(await self.user_policies(user)),
            boundary=await self.boundary(user.boundary),
            session=await self.session(principal),
            principal_tags=dict(user.tags),
        )

    async def for_role(self, role: RoleRecord, principal: Principal) -> IdentityPolicies:
        session_tags = principal.session.tags if principal.session else {}
        return IdentityPolicies(
            identity=tuple(await self.role_policies(role)),
            boundary=await self.boundary(role.boundary),
            session=await self.session(principal),
            principal_tags={**role.tags, **session_tags},
        )

    async def for_root_session(self, principal: Principal) -> IdentityPolicies:
        """A federated user made by the account's root: root's permissions (everything in its
        account), narrowed by the session policy."""
        return IdentityPolicies(identity=(_ROOT_ALLOWS,), session=await self.session(principal))

    async def session(self, principal: Principal) -> tuple[Policy, ...] | None:
        """The credential's session policies; None when it carries none. A federation token
        made without a policy allows nothing: an empty tuple."""
        session = principal.session
        if session is None:
            return None
        if not session.has_policies:
            federation = session.token_kind == "GetFederationToken"  # noqa: S105 (an operation)
            return () if federation else None
        out = []
        if session.policy:
            out.append(_parse(session.policy, "session", "session-policy"))
        for arn in session.policy_arns:
            found = await self.managed(arn, "session")
            if found is not None:
                out.append(found)
        return tuple(out)


_ROOT_ALLOWS = parse_policy(
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
    "identity",
    "root",
)


def inline(kind: str, entity: str, documents: dict[str, str]) -> list[Policy]:
    return [_parse(text, "identity", f"{kind}/{entity}/{name}") for name, text in documents.items()]


def _parse(text: str, kind: PolicyKind, source_id: str) -> Policy:
    # Stored documents were validated when written: a PolicyError here (a stricter parser)
    # propagates, so the request fails rather than being judged without the policy.
    return parse_policy(text, kind, source_id)
