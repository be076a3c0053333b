"""Action state (SPEC §5), derived from the postmortem, the scenario files and the records.

Never stored. When several states apply, the first in this order wins:
not_doing, waived, regressed, stale, closed, failing, verified, open; ``overdue`` is a flag
beside the state (due has passed and the action is not closed, waived or not_doing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from closeout._time import format_duration_ms, parse_aware
from closeout.errors import CloseoutError
from closeout.evidence import file_sha256
from closeout.loader import POSTMORTEM_FILE, is_scenario_file, read_raw
from closeout.models import Action, Postmortem
from closeout.project import Project
from closeout.store import RecordSummary

STATES = ("not_doing", "waived", "regressed", "stale", "closed", "failing", "verified", "open")
BAD_VERDICTS = ("fail", "error", "inconclusive")


@dataclass(frozen=True)
class ScenarioInfo:
    """What state needs of a scenario file, read without validating the whole file."""

    name: str
    action: str
    path: str  # project-relative
    has_before: bool
    before_unavailable: bool
    tags: tuple[str, ...] = ()
    broken: bool = False  # not even readable YAML: it belongs to no action we can name


@dataclass
class ScenarioState:
    """A scenario's latest run, the run that proves discrimination, and what is missing."""

    name: str
    latest: RecordSummary | None
    problems: list[str] = field(default_factory=list)  # why it cannot support a closure
    proof: RecordSummary | None = None  # latest run that also ran the pre-fix state

    @property
    def supporting(self) -> list[RecordSummary]:
        """The run records a closure of this scenario rests on."""
        runs = [r for r in (self.proof, self.latest) if r is not None]
        return list({r.file: r for r in runs}.values())


@dataclass
class ActionStatus:
    """The derived state of one action, with the reasons behind it."""

    incident: str
    action: Action
    state: str
    overdue: bool
    scenarios: list[ScenarioState]
    closure: RecordSummary | None
    last_run: RecordSummary | None
    reasons: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        last = self.last_run
        return {
            "incident": self.incident,
            "action": self.action.id,
            "title": self.action.title,
            "type": self.action.type,
            "owner": self.action.owner,
            "due": self.action.due.isoformat(),
            "state": self.state,
            "overdue": self.overdue,
            "last_run": last.started_at if last else None,
            "last_verdict": last.verdict if last else None,
            "closed_at": self.closure.started_at if self.closure else None,
            "scenarios": {
                s.name: {
                    "latest": s.latest.file if s.latest else None,
                    "verdict": s.latest.verdict if s.latest else None,
                    "problems": s.problems,
                }
                for s in self.scenarios
            },
            "reasons": self.reasons,
        }


def scan_scenarios(project: Project, incident: str) -> list[ScenarioInfo]:
    """The scenario files of an incident, read as raw YAML (broken files are skipped)."""
    folder = project.scenarios_dir / incident
    infos = []
    for path in sorted(folder.glob("*.y*ml")) if folder.is_dir() else []:
        if not is_scenario_file(path):
            continue
        try:
            raw, _ = read_raw(path, project.display(path))
        except CloseoutError:
            infos.append(
                ScenarioInfo(path.stem, "", project.display(path), False, False, broken=True)
            )
            continue
        tags = raw.get("tags") if isinstance(raw.get("tags"), list) else []
        infos.append(
            ScenarioInfo(
                name=str(raw.get("name") or path.stem),
                action=str(raw.get("action", "")),
                path=project.display(path),
                has_before=raw.get("before") is not None,
                before_unavailable=bool(raw.get("before_unavailable")),
                tags=tuple(str(t) for t in tags),
            )
        )
    return infos


class InputHashes:
    """Today's sha256 of the files a run recorded, computed once per file."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._cache: dict[str, str | None] = {}

    def current(self, relative: str) -> str | None:
        if relative not in self._cache:
            try:
                self._cache[relative] = file_sha256(self.project.resolve_inside(relative))
            except (OSError, ValueError):
                self._cache[relative] = None
        return self._cache[relative]

    def changed(self, inputs: dict[str, Any]) -> list[str]:
        """Paths whose content differs from what the run recorded."""
        recorded: dict[str, str] = {}
        scenario = inputs.get("scenario") or {}
        if scenario.get("path"):
            recorded[scenario["path"]] = scenario.get("sha256", "")
        recorded.update(inputs.get("files") or {})
        recorded.update(inputs.get("code") or {})
        return [path for path, digest in recorded.items() if self.current(path) != digest]


@dataclass(frozen=True)
class Clock:
    now: datetime
    max_age_ms: int

    def age_ms(self, record: RecordSummary) -> int:
        try:
            return int((self.now - parse_aware(record.started_at)).total_seconds() * 1000)
        except ValueError:
            return self.max_age_ms + 1


def derive(
    incident: str,
    postmortem: Postmortem,
    scenarios: list[ScenarioInfo],
    records: list[RecordSummary],
    clock: Clock,
    hashes: InputHashes,
    signed_only: bool = False,
    today: date | None = None,
) -> list[ActionStatus]:
    """The state of every action of one incident."""
    return [
        _derive_action(
            incident,
            action,
            scenarios,
            records,
            clock,
            hashes,
            signed_only,
            today or clock.now.date(),
        )
        for action in postmortem.actions
    ]


def _derive_action(
    incident: str,
    action: Action,
    scenarios: list[ScenarioInfo],
    records: list[RecordSummary],
    clock: Clock,
    hashes: InputHashes,
    signed_only: bool,
    today: date,
) -> ActionStatus:
    mine = [r for r in records if r.action == action.id and r.incident == incident and r.readable]
    runs = [r for r in mine if r.type == "run" and (r.signed or not signed_only)]
    closure = next((r for r in reversed(mine) if r.type == "closure"), None)
    waiver = next((r for r in reversed(mine) if r.type == "waiver"), None)
    states = [
        _scenario_state(s, runs, clock, hashes, closed=closure is not None)
        for s in _scenarios_of(action, scenarios, runs)
    ]
    last_run = runs[-1] if runs else None
    state, reasons = _choose(action, states, closure, waiver)
    settled = state in ("closed", "waived", "not_doing")
    return ActionStatus(
        incident,
        action,
        state,
        action.due < today and not settled,
        states,
        closure,
        last_run,
        reasons,
    )


def _scenarios_of(
    action: Action, scenarios: list[ScenarioInfo], runs: list[RecordSummary]
) -> list[ScenarioInfo]:
    """The action's scenario files, plus Python tests attached by @pytest.mark.closeout."""
    found = [s for s in scenarios if s.action == action.id]
    tests = dict.fromkeys(r.scenario for r in runs if r.kind == "pytest" and r.scenario)
    # A plain test has no pre-fix state to replay: it counts like before_unavailable.
    found += [ScenarioInfo(name, action.id, "", False, True) for name in tests if name]
    return found


