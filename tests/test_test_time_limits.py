"""The limits that let tests see slow things happen sooner: limits.eventbridge.minute_s and
limits.scheduler.minute_s (app_schedules.py: how long a rate() expression's minute lasts, AWS's
60 s unless set, a whole number of seconds 1-60) and limits.lambda.async_visibility_s
(app_lambda.py: how long a taken async event stays taken, 20 s unless set). A bad value stops
the server at start with a configuration error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ownserver import server_env
from ownstack.app_schedules import rate_minute_s
from ownstack.config import Config, ConfigError


def _config(limits: dict[str, Any]) -> Config:
    return Config(data_dir=Path("/nonexistent"), limits=limits)


@pytest.mark.parametrize("service", ["eventbridge", "scheduler"])
def test_the_minute_is_60_s_unless_set(service: str) -> None:
    assert rate_minute_s(_config({}), service) == 60
    assert rate_minute_s(_config({service: {}}), service) == 60
    assert rate_minute_s(_config({service: {"minute_s": 2}}), service) == 2
    assert rate_minute_s(_config({service: {"minute_s": 60}}), service) == 60
    other = "scheduler" if service == "eventbridge" else "eventbridge"
    assert rate_minute_s(_config({other: {"minute_s": 2}}), service) == 60


@pytest.mark.parametrize("value", [0, -1, 61, 1.5, "2", True, None])
def test_a_minute_that_is_not_1_to_60_whole_seconds_is_refused(value: object) -> None:
    with pytest.raises(ConfigError) as info:
        rate_minute_s(_config({"scheduler": {"minute_s": value}}), "scheduler")
    assert str(info.value) == "limits.scheduler.minute_s: a whole number of seconds from 1 to 60"


def test_an_unknown_limit_is_refused() -> None:
    with pytest.raises(ConfigError) as info:
        rate_minute_s(_config({"eventbridge": {"minute": 2, "hour_s": 1}}), "eventbridge")
    assert str(info.value) == "limits.eventbridge: unknown limit(s) hour_s, minute"


@pytest.mark.own_server  # starts `ownstack serve` itself
@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        (
            "limits:\n  eventbridge: {minute_s: 0}\n",
            "limits.eventbridge.minute_s: a whole number of seconds from 1 to 60",
        ),
        ("limits:\n  scheduler: {hour_s: 1}\n", "limits.scheduler: unknown limit(s) hour_s"),
        (
            "limits:\n  lambda: {async_visibility_s: 0.5}\n",
            "limits.lambda.async_visibility_s: seconds, at least 1",
        ),
    ],
)
def test_a_bad_value_stops_the_server_at_start(
    tmp_path: Path, yaml_text: str, message: str
) -> None:
    data = tmp_path / "d"
    data.mkdir()
    (data / "ownstack.yaml").write_text(yaml_text)
    proc = subprocess.run(
        [sys.executable, "-m", "ownstack.cli", "serve", "--port", "0", "--data", str(data)],
        env=server_env(),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("ownstack: configuration error: ")
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
