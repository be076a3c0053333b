"""Functional tests of closeout's pytest plugin (SPEC §4.3, §5, §7), driven through pytester.

Each test builds a small closeout project in pytester's temporary directory and runs pytest
on it. Every expected value (firing times, hashes, signatures, ids) is worked out by hand
from the inline promtool-notation series or computed here with hashlib/hmac, never by
calling closeout's own engine.

Series used below (interval 5m, start 2026-01-01T00:00:00Z):
    cpu: "0x5 1x5 0x5"  ->  0 at 0m..25m, 1 at 30m..55m, 0 at 60m..85m (18 samples)

    `cpu > 0.5 for 10m`  -> pending at 30m, firing at 40m, 45m, 50m, 55m; the expression
                            stops holding at 60m -> firing interval [00:40, 01:00).
    `cpu > 0.8 for 10m`  -> the same (a vacuous "before").
    `cpu > 2`            -> never holds, never fires.
    `cpu > 0.5 for 30m`  -> pending 30m..55m, dropped at 60m before 30m elapsed: never fires.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import platform
import re
import textwrap
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

# pytester's in-process runs forget the modules imported during a run, but numpy (which a
# scenario run loads) and PyYAML's C extension cannot be imported a second time in one
# process, and a pandas imported again raises its parser's errors as classes the rest of the
# session no longer catches: load them once, for the whole session, here.
import numpy  # noqa: F401
import pandas  # noqa: F401
import pytest
import rfc8785
import yaml  # noqa: F401

pytest_plugins = ["pytester"]

INCIDENT = "INC-1"
START = "2026-01-01T00:00:00Z"

POSTMORTEM = """\
id: {incident}
title: CPU alert stayed silent during the outage
severity: SEV3
status: draft
summary: >
  The CPU alert did not fire while the service was saturated for half an hour.
impact:
  description: Requests timed out for thirty minutes.
  users_affected: 10
started_at: 2026-01-01T00:30:00Z
detected_at: 2026-01-01T01:00:00Z
diagnosed_at: 2026-01-01T02:00:00Z
mitigated_at: 2026-01-01T03:00:00Z
resolved_at: 2026-01-01T04:00:00Z
detection: {{method: user_report, source: "ticket OPS-1"}}
trigger: A deploy doubled the CPU cost per request
timeline:
  - {{at: 2026-01-01T00:25:00Z, kind: change, text: "deploy v2"}}
  - {{at: 2026-01-01T01:00:00Z, kind: detection, text: "users report timeouts"}}
root_causes:
  - id: RC1
    category: technical
    description: The alert threshold was above the saturation level.
    confidence: known
actions:
  - id: A1
    title: Alert on CPU saturation
    type: detect
    owner: sre.oncall
    due: 2026-12-26
    priority: P2
    addresses: [RC1]
    success_criteria: The alert fires within 10 minutes of saturation.
  - id: A2
    title: Keep the CPU alert quiet on a normal day
    type: detect
    owner: sre.oncall
    due: 2026-12-26
    priority: P3
    addresses: [RC1]
    success_criteria: No alert on a normal day.
