"""A small metrics registry with Prometheus text exposition (format 0.0.4).

No globals: whoever builds the App owns the registry. Series are keyed by a tuple of label
values, so recording a request costs a dict lookup and a bisect, never a label-dict copy.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# OpenTelemetry's recommended boundaries for http.server.request.duration (seconds).
DEFAULT_BUCKETS: tuple[float, ...] = (
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
)  # fmt: skip

LabelValues = tuple[str, ...]


def escape_label_value(value: str) -> str:
    """Label values escape backslash, double quote and line feed (exposition format 0.0.4)."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def escape_help(text: str) -> str:
    """HELP text escapes only backslash and line feed."""
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def format_value(value: float) -> str:
    if value == float("inf"):
        return "+Inf"
    if value == float("-inf"):
        return "-Inf"
    if value != value:  # NaN
        return "NaN"
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _label_text(names: Sequence[str], values: Sequence[str]) -> str:
    return ",".join(
        f'{name}="{escape_label_value(value)}"' for name, value in zip(names, values, strict=True)
    )


def _braced(text: str) -> str:
    return f"{{{text}}}" if text else ""


class Counter:
    kind = "counter"

    def __init__(self, name: str, help_text: str, label_names: Sequence[str]) -> None:
        self.name = name
        self.help_text = help_text
        self.label_names = tuple(label_names)
        self._series: dict[LabelValues, float] = {}

    def inc(self, labels: LabelValues, amount: float = 1.0) -> None:
        self._series[labels] = self._series.get(labels, 0.0) + amount

    def value(self, labels: LabelValues) -> float:
        return self._series.get(labels, 0.0)

    def render(self) -> list[str]:
        lines = [f"# HELP {self.name} {escape_help(self.help_text)}", f"# TYPE {self.name} counter"]
        for labels, value in sorted(self._series.items()):
            text = _label_text(self.label_names, labels)
            lines.append(f"{self.name}{_braced(text)} {format_value(value)}")
        return lines


class _HistogramSeries:
    __slots__ = ("counts", "sum")

    def __init__(self, size: int) -> None:
        # One slot per finite bucket plus +Inf; cumulated only when rendered.
        self.counts = [0] * (size + 1)
        self.sum = 0.0


class Histogram:
    kind = "histogram"

    def __init__(
        self,
        name: str,
        help_text: str,
        label_names: Sequence[str],
        buckets: Sequence[float] = DEFAULT_BUCKETS,
    ) -> None:
        self.name = name
        self.help_text = help_text
        self.label_names = tuple(label_names)
        self.buckets = tuple(sorted(buckets))
        self._series: dict[LabelValues, _HistogramSeries] = {}

    def observe(self, labels: LabelValues, value: float) -> None:
        series = self._series.get(labels)
        if series is None:
            series = self._series[labels] = _HistogramSeries(len(self.buckets))
        # bisect_left: a value equal to a bound belongs to that bucket (le is "<=").
        series.counts[bisect_left(self.buckets, value)] += 1
        series.sum += value

    def count(self, labels: LabelValues) -> int:
        series = self._series.get(labels)
        return sum(series.counts) if series else 0

    def render(self) -> list[str]:
        lines = [
            f"# HELP {self.name} {escape_help(self.help_text)}",
            f"# TYPE {self.name} histogram",
        ]
        for labels, series in sorted(self._series.items()):
            text = _label_text(self.label_names, labels)
            sep = "," if text else ""
            cumulative = 0
            for bound, count in zip(self.buckets, series.counts, strict=False):
                cumulative += count
                le = format_value(bound) if bound != int(bound) else f"{bound:.1f}"
                lines.append(f'{self.name}_bucket{{{text}{sep}le="{le}"}} {cumulative}')
            cumulative += series.counts[-1]
            lines.append(f'{self.name}_bucket{{{text}{sep}le="+Inf"}} {cumulative}')
            lines.append(f"{self.name}_sum{_braced(text)} {format_value(series.sum)}")
            lines.append(f"{self.name}_count{_braced(text)} {cumulative}")
        return lines


class Sampled:
    """A series read at scrape time from something that keeps its own counts (an engine's
    commit and fsync counters), so the hot path records nothing extra."""

    def __init__(
        self,
        name: str,
        help_text: str,
        kind: str,
        label_names: Sequence[str],
        sample: Callable[[], Mapping[LabelValues, float]],
    ) -> None:
        self.name = name
        self.help_text = help_text
        self.kind = kind
        self.label_names = tuple(label_names)
        self._sample = sample

    def render(self) -> list[str]:
        lines = [
            f"# HELP {self.name} {escape_help(self.help_text)}",
            f"# TYPE {self.name} {self.kind}",
        ]
        for values, value in sorted(self._sample().items()):
            text = _label_text(self.label_names, values)
            lines.append(f"{self.name}{_braced(text)} {format_value(value)}")
        return lines


Metric = Counter | Histogram | Sampled


class Registry:
    def __init__(self) -> None:
        self._metrics: dict[str, Metric] = {}

    def counter(self, name: str, help_text: str, label_names: Sequence[str]) -> Counter:
        metric = Counter(name, help_text, label_names)
        self._register(metric)
        return metric

    def histogram(
        self,
        name: str,
        help_text: str,
        label_names: Sequence[str],
        buckets: Sequence[float] = DEFAULT_BUCKETS,
    ) -> Histogram:
        metric = Histogram(name, help_text, label_names, buckets)
        self._register(metric)
        return metric

    def sampled(
        self,
        name: str,
        help_text: str,
        kind: str,
        label_names: Sequence[str],
        sample: Callable[[], Mapping[LabelValues, float]],
    ) -> Sampled:
        metric = Sampled(name, help_text, kind, label_names, sample)
        self._register(metric)
        return metric

    def _register(self, metric: Metric) -> None:
        if metric.name in self._metrics:
            raise ValueError(f"metric {metric.name} is already registered")
        self._metrics[metric.name] = metric

    def exposition(self) -> bytes:
        lines: list[str] = []
        for metric in self._metrics.values():
            lines.extend(metric.render())
        return ("\n".join(lines) + "\n").encode() if lines else b""


HTTP_LABELS = ("service", "operation", "status", "error_code")


class HttpMetrics:
    """The per-request series the gateway records (OpenTelemetry HTTP server names)."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.duration = registry.histogram(
            "http_server_request_duration_seconds",
            "Duration of HTTP server requests, by service, operation, status and error code.",
            HTTP_LABELS,
        )
        self.requests = registry.counter(
            "http_server_requests_total",
            "HTTP server requests, by service, operation, status and error code.",
            HTTP_LABELS,
        )

    def record(
        self, service: str, operation: str, status: int, error_code: str, seconds: float
    ) -> None:
        labels = (service, operation, str(status), error_code)
        self.duration.observe(labels, seconds)
        self.requests.inc(labels)
