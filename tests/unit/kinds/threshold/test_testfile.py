"""``threshold.testfile``: series in expanding notation on promtool's grid, and the test file."""

from __future__ import annotations

import math

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from closeout.errors import DataError
from closeout.kinds.threshold import promql, testfile
from closeout.kinds.threshold.promtool import Instance
from closeout.kinds.threshold.testfile import AlertTest

M = 60_000


def series(times: list[int], values: list[float | None]) -> promql.Series:
    return promql.Series("s", tuple(times), tuple(values))


values = st.one_of(
    st.sampled_from([0.0, 1.0, -0.5, 0.1, 1e-5, 1.5e20, math.inf, -math.inf, math.nan, None]),
    st.floats(allow_nan=False, allow_infinity=False),
)


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.tuples(st.integers(0, 5), values), min_size=1, max_size=30))
def test_rendered_notation_reads_back_as_the_same_samples(
    steps: list[tuple[int, float | None]],
) -> None:
    times, samples, t = [], [], 0
    for gap, value in steps:
        t += gap * M
        if times and t == times[-1]:
            t += M
        times.append(t)
        samples.append(value)
    original = series(times, samples)
    text = testfile.render(original, 0, M)
    back = promql.parse_series(text, 0, M, "s")
    assert back.times == original.times
    assert [repr(v) for v in back.values] == [repr(v) for v in original.values]


def test_runs_repeat_and_gaps_are_counted() -> None:
    found = series([0, M, 2 * M, 5 * M, 6 * M], [1.0, 1.0, 1.0, math.nan, None])
    assert testfile.render(found, 0, M) == "1.0x2 _x2 NaN stale"


def test_file_series_off_the_interval_get_a_finer_step() -> None:
    notation = {"a": "1x3", "b": None}
    found = {
        "a": promql.parse_series("1x3", 0, 5 * M, "a"),
        "b": series([0, 90_000, 5 * M], [1.0, 2.0, 3.0]),
    }
    inputs = testfile.inputs(notation, found, 0, 5 * M)
    assert inputs.step_ms == 30_000
    assert dict(inputs.series) == {"a": "1.0 _x9 1.0 _x9 1.0 _x9 1.0", "b": "1.0 _x2 2.0 _x6 3.0"}
    on_grid = testfile.inputs(notation, {"a": found["a"]}, 0, 5 * M)
    assert on_grid.step_ms == 5 * M and dict(on_grid.series) == {"a": "1x3"}


def test_a_sample_before_start_is_refused() -> None:
    with pytest.raises(DataError, match="before start"):
        testfile.inputs({"b": None}, {"b": series([0], [1.0])}, M, M)


def test_the_document_is_a_promtool_test_file() -> None:
    inputs = testfile.Inputs(M, (('m{job="a"}', "1x3"),))
    tests = [
        AlertTest(0, "A"),
        AlertTest(90_000, "A", (Instance((("job", "a"),), (("s", 'x "y"'),)),)),
    ]
    text = testfile.document("r.yml", 5 * M, inputs, tests, "# header")
    assert text.startswith("# header\n")
    assert yaml.safe_load(text) == {
        "rule_files": ["r.yml"],
        "evaluation_interval": "5m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [{"series": 'm{job="a"}', "values": "1x3"}],
                "alert_rule_test": [
                    {"eval_time": "0s", "alertname": "A", "exp_alerts": []},
                    {
                        "eval_time": "1m30s",
                        "alertname": "A",
                        "exp_alerts": [
                            {"exp_labels": {"job": "a"}, "exp_annotations": {"s": 'x "y"'}}
                        ],
                    },
                ],
            }
        ],
    }
