"""docs/coverage.md is generated from the service classes; it must match the code committed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_coverage_table_is_current() -> None:
    generated = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_coverage.py")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    committed = (ROOT / "docs" / "coverage.md").read_text()
    assert generated == committed, "docs/coverage.md is stale: run `make coverage-doc`"


def test_coverage_table_marks_unimplemented_operations() -> None:
    text = (ROOT / "docs" / "coverage.md").read_text()
    assert "| PutObject | yes |" in text
    assert "| GetCallerIdentity | yes |" in text
    assert "| PutBucketVersioning | yes |" in text
    assert "| GetObjectTorrent | no |" in text
    assert "| AssumeRole | yes |" in text
    assert "| AssumeRoot | no |" in text
