"""``closeout export promtool``: the exported test passes under the real promtool exactly when
the scenario's ``at`` expectations pass, both ways: expectations that pass and expectations
that fail, with and without ``labels``, on inline rules and on a rule file."""

from __future__ import annotations

import itertools
import shutil
import subprocess
from pathlib import Path

import pytest
from tests.conftest import SCENARIO, Write

from closeout.cli import main
from closeout.kinds.threshold.promtool import parse_failures
from closeout.loader import load_scenario
from closeout.project import load_project
from closeout.runner import run_loaded

pytestmark = [
    pytest.mark.promtool,
    pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool not installed"),
]

RULES = """\
groups:
  - name: scorer
    rules:
      - record: job:errors:rate1m
        expr: sum by (job) (rate(errors_total[1m]))
      - alert: Errors
        expr: job:errors:rate1m > 1
        for: 2m
        labels: {severity: page}
        annotations:
          summary: "{{ $labels.job }} fails {{ $value | printf \\"%.2f\\" }}/s"
"""

# job a fails 5/s from 4m to 14m, job b from 9m to 20m (per-second rates over 1m windows)
SERIES = """\
  'errors_total{job="a",instance="1"}': "0x4 0+300x10 3000x10"
  'errors_total{job="b",instance="1"}': "0x9 0+300x11 3300x5"
"""


def promtool_failures(folder: Path, test_file: str) -> set[int]:
    """The eval times (ms) of the alert tests promtool fails; {-1} if it failed otherwise."""
    done = subprocess.run(
        ["promtool", "test", "rules", test_file], cwd=folder, capture_output=True, text=True
    )
    if done.returncode == 0:
        return set()
    failures = parse_failures(done.stderr)
    return {f.time_ms for f in failures} or {-1}


def closeout_failures(write: Write, text: str) -> tuple[set[int], list[str]]:
    """The ``at`` times (ms from start) of the expectations the scenario fails."""
    project = load_project()
    loaded = load_scenario(project, write("scenarios/INC-1/a1.yaml", text))
    run = run_loaded(loaded, project, with_before=False, artifacts=False)
    assert run.fixed.verdict in ("pass", "fail"), run.fixed.error
    failing = {
        expectation.at.resolve(0)
        for expectation, outcome in zip(loaded.model.expect, run.fixed.outcomes, strict=True)
        if outcome.outcome == "fail" and hasattr(expectation, "at")
    }
    return failing, [o.outcome for o in run.fixed.outcomes]


def export(capsys: pytest.CaptureFixture[str], out: Path) -> None:
    code = main(["export", "promtool", "INC-1", "-o", str(out)])
    text = "".join(capsys.readouterr())
    assert code == 0, text


def test_inline_rules_both_ways(
    project_dir: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    # each `at` of the scenario, then each flipped: pass and fail in turn
    times = ["55m", "1h10m", "1h15m", "1h20m", "1h50m", "2h30m"]
    for flipped in [None, *times]:
        expect = "".join(
            f"  - {{alert: HighErrorRate, at: {t}, firing: "
            f"{str((t in ('1h15m', '1h20m', '1h50m')) != (t == flipped)).lower()}}}\n"
            for t in times
        )
        text = SCENARIO.split("expect:")[0] + "expect:\n" + expect
        failing, _ = closeout_failures(write, text)
        assert (flipped is None) == (not failing)
        out = project_dir / "out"
        export(capsys, out)
        assert promtool_failures(out, "a1.test.yml") == failing


@pytest.mark.slow
def test_rule_file_instances_both_ways(
    project_dir: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    write("monitoring/alerts.yml", RULES)
    label_sets = [None, "{job: a, severity: page}", "{job: b, severity: page}", "{job: a}"]
    expect = []
    # distinct times (seconds apart) so that promtool's failures map back to expectations
    for index, (minute, labels, firing) in enumerate(
        itertools.product([3, 6, 8, 10, 12, 17, 22], label_sets, [True, False])
    ):
        at = f"{minute}m{index + 1}s"
        extra = f", labels: {labels}" if labels else ""
        expect.append(f"  - {{alert: Errors, at: {at}, firing: {str(firing).lower()}{extra}}}\n")
    text = (
        "action: A1\nkind: threshold\ninterval: 1m\nseries:\n"
        + SERIES
        + "rules_file: monitoring/alerts.yml\nexpect:\n"
        + "".join(expect)
    )
    failing, outcomes = closeout_failures(write, text)
    assert "pass" in outcomes and "fail" in outcomes  # both ways
    out = project_dir / "out"
    export(capsys, out)
    assert promtool_failures(out, "a1.test.yml") == failing
    assert (out / "a1.rules.yml").read_text() == RULES  # the deployed file, byte for byte


def test_expectations_without_a_promtool_form_are_listed(
    project_dir: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    write("scenarios/INC-1/a1.yaml", SCENARIO)
    assert main(["export", "promtool", "-o", str(project_dir / "out")]) == 0
    out, err = capsys.readouterr()
    assert "out/a1.test.yml: 1 alert test(s) from scenarios/INC-1/a1.yaml" in out
    assert "not exported: expect[1] (HighErrorRate): only `at` expectations become tests" in err
    assert promtool_failures(project_dir / "out", "a1.test.yml") == set()


def test_selecting_no_threshold_scenario_is_a_usage_error(
    project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "promtool", "INC-1"]) == 2
    assert "no threshold scenario selected" in capsys.readouterr().err
