"""Differential test: ``closeout.kinds.threshold.promql`` against ``promtool test rules``.

For every generated case, closeout predicts whether each alert is firing at each
``eval_time``; those predictions are written verbatim as promtool ``alert_rule_test``
expectations (``exp_alerts: []`` when not firing, one alert with ``exp_labels: {}`` when
firing: the series carry no labels, comparisons keep ``__name__`` but the alerting rule
drops it, and promtool adds ``alertname`` to the expected labels itself). promtool must
then agree, i.e. exit 0. On disagreement the assertion shows both YAML files and
promtool's output.

Facts this relies on (checked against promtool 2.42.0):

- ``keep_firing_for`` is accepted in rule files and honoured by ``promtool test rules``.
- A sample exactly ``lookback`` (5m) old still counts; one a millisecond older does not.
- ``a+bxn`` expands to n+1 samples, accumulating ``v += b``; ``_xn`` is n empty slots.
- An ``eval_time`` between grid points sees the last evaluation at or before it.

The whole module is skipped when promtool is missing, except under ``CI=true``, where a
missing promtool fails the tests: CI must never silently skip the differential check.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from closeout.kinds.threshold import promql

pytestmark = [pytest.mark.promtool, pytest.mark.slow]

LOOKBACK_MS = 5 * 60 * 1000  # Prometheus' default --query.lookback-delta, used by promtool
PROMTOOL_TIMEOUT_S = 60


@pytest.fixture(scope="module")
def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        reason = (
            "promtool not found on PATH (install the Debian package 'prometheus'); "
            "the differential test against Prometheus' alerting semantics cannot run"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {reason}", pytrace=False)
        pytest.skip(reason)
    return path


# --------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Rule:
    alert: str
    expr: str
    for_ms: int = 0
    keep_firing_for_ms: int = 0


@dataclass(frozen=True)
class Case:
    interval_ms: int
    series: tuple[tuple[str, str], ...]  # (name, expanding notation)
    rules: tuple[Rule, ...]
    eval_times: tuple[int, ...]  # sorted, distinct, ms


def fmt_duration(ms: int) -> str:
    """Prometheus duration string: 90500 -> '1m30s500ms', 0 -> '0s'."""
    if ms == 0:
        return "0s"
    parts = []
    for unit, size in (("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)):
        count, ms = divmod(ms, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def grid_for(case: Case) -> list[int]:
    """promtool evaluates every group at 0, interval, 2*interval, ... up to the last eval_time."""
    return list(range(0, max(case.eval_times) + 1, case.interval_ms))


def predict(case: Case) -> dict[str, list[bool]]:
    """closeout's firing state for every rule at every eval_time."""
    series = {
        name: promql.parse_series(values, 0, case.interval_ms, name) for name, values in case.series
    }
    grid = grid_for(case)
    out: dict[str, list[bool]] = {}
    for rule in case.rules:
        trace = promql.evaluate_alert(
            promql.parse_expr(rule.expr),
            series,
            grid,
            rule.for_ms,
            rule.keep_firing_for_ms,
            LOOKBACK_MS,
        )
        out[rule.alert] = [trace.firing_at_grid(t) for t in case.eval_times]
    return out


def render(case: Case, firing: dict[str, list[bool]]) -> tuple[str, str]:
    """(rules.yml, test.yml) whose expectations are exactly ``firing``."""
    rules = []
    for rule in case.rules:
        entry: dict[str, object] = {"alert": rule.alert, "expr": rule.expr}
        if rule.for_ms:
            entry["for"] = fmt_duration(rule.for_ms)
        if rule.keep_firing_for_ms:
            entry["keep_firing_for"] = fmt_duration(rule.keep_firing_for_ms)
        rules.append(entry)
    rules_doc = {"groups": [{"name": "closeout-differential", "rules": rules}]}
    checks = [
        {
            "eval_time": fmt_duration(t),
            "alertname": rule.alert,
            "exp_alerts": [{"exp_labels": {}}] if firing[rule.alert][i] else [],
        }
        for i, t in enumerate(case.eval_times)
        for rule in case.rules
    ]
    test_doc = {
        "rule_files": ["rules.yml"],
        "evaluation_interval": fmt_duration(case.interval_ms),
        "tests": [
            {
                "interval": fmt_duration(case.interval_ms),
                "input_series": [
                    {"series": name, "values": values} for name, values in case.series
                ],
                "alert_rule_test": checks,
            }
        ],
    }
    return _dump(rules_doc), _dump(test_doc)


def _dump(doc: object) -> str:
    return yaml.safe_dump(doc, sort_keys=False, default_flow_style=False, width=1000)


