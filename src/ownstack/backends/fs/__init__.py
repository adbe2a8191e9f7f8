"""The fs engine: the embedded default for the blob port (files under the data dir)."""

from __future__ import annotations

from ownstack.backends.fs.blobs import FsBlobs
from ownstack.ports.engine import Engine, EngineContext, EngineOption

DEFAULT_DIR = "blobs"


def open_blobs(ctx: EngineContext) -> FsBlobs:
    return FsBlobs(ctx.data_dir / str(ctx.options.get("path", DEFAULT_DIR)))


engine = Engine(
    name="fs",
    factories={"blobs": open_blobs},
    # Several processes on one host may share a blob directory: blobs are written to temp
    # files and renamed, so no process ever sees another's half-written blob.
    shared_ports=frozenset({"blobs"}),
    options=(EngineOption("path", DEFAULT_DIR, "The blob directory, relative to the data dir."),),
)

__all__ = ["FsBlobs", "engine", "open_blobs"]
