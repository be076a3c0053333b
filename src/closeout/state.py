"""Action state (SPEC §5), derived from the postmortem, the scenario files and the records.

Never stored. When several states apply, the first in this order wins:
not_doing, waived, regressed, stale, closed, failing, verified, open; ``overdue`` is a flag
beside the state (due has passed and the action is not closed, waived or not_doing).

What keeps a scenario from supporting a closure is a ``Problem``: a code the rules below
decide on, and the sentence a person reads; the action's state is chosen by those codes,
never by reading the sentences back.

The records given are the ones that count (``closeout.trust`` decided, the same decision
``verify`` reports on); state never looks at a record that decision rejected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, get_args

from closeout._time import format_duration_ms, parse_aware
from closeout.models import Action, Postmortem
from closeout.store import InputHashes, RecordSummary, ScenarioInfo
from closeout.store import scan_scenarios as scan_scenarios  # callers know it from here

State = Literal[
    "not_doing", "waived", "regressed", "stale", "closed", "failing", "verified", "open"
]
STATES: tuple[State, ...] = get_args(State)  # in the order of precedence
BAD_VERDICTS = ("fail", "error", "inconclusive")
SETTLED: tuple[State, ...] = ("closed", "waived", "not_doing")

ProblemCode = Literal[
    "no_run",  # the scenario never ran
    "latest_failed",  # its latest run failed, errored or was inconclusive
    "vacuous",  # the pre-fix state passes too
    "before_errored",  # the pre-fix state could not run
    "no_before_run",  # it has `before`, but no run replayed it yet
    "not_discriminating",  # it has neither `before` nor `before_unavailable`
    "stale_age",  # the evidence is older than evidence_max_age
    "stale_input",  # a file the run read changed since
    "duplicate_name",  # another scenario file of the action has the same name
]
STALE: tuple[ProblemCode, ...] = ("stale_age", "stale_input")


@dataclass(frozen=True)
class Problem:
    """Why a scenario cannot support a closure: a code for rules, a sentence for people."""

    code: ProblemCode
    message: str

    @property
    def stale(self) -> bool:
        return self.code in STALE

    def __str__(self) -> str:
        return self.message


@dataclass
class ScenarioState:
    """A scenario's latest run, the run that proves discrimination, and what is missing."""

    name: str
    latest: RecordSummary | None
    problems: list[Problem] = field(default_factory=list)
    proof: RecordSummary | None = None  # latest run that also ran the pre-fix state

    @property
    def supporting(self) -> list[RecordSummary]:
        """The run records a closure of this scenario rests on."""
        runs = [r for r in (self.proof, self.latest) if r is not None]
        return list({r.file: r for r in runs}.values())

    @property
    def stale(self) -> bool:
        return any(p.stale for p in self.problems)

    def messages(self) -> list[str]:
        return [p.message for p in self.problems]


@dataclass
class ActionStatus:
    """The derived state of one action, with the reasons behind it."""

    incident: str
    action: Action
    state: State
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
                    "problems": s.messages(),
                }
                for s in self.scenarios
            },
            "reasons": self.reasons,
        }

    @property
    def selector(self) -> str:
        """The ``closeout run`` selector of the action: ``INC/A1``."""
        return f"{self.incident}/{self.action.id}"


@dataclass(frozen=True)
class Clock:
    """The moment state is derived at, and how old evidence may be then."""

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
    today: date | None = None,
) -> list[ActionStatus]:
    """The state of every action of one incident, from the records that count."""
    day = today or clock.now.date()
    return [
        _derive_action(incident, action, scenarios, records, clock, hashes, day)
        for action in postmortem.actions
    ]


