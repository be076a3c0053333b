"""``threshold.promtool``: reading promtool 2.42's output back, and writing its files.

The outputs below were printed by ``promtool test rules`` / ``promtool check rules`` 2.42.0
(Debian package ``prometheus``) on the files named in each test; the last tests run the real
binary so a change in its output format cannot go unnoticed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from closeout._time import format_duration_ms
from closeout.kinds.threshold import promtool
from closeout.kinds.threshold.promtool import Firing, Instance

# promtool test rules on an alert with a templated annotation, evaluated at 5m and 1h6m (two
# instances: a comma ends the first one's annotations)
FAILED = """\
  FAILED:
    alertname: HighErr, time: 5m,
        exp:[],
        got:[
            0:
              Labels:{alertname="HighErr", job="a", severity="page"}
              Annotations:{summary="errors 1 on a"}
            ]
    alertname: HighErr, time: 1h6m,
        exp:[],
        got:[
            0:
              Labels:{a="x\\"y", alertname="HighErr", b="é\\n"}
              Annotations:{d="tab\\there", v="1e-05"},
            1:
              Labels:{alertname="HighErr", job="b"}
              Annotations:{}
            ]
"""


def test_failures_are_read_back_as_firing_instances() -> None:
    assert promtool.parse_failures(FAILED) == [
        Firing(
            "HighErr",
            5 * 60_000,
            (
                Instance(
                    (("alertname", "HighErr"), ("job", "a"), ("severity", "page")),
                    (("summary", "errors 1 on a"),),
                ),
            ),
        ),
        Firing(
            "HighErr",
            66 * 60_000,
            (
                Instance(
                    (("a", 'x"y'), ("alertname", "HighErr"), ("b", "é\n")),
                    (("d", "tab\there"), ("v", "1e-05")),
                ),
                Instance((("alertname", "HighErr"), ("job", "b")), ()),
            ),
        ),
    ]


def test_a_failure_that_is_not_an_alert_test_is_an_error() -> None:
    stderr = '  FAILED:\n    test.yml: 3:7: parse error: unexpected "{" in label matching\n'
    with pytest.raises(promtool.PromtoolError, match="unexpected"):
        promtool.read_test_output(1, "Unit Testing:  test.yml\n", stderr)
    assert promtool.read_test_output(0, "  SUCCESS\n", "") == []


@pytest.mark.parametrize(
    ("quoted", "text"),
    [
        (r"plain", "plain"),
        (r"a\"b\\c", 'a"b\\c'),
        (r"line\nnext\ttab", "line\nnext\ttab"),
        (r"\x00\u00e9\U0001f600", "\x00é\U0001f600"),
        ("é ü", "é ü"),
    ],
)
def test_go_quoted_strings_are_unquoted(quoted: str, text: str) -> None:
    assert promtool.go_unquote(quoted) == text


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("0s", 0),
        ("0", 0),
        ("90s", 90_000),
        ("1h6m", 3_960_000),
        ("1d", 86_400_000),
        ("1w", 604_800_000),
        ("1y", 31_536_000_000),
        ("1m30s500ms", 90_500),
    ],
)
def test_prometheus_durations(text: str, ms: int) -> None:
    assert promtool.parse_duration(text) == ms


@pytest.mark.parametrize("text", ["", "5x", "5", "1m1h", "1m1m", "-1m"])
def test_invalid_prometheus_durations(text: str) -> None:
    with pytest.raises(ValueError, match="not a valid duration string"):
        promtool.parse_duration(text)


@pytest.mark.parametrize("ms", [0, 1, 999, 60_000, 90_500, 86_400_000, 694_861_001])
def test_closeout_durations_are_read_back_by_the_prometheus_parser(ms: int) -> None:
    assert promtool.parse_duration(format_duration_ms(ms)) == ms


def test_check_output_is_located() -> None:
    output = (
        "Checking rules.yml\n  FAILED:\n"
        'rules.yml: 5:15: group "g", rule 1, "A": could not parse expression: 1:10: parse '
        'error: unexpected ")"\n'
        "rules.yml: yaml: unmarshal errors:\n  line 6: field bogus not found in type "
        "rulefmt.RuleNode\n"
        'rules.yml: not a valid duration string: "5x"\n'
    )
    assert promtool.parse_check_output(output, "rules.yml") == [
        (
            5,
            'group "g", rule 1, "A": could not parse expression: 1:10: parse error: unexpected ")"',
        ),
        (6, "field bogus not found in type rulefmt.RuleNode"),
        (0, 'not a valid duration string: "5x"'),
    ]


@pytest.mark.parametrize(
    "text",
    ["plain", 'a"b', "back\\slash", "new\nline", "tab\t", "é\u2028x", "\x01\x7f", "{{ $value }}"],
)
def test_quoted_scalars_read_back_as_written(text: str) -> None:
    assert yaml.safe_load(f"key: {promtool.quote(text)}") == {"key": text}


def test_the_binary_comes_from_the_environment_when_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CLOSEOUT_PROMTOOL", str(tmp_path / "nope"))
    assert promtool.find_promtool() is None
    monkeypatch.delenv("CLOSEOUT_PROMTOOL")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert promtool.find_promtool() is None


# --------------------------------------------------------------------------- the real binary

needs_promtool = pytest.mark.skipif(shutil.which("promtool") is None, reason="no promtool")

RULES = """\
groups:
  - name: g
    rules:
      - alert: A
        expr: m > 1
        labels: {severity: page}
        annotations: {v: "{{ $value }}"}
"""


@needs_promtool
@pytest.mark.promtool
def test_real_promtool_output_is_parsed() -> None:
    test = (
        'rule_files: ["r.yml"]\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n'
        '    input_series:\n      - {series: \'m{job="x"}\', values: "0 2 3 0"}\n'
        "    alert_rule_test:\n"
        + "".join(f"      - {{eval_time: {m}m, alertname: A, exp_alerts: []}}\n" for m in range(4))
    )
    binary = shutil.which("promtool")
    assert binary is not None
    firings = promtool.run_tests(binary, {"r.yml": RULES, "t.yml": test}, "t.yml")
    labels = (("alertname", "A"), ("job", "x"), ("severity", "page"))
    assert firings == [
        Firing("A", 60_000, (Instance(labels, (("v", "2"),)),)),
        Firing("A", 120_000, (Instance(labels, (("v", "3"),)),)),
    ]


@needs_promtool
@pytest.mark.promtool
def test_real_promtool_check_locates_a_parse_error() -> None:
    binary = shutil.which("promtool")
    assert binary is not None
    assert promtool.check_rules(binary, RULES) == []
    broken = RULES.replace("m > 1", "rate(m[5m) > 1")
    ((line, message),) = promtool.check_rules(binary, broken)
    assert line == 5 and "could not parse expression" in message
