"""`python -m ownstack.backends.process.runtimes install [RUNTIME ...] [--force]` installs the
managed runtimes (default: every one whose interpreter is on this host); `status` tells, for
each, whether it can run and what is installed. `install` exits 1 when a runtime that has an
interpreter (or was named) could not be installed."""

from __future__ import annotations

import argparse
import sys

from ownstack.backends.process.runtimes.bundles import bundle_dir, read_manifest, runtimes_root
from ownstack.backends.process.runtimes.catalog import MANAGED
from ownstack.backends.process.runtimes.launch import unavailable
from ownstack.backends.process.runtimes.provision import InstallError, find_interpreter, install


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ownstack.backends.process.runtimes")
    commands = parser.add_subparsers(dest="command", required=True)
    install_cmd = commands.add_parser("install", help="install managed runtimes")
    install_cmd.add_argument("runtimes", nargs="*", metavar="RUNTIME", help=", ".join(MANAGED))
    install_cmd.add_argument("--force", action="store_true", help="reinstall even if current")
    commands.add_parser("status", help="what can run here")
    args = parser.parse_args(argv)
    unknown = [name for name in getattr(args, "runtimes", []) if name not in MANAGED]
    if unknown:
        parser.error(f"not a managed runtime: {', '.join(unknown)} (one of {', '.join(MANAGED)})")
    if args.command == "install":
        return _install(args.runtimes, force=args.force)
    return _status()


def _install(names: list[str], *, force: bool) -> int:
    root = runtimes_root()
    failed = 0
    for name in names or list(MANAGED):
        runtime = MANAGED[name]
        if not names and find_interpreter(runtime) is None:
            print(f"{name}: skipped: {unavailable(name)}", flush=True)
            continue
        try:
            manifest = install(runtime, root, lambda line: print(line, flush=True), force=force)
        except InstallError as exc:
            failed += 1
            print(f"{name}: NOT installed: {exc}", file=sys.stderr, flush=True)
            continue
        print(
            f"{name}: ready ({manifest.interpreter} {manifest.interpreter_version};"
            f" {manifest.size_bytes / 2**20:.0f} MiB; installed in {manifest.install_seconds} s)",
            flush=True,
        )
    return 1 if failed else 0


def _status() -> int:
    root = runtimes_root()
    print(f"runtimes dir: {root}")
    for name, runtime in MANAGED.items():
        reason = unavailable(name)
        if reason is not None:
            print(f"{name}: unavailable: {reason}")
            continue
        manifest = read_manifest(bundle_dir(root, runtime))
        assert manifest is not None  # unavailable() said it is installed
        packages = ", ".join(f"{k} {v}" for k, v in manifest.packages.items())
        print(f"{name}: ready: {manifest.interpreter} {manifest.interpreter_version}; {packages}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
