"""``--shard K/N`` and ``closeout plan``: a deterministic split, balanced by recorded durations,
in which every scenario lands in exactly one shard (SPEC §16)."""

from __future__ import annotations

import itertools
import json
import shutil
import statistics
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.conftest import SCENARIO, Write

from closeout.cli import main
from closeout.cli.shards import UNKNOWN_DURATION_S, assign, parse_shard, recorded_durations
from closeout.errors import UsageError
from closeout.project import load_project

NAMES = ["alpha", "beta", "gamma", "delta", "epsilon"]


def optimum(weights: list[float], count: int) -> float:
    """The best possible largest shard, by trying every assignment (small inputs only)."""
    best = float("inf")
    for choice in itertools.product(range(count), repeat=len(weights)):
        loads = [0.0] * count
        for weight, shard in zip(weights, choice, strict=True):
            loads[shard] += weight
        best = min(best, max(loads))
    return best


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(0.01, 100), min_size=0, max_size=7),
    st.integers(1, 3),
)
def test_every_unit_lands_in_exactly_one_shard_near_the_optimum(
    weights: list[float], count: int
) -> None:
    units = {f"u{i:02d}": w for i, w in enumerate(weights)}
    buckets = assign(units, count)
    placed = [u for b in buckets for u in b.units]
    assert sorted(placed) == sorted(units)  # each exactly once
    assert [b.index for b in buckets] == list(range(1, count + 1))
    assert assign(dict(reversed(units.items())), count) == buckets  # order does not matter
    for bucket in buckets:
        assert bucket.seconds == pytest.approx(sum(units[u] for u in bucket.units))
    if units:
        # Longest-first greedy is within 4/3 of the best split (Graham's bound).
        largest = max(b.seconds for b in buckets)
        assert largest <= optimum(weights, count) * 4 / 3 + 1e-9


@pytest.mark.parametrize("text", ["", "1", "0/4", "5/4", "1/0", "a/b", "-1/2", "1/2/3"])
def test_a_bad_shard_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="--shard"):
        parse_shard(text)