def summary(case: Case, firing: dict[str, list[bool]]) -> str:
    lines = [f"interval {fmt_duration(case.interval_ms)}, lookback {fmt_duration(LOOKBACK_MS)}"]
    lines += [f"  {name}: '{values}'" for name, values in case.series]
    for rule in case.rules:
        lines.append(
            f"  {rule.alert}: {rule.expr}  for={fmt_duration(rule.for_ms)} "
            f"keep_firing_for={fmt_duration(rule.keep_firing_for_ms)}"
        )
        on = [
            fmt_duration(t) for t, f in zip(case.eval_times, firing[rule.alert], strict=True) if f
        ]
        lines.append(f"    closeout says firing at: {', '.join(on) or '(never)'}")
    return "\n".join(lines)


def assert_promtool_agrees(promtool: str, case: Case) -> None:
    firing = predict(case)
    rules_yml, test_yml = render(case, firing)
    with tempfile.TemporaryDirectory(prefix="closeout-promtool-") as tmp:
        Path(tmp, "rules.yml").write_text(rules_yml)
        Path(tmp, "test.yml").write_text(test_yml)
        result = subprocess.run(
            [promtool, "test", "rules", "test.yml"],
            cwd=tmp,
            capture_output=True,
            text=True,
            timeout=PROMTOOL_TIMEOUT_S,
            check=False,
        )
    assert result.returncode == 0, (
        "promtool disagrees with closeout's prediction (the expectations below ARE "
        "closeout's prediction)\n"
        f"{summary(case, firing)}\n"
        f"--- rules.yml ---\n{rules_yml}"
        f"--- test.yml ---\n{test_yml}"
        f"--- promtool test rules test.yml (exit {result.returncode}) ---\n"
        f"{result.stdout}{result.stderr}"
    )


# --------------------------------------------------------------------------- hand-written traps

M = 60_000
S = 1000


@dataclass(frozen=True)
class Trap:
    case: Case
    expected: dict[str, dict[int, bool]]  # alert -> eval_time -> firing


def trap(
    series: dict[str, str],
    rules: list[Rule],
    expected: dict[str, dict[int, bool]],
    interval_ms: int = M,
) -> Trap:
    times = sorted({t for per_alert in expected.values() for t in per_alert})
    case = Case(interval_ms, tuple(series.items()), tuple(rules), tuple(times))
    return Trap(case, expected)


