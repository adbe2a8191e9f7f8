"""IAM: derived for every operation of the model whose action the reference has; resources
from the reference's templates filled from the request.

Limitation: the templates name users, roles, groups, policies, instance profiles, server
certificates and MFA devices *with their path* (${UserNameWithPath}), but most requests carry only
the name. The path is taken from the request where it has one (CreateUser's Path...), and is
otherwise assumed to be `/`: a policy that names an entity under another path (`user/dev/bob`)
does not match a request about `bob` that carries no path. ARNs the request carries (PolicyArn,
OpenIDConnectProviderArn, PolicySourceArn...) are used as they are.

When UserName is optional and omitted (GetUser, CreateAccessKey, ListAccessKeys...), AWS acts on
the caller's own user: the resource is then the caller's ARN when the caller is an IAM user.
"""

from __future__ import annotations

from .arns import ArnTemplate
from .conditions import aws_tag_conditions, from_param
from .derive import (
    ActionRule,
    ExceptionFactory,
    ResolverFactory,
    Rules,
    ServiceSpec,
    direct,
    fill,
    first_of,
    single,
)
from .model import Builder, ConditionFn, Params, Requirement, Resolver, Scope

_ENTITY_ARNS = ("Arn", "PolicySourceArn", "EntityArn")
"""Members that carry the ARN of a user, role, group or policy (Simulate*, access reports)."""


def _with_path(path: object, name: object) -> str:
    text = path if isinstance(path, str) and path else "/"
    return f"{text[1:] if text.startswith('/') else text}{name}"


def named(variable: str, name_member: str, *, own_user: bool = False) -> ResolverFactory:
    """`<kind>/<path><name>` from a name member and the request's Path (else `/`); with
    `own_user`, a request without the name acts on the caller (an IAM user's ARN)."""

    def factory(members: frozenset[str], template: ArnTemplate) -> Resolver | None:
        if name_member not in members:
            return None
        path_member = "Path" if "Path" in members else None

        def resolve(params: Params, scope: Scope) -> str | None:
            name = params.get(name_member)
            if name:
                path = params.get(path_member) if path_member else None
                return template.fill({variable: _with_path(path, name)}, scope)
            if own_user and scope.caller and ":user/" in scope.caller:
                return scope.caller
            return None

        return resolve

    return factory


def entity_arn(kind: str) -> ResolverFactory:
    """A member carrying an entity's ARN, used when it is an ARN of this kind (`role/...`)."""
    marker = f":{kind}/"

    def factory(members: frozenset[str], template: ArnTemplate) -> Resolver | None:
        present = tuple(m for m in _ENTITY_ARNS if m in members)
        if not present:
            return None

        def resolve(params: Params, scope: Scope) -> str | None:
            for member in present:
                value = params.get(member)
                if isinstance(value, str) and value.startswith("arn:") and marker in value:
                    return value
            return None

        return resolve

    return factory


def _oidc_by_url(members: frozenset[str], template: ArnTemplate) -> Resolver | None:
    """CreateOpenIDConnectProvider: the provider's ARN ends with its URL without the scheme."""
    if "Url" not in members:
        return None

    def resolve(params: Params, scope: Scope) -> str | None:
        url = str(params.get("Url") or "")
        host_path = url.split("://", 1)[-1]
        return template.fill({"OidcProviderName": host_path}, scope) if host_path else None

    return resolve


def _resolvers() -> dict[str, ResolverFactory]:
    return {
        "user": first_of(named("UserNameWithPath", "UserName", own_user=True), entity_arn("user")),
        "role": first_of(named("RoleNameWithPath", "RoleName"), entity_arn("role")),
        "group": first_of(named("GroupNameWithPath", "GroupName"), entity_arn("group")),
        "policy": first_of(
            direct("PolicyArn"), named("PolicyNameWithPath", "PolicyName"), entity_arn("policy")
        ),
        "instance-profile": named("InstanceProfileNameWithPath", "InstanceProfileName"),
        "server-certificate": named("CertificateNameWithPath", "ServerCertificateName"),
        "mfa": first_of(
            direct("SerialNumber"), named("MfaTokenIdWithPath", "VirtualMFADeviceName")
        ),
        "sms-mfa": direct("SerialNumber"),
        "oidc-provider": first_of(
            direct("OpenIDConnectProviderArn"), _oidc_by_url, entity_arn("oidc-provider")
        ),
        "saml-provider": first_of(
            direct("SAMLProviderArn"), fill(SamlProviderName="Name"), entity_arn("saml-provider")
        ),
        "delegation-request": first_of(
            fill(DelegationRequestId="DelegationRequestId"), entity_arn("delegation-request")
        ),
        "access-report": fill(EntityPath="EntityPath"),
    }


def _conditions() -> dict[str, ConditionFn]:
    found = aws_tag_conditions(["Tags"])
    params = {
        "iam:policyarn": "PolicyArn",
        "iam:permissionsboundary": "PermissionsBoundary",
        "iam:awsservicename": "AWSServiceName",
        "iam:organizationspolicyid": "OrganizationsPolicyId",
        "iam:servicespecificcredentialservicename": "ServiceName",
        "iam:servicespecificcredentialagedays": "CredentialAgeDays",
        "iam:notificationchannel": "NotificationChannel",
        "iam:delegationrequestowner": "OwnerId",
    }
    found.update({key: from_param(key, member) for key, member in params.items()})
    return found


def _change_password(rules: Rules, members: frozenset[str]) -> Builder:
    """ChangePassword carries no UserName: it is always the caller's own password."""
    return single(rules.rule("ChangePassword", {"UserName"}))


def renaming(operation: str, name: str, new_name: str) -> ExceptionFactory:
    """UpdateUser/UpdateGroup/UpdateServerCertificate with a new name (or path) need the
    permission on both the old and the new name (IAM API reference, UpdateUser: "the requester
    must have appropriate permissions on both the source object and the target object")."""

    def factory(rules: Rules, members: frozenset[str]) -> Builder:
        old: ActionRule = rules.rule(operation, members)
        new: ActionRule = rules.rule(operation, {name, "Path"})

        def build(params: Params, scope: Scope) -> tuple[Requirement, ...]:
            if not params.get(new_name) and not params.get("NewPath"):
                return (old(params, scope),)
            target = {name: params.get(new_name) or params.get(name), "Path": params.get("NewPath")}
            return (old(params, scope), new(target, scope))

        return build

    return factory


def iam_spec() -> ServiceSpec:
    return ServiceSpec(
        prefix="iam",
        resolvers=_resolvers(),
        conditions=_conditions(),
        exceptions={
            "ChangePassword": _change_password,
            "UpdateUser": renaming("UpdateUser", "UserName", "NewUserName"),
            "UpdateGroup": renaming("UpdateGroup", "GroupName", "NewGroupName"),
            "UpdateServerCertificate": renaming(
                "UpdateServerCertificate", "ServerCertificateName", "NewServerCertificateName"
            ),
        },
    )
