"""The account's password policy: GetAccountPasswordPolicy, UpdateAccountPasswordPolicy,
DeleteAccountPasswordPolicy. ownstack has no console passwords (no login profiles), so nothing
else reads it: it is kept and answered as IAM keeps it.

UpdateAccountPasswordPolicy replaces the whole policy: a member not given goes back to its
default (AWS: "This operation does not support partial updates")."""

from __future__ import annotations

from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.identity.records import PASSWORD_POLICIES, PasswordPolicyRecord
from ownstack.ports.meta import ABSENT, Delete, Op, Put

from .base import IamBase
from .errors import no_such_entity, validation_error

_RANGES = {
    "MinimumPasswordLength": ("minimumPasswordLength", 6, 128),
    "MaxPasswordAge": ("maxPasswordAge", 1, 1095),
    "PasswordReusePrevention": ("passwordReusePrevention", 1, 24),
}
"""The model's bounds of each integer member, and the name AWS's message gives it."""


def _range_errors(params: Params) -> list[str]:
    errors = []
    for member, (label, low, high) in _RANGES.items():
        value = params.get(member)
        if value is None or low <= value <= high:
            continue
        bound = (
            f"greater than or equal to {low}" if value < low else f"less than or equal to {high}"
        )
        errors.append(
            f"Value '{value}' at '{label}' failed to satisfy constraint: Member must have"
            f" value {bound}"
        )
    return errors


def check_password_policy(params: Params) -> PasswordPolicyRecord:
    errors = _range_errors(params)
    if errors:
        count = f"{len(errors)} validation error{'s' if len(errors) > 1 else ''} detected: "
        raise validation_error(count + "; ".join(errors))
    return PasswordPolicyRecord(
        minimum_length=params.get("MinimumPasswordLength") or 6,
        require_symbols=bool(params.get("RequireSymbols")),
        require_numbers=bool(params.get("RequireNumbers")),
        require_uppercase=bool(params.get("RequireUppercaseCharacters")),
        require_lowercase=bool(params.get("RequireLowercaseCharacters")),
        allow_users_to_change=bool(params.get("AllowUsersToChangePassword")),
        max_age=params.get("MaxPasswordAge") or 0,
        reuse_prevention=params.get("PasswordReusePrevention") or 0,
        hard_expiry=params.get("HardExpiry"),
    )


def password_policy_shape(policy: PasswordPolicyRecord) -> dict[str, Any]:
    """As IAM answers: MaxPasswordAge, PasswordReusePrevention and HardExpiry only when set."""
    out: dict[str, Any] = {
        "MinimumPasswordLength": policy.minimum_length,
        "RequireSymbols": policy.require_symbols,
        "RequireNumbers": policy.require_numbers,
        "RequireUppercaseCharacters": policy.require_uppercase,
        "RequireLowercaseCharacters": policy.require_lowercase,
        "AllowUsersToChangePassword": policy.allow_users_to_change,
        "ExpirePasswords": policy.max_age > 0,
    }
    if policy.max_age:
        out["MaxPasswordAge"] = policy.max_age
    if policy.reuse_prevention:
        out["PasswordReusePrevention"] = policy.reuse_prevention
    if policy.hard_expiry is not None:
        out["HardExpiry"] = policy.hard_expiry
    return out


class PasswordPolicyOps(IamBase):
    async def get_account_password_policy(self, ctx: RequestContext, params: Params) -> Result:
        found = await self.store.read(PASSWORD_POLICIES, ctx.account_id, PasswordPolicyRecord)
        if found is None:
            raise no_such_entity(
                f"The Password Policy with domain name {ctx.account_id} cannot be found."
            )
        return {"PasswordPolicy": password_policy_shape(found.record)}

    async def update_account_password_policy(self, ctx: RequestContext, params: Params) -> Result:
        policy = check_password_policy(params)

        async def build() -> tuple[list[Op], None]:
            found = await self.store.read(PASSWORD_POLICIES, ctx.account_id, PasswordPolicyRecord)
            expect = found.version if found else ABSENT
            return [Put(PASSWORD_POLICIES, ctx.account_id, policy.encode(), expect)], None

        await self.write(ctx, build)
        return {}

    async def delete_account_password_policy(self, ctx: RequestContext, params: Params) -> Result:
        async def build() -> tuple[list[Op], None]:
            found = await self.store.read(PASSWORD_POLICIES, ctx.account_id, PasswordPolicyRecord)
            if found is None:
                raise no_such_entity("The account policy with name PasswordPolicy cannot be found.")
            return [Delete(PASSWORD_POLICIES, ctx.account_id, expect=found.version)], None

        await self.write(ctx, build)
        return {}
