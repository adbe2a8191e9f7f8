"""IAM: every implemented operation, composed from the per-area mixins. SAML/OIDC providers,
MFA devices, certificates, login profiles, SSH keys, service-specific credentials, delegation
requests and Organizations features have no method, so they answer NotImplemented."""

from __future__ import annotations

from .access_keys import AccessKeyOps
from .account import AccountOps
from .attach import AttachOps
from .context_keys import ContextKeyOps
from .credential_report import CredentialReportOps
from .facts import ResourceFactsOps
from .groups import GroupOps
from .inline import InlinePolicyOps
from .password_policy import PasswordPolicyOps
from .profiles import InstanceProfileOps
from .roles import RoleOps
from .service_roles import ServiceRoleOps
from .simulate import SimulateOps
from .users import UserOps
from .versions import PolicyVersionOps


class IamService(
    UserOps,
    GroupOps,
    RoleOps,
    InlinePolicyOps,
    AttachOps,
    AccountOps,
    PolicyVersionOps,
    AccessKeyOps,
    InstanceProfileOps,
    SimulateOps,
    ServiceRoleOps,
    ContextKeyOps,
    PasswordPolicyOps,
    CredentialReportOps,
    ResourceFactsOps,
):
    """Constructed as IamBase is: IamService(meta, directory, clock)."""
