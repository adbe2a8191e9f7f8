"""Errors every backend raises in place of its driver's (translated with `raise ... from exc`)."""

from __future__ import annotations


class PortError(Exception):
    """Base of all port errors."""


class ConditionFailed(PortError):
    """A conditional write's expectation did not hold; nothing of the transaction was applied."""

    def __init__(self, index: int, key: str) -> None:
        super().__init__(f"condition failed for operation {index} (key {key!r})")
        self.index = index
        self.key = key


class BlobNotFound(PortError):
    def __init__(self, blob_id: str) -> None:
        super().__init__(f"blob {blob_id!r} not found")
        self.blob_id = blob_id


class BackendUnavailable(PortError):
    """The engine cannot be reached or is not ready (health checks, connection loss)."""