def _scenario_state(
    info: ScenarioInfo,
    runs: list[RecordSummary],
    clock: Clock,
    hashes: InputHashes,
    closed: bool = False,
) -> ScenarioState:
    mine = [r for r in runs if r.scenario == info.name]
    latest = mine[-1] if mine else None
    # Gate and scheduled runs skip the pre-fix state; discrimination is proven by the latest
    # run that did replay it, while pass/fail is always the latest run's.
    proof = next((r for r in reversed(mine) if r.before_verdict is not None), None)
    state = ScenarioState(info.name, latest, proof=proof)
    if latest is None:
        state.problems.append("no run yet")
        return state
    if latest.verdict in BAD_VERDICTS:
        state.problems.append(f"latest run is {latest.verdict} ({latest.file})")
    elif proof is not None and proof.before_verdict == "pass":
        state.problems.append(f"vacuous: the pre-fix state passes too ({proof.file})")
    elif proof is not None and proof.before_verdict == "error" and not proof.discriminating:
        state.problems.append(f"the pre-fix run could not run ({proof.file}): see its error")
    elif not info.before_unavailable and not (proof is not None and proof.discriminating):
        if info.has_before:
            state.problems.append("no run with the pre-fix state yet: run `closeout run`")
        else:
            state.problems.append("not discriminating: add `before` (or `before_unavailable`)")
    # Discrimination is settled when an action is closed; from then on freshness is the
    # latest run's (nightly `recur` runs keep a closure fresh without replaying the bug).
    for run in [latest] if closed else state.supporting:
        if clock.age_ms(run) > clock.max_age_ms:
            state.problems.append(
                f"stale: evidence from {run.started_at} is older than "
                f"{format_duration_ms(clock.max_age_ms)}"
            )
        if run.kind != "pytest":
            state.problems += [
                f"stale: {path} changed since {run.file}" for path in hashes.changed(run.inputs)
            ]
    state.problems = list(dict.fromkeys(state.problems))
    return state


def _is_stale(state: ScenarioState) -> bool:
    return any(p.startswith("stale:") for p in state.problems)


def _choose(
    action: Action,
    states: list[ScenarioState],
    closure: RecordSummary | None,
    waiver: RecordSummary | None,
) -> tuple[str, list[str]]:
    if action.status == "not_doing":
        return "not_doing", [action.rationale or ""]
    if action.waiver is not None or waiver is not None:
        return "waived", [action.waiver.reason if action.waiver else f"waived by {waiver.by}"]  # type: ignore[union-attr]
    reasons = [f"{s.name}: {p}" for s in states for p in s.problems]
    if closure is not None:
        since = [s.latest for s in states if s.latest and s.latest.order > closure.order]
        failed = [r for r in since if r.verdict in BAD_VERDICTS]
        if failed:
            return "regressed", [
                f"{r.scenario}: {r.verdict} since the closure ({r.file})" for r in failed
            ]
    fresh = bool(states) and not any(_is_stale(s) for s in states)
    verified = bool(states) and not reasons
    if (closure is not None or _would_verify(states)) and not fresh and states:
        return "stale", [r for r in reasons if "stale:" in r]
    if closure is not None:
        return "closed", []
    if any(s.latest and s.latest.verdict in BAD_VERDICTS for s in states):
        return "failing", reasons
    if verified:
        return "verified", []
    return "open", reasons or ["no scenario: add one, or waive the action"]


def _would_verify(states: list[ScenarioState]) -> bool:
    """Every scenario would be verified but for staleness."""
    return bool(states) and all(
        s.latest is not None and all(p.startswith("stale:") for p in s.problems) for s in states
    )


def postmortem_path(project: Project, incident: str) -> Path:
    return project.scenarios_dir / incident / POSTMORTEM_FILE