lessons: {{went_well: [], went_wrong: [], got_lucky: []}}
tags: []
"""


def threshold(
    *,
    action: str = "A1",
    rule: str = "cpu > 0.5",
    for_: str = "10m",
    before: str | None = "cpu > 2",
    expect: str | None = None,
    extra: str = "",
) -> str:
    """A threshold scenario over the `cpu` series of the module docstring."""
    expect = expect or textwrap.dedent("""\
        - {alert: CpuHigh, at: 35m, firing: false}
        - {alert: CpuHigh, first_fires_at: 40m}
        - {alert: CpuHigh, at: 55m, firing: true}
        - {alert: CpuHigh, at: 1h, firing: false}
    """)
    text = f"action: {action}\nkind: threshold\n{extra}"
    text += f"interval: 5m\nstart: {START}\n"
    text += 'series:\n  cpu: "0x5 1x5 0x5"\n'
    text += f"rules:\n  - alert: CpuHigh\n    expr: {rule}\n    for: {for_}\n"
    text += "expect:\n" + textwrap.indent(expect, "  ")
    if before is not None:
        text += f"before:\n  rules:\n    - {{alert: CpuHigh, expr: '{before}', for: 10m}}\n"
    return text


# The fixed rule fires at 40m; the pre-fix rule never fires: discriminating, passes.
GOOD = threshold(extra="tags: [regression]\nseed: 7\n")
# The fixed rule needs 30m but the saturation lasts 30m (30m..55m): it never fires.
BROKEN_FIX = threshold(for_="30m")
# The pre-fix rule (cpu > 0.8) fires exactly like the fix: vacuous.
VACUOUS = threshold(before="cpu > 0.8")
# A2: quiet on a day that never crosses 2; the pre-fix rule (cpu > 0.5) fires at 40m.
QUIET = threshold(
    action="A2",
    rule="cpu > 2",
    before="cpu > 0.5",
    expect="- {alert: CpuHigh, never_fires: true}\n",
)
# `mem` is not a defined series: the file does not validate (the expr is on line 9).
INVALID = textwrap.dedent(f"""\
    action: A1
    kind: threshold
    interval: 5m
    start: {START}
    series:
      cpu: "0x5 1x5 0x5"
    rules:
      - alert: CpuHigh
        expr: mem > 0.5
        for: 10m
    expect:
      - {{alert: CpuHigh, first_fires_at: 40m}}
""")
INVALID_LINE = 9
assert INVALID.splitlines()[INVALID_LINE - 1].strip() == "expr: mem > 0.5"

EVIDENCE_NAME = r"^\d{8}T\d{6}Z-%s-[0-9a-f]{8}\.json$"


def make_project(
    pytester: pytest.Pytester, scenarios: dict[str, str], incident: str = INCIDENT
) -> Path:
    """A minimal closeout project; returns the incident's scenario folder."""
    root = pytester.path
    if not (root / "pyproject.toml").exists():
        (root / "pyproject.toml").write_text("[tool.closeout]\n", encoding="utf-8")
    folder = root / "scenarios" / incident
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "postmortem.yaml").write_text(POSTMORTEM.format(incident=incident), encoding="utf-8")
    for name, text in scenarios.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def evidence_files(pytester: pytest.Pytester, incident: str = INCIDENT) -> list[Path]:
    folder = pytester.path / "reports" / incident / "evidence"
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def records(pytester: pytest.Pytester, incident: str = INCIDENT) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in evidence_files(pytester, incident)]


def canonical(record: dict) -> bytes:
    """SPEC §15: a new record's canonical bytes are RFC 8785 (the rfc8785 package, as oracle)."""
    body = {k: v for k, v in record.items() if k not in ("sha256", "signature")}
    return rfc8785.dumps(body)


def collected_ids(result: pytest.RunResult) -> list[str]:
    return [line.strip() for line in result.outlines if "::" in line and " " not in line.strip()]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CI", "CLOSEOUT_TRIGGER", "CLOSEOUT_SIGNING_KEY", "PYTEST_ADDOPTS"):
        monkeypatch.delenv(name, raising=False)


# --------------------------------------------------------------------------- collection


def test_every_scenario_file_is_collected_as_one_item_named_after_the_file(
    pytester: pytest.Pytester,
) -> None:
    make_project(
        pytester,
        {
            "fires.yaml": GOOD,
            "renamed.yaml": "name: custom-name\n" + BROKEN_FIX,
            "quiet.yml": QUIET,
        },
    )
    # YAML outside the scenarios folder is not a scenario, even if it looks like one.
    pytester.path.joinpath("fixtures", INCIDENT).mkdir(parents=True)
    pytester.path.joinpath("fixtures", INCIDENT, "fires.yaml").write_text(GOOD)
    pytester.path.joinpath("config.yaml").write_text(GOOD)
    pytester.path.joinpath("other").mkdir()
    pytester.path.joinpath("other", "thing.yaml").write_text("a: 1\n")

    result = pytester.runpytest("--collect-only", "-q")

    assert result.ret == 0, result.stdout.str()
    assert sorted(collected_ids(result)) == sorted(
        [
            "scenarios/INC-1/fires.yaml::fires",
            "scenarios/INC-1/renamed.yaml::custom-name",
            "scenarios/INC-1/quiet.yml::quiet",
        ]
    )
    assert "postmortem" not in result.stdout.str()


