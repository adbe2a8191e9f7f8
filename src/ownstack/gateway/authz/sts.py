"""STS. GetCallerIdentity and GetSessionToken need no permission (their API pages say so: "No
permissions are required ..."; even an explicit deny does not stop GetCallerIdentity). The
AssumeRole family is authorised by STS itself against the role's trust policy, so the gateway
leaves it to the service."""

from __future__ import annotations

from .conditions import aws_tag_conditions
from .derive import ServiceSpec, direct, fill

NO_PERMISSION = frozenset({"GetCallerIdentity", "GetSessionToken"})
SELF_AUTHORISED = frozenset({"AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity"})


def sts_spec() -> ServiceSpec:
    return ServiceSpec(
        prefix="sts",
        resolvers={
            "federated-user": fill(FederatedUserName="Name"),
            "role": direct("RoleArn"),
            "root-user": fill(Account="TargetPrincipal"),
        },
        conditions=aws_tag_conditions(["Tags"]),
        no_permission=NO_PERMISSION,
        self_authorised=SELF_AUTHORISED,
    )