def _derive_action(
    incident: str,
    action: Action,
    scenarios: list[ScenarioInfo],
    records: list[RecordSummary],
    clock: Clock,
    hashes: InputHashes,
    today: date,
) -> ActionStatus:
    mine = [r for r in records if r.action == action.id and r.incident == incident and r.readable]
    runs = [r for r in mine if r.type == "run"]
    closure = next((r for r in reversed(mine) if r.type == "closure"), None)
    waiver = next((r for r in reversed(mine) if r.type == "waiver"), None)
    infos = _scenarios_of(action, scenarios, runs)
    states = [
        _scenario_state(s, runs, clock, hashes, closed=closure is not None, twins=_twins(s, infos))
        for s in infos
    ]
    state, reasons = _choose(action, states, closure, waiver)
    overdue = action.due < today and state not in SETTLED
    last_run = runs[-1] if runs else None
    return ActionStatus(incident, action, state, overdue, states, closure, last_run, reasons)


def _scenarios_of(
    action: Action, scenarios: list[ScenarioInfo], runs: list[RecordSummary]
) -> list[ScenarioInfo]:
    """The action's scenario files, plus Python tests attached by @pytest.mark.closeout."""
    found = [s for s in scenarios if s.action == action.id]
    tests = dict.fromkeys(r.scenario for r in runs if r.kind == "pytest" and r.scenario)
    # A plain test has no pre-fix state to replay: it counts like before_unavailable.
    found += [ScenarioInfo(name, action.id, "", False, True) for name in tests if name]
    return found


def _twins(info: ScenarioInfo, infos: list[ScenarioInfo]) -> list[str]:
    """The other scenario files of the action that carry the same name."""
    return [s.path for s in infos if s.name == info.name and s is not info and s.path]


def _scenario_state(
    info: ScenarioInfo,
    runs: list[RecordSummary],
    clock: Clock,
    hashes: InputHashes,
    closed: bool = False,
    twins: list[str] | None = None,
) -> ScenarioState:
    mine = [r for r in runs if r.scenario == info.name]
    if twins:  # the name is ambiguous: a run is this file's only when it read this file
        mine = [r for r in mine if info.path in r.inputs]
    latest = mine[-1] if mine else None
    # Gate and scheduled runs skip the pre-fix state; discrimination is proven by the latest
    # run that did replay it, while pass/fail is always the latest run's.
    proof = next((r for r in reversed(mine) if r.before_verdict is not None), None)
    state = ScenarioState(info.name, latest, proof=proof)
    if twins:
        others = ", ".join(twins)
        message = f"{info.path}: the name '{info.name}' is also used by {others}: rename one"
        state.problems.append(Problem("duplicate_name", message))
    if latest is None:
        state.problems.append(Problem("no_run", "no run yet"))
        return state
    state.problems += _verdict_problems(info, latest, proof)
    # Discrimination is settled when an action is closed; from then on freshness is the
    # latest run's (nightly `recur` runs keep a closure fresh without replaying the bug).
    for run in [latest] if closed else state.supporting:
        state.problems += _freshness_problems(run, clock, hashes)
    state.problems = list(dict.fromkeys(state.problems))
    return state


def _verdict_problems(
    info: ScenarioInfo, latest: RecordSummary, proof: RecordSummary | None
) -> list[Problem]:
    """What the latest run's verdict and the proof of discrimination leave missing."""
    if latest.verdict in BAD_VERDICTS:
        return [Problem("latest_failed", f"latest run is {latest.verdict} ({latest.file})")]
    if proof is not None and proof.before_verdict == "pass":
        return [Problem("vacuous", f"vacuous: the pre-fix state passes too ({proof.file})")]
    if proof is not None and proof.before_verdict == "error" and not proof.discriminating:
        message = f"the pre-fix run could not run ({proof.file}): see its error"
        return [Problem("before_errored", message)]
    if info.before_unavailable or (proof is not None and proof.discriminating):
        return []
    if info.has_before:
        return [Problem("no_before_run", "no run with the pre-fix state yet: run `closeout run`")]
    message = "not discriminating: add `before` (or `before_unavailable`)"
    return [Problem("not_discriminating", message)]


