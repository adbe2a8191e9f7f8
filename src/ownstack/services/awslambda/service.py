"""The Lambda service: every implemented control-plane operation, composed from the
per-resource mixins, plus what invoking builds on (resolve.py) and the code downloads the
gateway serves (code_links.py)."""

from __future__ import annotations

from ownstack.core.http import Response

from .aliases import AliasOps
from .concurrency import ConcurrencyOps
from .esm_ops import EsmOps
from .facts import FactOps
from .functions import FunctionOps
from .invoke_config import InvokeConfigOps
from .permissions import PermissionOps
from .resolve import ResolveOps
from .tags import TagOps
from .updates import UpdateOps
from .url_serve import UrlServeOps
from .urls import UrlOps
from .versions import VersionOps


class LambdaService(
    UrlServeOps,
    EsmOps,
    UpdateOps,
    FunctionOps,
    VersionOps,
    AliasOps,
    PermissionOps,
    InvokeConfigOps,
    UrlOps,
    ConcurrencyOps,
    TagOps,
    FactOps,
    ResolveOps,
):
    """Constructed as LambdaBase is (base.py); app.py then `connect`s the S3 and
    authorisation hooks."""

    async def start(self) -> None:
        """Settle (in the background) what a previous process left Pending or InProgress."""
        self.background(self.settle_all())

    async def code_download(self, token: str) -> Response:
        """GET /_ownstack/lambda/code/<token>: a Code.Location link (gateway/internal.py)."""
        return await self.links.download(token)