TRAPS = {
    # 0.05x11 is the initial value plus 11 repetitions: twelve samples, 0m..11m.
    "axn-is-n-plus-one-samples": trap(
        {"s0": "0.05x11 0.5"},
        [Rule("Low", "s0 < 0.1")],
        {"Low": {0: True, 10 * M: True, 11 * M: True, 12 * M: False, 20 * M: False}},
    ),
    # A sample exactly 5m old still counts (Prometheus 2.x lookback is closed on the left);
    # off-grid eval_times see the last evaluation at or before them.
    "exactly-5m-old-sample-counts": trap(
        {"s0": "5"},
        [Rule("Up", "s0 > 1")],
        {
            "Up": {
                0: True,
                4 * M + 59 * S: True,
                5 * M: True,
                5 * M + 30 * S: True,
                6 * M - 1: True,
                6 * M: False,
                9 * M: False,
            }
        },
    ),
    "exactly-5m-old-sample-counts-30s-grid": trap(
        {"s0": "5 _x20"},
        [Rule("Up", "s0 > 1")],
        {"Up": {5 * M - 30 * S: True, 5 * M: True, 5 * M + 29 * S: True, 5 * M + 30 * S: False}},
        interval_ms=30 * S,
    ),
    # Flapping every step never satisfies for: 1m (pending resets on each false step).
    "flapping-never-fires-with-for": trap(
        {"s0": "1 0 1 0 1 0 1 0 1 0"},
        [Rule("Flap", "s0 > 0.5", for_ms=M), Rule("FlapNoFor", "s0 > 0.5")],
        {
            "Flap": {t * M: False for t in range(12)},
            "FlapNoFor": {0: True, M: False, 2 * M: True, 3 * M: False},
        },
    ),
    # keep_firing_for keeps the alert firing for 2m after the condition clears at 2m.
    "keep-firing-for-holds-after-clear": trap(
        {"s0": "5 5 0 0 0 0 5"},
        [
            Rule("Kept", "s0 > 1", for_ms=M, keep_firing_for_ms=2 * M),
            Rule("NotKept", "s0 > 1", for_ms=M),
        ],
        {
            "Kept": {
                0: False,
                M: True,
                2 * M: True,
                3 * M + 30 * S: True,
                4 * M: False,
                6 * M: False,
                7 * M: True,
            },
            "NotKept": {M: True, 2 * M: False, 6 * M: False, 7 * M: True},
        },
    ),
    # != on an absent series is false: the comparison filters an empty vector.
    "not-equal-on-absent-series-is-false": trap(
        {"s0": "_x3 1", "s1": "_x2"},
        [Rule("Ne", "s0 != 0"), Rule("NeMissing", "s1 != 0 or s2 != 0")],
        {
            "Ne": {0: False, 2 * M: False, 3 * M: True, 8 * M: True, 9 * M: False},
            "NeMissing": {0: False, 3 * M: False, 10 * M: False},
        },
    ),
    # 0+0.1x10 accumulates: the 4th sample is 0.1+0.1+0.1 = 0.30000000000000004 > 0.3,
    # and never == 0.3.
    "accumulation-lands-past-threshold": trap(
        {"s0": "0+0.1x10"},
        [Rule("Gt", "s0 > 0.3"), Rule("Eq", "s0 == 0.3"), Rule("Ge", "s0 >= 0.3")],
        {
            "Gt": {2 * M: False, 3 * M: True},
            "Eq": {t * M: False for t in range(11)},
            "Ge": {2 * M: False, 3 * M: True},
        },
    ),
    "decrement-lands-on-threshold": trap(
        {"s0": "3-1x3"},
        [Rule("Eq1", "s0 == 1"), Rule("Le0", "0 >= s0")],
        {
            "Eq1": {M: False, 2 * M: True, 3 * M: False},
            "Le0": {2 * M: False, 3 * M: True, 8 * M: True, 9 * M: False},
        },
    ),
    # _x3 is three empty slots: the last sample is carried over them (within lookback) and
    # the next sample lands at 4m.
    "blank-x3-gaps": trap(
        {"s0": "1 _x3 0", "s1": "1 _x6 1"},
        [Rule("Gap", "s0 > 0.5"), Rule("LongGap", "s1 > 0.5")],
        {
            "Gap": {0: True, 3 * M: True, 4 * M: False},
            "LongGap": {5 * M: True, 6 * M: False, 7 * M: True},
        },
    ),
    "stale-marker-hides-series": trap(
        {"s0": "1 stale 1"},
        [Rule("St", "s0 > 0.5")],
        {"St": {0: True, M: False, 2 * M: True}},
    ),
    # NaN is a present sample that compares unequal to everything (unlike a stale marker).
    "nan-is-present-and-unequal": trap(
        {"s0": "NaN 1"},
        [Rule("NeNaN", "s0 != 1"), Rule("GtNaN", "s0 > 0 or s0 <= 0")],
        {"NeNaN": {0: True, M: False}, "GtNaN": {0: False, M: True}},
    ),
    "and-binds-tighter-than-or": trap(
        {"s0": "0 1", "s1": "0 0", "s2": "1 1"},
        [
            Rule("Prec", "s0 > 0.5 and s1 > 0.5 or s2 > 0.5"),
            Rule("Paren", "s0 > 0.5 and (s1 > 0.5 or s2 > 0.5)"),
        ],
        {"Prec": {0: True, M: True}, "Paren": {0: False, M: True}},
    ),
    "for-not-a-multiple-of-interval": trap(
        {"s0": "1x6"},
        [Rule("F90", "s0 > 0", for_ms=90 * S)],
        {"F90": {M: False, M + 59 * S: False, 2 * M: True}},
    ),
}


@pytest.mark.parametrize("name", list(TRAPS))
def test_known_trap(promtool: str, name: str) -> None:
    case, expected = TRAPS[name].case, TRAPS[name].expected
    firing = predict(case)
    got = {
        alert: {t: firing[alert][case.eval_times.index(t)] for t in per_alert}
        for alert, per_alert in expected.items()
    }
    assert got == expected, f"closeout's own prediction is off for {name}\n{summary(case, firing)}"
    assert_promtool_agrees(promtool, case)


# --------------------------------------------------------------------------- generated cases

NUMBERS = ["0", "0.05", "0.1", "0.2", "0.25", "0.3", "0.5", "1", "1.5", "2", "3", "-0.5", "-1"]
STEPS = ["0.05", "0.1", "0.25", "0.5", "1"]
# Thresholds overlap NUMBERS and their accumulations, so values land exactly on them.
THRESHOLDS = ["0", "0.1", "0.2", "0.3", "0.5", "0.75", "1", "1.5", "2", "-0.5"]
OPS = [">", ">=", "<", "<=", "==", "!="]
MIRROR = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "==": "==", "!=": "!="}

# promtool 2.42 reads NaN / Inf only as single samples (or as the start of 'a+bxn'): it
# rejects 'NaNx2' and 'Infx2' (lexed as identifiers), so they appear only as plain values.
SPECIAL = ["NaN", "Inf", "-Inf"]

