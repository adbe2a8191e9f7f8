"""Runs aws CLI commands, each in a process of its own forked from this one, which has imported
the CLI once: what `aws` does (bin/aws: `sys.exit(awscli.clidriver.main())`) minus the
interpreter start and the imports, about 0.3 s of CPU a command (clientkit.AwsCli starts one per
CLI home and sends it its commands; docs/testing.md).

Protocol, one JSON object a line: in {"argv": [...]} (the arguments after `aws`); out {"rc": int,
"stdout": base64, "stderr": base64}. The forked command's stdin is /dev/null, its stdout and
stderr are files, read back whole once it has exited. Ends at end of input.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import tempfile
import traceback

if os.environ.get("LC_CTYPE", "") == "UTF-8":  # as bin/aws does before it imports the CLI
    os.environ["LC_CTYPE"] = "en_US.UTF-8"

import awscli.clidriver
import awscli.handlers  # every command imports it (create_clidriver): once, here


def _exit_code(exc: SystemExit) -> int:
    """The status `sys.exit(code)` ends a process with (a message: printed, status 1)."""
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=sys.stderr)
    return 1


def _child(argv: list[str], out_fd: int, err_fd: int) -> None:
    """In the forked process: the command with its stdio redirected; never returns."""
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(out_fd, 1)
    os.dup2(err_fd, 2)
    sys.argv = ["aws", *argv]
    try:
        code = awscli.clidriver.main()
    except SystemExit as exc:
        code = _exit_code(exc)
    except BaseException:
        traceback.print_exc()
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            code = code or 120  # as Python does when it cannot flush at exit
    os._exit(code if isinstance(code, int) else 0)


def _run(argv: list[str]) -> dict[str, object]:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            _child(argv, out.fileno(), err.fileno())
        _, status = os.waitpid(pid, 0)
        out.seek(0)
        err.seek(0)
        return {
            "rc": os.waitstatus_to_exitcode(status),
            "stdout": base64.b64encode(out.read()).decode(),
            "stderr": base64.b64encode(err.read()).decode(),
        }


def main() -> None:
    for line in sys.stdin:
        reply = _run(json.loads(line)["argv"])
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
