"""promtool unit-test files from a scenario: ``input_series`` and ``alert_rule_test``.

promtool counts time from 0, so the scenario's ``start`` becomes 0 and every time is an
offset from it. Series given in expanding notation are written as the scenario wrote them;
series read from a file are written in expanding notation on a grid of ``step``: the
scenario's ``interval`` when every sample lies on it, else the largest step that holds
every sample. The text is written by hand (YAML with double-quoted scalars), which is
several times faster than a YAML emitter on the thousands of tests the engine asks for.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import reduce

from closeout._time import format_duration_ms, from_ms, iso_z
from closeout.errors import DataError
from closeout.kinds.threshold import promql
from closeout.kinds.threshold.promtool import Instance, quote

MAX_SLOTS = 1_000_000


@dataclass(frozen=True)
class Inputs:
    """The ``input_series`` of a test: sample step and (series, values) in notation."""

    step_ms: int
    series: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class AlertTest:
    """One ``alert_rule_test``: the alerts expected firing at ``eval_ms`` (from start)."""

    eval_ms: int
    alertname: str
    expected: tuple[Instance, ...] = ()


def inputs(
    notation: Mapping[str, str | None],
    series: Mapping[str, promql.Series],
    start_ms: int,
    interval_ms: int,
) -> Inputs:
    """The input series; ``notation[name]`` is the scenario's text, None for a file series."""
    step = _step(series, start_ms, interval_ms)
    rendered = []
    for name, samples in series.items():
        text = notation.get(name)
        if text is None or step != interval_ms:
            text = render(samples, start_ms, step)
        rendered.append((name, text))
    return Inputs(step, tuple(rendered))


def _step(series: Mapping[str, promql.Series], start_ms: int, interval_ms: int) -> int:
    """The largest step that puts every sample on the grid ``start + k*step``."""
    offsets: set[int] = set()
    for name, samples in series.items():
        if samples.times and samples.times[0] < start_ms:
            raise DataError(
                f"series '{name}' has a sample at {iso_z(from_ms(samples.times[0]))}, before "
                f"start ({iso_z(from_ms(start_ms))}): promtool's tests start at the first "
                "evaluation; move start earlier or drop the sample"
            )
        offsets.update(t - start_ms for t in samples.times)
    step = reduce(math.gcd, offsets, interval_ms)
    last = max(offsets, default=0)
    if last // step > MAX_SLOTS:
        raise DataError(
            f"the samples need a {format_duration_ms(step)} grid for promtool "
            f"({last // step} slots, more than {MAX_SLOTS}): align the timestamps"
        )
    return step


def render(samples: promql.Series, start_ms: int, step_ms: int) -> str:
    """Samples in expanding notation on the grid ``start + k*step`` (``_`` where none)."""
    tokens: list[str] = []
    slot = 0
    run_text: str | None = None  # the value being repeated, as written
    run_length = 0
    for t, value in zip(samples.times, samples.values, strict=True):
        index = (t - start_ms) // step_ms
        text = repr(value) if _repeatable(value) else None
        if index == slot and text is not None and text == run_text:
            run_length += 1
        else:
            _flush(tokens, run_text, run_length)
            _gap(tokens, index - slot)
            run_text, run_length = text, 1
            if text is None:
                tokens.append(_single(value))
        slot = index + 1
    _flush(tokens, run_text, run_length)
    return " ".join(tokens) or "_"


def _repeatable(value: float | None) -> bool:
    """promtool repeats only finite numbers (``NaNx2`` and ``Infx2`` are refused)."""
    return value is not None and math.isfinite(value)


def _flush(tokens: list[str], text: str | None, length: int) -> None:
    if text is not None and length > 0:
        tokens.append(text if length == 1 else f"{text}x{length - 1}")


def _gap(tokens: list[str], missing: int) -> None:
    if missing == 1:
        tokens.append("_")
    elif missing > 1:
        tokens.append(f"_x{missing}")


def _single(value: float | None) -> str:
    if value is None:
        return "stale"
    if math.isnan(value):
        return "NaN"
    return "Inf" if value > 0 else "-Inf"


def document(
    rule_file: str,
    interval_ms: int,
    series: Inputs,
    tests: Iterable[AlertTest],
    header: str = "",
) -> str:
    """The text of a promtool test file with one test group."""
    lines = [header] if header else []
    lines += [
        "rule_files:",
        f"  - {quote(rule_file)}",
        f"evaluation_interval: {format_duration_ms(interval_ms)}",
        "tests:",
        f"  - interval: {format_duration_ms(series.step_ms)}",
        "    input_series:",
    ]
    for name, values in series.series:
        lines.append(f"      - series: {quote(name)}")
        lines.append(f"        values: {quote(values)}")
    lines.append("    alert_rule_test:")
    for test in tests:
        lines.append(f"      - eval_time: {format_duration_ms(test.eval_ms)}")
        lines.append(f"        alertname: {quote(test.alertname)}")
        if not test.expected:
            lines.append("        exp_alerts: []")
            continue
        lines.append("        exp_alerts:")
        for instance in test.expected:
            lines.append(f"          - exp_labels: {_mapping(instance.labels)}")
            if instance.annotations:
                lines.append(f"            exp_annotations: {_mapping(instance.annotations)}")
    return "\n".join(lines) + "\n"


def _mapping(pairs: tuple[tuple[str, str], ...]) -> str:
    return "{" + ", ".join(f"{quote(k)}: {quote(v)}" for k, v in pairs) + "}"
