"""Shared by the multi-process tests: the configuration every process of a cluster uses."""

from __future__ import annotations

import json
from pathlib import Path

from conformance.kit import postgres_options


def shared_config(schema_home: Path, blobs: Path) -> str:
    options = postgres_options(schema_home)
    spec = {
        "meta": {"engine": "postgres", **options},
        "queue": {"engine": "postgres", **options},
        "blobs": {"engine": "fs", "path": str(blobs)},
    }
    return f"backends: {json.dumps(spec)}\n"  # JSON is YAML
