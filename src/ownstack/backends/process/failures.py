"""How a runtime's failures are worded: as Lambda words them (its platform is written in Go,
so an exit reads as Go's os.ProcessState does: "exit status 1", "signal: killed")."""

from __future__ import annotations

import json
import signal

from .command import LAUNCH_FAILED
from .completion import Completion


def exit_reason(returncode: int) -> str:
    """Popen's returncode of the sandbox's launcher -> Lambda's words for the runtime's exit.
    bwrap passes a runtime killed by signal N on as exit status 128 + N."""
    if returncode < 0:
        return f"signal: {signal_name(-returncode)}"
    if 128 < returncode <= 128 + 64:
        return f"signal: {signal_name(returncode - 128)}"
    if returncode == LAUNCH_FAILED:
        return f"exit status {returncode} (the sandbox could not be bounded)"
    return f"exit status {returncode}"


def signal_name(number: int) -> str:
    try:
        text = signal.strsignal(number) or f"signal {number}"
    except ValueError:
        return f"signal {number}"
    first = text.split()[0]
    return text if first.isupper() else text[0].lower() + text[1:]


def crash(request_id: str, reason: str) -> Completion:
    return Completion(
        "crash",
        _document(
            "Runtime.ExitError",
            f"RequestId: {request_id} Error: Runtime exited with error: {reason}",
        ),
        "Runtime.ExitError",
    )


def init_exit(request_id: str, message: str, error_type: str = "Runtime.ExitError") -> Completion:
    return Completion(
        "init_error", _document(error_type, f"RequestId: {request_id} Error: {message}"), error_type
    )


def _document(error_type: str, message: str) -> bytes:
    return json.dumps(
        {"errorType": error_type, "errorMessage": message}, separators=(",", ":")
    ).encode()
