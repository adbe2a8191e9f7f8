"""STS: temporary credentials (AssumeRole, GetSessionToken, GetFederationToken) sealed by the
identity package's SessionSealer, and who-am-I (GetCallerIdentity, GetAccessKeyInfo,
DecodeAuthorizationMessage). AssumeRoleWithWebIdentity / AssumeRoleWithSAML have no method:
the gateway answers NotImplemented."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Protocol

from ownstack.core.clock import Clock
from ownstack.core.context import (
    ASSUMED_ROLE,
    FEDERATED_USER,
    ROOT,
    USER,
    Principal,
    RequestContext,
    Session,
)
from ownstack.core.errors import ServiceError
from ownstack.core.service import Params, Result
from ownstack.identity.model import AccountBook, IdentityPolicies, KeyGrant, RoleInfo
from ownstack.identity.sessions import SessionSealer, account_of_access_key
from ownstack.policy import Policy

from . import assume
from .session_input import SessionInput, check_policy_params, credentials_result, session_input
from .validate import (
    EXTERNAL_ID_PATTERN,
    Violations,
    access_denied,
    not_authorized,
    refuse_unverifiable,
)

TOKEN_MIN, TOKEN_MAX, TOKEN_DEFAULT = 900, 129600, 43200
ROOT_MAX = 3600


class StsDirectory(Protocol):
    """What STS reads of the identity directory."""

    sessions: SessionSealer
    accounts: AccountBook

    def credential(self, access_key: str, session_token: str | None) -> KeyGrant | None: ...

    async def policies(self, principal: Principal) -> IdentityPolicies: ...

    async def role(self, account_id: str, name: str) -> RoleInfo | None: ...

    async def managed_policy(self, arn: str) -> Policy | None: ...


class StsService:
    def __init__(self, directory: StsDirectory, clock: Clock, region: str) -> None:
        self.directory = directory
        self.clock = clock
        self.region = region

    async def get_caller_identity(self, ctx: RequestContext, params: Params) -> Result:
        principal = ctx.principal
        return {"UserId": principal.user_id, "Account": principal.account_id, "Arn": principal.arn}

    async def assume_role(self, ctx: RequestContext, params: Params) -> Result:
        refuse_unverifiable(params)
        caller = ctx.principal
        v = Violations()
        v.length(params.get("RoleArn"), "roleArn", 20, 2048)
        v.name(params.get("RoleSessionName"), "roleSessionName", 2, 64)
        v.between(params.get("DurationSeconds"), "durationSeconds", 900, 43200)
        v.length(params.get("ExternalId"), "externalId", 2, 1224)
        v.pattern(params.get("ExternalId"), "externalId", EXTERNAL_ID_PATTERN)
        v.name(params.get("SourceIdentity"), "sourceIdentity", 2, 64)
        v.tags(params.get("Tags"))
        v.count(params.get("TransitiveTagKeys"), "transitiveTagKeys", 50)
        check_policy_params(params, v)
        v.raise_any()
        role_arn: str = params["RoleArn"]
        account_id, role_name = assume.parse_role_arn(role_arn)
        role = await self.directory.role(account_id, role_name)
        if role is None or role.arn != role_arn:
            raise not_authorized(caller.arn, "sts:AssumeRole", role_arn)
        chained = caller.kind == ASSUMED_ROLE
        duration = assume.assumed_role_duration(params, role, chained)
        source_identity = assume.check_source_identity(caller, params.get("SourceIdentity"))
        policies = await self.directory.policies(caller)
        now = self.clock.now()
        actions = ["sts:AssumeRole"]
        if params.get("Tags"):
            actions.append("sts:TagSession")
        if params.get("SourceIdentity"):
            actions.append("sts:SetSourceIdentity")
        context = assume.request_context(params, caller, policies, now)
        assume.check_trust(caller, role, actions, context, policies)
        inherited = _transitive_tags(caller) if chained else {}
        extra = await session_input(params, self.directory, inherited)
        session = _session(extra, now, duration, "AssumeRole", source_identity, chained)
        session = _carry_transitive(session, caller if chained else None)
        principal = assume.role_session(role, params["RoleSessionName"], session)
        credential = self.directory.sessions.issue(principal)
        result: Result = {
            "Credentials": credentials_result(credential),
            "AssumedRoleUser": {"AssumedRoleId": principal.user_id, "Arn": principal.arn},
        }
        if extra.packed_percent is not None:
            result["PackedPolicySize"] = extra.packed_percent
        if source_identity:
            result["SourceIdentity"] = source_identity
        return result

    async def get_session_token(self, ctx: RequestContext, params: Params) -> Result:
        refuse_unverifiable(params)
        caller = ctx.principal
        v = Violations()
        v.between(params.get("DurationSeconds"), "durationSeconds", TOKEN_MIN, TOKEN_MAX)
        v.raise_any()
        if caller.session is not None or caller.kind not in (ROOT, USER):
            raise access_denied("Cannot call GetSessionToken with session credentials")
        duration = _long_duration(params, caller)
        now = self.clock.now()
        session = Session(
            expires=float(math.floor(now) + duration),
            issued=now,
            token_kind="GetSessionToken",  # noqa: S106 (an STS operation's name)
        )
        principal = Principal(
            account_id=caller.account_id,
            arn=caller.arn,
            user_id=caller.user_id,
            access_key="",
            kind=caller.kind,
            name=caller.name,
            source_arn=caller.arn,
            session=session,
        )
        return {"Credentials": credentials_result(self.directory.sessions.issue(principal))}

    async def get_federation_token(self, ctx: RequestContext, params: Params) -> Result:
        caller = ctx.principal
        v = Violations()
        v.name(params.get("Name"), "name", 2, 32)
        v.between(params.get("DurationSeconds"), "durationSeconds", TOKEN_MIN, TOKEN_MAX)
        v.tags(params.get("Tags"))
        check_policy_params(params, v)
        v.raise_any()
        if caller.session is not None or caller.kind not in (ROOT, USER):
            raise access_denied("Cannot call GetFederationToken with session credentials")
        extra = await session_input(params, self.directory)
        duration = _long_duration(params, caller)
        now = self.clock.now()
        name: str = params["Name"]
        # No session policy means no permissions: the directory always applies a federated
        # user's session policies, an empty set included.
        session = _session(extra, now, duration, "GetFederationToken", "", False)
        principal = Principal(
            account_id=caller.account_id,
            arn=f"arn:aws:sts::{caller.account_id}:federated-user/{name}",
            user_id=f"{caller.account_id}:{name}",
            access_key="",
            kind=FEDERATED_USER,
            name=name,
            source_arn=caller.arn,
            session=session,
        )
        credential = self.directory.sessions.issue(principal)
        result: Result = {
            "Credentials": credentials_result(credential),
            "FederatedUser": {"FederatedUserId": principal.user_id, "Arn": principal.arn},
        }
        if extra.packed_percent is not None:
            result["PackedPolicySize"] = extra.packed_percent
        return result

    async def get_access_key_info(self, ctx: RequestContext, params: Params) -> Result:
        key_id: str = params["AccessKeyId"]
        v = Violations()
        v.length(key_id, "accessKeyId", 16, 128)
        v.pattern(key_id, "accessKeyId", r"[\w]*")
        v.raise_any()
        account = self._owner_of(key_id)
        if account is None:
            raise ServiceError(
                "InvalidParameterValue", f"The access key {key_id} is not valid.", 400
            )
        return {"Account": account}

    def _owner_of(self, key_id: str) -> str | None:
        """Known keys (roots, IAM users) by lookup; any other key by the account its id
        encodes, as AWS answers (it does not say whether a key exists)."""
        if not key_id.startswith("ASIA"):
            root = self.directory.accounts.by_access_key(key_id)
            if root is not None:
                return root.id
            grant = self.directory.credential(key_id, None)
            if grant is not None:
                return grant.principal.account_id
        return account_of_access_key(key_id)

    async def decode_authorization_message(self, ctx: RequestContext, params: Params) -> Result:
        decoded = self.directory.sessions.decode_authorization_message(params["EncodedMessage"])
        if decoded is None:
            raise ServiceError(
                "InvalidAuthorizationMessageException", "Invalid Authorization Message", 400
            )
        return {"DecodedMessage": decoded}


def _long_duration(params: Params, caller: Principal) -> int:
    """GetSessionToken / GetFederationToken: root's sessions last at most one hour (a longer
    request is shortened, not refused, as AWS does)."""
    duration = int(params.get("DurationSeconds") or TOKEN_DEFAULT)
    return min(duration, ROOT_MAX) if caller.kind == ROOT else duration


def _session(
    extra: SessionInput, now: float, duration: int, kind: str, source: str, chained: bool
) -> Session:
    return Session(
        expires=float(math.floor(now) + duration),
        issued=now,
        policy=extra.policy,
        policy_arns=extra.policy_arns,
        tags=dict(extra.tags),
        transitive_tag_keys=extra.transitive_tag_keys,
        source_identity=source,
        chained=chained,
        token_kind=kind,
    )


def _transitive_tags(caller: Principal) -> dict[str, str]:
    session = caller.session
    if session is None:
        return {}
    return {k: session.tags[k] for k in session.transitive_tag_keys if k in session.tags}


def _carry_transitive(session: Session, caller: Principal | None) -> Session:
    """A chained session keeps its caller's transitive tag keys transitive."""
    if caller is None or caller.session is None:
        return session
    keys = tuple(dict.fromkeys((*caller.session.transitive_tag_keys, *session.transitive_tag_keys)))
    return replace(session, transitive_tag_keys=keys)
