"""IAM: every implemented operation, composed from the per-area mixins. SAML/OIDC providers,
MFA devices, certificates, login profiles and SSH keys have no method, so they answer
NotImplemented."""

from __future__ import annotations

from .access_keys import AccessKeyOps
from .account import AccountOps
from .attach import AttachOps
from .facts import ResourceFactsOps
from .groups import GroupOps
from .inline import InlinePolicyOps
from .profiles import InstanceProfileOps
from .roles import RoleOps
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
    ResourceFactsOps,
):
    """Constructed as IamBase is: IamService(meta, directory, clock)."""