def test_tags_become_markers_that_select_with_dash_m_under_strict_markers(
    pytester: pytest.Pytester,
) -> None:
    make_project(pytester, {"fires.yaml": GOOD, "broken-fix.yaml": BROKEN_FIX})

    result = pytester.runpytest("-m", "regression", "--strict-markers", "-v")

    result.assert_outcomes(passed=1, deselected=1)
    result.stdout.fnmatch_lines(["*scenarios/INC-1/fires.yaml::fires PASSED*"])
    assert "broken-fix" not in result.stdout.str()
    assert "not found in `markers`" not in result.stdout.str()


def test_dash_k_with_the_incident_id_selects_only_that_incident(
    pytester: pytest.Pytester,
) -> None:
    make_project(pytester, {"fires.yaml": GOOD})
    make_project(pytester, {"other.yaml": GOOD}, incident="INC-2")

    result = pytester.runpytest("-k", "INC-1", "-v", "--closeout-no-evidence")

    result.assert_outcomes(passed=1, deselected=1)
    result.stdout.fnmatch_lines(["*scenarios/INC-1/fires.yaml::fires PASSED*"])


def test_dash_k_with_an_action_id_selects_the_scenarios_of_that_action(
    pytester: pytest.Pytester,
) -> None:
    # File names carry no action id: only the item's action keyword can match.
    make_project(pytester, {"fires.yaml": GOOD, "quiet.yaml": QUIET})

    by_a1 = pytester.runpytest("-k", "A1", "-v", "--closeout-no-evidence")
    by_a1.assert_outcomes(passed=1, deselected=1)
    by_a1.stdout.fnmatch_lines(["*scenarios/INC-1/fires.yaml::fires PASSED*"])

    by_a2 = pytester.runpytest("-k", "A2", "-v", "--closeout-no-evidence")
    by_a2.assert_outcomes(passed=1, deselected=1)
    by_a2.stdout.fnmatch_lines(["*scenarios/INC-1/quiet.yaml::quiet PASSED*"])


# --------------------------------------------------------------------------- verdicts


def test_a_discriminating_scenario_passes(pytester: pytest.Pytester) -> None:
    make_project(pytester, {"fires.yaml": GOOD, "quiet.yaml": QUIET})

    result = pytester.runpytest("--closeout-no-evidence")

    result.assert_outcomes(passed=2)
    assert result.ret == 0


def test_a_failing_scenario_reports_each_expectation_observed_and_target_without_traceback(
    pytester: pytest.Pytester,
) -> None:
    make_project(pytester, {"broken-fix.yaml": BROKEN_FIX})

    result = pytester.runpytest("--closeout-no-evidence")

    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    lines = result.outlines

    # `cpu > 0.5 for 30m` never fires: at 35m and 1h it is quiet as expected (pass),
    # at 55m it is not firing (target firing), and it never fires (target 40m).
    def row(*needles: str) -> str:
        # The table's rows (the report's first line names the first failing expectation).
        found = [ln for ln in lines if all(n in ln for n in needles) and "expectation '" not in ln]
        assert found, f"no report line with {needles!r} in:\n{out}"
        return found[0]

    assert "PASS" in row("CpuHigh at 35m", "not firing")
    assert re.search(r"FAIL\s+CpuHigh at 55m\b.*\bnot firing\s+firing\b", row("CpuHigh at 55m"))
    first = row("CpuHigh first fires at")
    assert "FAIL" in first
    assert "never fires" in first
    assert "40m" in first
    assert "PASS" in row("CpuHigh at 1h", "not firing")
    assert "observed" in out
    assert "target" in out
    assert "Traceback" not in out
    assert "closeout/" not in out.replace("scenarios/", "")
    assert "pytest_plugin.py" not in out
    assert "ScenarioFailed" not in out


def test_a_vacuous_scenario_fails_and_says_it_is_vacuous(pytester: pytest.Pytester) -> None:
    make_project(pytester, {"vacuous.yaml": VACUOUS})

    result = pytester.runpytest("--closeout-no-evidence")

    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "vacuous" in out.lower()
    assert "Traceback" not in out