def test_a_good_shard_parses() -> None:
    assert (parse_shard(" 3/4 ").index, parse_shard("3/4").count) == (3, 4)


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    code = main([*argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


def recorded(project: Path) -> dict[str, float]:
    """The latest duration_s of each scenario, read from the record files directly."""
    latest: dict[str, tuple[str, float]] = {}
    for path in (project / "reports" / "INC-1" / "evidence").glob("[!.]*.json"):
        record = json.loads(path.read_text())
        if record.get("type") == "run":
            key = f"scenarios/INC-1/{record['scenario']}.yaml"
            if key not in latest or latest[key][0] < record["started_at"]:
                latest[key] = (record["started_at"], record["duration_s"])
    return {key: value for key, (_, value) in latest.items()}


def test_shards_split_the_run_and_plan_prints_the_same_split(
    project_dir: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in NAMES:
        write(f"scenarios/INC-1/{name}.yaml", SCENARIO)
    code, first = run_json(capsys, "run")
    assert code == 0 and len(first["results"]) == len(NAMES)
    durations = recorded(project_dir)
    assert recorded_durations(load_project()) == pytest.approx(durations)

    code, plan = run_json(capsys, "plan", "--shards", "2")
    assert code == 0
    planned = {s["shard"]: [e["path"] for e in s["scenarios"]] for s in plan["shards"]}
    for shard in plan["shards"]:
        assert shard["duration_s"] == pytest.approx(
            sum(durations[p] for p in planned[shard["shard"]]), abs=0.01
        )
    ran: list[str] = []
    for k in (1, 2):
        code, out = run_json(capsys, "run", "--no-evidence", "--shard", f"{k}/2")
        names = sorted(f"scenarios/INC-1/{r['scenario']}.yaml" for r in out["results"])
        assert code == 0 and out["shard"] == f"{k}/2"
        assert names == sorted(planned[f"{k}/2"])
        ran += names
    assert sorted(ran) == sorted(durations)  # every scenario in exactly one shard


def test_an_unrun_scenario_weighs_the_median_of_the_known(
    project_dir: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in NAMES[:3]:
        write(f"scenarios/INC-1/{name}.yaml", SCENARIO)
    assert main(["run", "--json"]) == 0
    write("scenarios/INC-1/zeta.yaml", SCENARIO)
    capsys.readouterr()
    _, plan = run_json(capsys, "plan", "--shards", "1")
    entries = {e["path"]: e for s in plan["shards"] for e in s["scenarios"]}
    known = recorded(project_dir)
    assert entries["scenarios/INC-1/zeta.yaml"]["recorded"] is False
    assert entries["scenarios/INC-1/zeta.yaml"]["duration_s"] == pytest.approx(
        statistics.median(known.values()), abs=0.001
    )


def test_with_nothing_on_record_every_scenario_weighs_one_second(
    project_dir: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in NAMES:
        write(f"scenarios/INC-1/{name}.yaml", SCENARIO)
    _, plan = run_json(capsys, "plan", "--shards", "2")
    weights = {e["duration_s"] for s in plan["shards"] for e in s["scenarios"]}
    assert weights == {UNKNOWN_DURATION_S}
    # Equal weights: sizes differ by at most one, ties broken by path (1: alpha, 2: beta...).
    sizes = sorted(len(s["scenarios"]) for s in plan["shards"])
    assert sizes == [2, 3]
    assert plan["shards"][0]["scenarios"][0]["path"] == "scenarios/INC-1/alpha.yaml"


def test_gate_shards_cover_what_gate_runs(
    project_dir: Path,
    write: Write,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name in NAMES[:3]:
        write(f"scenarios/INC-1/{name}.yaml", SCENARIO)  # tagged regression
    _, whole = run_json(capsys, "gate")
    # The shards of one CI run start from the same checkout (and the same evidence): each
    # runs here in its own copy, as each matrix job has its own.
    parts = []
    for k in (1, 2, 3, 4):
        copy = tmp_path_factory.mktemp(f"shard{k}") / "project"
        shutil.copytree(project_dir, copy)
        monkeypatch.chdir(copy)
        parts.append(run_json(capsys, "gate", "--shard", f"{k}/4")[1])
    names = sorted(r["scenario"] for p in parts for r in p["results"])
    assert names == sorted(r["scenario"] for r in whole["results"]) == sorted(NAMES[:3])
    [empty] = [p for p in parts if not p["results"]]
    assert f"nothing to gate in shard {empty['shard']}" in empty["nothing"]


def test_shards_run_one_after_another_with_a_plan_stay_disjoint(
    project_dir: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each shard's run writes new durations, which may change a split computed afresh; a
    written plan fixes it, so shards run in sequence in one folder never drop or repeat one."""
    for name in NAMES:
        write(f"scenarios/INC-1/{name}.yaml", SCENARIO)
    assert main(["run", "--json"]) == 0
    capsys.readouterr()
    code, plan = run_json(capsys, "plan", "--shards", "2")
    assert code == 0
    (project_dir / "plan.json").write_text(json.dumps(plan))
    planned = {s["shard"]: sorted(e["path"] for e in s["scenarios"]) for s in plan["shards"]}
    ran: list[str] = []
    for k in (1, 2):  # with evidence: the second shard sees the first one's new durations
        code, out = run_json(capsys, "run", "--shard", f"{k}/2", "--plan", "plan.json")
        names = sorted(f"scenarios/INC-1/{r['scenario']}.yaml" for r in out["results"])
        assert code == 0 and names == planned[f"{k}/2"]
        ran += names
    assert sorted(ran) == sorted(f"scenarios/INC-1/{n}.yaml" for n in NAMES)


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        (None, "no such file"),
        ("not json", "not the JSON of `closeout plan"),
        ({"shards": [{"scenarios": []}]}, "splits into 1 shards, not 2"),
        (
            {"shards": [{"scenarios": []}, {"scenarios": []}]},
            "scenarios/INC-1/alpha.yaml not in the plan",
        ),
    ],
)
def test_a_bad_plan_is_a_usage_error(
    project_dir: Path,
    write: Write,
    capsys: pytest.CaptureFixture[str],
    plan: object,
    message: str,
) -> None:
    write("scenarios/INC-1/alpha.yaml", SCENARIO)
    if plan is not None:
        text = plan if isinstance(plan, str) else json.dumps(plan)
        (project_dir / "plan.json").write_text(text)
    assert main(["run", "--shard", "1/2", "--plan", "plan.json"]) == 2
    assert message in capsys.readouterr().err
