"""Fixtures of the shared-identity suite: the meta store engines the "processes" share."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.kit import ENGINES, Backend, backends_for


@pytest.fixture(params=backends_for("meta"))
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """Opened inside each test's event loop (identitykit.cluster): an engine on a server binds
    its connections to the loop that opens them."""
    return Backend(ENGINES[request.param], "meta", tmp_path / "meta")
