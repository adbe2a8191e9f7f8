"""The runtime suite's fixture: one engine per parameter (sandboxkit.py has the helpers)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sandboxkit import ENGINES, PYTHON, Kit


@pytest.fixture(params=sorted(ENGINES))
def kit(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Kit]:
    made = Kit(tmp_path, request.param)
    why = made.engine().unavailable("provided.al2023")
    if why is not None:
        pytest.skip(why)
    if not PYTHON.exists():
        pytest.skip("the test runtime needs /usr/bin/python3 on the host (bound read-only)")
    yield made
