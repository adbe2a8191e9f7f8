"""Who may use a layer version: its account, and the accounts its permissions name
(AddLayerVersionPermission, GetLayerVersionPolicy, RemoveLayerVersionPermission). The
statements form the layer version's resource policy, which the gateway evaluates for
cross-account GetLayerVersion (resource_facts) and CreateFunction checks for the layers a
function names."""

from __future__ import annotations

import json
import re
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import Put

from .base import LambdaBase, new_revision
from .errors import (
    access_denied,
    conflict,
    constraint,
    invalid,
    not_found,
    precondition_failed,
    validation,
)
from .names import LayerRef, layer_version_arn, parse_layer
from .records import LAYERS, LayerVersionRecord, layer_version_key
from .validate import checked

_PRINCIPAL = re.compile(r"\d{12}|\*|arn:aws[a-zA-Z-]*:iam::\d{12}:root")


class LayerAccess(LambdaBase):
    async def layer_version(
        self, region: str, account: str, name: str, version: int
    ) -> LayerVersionRecord | None:
        raw = await self.meta.get(LAYERS, layer_version_key(region, account, name, version))
        return None if raw is None else LayerVersionRecord.decode(raw.value)

    async def usable_layer(
        self, ctx: RequestContext, ref: LayerRef, arn: str
    ) -> LayerVersionRecord:
        """The layer version `arn` names, if the caller may use it (lambda:GetLayerVersion)."""
        assert ref.version is not None
        if ref.region != ctx.region:
            raise invalid(
                "Layers are not in the same region as the function. Layers are expected to be "
                f"in region {ctx.region}."
            )
        record = await self.layer_version(ref.region, ref.account, ref.name, ref.version)
        if ref.account != ctx.account_id and (record is None or not _grants(record, ctx)):
            raise access_denied(ctx.principal.arn, "lambda:GetLayerVersion", arn)
        if record is None:
            raise invalid(f"Layer version {arn} does not exist.")
        if self.authorize is not None:
            await self.authorize(ctx, "lambda:GetLayerVersion", arn)
        return record

    @checked
    async def add_layer_version_permission(self, ctx: RequestContext, params: Params) -> Result:
        ref = parse_layer(ctx, params["LayerName"])
        version = int(params["VersionNumber"])
        sid, principal = params["StatementId"], params["Principal"]
        if params["Action"] != "lambda:GetLayerVersion":
            raise validation(
                constraint(
                    params["Action"],
                    "action",
                    "Member must satisfy regular expression pattern: lambda:GetLayerVersion",
                )
            )
        if not _PRINCIPAL.fullmatch(principal):
            raise invalid(
                "The provided principal was invalid. Please check the principal and try again."
            )

        def add(record: LayerVersionRecord) -> dict[str, Any]:
            if any(s.get("Sid") == sid for s in record.statements):
                raise conflict(
                    f"The statement id ({sid}) provided already exists. Please provide a new "
                    "statement id, or remove the existing statement."
                )
            statement = _statement(record, sid, principal, params.get("OrganizationId"))
            record.statements.append(statement)
            return statement

        record, statement = await self._edit_layer(ref, version, params.get("RevisionId"), add)
        return {"Statement": json.dumps(statement), "RevisionId": record.policy_revision}

    @checked
    async def remove_layer_version_permission(self, ctx: RequestContext, params: Params) -> Result:
        ref = parse_layer(ctx, params["LayerName"])
        sid = params["StatementId"]

        def remove(record: LayerVersionRecord) -> dict[str, Any]:
            kept = [s for s in record.statements if s.get("Sid") != sid]
            if len(kept) == len(record.statements):
                raise not_found(f"Statement {sid} is not found in resource policy.")
            record.statements = kept
            return {}

        await self._edit_layer(ref, int(params["VersionNumber"]), params.get("RevisionId"), remove)
        return {}

    @checked
    async def get_layer_version_policy(self, ctx: RequestContext, params: Params) -> Result:
        ref = parse_layer(ctx, params["LayerName"])
        version = int(params["VersionNumber"])
        record = await self.layer_version(ref.region, ref.account, ref.name, version)
        if record is None:
            raise not_found(f"Layer version {_arn(ref, version)} does not exist.")
        if not record.statements:
            raise not_found("No policy is associated with the given resource.")
        return {"Policy": layer_policy(record), "RevisionId": record.policy_revision}

    async def _edit_layer(
        self, ref: LayerRef, version: int, revision: str | None, edit: Any
    ) -> tuple[LayerVersionRecord, dict[str, Any]]:
        key = layer_version_key(ref.region, ref.account, ref.name, version)
        while True:
            raw = await self.meta.get(LAYERS, key)
            if raw is None:
                raise not_found(f"Layer version {_arn(ref, version)} does not exist.")
            record = LayerVersionRecord.decode(raw.value)
            if revision and revision != record.policy_revision:
                raise precondition_failed("GetLayerPolicy")
            result = edit(record)
            record.policy_revision = new_revision()
            try:
                await self.meta.commit([Put(LAYERS, key, record.encode(), expect=raw.version)])
            except ConditionFailed:
                continue
            return record, result


def _arn(ref: LayerRef, version: int) -> str:
    return layer_version_arn(ref.region, ref.account, ref.name, version)


def _statement(
    record: LayerVersionRecord, sid: str, principal: str, organization: str | None
) -> dict[str, Any]:
    if principal == "*":
        who: Any = "*"
    elif principal.isdigit():
        who = {"AWS": f"arn:aws:iam::{principal}:root"}
    else:
        who = {"AWS": principal}
    statement: dict[str, Any] = {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": who,
        "Action": "lambda:GetLayerVersion",
        "Resource": layer_version_arn(
            record.region, record.account_id, record.name, record.version
        ),
    }
    if organization:
        statement["Condition"] = {"StringEquals": {"aws:PrincipalOrgID": organization}}
    return statement


def layer_policy(record: LayerVersionRecord) -> str:
    return json.dumps({"Version": "2012-10-17", "Id": "default", "Statement": record.statements})


def _grants(record: LayerVersionRecord, ctx: RequestContext) -> bool:
    """Whether a statement names the caller's account or everyone (no organisations here: a
    statement limited to one never matches)."""
    root = f"arn:aws:iam::{ctx.account_id}:root"
    for statement in record.statements:
        if "Condition" in statement:
            continue
        who = statement.get("Principal")
        if who == "*" or (isinstance(who, dict) and who.get("AWS") == root):
            return True
    return False
