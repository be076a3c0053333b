"""Evidence records as models: strict, keeping every key, null apart from absent; numbers."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from closeout._numbers import decode_number, encode_float, encode_nonfinite, is_nonfinite_marker
from closeout.models.canonical import canonical_bytes, parse_json, render, seal_with
from closeout.models.records import (
    CheckpointRecord,
    ClosureRecord,
    Inputs,
    MalformedRecordError,
    Record,
    RecordSummary,
    ResealRecord,
    RunRecord,
    WaiverRecord,
    parse_record,
)

ENVELOPE: dict[str, Any] = {
    "schema": 1,
    "type": "run",
    "id": "0b7e6a9c-1111-4222-8333-944445555666",
    "incident": "INC-1",
    "action": "A1",
    "started_at": "2026-05-30T00:00:00Z",
    "started_at_us": 1_780_099_200_000_000,
    "environment": {"python": "3.11.7", "platform": "Linux", "packages": {"closeout": None}},
    "git": {"commit": None, "dirty": None},
}


def run(**fields: Any) -> dict[str, Any]:
    return {**ENVELOPE, "scenario": "a1", "kind": "threshold", "verdict": "pass", **fields}


def test_a_field_that_is_null_stays_null_and_an_absent_one_stays_absent() -> None:
    with_null = run(before_metrics=None)
    assert parse_record(with_null).body() == with_null
    assert "before_metrics" not in parse_record(run()).body()
    assert parse_record(run()).before_metrics is None


@pytest.mark.parametrize("duration", [2, 2.0, 0.1234])
def test_numbers_keep_their_json_spelling(duration: float) -> None:
    record = parse_record(run(duration_s=duration))
    assert render(record.body()) == render(run(duration_s=duration))


def test_keys_of_a_later_schema_are_kept() -> None:
    content = run(prev=["ab" * 32], expectations=[{**outcome(), "weight": 2}])
    assert parse_record(content).body() == content


def outcome() -> dict[str, Any]:
    return {"name": "n", "outcome": "pass", "observed": "1", "target": "1", "detail": ""}


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (run(seed=[7]), "malformed run record: seed.int: Input should be a valid integer"),
        (run(vacuous=1), "malformed run record: vacuous: Input should be a valid boolean"),
        (run(verdict="passed"), "malformed run record: verdict: Input should be 'pass', "),
        (run(trigger="nightly"), "malformed run record: trigger: Input should be 'manual', "),
        (run(expectations=[{"name": "n"}]), "malformed run record: expectations.0.outcome: "),
        ({**ENVELOPE, "type": 3}, "malformed record: type: Input should be a valid string"),
        ([ENVELOPE], "not a record (not a JSON object)"),
    ],
)
def test_a_record_that_does_not_fit_its_model_names_the_field(content: Any, problem: str) -> None:
    with pytest.raises(MalformedRecordError) as caught:
        parse_record(content)
    assert str(caught.value).startswith(problem)


def test_each_type_has_its_model_and_others_are_envelopes() -> None:
    assert isinstance(parse_record(run()), RunRecord)
    closure = parse_record({**ENVELOPE, "type": "closure", "by": "sam", "note": None, "runs": []})
    assert isinstance(closure, ClosureRecord) and closure.by == "sam"
    assert isinstance(parse_record({**ENVELOPE, "type": "waiver"}), WaiverRecord)
    assert isinstance(parse_record({**ENVELOPE, "type": "checkpoint"}), CheckpointRecord)
    reseal = parse_record({**ENVELOPE, "type": "reseal", "attests": ["ab" * 32]})
    assert isinstance(reseal, ResealRecord) and reseal.summary("r.json").attests == ("ab" * 32,)
    assert type(parse_record({**ENVELOPE, "type": "note"})) is Record


def test_a_record_with_only_an_envelope_reads_with_defaults() -> None:
    closure = parse_record({**ENVELOPE, "type": "closure"})
    assert isinstance(closure, ClosureRecord)
    assert (closure.by, closure.runs) == (None, [])


def test_the_summary_holds_what_state_needs() -> None:
    sealed = seal_with(run(before_verdict="fail", discriminating=True, trigger="ci"), key="k")
    summary = parse_record(sealed).summary("f.json")
    assert (summary.file, summary.type, summary.scenario, summary.verdict) == (
        "f.json",
        "run",
        "a1",
        "pass",
    )
    assert (summary.before_verdict, summary.discriminating, summary.trigger) == ("fail", True, "ci")
    assert summary.signed and summary.sha256 == sealed["sha256"]
    assert summary.order == ("2026-05-30T00:00:00Z", 1_780_099_200_000_000, "f.json")


def test_an_unreadable_summary_counts_for_nothing() -> None:
    summary = RecordSummary.unreadable("x.json")
    assert not summary.readable and summary.order == ("", 0, "x.json")


def test_inputs_list_every_recorded_file() -> None:
    inputs = Inputs.model_validate(
        {"scenario": {"path": "s.yaml", "sha256": "a"}, "files": {"d.csv": "b"}, "code": {}}
    )
    assert inputs.recorded() == {"s.yaml": "a", "d.csv": "b"}
    assert Inputs().recorded() == {}


def test_the_canonical_bytes_leave_out_the_seal() -> None:
    sealed = seal_with(run(), key=None)
    assert canonical_bytes(sealed) == canonical_bytes(run())
    assert sealed["signature"] is None


@pytest.mark.parametrize("text", [b'{"a": NaN}', b'{"a": Infinity}', b"[" * 100_000])
def test_json_with_bare_non_finite_numbers_or_endless_nesting_is_no_record(text: bytes) -> None:
    with pytest.raises(ValueError):
        parse_json(text)


# --------------------------------------------------------------------------- non-finite numbers


def test_non_finite_floats_are_written_as_the_spec_strings() -> None:
    assert [encode_float(v) for v in (math.nan, math.inf, -math.inf, 1.5)] == [
        "NaN",
        "Infinity",
        "-Infinity",
        1.5,
    ]
    nested = encode_nonfinite({"a": (math.nan, {"b": -math.inf}), 1: "nan"})
    assert nested == {"a": ["NaN", {"b": "-Infinity"}], "1": "nan"}


@pytest.mark.parametrize(
    ("spelling", "value"),
    [
        ("NaN", math.nan),
        ("Infinity", math.inf),
        ("-Infinity", -math.inf),
        ("nan", math.nan),  # v0.1 wrote str(float)
        ("inf", math.inf),
        ("-inf", -math.inf),
        (2, 2.0),
        (0.5, 0.5),
    ],
)
def test_readers_accept_the_new_and_the_old_spellings(spelling: Any, value: float) -> None:
    decoded = decode_number(spelling)
    assert decoded is not None
    assert (math.isnan(decoded) and math.isnan(value)) or decoded == value
    assert is_nonfinite_marker(spelling) is isinstance(spelling, str)


@pytest.mark.parametrize("other", [True, None, "1.5", [1.0], "infinite"])
def test_anything_else_is_no_number(other: Any) -> None:
    assert decode_number(other) is None


def test_a_v01_python_test_run_is_summarised_under_its_pytest_node_id() -> None:
    """v0.1 named a marked test's runs by a file-safe label; since node ids are used, the old
    runs and the new ones of one test must be one series (or the old label would stay stale
    for ever once it aged out)."""
    folder = Path(__file__).parents[1] / "golden/v01/project/reports/INC-1/evidence"
    legacy = next(folder.glob("*checks_test_guard.py__test_join_keeps_every_row*.json"))
    data = json.loads(legacy.read_text())
    assert data["scenario"] == "checks_test_guard.py__test_join_keeps_every_row"
    record = RunRecord.model_validate(data)
    assert record.test_name() == "checks/test_guard.py::test_join_keeps_every_row"
    current = RunRecord.model_validate(data | {"scenario": record.test_name()})
    assert current.test_name() == record.test_name()
    scenario_run = RunRecord.model_validate(data | {"kind": "threshold", "scenario": "a1"})
    assert scenario_run.test_name() == "a1"
