"""A function's resource-based policy: AddPermission, RemovePermission, GetPolicy. Each
qualifier has its own policy (the unqualified function/$LATEST, a version, an alias), kept in
that qualifier's record; the gateway evaluates it for requests from other accounts and from
AWS services (resource_facts in facts.py)."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.service import STATUS, Params, Result
from ownstack.ports.meta import Op, Put

from .base import new_revision
from .errors import (
    conflict,
    function_not_found,
    invalid,
    lambda_error,
    no_such_resource,
    not_found,
    precondition_failed,
)
from .lookup import LookupOps
from .names import LATEST, FunctionRef, function_arn, is_version, locate
from .records import ALIASES, VERSIONS, FunctionRecord, child_key, version_key
from .validate import checked

POLICY_LIMIT = 20_480
_SERVICE = re.compile(r"[a-z0-9.-]+\.amazonaws\.com(\.cn)?")
_ACCOUNT = re.compile(r"\d{12}")
_IAM = re.compile(r"arn:aws[a-zA-Z-]*:iam::\d{12}:\S+")
Edit = Callable[[dict[str, Any]], None]


def principal_of(given: str) -> Any:
    if given == "*":
        return "*"
    if _SERVICE.fullmatch(given):
        return {"Service": given}
    if _ACCOUNT.fullmatch(given):
        return {"AWS": f"arn:aws:iam::{given}:root"}
    if _IAM.fullmatch(given):
        return {"AWS": given}
    raise invalid("The provided principal was invalid. Please check the principal and try again.")


def statement_of(params: Params, resource: str) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Sid": params["StatementId"],
        "Effect": "Allow",
        "Principal": principal_of(params["Principal"]),
        "Action": params["Action"],
        "Resource": resource,
    }
    equals: dict[str, str] = {}
    if params.get("SourceAccount"):
        equals["AWS:SourceAccount"] = params["SourceAccount"]
    if params.get("PrincipalOrgID"):
        equals["aws:PrincipalOrgID"] = params["PrincipalOrgID"]
    if params.get("EventSourceToken"):
        equals["lambda:EventSourceToken"] = params["EventSourceToken"]
    if params.get("FunctionUrlAuthType"):
        equals["lambda:FunctionUrlAuthType"] = params["FunctionUrlAuthType"]
    condition: dict[str, Any] = {}
    if equals:
        condition["StringEquals"] = equals
    if params.get("SourceArn"):
        condition["ArnLike"] = {"AWS:SourceArn": params["SourceArn"]}
    if params.get("InvokedViaFunctionUrl"):
        condition["Bool"] = {"lambda:InvokedViaFunctionUrl": "true"}
    if condition:
        statement["Condition"] = condition
    return statement


class PermissionOps(LookupOps):
    @checked
    async def add_permission(self, ctx: RequestContext, params: Params) -> Result:
        ref = locate(ctx, params["FunctionName"], params.get("Qualifier"))
        if ref.qualifier == LATEST:
            raise invalid("We currently do not support adding policies for $LATEST.")
        sid = params["StatementId"]
        added: list[dict[str, Any]] = []

        def add(policy: dict[str, Any]) -> None:
            if any(s.get("Sid") == sid for s in policy["Statement"]):
                raise conflict(
                    f"The statement id ({sid}) provided already exists. Please provide a new "
                    "statement id, or remove the existing statement."
                )
            statement = statement_of(params, ref.arn)
            policy["Statement"].append(statement)
            added.append(statement)

        await self._edit_policy(ref, params.get("RevisionId"), add)
        return {"Statement": json.dumps(added[0]), STATUS: 201}

    @checked
    async def remove_permission(self, ctx: RequestContext, params: Params) -> Result:
        ref = locate(ctx, params["FunctionName"], params.get("Qualifier"))
        sid = params["StatementId"]

        def remove(policy: dict[str, Any]) -> None:
            if not policy["Statement"]:
                raise not_found("No policy is associated with the given resource.")
            kept = [s for s in policy["Statement"] if s.get("Sid") != sid]
            if len(kept) == len(policy["Statement"]):
                raise not_found(f"Statement {sid} is not found in resource policy.")
            policy["Statement"] = kept

        await self._edit_policy(ref, params.get("RevisionId"), remove)
        return {STATUS: 204}

    @checked
    async def get_policy(self, ctx: RequestContext, params: Params) -> Result:
        ref = locate(ctx, params["FunctionName"], params.get("Qualifier"))
        fn, _ = await self.function(ref)
        text, revision, _ = await self._policy_holder(ref, fn)
        if not text:
            raise no_such_resource()
        return {"Policy": text, "RevisionId": revision}

    async def _policy_holder(
        self, ref: FunctionRef, fn: FunctionRecord
    ) -> tuple[str, str, Callable[[str], Awaitable[list[Op]]]]:
        """(policy text, the qualifier's RevisionId, how to store a new policy text)."""
        qualifier = ref.qualifier
        if qualifier is None or qualifier == LATEST:

            async def keep_latest(text: str) -> list[Op]:
                fn.policy = text
                fn.latest.revision_id = new_revision()
                return []

            return fn.policy, fn.latest.revision_id, keep_latest
        if is_version(qualifier):
            version = await self.version(ref, qualifier)
            if version is None:
                raise function_not_found(ref.arn)

            async def keep_version(text: str) -> list[Op]:
                version.policy = text
                version.config.revision_id = new_revision()
                return [Put(VERSIONS, version_key(ref.key, qualifier), version.encode())]

            return version.policy, version.config.revision_id, keep_version
        alias = await self.alias(ref, qualifier)
        if alias is None:
            arn = function_arn(ref.region, ref.account, ref.name, qualifier)
            raise not_found(f"Cannot find alias arn: {arn}")

        async def keep_alias(text: str) -> list[Op]:
            alias.policy = text
            alias.revision_id = new_revision()
            return [Put(ALIASES, child_key(ref.key, qualifier), alias.encode())]

        return alias.policy, alias.revision_id, keep_alias

    async def _edit_policy(self, ref: FunctionRef, revision: str | None, edit: Edit) -> None:
        async def change(fn: FunctionRecord) -> list[Op]:
            text, current_revision, keep = await self._policy_holder(ref, fn)
            if revision and revision != current_revision:
                raise precondition_failed()
            policy = (
                json.loads(text)
                if text
                else {"Version": "2012-10-17", "Id": "default", "Statement": []}
            )
            edit(policy)
            new_text = json.dumps(policy, separators=(",", ":")) if policy["Statement"] else ""
            if len(new_text) > POLICY_LIMIT:
                raise lambda_error(
                    "PolicyLengthExceededException",
                    f"The final policy size ({len(new_text)}) is bigger than the limit "
                    f"({POLICY_LIMIT}).",
                    400,
                )
            return await keep(new_text)

        base = FunctionRef(ref.region, ref.account, ref.name)
        await self.change(base, change)
