"""The events bus's guard: a delivery made by a service principal (S3, EventBridge, SNS) is
allowed only by the destination's resource policy, evaluated by the gateway's authorizer as
for a request, with aws:SourceArn and aws:SourceAccount set (AWS's rule for service-to-service
deliveries)."""

from __future__ import annotations

from ownstack.core.context import SERVICE, Principal, RequestContext
from ownstack.core.errors import ServiceError
from ownstack.events.bus import Delivery, DeliveryFailed, Permit, arn_service
from ownstack.gateway.authorize import Authorizer

ACTIONS = {
    "sqs": "sqs:SendMessage",
    "sns": "sns:Publish",
    "lambda": "lambda:InvokeFunction",
    "events": "events:PutEvents",
}
"""The permission a destination's policy must grant, by the destination's service."""


def delivery_permit(authorizer: Authorizer, region: str) -> Permit:
    async def permit(delivery: Delivery) -> None:
        sender = delivery.sender
        if sender is None:
            return
        action = ACTIONS.get(arn_service(delivery.target) or "")
        if action is None:
            raise DeliveryFailed(delivery.target, "no service principal may deliver there")
        target_account = delivery.target.split(":")[4]
        principal = Principal(
            account_id=sender.source_account,
            arn=sender.service,
            user_id=sender.service,
            access_key="",
            kind=SERVICE,
        )
        ctx = RequestContext(
            request_id="delivery",
            account_id=target_account,
            region=region,
            principal=principal,
            service=arn_service(delivery.target) or "",
        )
        context = {
            "aws:sourcearn": (sender.source_arn,),
            "aws:sourceaccount": (sender.source_account,),
        }
        try:
            await authorizer.authorize_action(ctx, action, delivery.target, context)
        except ServiceError as err:
            if not await authorizer.resource_exists(ctx, delivery.target):
                raise DeliveryFailed(delivery.target, "it does not exist", missing=True) from err
            raise DeliveryFailed(
                delivery.target, f"{sender.service} is not allowed to deliver: {err.message}"
            ) from err

    return permit