def test_a_broken_scenario_file_errors_naming_path_and_line_and_the_others_still_run(
    pytester: pytest.Pytester,
) -> None:
    make_project(pytester, {"fires.yaml": GOOD, "invalid.yaml": INVALID, "quiet.yaml": QUIET})

    result = pytester.runpytest("-rA", "--closeout-no-evidence")

    result.assert_outcomes(passed=2, errors=1)
    out = result.stdout.str()
    assert f"scenarios/INC-1/invalid.yaml:{INVALID_LINE}" in out
    assert "mem" in out
    assert "Interrupted" not in out
    result.stdout.fnmatch_lines(["ERROR scenarios/INC-1/invalid.yaml::invalid*"])


# --------------------------------------------------------------------------- evidence


REQUIRED_FIELDS = {
    "schema",
    "type",
    "id",
    "incident",
    "action",
    "scenario",
    "kind",
    "trigger",
    "started_at",
    "duration_s",
    "verdict",
    "before_verdict",
    "discriminating",
    "expectations",
    "metrics",
    "inputs",
    "seed",
    "environment",
    "git",
    "artifacts",
    "error",
    "sha256",
    "signature",
}


def test_each_run_writes_exactly_one_sealed_record_with_the_spec_fields(
    pytester: pytest.Pytester,
) -> None:
    folder = make_project(pytester, {"fires.yaml": GOOD})

    result = pytester.runpytest()

    result.assert_outcomes(passed=1)
    files = evidence_files(pytester)
    assert len(files) == 1
    assert re.match(EVIDENCE_NAME % "fires", files[0].name), files[0].name
    # No temporary file left behind.
    assert [p.name for p in files[0].parent.iterdir()] == [files[0].name]
    record = json.loads(files[0].read_text(encoding="utf-8"))

    assert set(record) >= REQUIRED_FIELDS, REQUIRED_FIELDS - set(record)
    assert record["schema"] == 2
    assert record["type"] == "run"
    assert uuid.UUID(record["id"]).version == 4
    assert files[0].name.split("-")[-1] == record["id"].replace("-", "")[:8] + ".json"
    assert (record["incident"], record["action"]) == ("INC-1", "A1")
    assert (record["scenario"], record["kind"]) == ("fires", "threshold")
    assert record["trigger"] == "manual"
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$", record["started_at"])
    stamp = record["started_at"][:19].replace("-", "").replace(":", "")
    assert files[0].name.startswith(stamp + "Z-")
    assert isinstance(record["duration_s"], int | float)
    assert record["duration_s"] >= 0
    assert record["verdict"] == "pass"
    assert record["before_verdict"] == "fail"
    assert record["discriminating"] is True
    assert [e["outcome"] for e in record["expectations"]] == ["pass"] * 4
    for expectation in record["expectations"]:
        assert {"name", "outcome", "observed", "target"} <= set(expectation)
    alert = record["metrics"]["alerts"]["CpuHigh"]
    assert alert["first_fires_at"] == "2026-01-01T00:40:00Z"
    assert alert["firing_intervals"] == [["2026-01-01T00:40:00Z", "2026-01-01T01:00:00Z"]]
    assert record["metrics"]["evaluated_series"]["cpu"][:18] == [0] * 6 + [1] * 6 + [0] * 6
    scenario_bytes = (folder / "fires.yaml").read_bytes()
    assert record["inputs"]["scenario"] == {
        "path": "scenarios/INC-1/fires.yaml",
        "sha256": hashlib.sha256(scenario_bytes).hexdigest(),
    }
    assert record["inputs"]["files"] == {}
    assert record["seed"] == 7
    assert record["environment"]["python"] == platform.python_version()
    assert record["environment"]["packages"]["closeout"]
    assert {"commit", "dirty"} <= set(record["git"])
    assert record["error"] is None
    assert record["sha256"] == hashlib.sha256(canonical(record)).hexdigest()
    assert record["signature"] is None