number = st.sampled_from(NUMBERS)
step = st.sampled_from(STEPS)
token = st.one_of(
    st.sampled_from(NUMBERS + SPECIAL),
    st.builds("{}x{}".format, number, st.integers(0, 8)),
    st.builds("{}+{}x{}".format, number, step, st.integers(1, 10)),
    st.builds("{}-{}x{}".format, number, step, st.integers(1, 10)),
    st.just("_"),
    st.builds("_x{}".format, st.integers(0, 8)),
    st.just("stale"),
)


def slots(values: str) -> int:
    """Number of interval slots a series notation occupies (samples and blanks)."""
    total = 0
    for item in values.split():
        if item.startswith("_"):
            total += int(item[2:]) if item.startswith("_x") else 1
        elif "x" in item:
            total += int(item.rsplit("x", 1)[1]) + 1
        else:
            total += 1
    return total


@st.composite
def comparison(draw: st.DrawFn, values: dict[str, list[str]]) -> str:
    # Occasionally name a series with no input at all: it is absent everywhere.
    names = list(values)
    name = draw(
        st.sampled_from([*names, "s9"]) if draw(st.integers(0, 9)) == 0 else st.sampled_from(names)
    )
    op = draw(st.sampled_from(OPS))
    if values.get(name) and draw(st.booleans()):
        # A value the series really takes, e.g. 0.30000000000000004 from 0+0.1x10.
        threshold = draw(st.sampled_from(values[name]))
    else:
        threshold = draw(st.sampled_from(THRESHOLDS))
    if draw(st.integers(0, 5)) == 0:
        return f"{threshold} {MIRROR[op]} {name}"  # number first, same meaning
    return f"{name} {op} {threshold}"


@st.composite
def expression(draw: st.DrawFn, values: dict[str, list[str]]) -> str:
    parts = draw(st.lists(comparison(values), min_size=1, max_size=3))
    joins = [draw(st.sampled_from(["and", "or"])) for _ in parts[1:]]
    if len(parts) == 3:
        shape = draw(st.sampled_from(["flat", "left", "right"]))
        if shape == "left":
            return f"({parts[0]} {joins[0]} {parts[1]}) {joins[1]} {parts[2]}"
        if shape == "right":
            return f"{parts[0]} {joins[0]} ({parts[1]} {joins[1]} {parts[2]})"
    text = parts[0]
    for join, part in zip(joins, parts[1:], strict=True):
        text += f" {join} {part}"
    return text


@st.composite
def duration(draw: st.DrawFn, interval_ms: int) -> int:
    return draw(
        st.one_of(
            st.just(0),
            st.integers(1, 4).map(lambda k: k * interval_ms),
            st.integers(1, 300).map(lambda s: s * 1000),  # often not a multiple of the interval
            st.integers(1, 3).map(lambda k: k * interval_ms + interval_ms // 2),
        )
    )


@st.composite
def cases(draw: st.DrawFn) -> Case:
    interval_ms = draw(st.sampled_from([M, 30 * S, 2 * M, 100 * S]))
    count = draw(st.integers(1, 3))
    series = tuple(
        (f"s{i}", " ".join(draw(st.lists(token, min_size=1, max_size=5)))) for i in range(count)
    )
    taken: dict[str, list[str]] = {}
    for name, values in series:
        try:
            parsed = promql.parse_series(values, 0, interval_ms, name)
        except promql.NotationError:
            assume(False)  # e.g. only '_x0': no slots at all
            raise
        taken[name] = sorted({repr(v) for v in parsed.values if v is not None and math.isfinite(v)})
    rules = tuple(
        Rule(
            f"Alert{i}",
            draw(expression(taken)),
            draw(duration(interval_ms)),
            draw(st.one_of(st.just(0), duration(interval_ms))),
        )
        for i in range(draw(st.integers(1, 2)))
    )
    # Every grid point from 0 until well past the last sample (so 5m lookback expiry,
    # including the exactly-5m-old step, is always covered), plus off-grid times.
    last_slot = max(slots(values) for _, values in series)
    horizon = last_slot + -(-LOOKBACK_MS // interval_ms) + 2
    times = {k * interval_ms for k in range(horizon + 1)}
    offsets = st.sampled_from([1, 1000, interval_ms // 2, interval_ms - 1])
    for _ in range(draw(st.integers(0, 6))):
        times.add(draw(st.integers(0, horizon + 2)) * interval_ms + draw(offsets))
    return Case(interval_ms, series, rules, tuple(sorted(times)))


@settings(
    max_examples=250,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
@given(case=cases())
def test_promtool_agrees_with_closeout(promtool: str, case: Case) -> None:
    assert_promtool_agrees(promtool, case)
