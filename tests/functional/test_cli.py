"""The command line, in-process (and once as a real subprocess)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import SCENARIO, Write

from closeout.cli import main


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_init_scaffolds_files_that_lint_accepts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.closeout]\n")
    monkeypatch.chdir(tmp_path)
    assert cli(capsys, "init", "INC-9")[0] == 0
    code, out, _ = cli(capsys, "lint", "--strict")
    assert (code, out) == (0, "")
    code, _, err = cli(capsys, "init", "INC-9")
    assert code == 2 and "already exists" in err


def test_init_scenario_template_is_discriminating(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.closeout]\n")
    monkeypatch.chdir(tmp_path)
    cli(capsys, "init", "INC-9")
    code, out, _ = cli(capsys, "run", "--json", "--no-evidence", "INC-9")
    rows = json.loads(out)["results"]
    assert code == 0
    assert [(r["verdict"], r["before_verdict"], r["discriminating"]) for r in rows] == [
        ("pass", "fail", True)
    ]


def test_lint_reports_file_line_field_problem_and_exits_2(
    project_dir: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    write("scenarios/INC-1/a1.yaml", SCENARIO.replace("interval: 5m", "intervall: 5m"))
    code, out, _ = cli(capsys, "lint")
    assert code == 2
    assert (
        "scenarios/INC-1/a1.yaml:4: intervall: unknown key 'intervall' (did you mean 'interval'?)"
        in out
    )


def test_lint_json_lists_problems(project_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "lint", "--json")
    data = json.loads(out)
    assert code == 0 and data["problems"][0]["severity"] == "warning"
    assert cli(capsys, "lint", "--strict")[0] == 2


def test_lint_of_a_missing_path_is_a_usage_error(
    project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = cli(capsys, "lint", "nope/")
    assert code == 2 and "no such file" in err


def test_run_selectors_pick_scenarios_and_record_evidence(
    project_dir: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    write("scenarios/INC-1/a1.yaml", SCENARIO)
    code, out, _ = cli(capsys, "run", "--json", "INC-1/A1")
    assert code == 0
    [row] = json.loads(out)["results"]
    assert row["scenario"] == "a1" and row["evidence"].startswith("reports/INC-1/evidence/")
    assert (project_dir / row["evidence"]).is_file()


@pytest.mark.parametrize(
    ("selector", "hint"), [("INC-2", "did you mean 'INC-1'"), ("INC-1/A7", "for action 'A7'")]
)
def test_run_with_an_unknown_selector_exits_2(
    project_dir: Path, write: Write, capsys: pytest.CaptureFixture[str], selector: str, hint: str
) -> None:
    write("scenarios/INC-1/a1.yaml", SCENARIO)
    code, _, err = cli(capsys, "run", selector)
    assert code == 2 and hint in err


def test_run_exits_1_when_a_scenario_fails(
    project_dir: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        "scenarios/INC-1/a1.yaml", SCENARIO.replace("first_fires_at: 1h15m", "first_fires_at: 1h")
    )
    code, out, _ = cli(capsys, "run", "--no-evidence")
    assert code == 1 and "FAIL" in out and "HighErrorRate first fires at" in out


def test_run_exits_2_on_an_invalid_scenario_file(
    project_dir: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    write("scenarios/INC-1/a1.yaml", SCENARIO)
    write("scenarios/INC-1/broken.yaml", "action: A1\nkind: threshold\ninterval: 5\n")
    code, out, _ = cli(capsys, "run", "--no-evidence")
    assert code == 2
    assert "scenarios/INC-1/broken.yaml:3: interval:" in out
    assert "1 passed, 1 error" in out


def test_schema_is_valid_json_schema_for_both_file_types(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for which in ("postmortem", "scenario"):
        code, out, _ = cli(capsys, "schema", which)
        schema = json.loads(out)
        assert code == 0 and schema["$schema"].startswith("https://json-schema.org/")
    assert "oneOf" in schema


def test_postmortem_schema_validates_the_example_incident(
    capsys: pytest.CaptureFixture[str],
) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    schema = json.loads(cli(capsys, "schema", "postmortem")[1])
    root = Path(__file__).resolve().parents[2]
    data = yaml.safe_load((root / "scenarios/INC-2025-031/postmortem.yaml").read_text())
    jsonschema.validate(json.loads(json.dumps(data, default=str)), schema)


def test_real_subprocess_help_and_bad_usage() -> None:
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    done = subprocess.run(
        [sys.executable, "-m", "closeout", "--help"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0 and "lint" in done.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "closeout", "frobnicate"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["lint", "scenarios"], ["schema", "scenario"]],
)
def test_light_commands_never_import_heavy_libraries(argv: list[str]) -> None:
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "closeout", *argv],
        capture_output=True,
        text=True,
        cwd=root,
        check=False,
    )
    loaded = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert loaded, done.stderr[-500:]
    heavy = {"evidently", "pandas", "scipy", "hypothesis", "sklearn", "numpy", "pytest"}
    if argv[0] == "lint":
        # Lint reads the column names of the examples' Parquet files from their schema
        # (issue 15) with pyarrow, a core dependency that loads NumPy; never the data.
        heavy.discard("numpy")
    assert not loaded & heavy


@pytest.mark.parametrize(
    ("root", "problem"),
    [("does/not/exist", "no such folder"), ("pyproject.toml", "is not a folder")],
)
def test_closeout_root_pointing_nowhere_is_a_usage_error(
    project_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    root: str,
    problem: str,
) -> None:
    monkeypatch.setenv("CLOSEOUT_ROOT", root)
    code, out, err = cli(capsys, "status")
    assert (code, out, err) == (2, "", f"closeout: CLOSEOUT_ROOT={root}: {problem}\n")


@pytest.mark.parametrize(
    "argv",
    [
        ["close", "INC-1", "A1", "--by", ""],
        ["close", "INC-1", "A1", "--by", "   "],
        ["waive", "INC-1", "A1", "--by", "", "--reason", "org change"],
        ["waive", "INC-1", "A1", "--by", "cto", "--reason", " "],
    ],
)
def test_blank_names_and_reasons_are_refused(
    project_dir: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    _, err = capsys.readouterr()
    assert caught.value.code == 2
    assert re.search(r"error: argument --(by|reason): must not be empty$", err.strip()), err
    assert not (project_dir / "reports").exists()


def test_an_os_error_is_a_usage_error_naming_the_file(
    project_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(project_dir / "scenarios"))

    monkeypatch.setattr("closeout.cli.scenarios.lint", refuse)
    code, out, err = cli(capsys, "lint")
    assert (code, out) == (2, "")
    assert err == f"closeout: {project_dir / 'scenarios'}: Permission denied\n"
