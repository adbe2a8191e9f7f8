"""Benchmark results: what each scenario measured and how it compares with its target."""

from __future__ import annotations

import json
import os
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

RESULTS_DIR = Path(__file__).parent / "results"


@dataclass(frozen=True)
class Check:
    """A ratio or absolute against its target, e.g. ownstack/moto req/s >= 20 x."""

    label: str
    value: float | None  # None: could not be measured (see the scenario's notes)
    target: float
    unit: str = "x"
    at_most: bool = False  # the value must stay below the target (RSS, start time)

    @property
    def verdict(self) -> str:
        if self.value is None:
            return "n/a"
        met = self.value < self.target if self.at_most else self.value >= self.target
        return "PASS" if met else "FAIL"


@dataclass
class ScenarioResult:
    name: str
    measures: dict[str, float | str] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator > 0 else None


def _fmt(value: float | str | None) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, str):
        return value
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"


def render(results: list[ScenarioResult]) -> str:
    lines = [f"{'scenario / measure':<46} {'value':>14}  {'target':>10}  verdict"]
    lines.append("-" * len(lines[0]))
    for result in results:
        lines.append(result.name)
        for name, value in result.measures.items():
            lines.append(f"  {name:<44} {_fmt(value):>14}")
        for check in result.checks:
            op = "<" if check.at_most else ">="
            target = f"{op} {_fmt(check.target)}{check.unit}"
            value = f"{_fmt(check.value)}{check.unit if check.value is not None else ''}"
            lines.append(f"  {check.label:<44} {value:>14}  {target:>10}  {check.verdict}")
        lines.extend(f"  note: {note}" for note in result.notes)
    return "\n".join(lines)


def write_json(results: list[ScenarioResult], path: Path | None = None) -> Path:
    target = path or RESULTS_DIR / "latest.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "scenarios": [
            {**asdict(r), "checks": [{**asdict(c), "verdict": c.verdict} for c in r.checks]}
            for r in results
        ],
    }
    target.write_text(json.dumps(document, indent=2) + "\n")
    return target
