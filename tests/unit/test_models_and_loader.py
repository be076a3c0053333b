"""Typed models and the loader: located errors, cross-field rules, the `before` rules."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.conftest import POSTMORTEM, SCENARIO, Write

from closeout.errors import ScenarioError
from closeout.loader import load_postmortem, load_scenario
from closeout.models import ScenarioBase
from closeout.project import load_project


def problems_of(path: Path) -> list[str]:
    project = load_project()
    load = load_postmortem if path.name == "postmortem.yaml" else load_scenario
    with pytest.raises(ScenarioError) as caught:
        load(project, path)
    return [str(p) for p in caught.value.problems]


def test_valid_postmortem_and_scenario_load(project_dir: Path, write: Write) -> None:
    path = write("scenarios/INC-1/a1.yaml", SCENARIO)
    loaded = load_scenario(load_project(), path)
    assert (loaded.incident, loaded.name, loaded.kind.name) == ("INC-1", "a1", "threshold")
    assert loaded.model.rules[0].for_ == 15 * 60_000
    assert loaded.postmortem.actions[0].owner == "sam"


def test_unknown_key_names_its_line_and_suggests(project_dir: Path, write: Write) -> None:
    path = write(
        "scenarios/INC-1/postmortem.yaml", POSTMORTEM.replace("    owner: sam", "    ownr: sam")
    )
    line = POSTMORTEM.splitlines().index("    owner: sam") + 1
    assert any(
        p.startswith(f"scenarios/INC-1/postmortem.yaml:{line}: actions[0].ownr: unknown key 'ownr'")
        and "did you mean 'owner'" in p
        for p in problems_of(path)
    )


def test_naive_timestamp_is_rejected(project_dir: Path, write: Write) -> None:
    path = write(
        "scenarios/INC-1/postmortem.yaml",
        POSTMORTEM.replace("detected_at: 2025-07-01T02:00:00Z", "detected_at: 2025-07-01T02:00:00"),
    )
    assert any("detected_at" in p and "no offset" in p for p in problems_of(path))


def test_times_out_of_order_are_an_error(project_dir: Path, write: Write) -> None:
    path = write(
        "scenarios/INC-1/postmortem.yaml",
        POSTMORTEM.replace(
            "detected_at: 2025-07-01T02:00:00Z", "detected_at: 2025-07-01T00:30:00Z"
        ),
    )
    assert any("detected_at: is earlier than started_at" in p for p in problems_of(path))


def test_unknown_root_cause_is_suggested(project_dir: Path, write: Write) -> None:
    path = write(
        "scenarios/INC-1/postmortem.yaml",
        POSTMORTEM.replace("addresses: [RC1]", "addresses: [RC2]"),
    )
    assert any("no root cause 'RC2'" in p and "did you mean 'RC1'" in p for p in problems_of(path))


def test_postmortem_id_must_equal_its_folder(project_dir: Path, write: Write) -> None:
    path = write("scenarios/INC-1/postmortem.yaml", POSTMORTEM.replace("id: INC-1", "id: INC-2"))
    assert any(p.startswith("scenarios/INC-1/postmortem.yaml:1: id:") for p in problems_of(path))


def test_scenario_action_must_exist(project_dir: Path, write: Write) -> None:
    path = write("scenarios/INC-1/a1.yaml", SCENARIO.replace("action: A1", "action: A9"))
    assert any("scenarios/INC-1/a1.yaml:1: action: no action 'A9'" in p for p in problems_of(path))


def test_before_may_hold_only_the_subject(project_dir: Path, write: Write) -> None:
    path = write("scenarios/INC-1/a1.yaml", SCENARIO + "  interval: 1m\n")
    found = problems_of(path)
    assert any(
        "before.interval" in p and "before may hold only the subject 'rules'" in p for p in found
    )


def test_before_and_before_unavailable_are_exclusive(project_dir: Path, write: Write) -> None:
    path = write("scenarios/INC-1/a1.yaml", SCENARIO + "before_unavailable: lost the old rules\n")
    assert any("either before or before_unavailable" in p for p in problems_of(path))


def test_undefined_series_in_an_expression_is_suggested(project_dir: Path, write: Write) -> None:
    path = write(
        "scenarios/INC-1/a1.yaml",
        SCENARIO.replace("expr: error_rate > 0.05", "expr: eror_rate > 0.05"),
    )
    line = (
        SCENARIO.splitlines().index("  - {alert: HighErrorRate, expr: error_rate > 0.05, for: 15m}")
        + 1
    )
    found = problems_of(path)
    assert any(
        p.startswith(f"scenarios/INC-1/a1.yaml:{line}: rules[0].expr:")
        and "did you mean 'error_rate'" in p
        for p in found
    )


def test_file_outside_the_project_is_refused(project_dir: Path, write: Write) -> None:
    outside = project_dir.parent / "secret.csv"
    outside.write_text("ts,x\n2025-01-01T00:00:00Z,1\n")
    text = SCENARIO.replace(
        'error_rate: "0.01x11 0.08x11 0.01x11"',
        "error_rate: {file: ../secret.csv, timestamp: ts, column: x}",
    )
    path = write("scenarios/INC-1/a1.yaml", text)
    assert any("outside the project root" in p for p in problems_of(path))


def test_symlink_escaping_the_project_is_refused(project_dir: Path, write: Write) -> None:
    outside = project_dir.parent / "elsewhere.csv"
    outside.write_text("ts,x\n2025-01-01T00:00:00Z,1\n")
    (project_dir / "fixtures").mkdir()
    (project_dir / "fixtures" / "link.csv").symlink_to(outside)
    text = SCENARIO.replace(
        'error_rate: "0.01x11 0.08x11 0.01x11"',
        "error_rate: {file: fixtures/link.csv, timestamp: ts, column: x}",
    )
    path = write("scenarios/INC-1/a1.yaml", text)
    assert any("outside the project root" in p for p in problems_of(path))


def test_seed_defaults_to_a_stable_hash_of_the_name() -> None:
    import hashlib

    model = ScenarioBase(action="A1", kind="x")
    expected = int.from_bytes(hashlib.sha256(b"a1-income").digest()[:4], "big")
    assert model.effective_seed("a1-income") == expected
    assert ScenarioBase(action="A1", kind="x", seed=7).effective_seed("a1-income") == 7


def test_two_scenarios_with_one_name_are_both_refused_each_naming_the_other(
    project_dir: Path, write: Write
) -> None:
    first = write("scenarios/INC-1/a1.yaml", SCENARIO)
    second = write("scenarios/INC-1/copy.yaml", "# copied from a1.yaml\nname: a1\n" + SCENARIO)
    assert problems_of(first) == [
        "scenarios/INC-1/a1.yaml:1: name: scenario name 'a1' is also used by "
        "scenarios/INC-1/copy.yaml:2: names must be unique within an incident"
    ]
    assert problems_of(second) == [
        "scenarios/INC-1/copy.yaml:2: name: scenario name 'a1' is also used by "
        "scenarios/INC-1/a1.yaml:1: names must be unique within an incident"
    ]


def test_the_same_name_in_another_incident_is_fine(project_dir: Path, write: Write) -> None:
    write("scenarios/INC-2/postmortem.yaml", POSTMORTEM.replace("id: INC-1", "id: INC-2"))
    write("scenarios/INC-2/a1.yaml", SCENARIO)
    assert load_scenario(load_project(), write("scenarios/INC-1/a1.yaml", SCENARIO)).name == "a1"


def test_a_broken_sibling_is_not_a_name_clash(project_dir: Path, write: Write) -> None:
    write("scenarios/INC-1/a2.yaml", "name: [a1\n")
    assert load_scenario(load_project(), write("scenarios/INC-1/a1.yaml", SCENARIO)).name == "a1"


@pytest.mark.parametrize(
    ("due", "message"),
    [
        ("20991231", "must be a date like 2099-12-31, got 20991231"),
        ("0", "must be a date like 2099-12-31, got 0"),  # pydantic alone: 1970-01-01
        ("2099-12-31T00:00:00Z", "must be a date like 2099-12-31, got '2099-12-31T00:00:00Z'"),
        ("31.12.2099", "must be a date like 2099-12-31, got '31.12.2099'"),
        ("2099-02-30", "'2099-02-30' is not a day of the calendar"),
    ],
)
def test_a_due_date_must_be_written_as_a_date(
    project_dir: Path, write: Write, due: str, message: str
) -> None:
    path = write(
        "scenarios/INC-1/postmortem.yaml", POSTMORTEM.replace("due: 2099-01-01", f"due: {due}")
    )
    line = POSTMORTEM.splitlines().index("    due: 2099-01-01") + 1
    assert problems_of(path) == [
        f"scenarios/INC-1/postmortem.yaml:{line}: actions[0].due: {message}"
    ]


def test_a_postmortem_that_is_a_directory_is_named_as_such(project_dir: Path, write: Write) -> None:
    (project_dir / "scenarios/INC-1/postmortem.yaml").unlink()
    (project_dir / "scenarios/INC-1/postmortem.yaml").mkdir()
    assert problems_of(write("scenarios/INC-1/a1.yaml", SCENARIO)) == [
        "scenarios/INC-1/postmortem.yaml:1: is a directory, not a YAML file"
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_named_like_a_scenario_is_refused_without_reading_it(project_dir: Path) -> None:
    fifo = project_dir / "scenarios/INC-1/a1.yaml"
    os.mkfifo(fifo)
    assert problems_of(fifo) == ["scenarios/INC-1/a1.yaml:1: is a FIFO, not a YAML file"]


@pytest.mark.parametrize(
    ("start", "line_text"),
    [("0001-01-01T00:00:00+23:59", "out of range"), ("9999-12-31T23:59:59Z", "out of range")],
)
def test_a_start_at_the_edge_of_time_is_a_located_error(
    project_dir: Path, write: Write, start: str, line_text: str
) -> None:
    text = SCENARIO.replace("interval: 5m\n", f"interval: 5m\nstart: {start}\n")
    (problem,) = problems_of(write("scenarios/INC-1/a1.yaml", text))
    assert (
        problem.startswith("scenarios/INC-1/a1.yaml:5: start: timestamp") and line_text in problem
    )
