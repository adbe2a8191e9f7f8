"""Managed runtimes (python3.x, nodejs*) run AWS's runtime interface clients in the same
sandbox, as `ownstack.backends.process.runtimes` describes them (skipped where a runtime is not
installed: `make runtimes`)."""

from __future__ import annotations

import pytest
from sandboxkit import Kit, body, invocation, run

HANDLERS = {
    "python3.12": (
        "app.py",
        "app.main",
        "import os\n"
        "print('python init')\n"
        "def main(event, context):\n"
        "    print('handling', event['n'])\n"
        "    if event.get('fail'):\n"
        "        raise ValueError('no good')\n"
        "    return {'n': event['n'], 'uid': os.getuid(), 'task': os.getcwd()}\n",
    ),
    "nodejs20.x": (
        "index.mjs",
        "index.handler",
        "console.log('node init');\n"
        "export const handler = async (event) => {\n"
        "  console.log('handling', event.n);\n"
        "  if (event.fail) throw new Error('no good');\n"
        "  return { n: event.n, uid: process.getuid(), task: process.cwd() };\n"
        "};\n",
    ),
}


@pytest.mark.parametrize("runtime_name", sorted(HANDLERS))
def test_a_managed_runtime_answers_and_fails_as_lambdas_does(kit: Kit, runtime_name: str) -> None:
    runtime = kit.engine()
    why = runtime.unavailable(runtime_name)
    if why is not None:
        pytest.skip(why)
    filename, handler, source = HANDLERS[runtime_name]

    async def scenario() -> None:
        code = kit.code(bootstrap=None)
        (code / filename).write_text(source)
        (code / filename).chmod(0o644)
        spec = kit.spec(code, runtime=runtime_name, handler=handler, memory_mb=256)
        sandbox = await runtime.start(spec)
        first = await sandbox.invoke(invocation({"n": 1}, timeout_s=10))
        failed = await sandbox.invoke(invocation({"n": 2, "fail": True}))
        alive = sandbox.alive
        await runtime.close()
        assert first.outcome == "success", first.logs
        assert body(first)["n"] == 1 and body(first)["task"] == "/var/task"
        assert body(first)["uid"] != 0
        assert "init" in first.logs and "handling" in first.logs
        assert first.init_duration_ms is not None
        assert (failed.outcome, body(failed)["errorMessage"]) == ("error", "no good")
        assert alive

    run(scenario())
