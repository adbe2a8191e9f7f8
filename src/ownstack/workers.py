"""`serve --workers N`: N worker processes serve one port, this process supervises them.

Each worker is a full `serve` that builds its own app and listens with SO_REUSEPORT, so the
kernel spreads connections across them and nothing is handed over between processes. The
supervisor starts one worker first (a configuration that cannot start fails once, with one
message, and N processes never race a first migration), then the others; it restarts a worker
that dies, at once when it had been serving, with a growing delay while it cannot start; on
SIGTERM/SIGINT it passes SIGTERM on, waits for every worker to drain, and returns 0.

Each worker gets one end of a socket pair (WorkerCommand receives its descriptor): it writes
READY once it listens, and stops when the supervisor's end closes, so workers never outlive
a supervisor killed with SIGKILL. Workers run in their own session: a terminal's Ctrl-C
reaches the supervisor only, which stops them in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

READY = b"ready\n"
START_TIMEOUT_S = 60.0
"""A worker that does not listen within this is killed (and counts as failing to start)."""
STOP_TIMEOUT_S = 30.0
"""A worker still draining after this is killed."""
RESTART_BACKOFF_S = 0.5
MAX_RESTART_BACKOFF_S = 10.0

WorkerCommand = Callable[[int], Sequence[str]]
"""The argv of a worker, given the descriptor of its end of the socket pair."""


@dataclass(eq=False)
class Worker:
    slot: int
    process: asyncio.subprocess.Process
    channel: socket.socket
    """The supervisor's end of the pair: READY comes in on it; closing it stops the worker."""
    ready: bool = False
    signalled: bool = False

    def terminate(self) -> None:
        """SIGTERM, once: the worker drains; a second signal could end its last steps."""
        if self.process.returncode is None and not self.signalled:
            self.signalled = True
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()


class Supervisor:
    def __init__(
        self,
        command: WorkerCommand,
        count: int,
        *,
        env: Mapping[str, str] | None = None,
        on_ready: Callable[[], None] | None = None,
        say: Callable[[str], None] | None = None,
    ) -> None:
        self._command = command
        self._count = count
        self._env = dict(env) if env is not None else None
        self._on_ready = on_ready or (lambda: None)
        self._say = say or _to_stderr
        self._workers: dict[int, Worker] = {}
        self._stop = asyncio.Event()

    @property
    def pids(self) -> list[int]:
        """The running workers' process ids, by slot (for tests and status lines)."""
        return [self._workers[slot].process.pid for slot in sorted(self._workers)]

    async def run(self) -> int:
        """Until SIGTERM/SIGINT: 0 after a graceful stop; a worker's exit code (1 or 2) when the
        workers cannot start, after stopping those that did."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._stop.set)
        try:
            failed = await self._start_all()
            if failed is not None:
                await self._stop_all([])
                return failed
            self._on_ready()
            keepers = [
                loop.create_task(self._keep(slot), name=f"worker-{slot}") for slot in self._workers
            ]
            await self._stop.wait()
            await self._stop_all(keepers)
            return 0
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)

    def stop(self) -> None:
        """What SIGTERM does (for callers that embed the supervisor)."""
        self._stop.set()

    async def _start_all(self) -> int | None:
        first = await self._spawn(0)
        if not await self._wait_ready(first):
            return _exit_code(await first.process.wait())
        rest = [await self._spawn(slot) for slot in range(1, self._count)]
        for worker in rest:
            if not await self._wait_ready(worker):
                return _exit_code(await worker.process.wait())
        return None

    async def _keep(self, slot: int) -> None:
        """Restart the slot's worker whenever it ends, until the supervisor stops."""
        failures = 0
        while not self._stop.is_set():
            worker = self._workers[slot]
            ready = await self._wait_ready(worker)
            code = await worker.process.wait()
            worker.channel.close()
            if self._stop.is_set():
                return
            failures = 0 if ready else failures + 1
            delay = _backoff(failures)
            when = f" in {delay:g} s" if delay else ""
            self._say(f"worker {slot} (pid {worker.process.pid}) {_ended(code)}; restarting{when}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), delay)
            if self._stop.is_set():
                return
            await self._spawn(slot)

    async def _spawn(self, slot: int) -> Worker:
        ours, theirs = socket.socketpair()
        ours.setblocking(False)
        try:
            process = await asyncio.create_subprocess_exec(
                *self._command(theirs.fileno()),
                pass_fds=(theirs.fileno(),),
                env=self._env,
                start_new_session=True,
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()  # the worker has its copy: EOF on ours now means the worker is gone
        worker = self._workers[slot] = Worker(slot, process, ours)
        if self._stop.is_set():  # spawned while stopping: it stops with the others
            worker.terminate()
        return worker

    async def _wait_ready(self, worker: Worker) -> bool:
        if worker.ready:
            return True
        loop = asyncio.get_running_loop()
        try:
            said = await asyncio.wait_for(loop.sock_recv(worker.channel, 64), START_TIMEOUT_S)
        except TimeoutError:
            self._say(f"worker {worker.slot} did not listen within {START_TIMEOUT_S:g} s")
            worker.kill()
            return False
        except OSError:
            return False
        worker.ready = said.startswith(READY)
        return worker.ready

    async def _stop_all(self, keepers: list[asyncio.Task[None]]) -> None:
        self._stop.set()
        for worker in self._workers.values():
            worker.terminate()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STOP_TIMEOUT_S
        if keepers:  # each returns once its worker ended (or at once, between restarts)
            await asyncio.wait(keepers, timeout=STOP_TIMEOUT_S)
        waits = [asyncio.ensure_future(w.process.wait()) for w in self._workers.values()]
        pending: set[asyncio.Future[int]] = set()
        if waits:
            _, pending = await asyncio.wait(waits, timeout=max(0.0, deadline - loop.time()))
        if pending:
            self._say(f"workers still draining after {STOP_TIMEOUT_S:g} s: killed")
            for worker in self._workers.values():
                worker.kill()
            await asyncio.wait(pending)
        for keeper in keepers:
            keeper.cancel()
        for worker in self._workers.values():
            worker.channel.close()


def reserve_port(host: str, port: int) -> socket.socket:
    """A socket bound (not listening) to host:port with SO_REUSEPORT, held by the supervisor:
    it fails now, once, when the port is taken by something else, turns port 0 into the one
    port every worker binds, and keeps that port ours while workers restart. Not listening,
    it receives no connections."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
    except BaseException:
        sock.close()
        raise
    return sock


def _backoff(failures: int) -> float:
    if failures == 0:
        return 0.0
    return float(min(MAX_RESTART_BACKOFF_S, RESTART_BACKOFF_S * 2 ** (failures - 1)))


def _exit_code(returncode: int) -> int:
    """A worker that failed to start: its own code (1 startup, 2 configuration); 1 if a signal
    ended it."""
    return returncode if returncode > 0 else 1


def _ended(returncode: int) -> str:
    if returncode < 0:
        with contextlib.suppress(ValueError):
            return f"was killed by {signal.Signals(-returncode).name}"
        return f"was killed by signal {-returncode}"
    return f"exited with code {returncode}"


def _to_stderr(line: str) -> None:
    print(f"ownstack: {line}", file=sys.stderr, flush=True)
