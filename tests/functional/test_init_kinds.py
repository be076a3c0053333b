"""``closeout init INCIDENT --kind KIND``: a lint-clean, commented scaffold of every installed
kind, each YAML file starting with a ``$schema`` line that points at a schema on disk."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import yaml

from closeout.cli import main
from closeout.kinds import kind_names
from closeout.loader import load_postmortem
from closeout.project import load_project

SCHEMA_LINE = "# yaml-language-server: $schema="


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def empty_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.closeout]\n")
    monkeypatch.chdir(tmp_path)
    for name in ("CI", "CLOSEOUT_SIGNING_KEY", "CLOSEOUT_ROOT"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def init(capsys: pytest.CaptureFixture[str], incident: str, kind: str) -> list[str]:
    code, out, err = cli(capsys, "init", incident, "--kind", kind, "--json")
    assert code == 0, err
    created: list[str] = json.loads(out)["created"]
    return created


def _kinds() -> list[object]:
    """Every installed kind; drift_replay's scaffold needs its extra (evidently, DuckDB)."""
    return [
        pytest.param(k, marks=pytest.mark.drift) if k == "drift_replay" else k for k in kind_names()
    ]


@pytest.mark.parametrize("kind", _kinds())
def test_every_kind_scaffolds_a_lint_clean_incident(
    kind: str, empty_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    created = init(capsys, "INC-9", kind)
    yaml_files = [p for p in created if p.endswith(".yaml")]
    assert yaml_files[0] == "scenarios/INC-9/postmortem.yaml" and len(yaml_files) == 2
    # --strict: not even a warning (the scaffold's due date is in the future, its one action
    # has a scenario, its one root cause is addressed)
    assert cli(capsys, "lint", "--strict") == (0, "", "2 file(s): 0 error(s), 0 warning(s)\n")


@pytest.mark.parametrize("kind", _kinds())
def test_every_yaml_file_starts_with_a_schema_line_that_resolves(
    kind: str, empty_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    for relative in init(capsys, "INC-9", kind):
        if not relative.endswith(".yaml"):
            continue
        path = empty_project / relative
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith(SCHEMA_LINE), relative
        schema_path = (path.parent / first.removeprefix(SCHEMA_LINE)).resolve()
        which = "postmortem" if path.name == "postmortem.yaml" else "scenario"
        assert schema_path == empty_project / ".closeout" / "schema" / f"{which}.json"
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
        assert schema == json.loads(cli(capsys, "schema", which)[1])
        # what the editor checks against the schema is what lint accepted
        data = json.loads(json.dumps(yaml.safe_load(path.read_text()), default=str))
        jsonschema.validate(data, schema)


def test_an_unknown_kind_is_a_usage_error_with_a_suggestion(
    empty_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = cli(capsys, "init", "INC-9", "--kind", "treshold")
    assert code == 2 and "unknown kind 'treshold' (did you mean 'threshold'?)" in err
    assert not (empty_project / "scenarios").exists()


def test_without_kind_the_threshold_scaffold_is_written(
    empty_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(capsys, "init", "INC-9")[0] == 0
    text = (empty_project / "scenarios/INC-9/a1-alert-fires.yaml").read_text()
    assert "kind: threshold" in text


def test_kind_on_an_existing_incident_adds_only_the_scenario(
    empty_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    init(capsys, "INC-9", "threshold")
    postmortem = (empty_project / "scenarios/INC-9/postmortem.yaml").read_bytes()
    created = init(capsys, "INC-9", "synthetic")
    assert "scenarios/INC-9/postmortem.yaml" not in created
    assert "scenarios/INC-9/a1-synthetic.yaml" in created
    assert (empty_project / "scenarios/INC-9/postmortem.yaml").read_bytes() == postmortem
    code, _, err = cli(capsys, "init", "INC-9", "--kind", "synthetic")
    assert code == 2 and "a1-synthetic.yaml already exists" in err
    code, _, err = cli(capsys, "init", "INC-9")
    assert code == 2 and "already exists" in err


def test_a_lesson_with_a_comma_stays_one_item(
    empty_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    init(capsys, "INC-9", "threshold")
    path = empty_project / "scenarios/INC-9/postmortem.yaml"
    text = path.read_text(encoding="utf-8")
    # A user fills each lesson in place with a sentence of their own.
    filled = text.replace(
        "The rollback took five minutes, as the runbook says.",
        "Alerts fired, but only after customers called",
    )
    assert filled != text
    path.write_text(filled, encoding="utf-8")
    postmortem, _ = load_postmortem(load_project(), path)
    assert postmortem.lessons.went_well == ["Alerts fired, but only after customers called"]
    assert all(len(items) == 1 for items in postmortem.lessons.model_dump().values())


def test_the_scaffold_is_dated_from_today(
    empty_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    init(capsys, "INC-9", "drift_replay" if "drift_replay" in kind_names() else "threshold")
    text = (empty_project / "scenarios/INC-9/postmortem.yaml").read_text()
    assert "__" not in text and date.today().isoformat() in text


@pytest.mark.slow
@pytest.mark.drift
def test_every_scaffold_runs_and_discriminates(
    empty_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for kind in kind_names():
        init(capsys, f"INC-{kind.replace('_', '-')}", kind)
    code, out, err = cli(capsys, "run", "--json", "--no-evidence")
    rows = json.loads(out)["results"]
    assert code == 0, err
    assert sorted((r["verdict"], r["before_verdict"], r["discriminating"]) for r in rows) == [
        ("pass", "fail", True)
    ] * len(kind_names())
