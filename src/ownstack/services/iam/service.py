"""IAM. (Skeleton: the IAM helper implements the operations.)"""

from __future__ import annotations

from ownstack.core.clock import Clock
from ownstack.identity.directory import IdentityDirectory
from ownstack.ports.meta import MetaStore


class IamService:
    def __init__(self, meta: MetaStore, directory: IdentityDirectory, clock: Clock) -> None:
        self.meta = meta
        self.directory = directory
        self.clock = clock
