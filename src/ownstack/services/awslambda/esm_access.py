"""What a mapping's poller may do: "an event source mapping uses the function's execution role
to read from the source" (and to send discarded records to an OnFailure destination), so at
CreateEventSourceMapping (and when an update changes the function or the destination) Lambda
checks the role may, in AWS's words when it may not. The check is the gateway's own evaluation
(identity policies of the role, the resource's policy), through the `authorize` hook."""

from __future__ import annotations

import uuid

from ownstack.core.context import ASSUMED_ROLE, Principal, RequestContext, Session
from ownstack.core.errors import ServiceError

from .base import LambdaBase
from .errors import invalid
from .esm_records import SQS, MappingRecord

QUEUE_ACTIONS = ("ReceiveMessage", "DeleteMessage", "GetQueueAttributes")
STREAM_ACTIONS = ("GetRecords", "GetShardIterator", "DescribeStream", "ListStreams")
DESTINATION_ACTIONS = {"sqs": ("SendMessage", "SQS"), "sns": ("Publish", "SNS")}
_CHECK_S = 900.0


class EsmAccess(LambdaBase):
    async def check_role(self, role_arn: str, function_name: str, mapping: MappingRecord) -> None:
        """Raises InvalidParameterValueException unless the role may read the mapping's source
        and send to its OnFailure destination."""
        if self.authorize is None:
            return
        ctx = self._role_context(role_arn, function_name, mapping.region)
        if mapping.kind == SQS:
            for action in QUEUE_ACTIONS:
                if not await self._may(ctx, f"sqs:{action}", mapping.source_arn):
                    raise _no_permission(action, "SQS")
        else:
            for action in STREAM_ACTIONS:
                if not await self._may(ctx, f"dynamodb:{action}", mapping.source_arn):
                    raise invalid(
                        f"Cannot access stream {mapping.source_arn}. Please ensure the role can "
                        "perform the GetRecords, GetShardIterator, DescribeStream, and "
                        "ListStreams Actions on your stream in IAM."
                    )
        if mapping.on_failure:
            service = mapping.on_failure.split(":")[2]
            action, named = DESTINATION_ACTIONS[service]
            if not await self._may(ctx, f"{service}:{action}", mapping.on_failure):
                raise _no_permission(action, named)

    async def _may(self, ctx: RequestContext, action: str, resource: str) -> bool:
        assert self.authorize is not None
        try:
            await self.authorize(ctx, action, resource)
        except ServiceError:
            return False
        return True

    def _role_context(self, role_arn: str, function_name: str, region: str) -> RequestContext:
        """A request as the function's role session would make it."""
        account = role_arn.split(":")[4]
        role_name = role_arn.rpartition("/")[2]
        now = self.clock.now()
        kind = "AssumeRole"  # the STS call a function's credentials come from
        principal = Principal(
            account_id=account,
            arn=f"arn:aws:sts::{account}:assumed-role/{role_name}/{function_name}",
            user_id=f"{role_name}:{function_name}",
            access_key="",
            kind=ASSUMED_ROLE,
            name=function_name,
            source_arn=role_arn,
            session=Session(expires=now + _CHECK_S, issued=now, token_kind=kind),
        )
        return RequestContext(
            request_id=str(uuid.uuid4()),
            account_id=account,
            region=region,
            principal=principal,
            service="lambda",
        )


def _no_permission(action: str, service: str) -> ServiceError:
    return invalid(
        f"The provided execution role does not have permissions to call {action} on {service}"
    )