def _freshness_problems(run: RecordSummary, clock: Clock, hashes: InputHashes) -> list[Problem]:
    found = []
    if clock.age_ms(run) > clock.max_age_ms:
        limit = format_duration_ms(clock.max_age_ms)
        message = f"stale: evidence from {run.started_at} is older than {limit}"
        found.append(Problem("stale_age", message))
    if run.kind != "pytest":
        found += [
            Problem("stale_input", f"stale: {path} changed since {run.file}")
            for path in hashes.changed(run.inputs)
        ]
        found += [
            Problem("stale_input", f"stale: {change} since {run.file}")
            for change in hashes.resolved_changes(run.kind, run.resolved)
        ]
    return found


def _choose(
    action: Action,
    states: list[ScenarioState],
    closure: RecordSummary | None,
    waiver: RecordSummary | None,
) -> tuple[State, list[str]]:
    if action.status == "not_doing":
        return "not_doing", [action.rationale or ""]
    if action.waiver is not None:
        return "waived", [action.waiver.reason]
    if waiver is not None:
        return "waived", [f"waived by {waiver.by}"]
    if closure is not None:
        since = [s.latest for s in states if s.latest and s.latest.order > closure.order]
        failed = [r for r in since if r.verdict in BAD_VERDICTS]
        if failed:
            return "regressed", [
                f"{r.scenario}: {r.verdict} since the closure ({r.file})" for r in failed
            ]
    problems = [(s.name, p) for s in states for p in s.problems]
    reasons = [f"{name}: {p.message}" for name, p in problems]
    fresh = bool(states) and not any(s.stale for s in states)
    if (closure is not None or _would_verify(states)) and not fresh and states:
        return "stale", [f"{name}: {p.message}" for name, p in problems if p.stale]
    if closure is not None:
        return "closed", []
    if any(s.latest and s.latest.verdict in BAD_VERDICTS for s in states):
        return "failing", reasons
    if states and not problems:
        return "verified", []
    return "open", reasons or ["no scenario: add one, or waive the action"]


def _would_verify(states: list[ScenarioState]) -> bool:
    """Every scenario would be verified but for staleness."""
    return bool(states) and all(
        s.latest is not None and all(p.stale for p in s.problems) for s in states
    )


def next_step(status: ActionStatus, by: str = "WHO") -> str | None:
    """The command (or edit, then command) that moves the action on from its state; None
    when it is settled (closed, waived, not_doing). ``by`` fills ``--by`` of a command."""
    run = f"closeout run {status.selector}"
    incident, action = status.incident, status.action.id
    if status.state in SETTLED:
        return None
    if status.state == "verified":
        return f"closeout close {incident} {action} --by {by}"
    if status.state in ("failing", "regressed"):
        return f"fix what fails (see its evidence), then {run}"
    if status.state == "stale":
        return run
    if not status.scenarios:
        return (
            f"add a scenario for {action} in scenarios/{incident}/, or "
            f"closeout waive {incident} {action} --by {by} --reason TEXT"
        )
    return _open_step(status.scenarios, run)


def _open_step(states: list[ScenarioState], run: str) -> str:
    """What an open action lacks first: an edit of a scenario file, or a run."""
    codes: dict[str, str] = {}  # the first scenario with each problem
    for state in states:
        for problem in state.problems:
            codes.setdefault(problem.code, state.name)
    if "duplicate_name" in codes:
        return f"rename one of the scenarios named '{codes['duplicate_name']}', then {run}"
    if "not_discriminating" in codes:
        name = codes["not_discriminating"]
        return f"add `before` (or `before_unavailable`) to scenario {name}, then {run}"
    if "vacuous" in codes:
        return f"make scenario {codes['vacuous']}'s pre-fix state fail, then {run}"
    if "before_errored" in codes:
        return f"fix scenario {codes['before_errored']}'s pre-fix state, then {run}"
    return run