def test_with_a_signing_key_the_signature_is_the_hmac_of_the_canonical_json(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = "s3cret-clé"
    monkeypatch.setenv("CLOSEOUT_SIGNING_KEY", key)
    make_project(pytester, {"fires.yaml": GOOD})

    pytester.runpytest().assert_outcomes(passed=1)

    [record] = records(pytester)
    body = canonical(record)
    assert record["sha256"] == hashlib.sha256(body).hexdigest()
    assert record["signature"] == hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


@pytest.mark.parametrize(("ci", "trigger"), [("true", "ci"), (None, "manual")])
def test_the_trigger_is_ci_under_ci_and_manual_otherwise(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    ci: str | None,
    trigger: str,
) -> None:
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    make_project(pytester, {"fires.yaml": GOOD})

    pytester.runpytest().assert_outcomes(passed=1)

    [record] = records(pytester)
    assert record["trigger"] == trigger


def test_failing_and_vacuous_runs_are_recorded_with_their_verdicts(
    pytester: pytest.Pytester,
) -> None:
    make_project(
        pytester,
        {
            "broken-fix.yaml": BROKEN_FIX,
            "vacuous.yaml": VACUOUS,
            "renamed.yaml": "name: custom-name\n" + GOOD,
        },
    )

    pytester.runpytest().assert_outcomes(passed=1, failed=2)

    files = evidence_files(pytester)
    assert len(files) == 3
    by_name = {r["scenario"]: r for r in records(pytester)}
    assert set(by_name) == {"broken-fix", "vacuous", "custom-name"}
    # `name:` names the evidence file too.
    assert any(re.match(EVIDENCE_NAME % "custom-name", f.name) for f in files)
    assert by_name["custom-name"]["inputs"]["scenario"]["path"] == "scenarios/INC-1/renamed.yaml"
    broken = by_name["broken-fix"]
    assert broken["verdict"] == "fail"
    assert broken["before_verdict"] == "fail"
    assert broken["discriminating"] is False
    assert [e["outcome"] for e in broken["expectations"]] == ["pass", "fail", "fail", "pass"]
    assert broken["metrics"]["alerts"]["CpuHigh"]["first_fires_at"] is None
    vacuous = by_name["vacuous"]
    assert vacuous["verdict"] == "pass"
    assert vacuous["before_verdict"] == "pass"
    assert vacuous["discriminating"] is False
    for record in by_name.values():
        assert record["sha256"] == hashlib.sha256(canonical(record)).hexdigest()


def test_closeout_no_evidence_writes_nothing(pytester: pytest.Pytester) -> None:
    make_project(pytester, {"fires.yaml": GOOD, "broken-fix.yaml": BROKEN_FIX})

    pytester.runpytest("--closeout-no-evidence").assert_outcomes(passed=1, failed=1)

    assert not (pytester.path / "reports").exists()


def test_the_chart_artifact_listed_in_the_record_is_an_svg_file(
    pytester: pytest.Pytester,
) -> None:
    make_project(pytester, {"fires.yaml": GOOD})

    pytester.runpytest().assert_outcomes(passed=1)

    [record] = records(pytester)
    assert record["artifacts"], "a threshold run lists its chart"
    for artifact in record["artifacts"]:
        assert not Path(artifact).is_absolute()
        path = pytester.path / artifact
        assert path.is_file(), artifact
        assert path.suffix == ".svg"
        root = ET.parse(path).getroot()
        assert root.tag == "{http://www.w3.org/2000/svg}svg"


# --------------------------------------------------------------------------- marked tests


def test_a_python_test_marked_closeout_records_its_outcome_as_pytest_evidence(
    pytester: pytest.Pytester,
) -> None:
    make_project(pytester, {})
    pytester.makepyfile(
        test_marked=textwrap.dedent("""\
        import pytest

        @pytest.mark.closeout(incident="INC-1", action="A1")
        def test_guard_holds():
            assert 1 + 1 == 2

        @pytest.mark.closeout(incident="INC-1", action="A2")
        def test_guard_broken():
            assert 1 + 1 == 3

        def test_unmarked():
            pass
    """)
    )

    result = pytester.runpytest("--strict-markers", "test_marked.py")

    result.assert_outcomes(passed=2, failed=1)
    files = evidence_files(pytester)
    assert len(files) == 2
    by_name = {r["scenario"]: (r, f) for r, f in zip(records(pytester), files, strict=True)}
    # Records name the test by its node id; only the file name uses a file-safe label.
    assert set(by_name) == {"test_marked.py::test_guard_holds", "test_marked.py::test_guard_broken"}
    held, held_file = by_name["test_marked.py::test_guard_holds"]
    broke, broke_file = by_name["test_marked.py::test_guard_broken"]
    assert re.match(EVIDENCE_NAME % "test_marked.py__test_guard_holds", held_file.name)
    assert re.match(EVIDENCE_NAME % "test_marked.py__test_guard_broken", broke_file.name)
    assert (held["kind"], held["action"], held["verdict"]) == ("pytest", "A1", "pass")
    assert (broke["kind"], broke["action"], broke["verdict"]) == ("pytest", "A2", "fail")
    digest = hashlib.sha256((pytester.path / "test_marked.py").read_bytes()).hexdigest()
    for record in (held, broke):
        assert set(record) >= REQUIRED_FIELDS, REQUIRED_FIELDS - set(record)
        assert record["incident"] == "INC-1"
        assert record["inputs"]["scenario"] == {"path": "test_marked.py", "sha256": digest}
        assert record["sha256"] == hashlib.sha256(canonical(record)).hexdigest()


def test_a_marked_python_test_record_starts_when_the_test_started(
    pytester: pytest.Pytester,
) -> None:
    make_project(pytester, {})
    pytester.makepyfile(
        test_slow=textwrap.dedent("""\
        import time
        import pytest

        @pytest.mark.closeout(incident="INC-1", action="A1")
        def test_slow_guard():
            with open("began.txt", "w") as stream:
                stream.write(repr(time.time()))
            time.sleep(1.1)
    """)
    )

    pytester.runpytest("test_slow.py").assert_outcomes(passed=1)

    [record] = records(pytester)
    assert record["duration_s"] >= 1.1
    # started_at has seconds precision: it may not be later than the moment the test began
    # (a record stamped when the report came in, 1.1 s later, is at least 1 s too late).
    began = float((pytester.path / "began.txt").read_text())
    started = datetime.strptime(record["started_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert started.timestamp() <= began, (record["started_at"], began)


# --------------------------------------------------------------------------- junit, xdist


def test_junitxml_has_one_testcase_per_scenario_and_marks_the_failing_one(
    pytester: pytest.Pytester,
) -> None:
    make_project(pytester, {"fires.yaml": GOOD, "broken-fix.yaml": BROKEN_FIX, "quiet.yaml": QUIET})

    result = pytester.runpytest("--junitxml=report.xml", "--closeout-no-evidence")

    result.assert_outcomes(passed=2, failed=1)
    cases = ET.parse(pytester.path / "report.xml").getroot().findall(".//testcase")
    by_name = {c.get("name"): c for c in cases}
    assert len(cases) == 3
    assert set(by_name) == {"fires", "broken-fix", "quiet"}
    failure = by_name["broken-fix"].find("failure")
    assert failure is not None
    assert "never fires" in (failure.text or "") + (failure.get("message") or "")
    for name in ("fires", "quiet"):
        assert list(by_name[name]) == [] or all(
            child.tag not in ("failure", "error") for child in by_name[name]
        )


def test_xdist_runs_the_scenarios_with_the_same_outcomes(pytester: pytest.Pytester) -> None:
    make_project(
        pytester,
        {
            "fires.yaml": GOOD,
            "broken-fix.yaml": BROKEN_FIX,
            "quiet.yaml": QUIET,
            "vacuous.yaml": VACUOUS,
            "invalid.yaml": INVALID,
        },
    )

    result = pytester.runpytest_subprocess("-n", "2", "-rA", "-p", "no:cacheprovider")

    result.assert_outcomes(passed=2, failed=2, errors=1)
    out = result.stdout.str()
    assert "Interrupted" not in out
    for nodeid in ("fires.yaml::fires", "quiet.yaml::quiet"):
        result.stdout.fnmatch_lines([f"PASSED scenarios/INC-1/{nodeid}*"])
    for nodeid in ("broken-fix.yaml::broken-fix", "vacuous.yaml::vacuous"):
        result.stdout.fnmatch_lines([f"FAILED scenarios/INC-1/{nodeid}*"])
    result.stdout.fnmatch_lines(["ERROR scenarios/INC-1/invalid.yaml::invalid*"])
    verdicts = {r["scenario"]: (r["verdict"], r["before_verdict"]) for r in records(pytester)}
    assert verdicts == {
        "fires": ("pass", "fail"),
        "quiet": ("pass", "fail"),
        "broken-fix": ("fail", "fail"),
        "vacuous": ("pass", "pass"),
    }


def test_parametrized_marked_tests_are_separate_evidence(pytester: pytest.Pytester) -> None:
    make_project(pytester, {})
    pytester.makepyfile(
        test_cases=textwrap.dedent("""\
        import pytest

        @pytest.mark.closeout(incident="INC-1", action="A1")
        @pytest.mark.parametrize("value", [1, 2])
        def test_guard(value):
            assert value == 1
    """)
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1, failed=1)
    verdicts = {r["scenario"]: r["verdict"] for r in records(pytester)}
    assert verdicts == {
        "test_cases.py::test_guard[1]": "pass",
        "test_cases.py::test_guard[2]": "fail",
    }


# --------------------------------------------------------------------------- plugin cost


def test_a_session_without_scenarios_or_markers_never_loads_closeout_core(
    pytester: pytest.Pytester,
) -> None:
    # The plugin is loaded into every pytest session of the environment: a project with a
    # postmortem but no scenario file and no marked test must not pay for the loader.
    make_project(pytester, {})
    pytester.makepyfile(
        test_plain=textwrap.dedent("""\
        import sys

        def test_closeout_core_is_not_loaded():
            assert "closeout.pytest_plugin" in sys.modules
            loaded = {"closeout.plugin.hooks", "closeout.loader", "pydantic"} & set(sys.modules)
            assert not loaded
    """)
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_marked_test_loads_the_core_and_records_evidence_in_a_subprocess(
    pytester: pytest.Pytester,
) -> None:
    make_project(pytester, {})
    pytester.makepyfile(
        test_marked=textwrap.dedent("""\
        import pytest

        @pytest.mark.closeout(incident="INC-1", action="A1")
        def test_guard():
            pass
    """)
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
    assert [(r["kind"], r["verdict"]) for r in records(pytester)] == [("pytest", "pass")]


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_a_bad_trigger_in_the_environment_is_one_usage_error(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, workers: list[str]
) -> None:
    make_project(pytester, {"fires.yaml": GOOD, "quiet.yaml": QUIET})
    monkeypatch.setenv("CLOSEOUT_TRIGGER", "nightly")
    result = pytester.runpytest_subprocess(*workers, "-p", "no:cacheprovider")
    text = "\n".join(result.outlines + result.errlines)
    assert result.ret == pytest.ExitCode.USAGE_ERROR, text
    assert text.count("CLOSEOUT_TRIGGER='nightly': must be one of manual, ci, gate, scheduled") == 1
    assert "INTERNALERROR" not in text and "Traceback" not in text
    assert evidence_files(pytester) == []


def test_without_evidence_the_trigger_is_not_needed(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_project(pytester, {"fires.yaml": GOOD})
    monkeypatch.setenv("CLOSEOUT_TRIGGER", "nightly")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--closeout-no-evidence")
    result.assert_outcomes(passed=1)


def test_two_scenarios_with_one_name_both_error_naming_each_other(
    pytester: pytest.Pytester,
) -> None:
    make_project(pytester, {"fires.yaml": GOOD, "copy.yaml": "name: fires\n" + QUIET})
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--closeout-no-evidence")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(
        [
            "*scenarios/INC-1/copy.yaml:1: name: scenario name 'fires' is also used by "
            "scenarios/INC-1/fires.yaml:1*",
            "*scenarios/INC-1/fires.yaml:1: name: scenario name 'fires' is also used by "
            "scenarios/INC-1/copy.yaml:1*",
        ],
        consecutive=False,
    )


def test_closeout_root_pointing_nowhere_is_a_usage_error(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_project(pytester, {"fires.yaml": GOOD})
    monkeypatch.setenv("CLOSEOUT_ROOT", str(pytester.path / "elsewhere"))
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert f"CLOSEOUT_ROOT={pytester.path / 'elsewhere'}: no such folder" in "\n".join(
        result.errlines
    )
