"""The expectations of a drift replay (SPEC §4.1) and the metrics it reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from closeout._time import format_duration_ms, from_ms, iso_z
from closeout.kinds.drift_replay.spec import DriftMonitor, DriftReplayScenario
from closeout.kinds.drift_replay.verdict import Period, WindowResult, control_stats
from closeout.kinds.drift_replay.window_text import window_text
from closeout.models import Outcome


def _at(ms: int) -> str:
    return iso_z(from_ms(ms))


@dataclass(frozen=True)
class Detection:
    """When the replayed alert fired, relative to the onset and to the humans."""

    onset: int
    detected: int
    firings: list[int]
    data_end: int
    windows: list[WindowResult] = field(default_factory=list)  # the incident, judged

    @property
    def false_alarms(self) -> list[int]:
        """Firings at or before the onset: alarms, not early detection."""
        return [t for t in self.firings if t <= self.onset]

    @property
    def fired_at(self) -> int | None:
        return next((t for t in self.firings if t > self.onset), None)

    @property
    def detection_delay(self) -> int | None:
        return None if self.fired_at is None else self.fired_at - self.onset

    @property
    def lead_time(self) -> int | None:
        return None if self.fired_at is None else self.detected - self.fired_at

    def firing_at_onset(self) -> tuple[int, int, int | None] | None:
        """When the alert already fires at the onset: when it fired, how many windows it
        fired for before the onset, and when it stopped (None: to the end of the data)."""
        fired: int | None = None
        for result in self.windows:
            if result.window.end > self.onset:
                break
            if result.fires:
                fired = result.window.end
            elif not result.firing:
                fired = None  # that run of alerting windows ended before the onset
        if fired is None:
            return None
        after = [r for r in self.windows if r.window.end > fired]
        before = sum(1 for r in after if r.window.end <= self.onset)
        stop = next((r.window.start for r in after if not r.firing), None)
        return fired, before, stop


def outcomes(
    scenario: DriftReplayScenario, detection: Detection, control: Period | None
) -> list[Outcome]:
    """Every expectation the scenario asks for, judged."""
    expect = scenario.expect
    found: list[Outcome] = []
    if expect.fires_within is not None:
        found.append(_fires_within(detection, expect.fires_within))
    if expect.no_alert_before_onset:
        found.append(_no_alert_before_onset(detection))
    if scenario.control_quiet() and control is not None:
        found.append(_control_quiet(control))
    if expect.lead_time_at_least is not None:
        found.append(_lead_time(detection, expect.lead_time_at_least))
    return _with_tables(found, detection, control)


def _with_tables(
    found: list[Outcome], detection: Detection, control: Period | None
) -> list[Outcome]:
    """The window table in the detail of the first failing incident expectation (and of a
    failing control_quiet): a failed item shows it, not only the evidence JSON."""
    failing = [i for i, o in enumerate(found) if o.outcome != "pass"]
    incident = [i for i in failing if found[i].name != "control_quiet"]
    if incident and detection.windows:
        found[incident[0]] = _add_table(
            found[incident[0]], "incident windows", _incident_table(detection)
        )
    quiet = [i for i in failing if found[i].name == "control_quiet"]
    if quiet and control is not None:
        focus = [i for i, w in enumerate(control.windows) if w.fires]
        table = window_text(control.windows, focus, None)
        found[quiet[0]] = _add_table(found[quiet[0]], f"{control.display} windows", table)
    return found


def _incident_table(detection: Detection) -> str:
    windows = detection.windows
    focus = [i for i, w in enumerate(windows) if w.fires]
    first_alert = next(
        (i for i, w in enumerate(windows) if w.alerting and w.window.end > detection.onset), None
    )
    if first_alert is not None:
        focus.append(first_alert)
    return window_text(windows, focus, detection.onset)


def _add_table(outcome: Outcome, title: str, table: str) -> Outcome:
    detail = f"{outcome.detail}\n\n" if outcome.detail else ""
    return outcome.model_copy(update={"detail": f"{detail}{title}:\n{table}"})


def _not_fired(detection: Detection) -> tuple[str, str]:
    """What happened when the alert did not fire after the onset: (observed, detail)."""
    ongoing = detection.firing_at_onset()
    end = f"replayed until {_at(detection.data_end)}"
    if ongoing is None:
        return "never fired after the onset", end
    fired, before, stop = ongoing
    count = f"{before} window{'s' if before != 1 else ''} before the onset"
    observed = f"already alerting since {_at(fired)}, {count}"
    if stop is None:
        return observed, (
            f"the alert fired before the onset and kept firing to the end of the data "
            f"({_at(detection.data_end)}): it never fired anew after the onset"
        )
    return observed, (
        f"the alert fired before the onset and stopped at {_at(stop)}; it never fired again ({end})"
    )


def _fires_within(detection: Detection, bound: int) -> Outcome:
    target = f"<= {format_duration_ms(bound)} after onset {_at(detection.onset)}"
    delay = detection.detection_delay
    if delay is not None:
        return Outcome(
            name="fires_within",
            outcome="pass" if delay <= bound else "fail",
            observed=format_duration_ms(delay),
            target=target,
            detail=f"first firing after the onset at {_at(delay + detection.onset)}",
        )
    if detection.data_end < detection.onset + bound:
        ongoing = detection.firing_at_onset() is not None
        return Outcome(
            name="fires_within",
            outcome="inconclusive",
            observed=_not_fired(detection)[0] if ongoing else "not fired when the recording ends",
            target=target,
            detail=f"the replayed period ends at {_at(detection.data_end)}, before the bound",
        )
    observed, detail = _not_fired(detection)
    return Outcome(
        name="fires_within", outcome="fail", observed=observed, target=target, detail=detail
    )


def _no_alert_before_onset(detection: Detection) -> Outcome:
    alarms = detection.false_alarms
    detail = f"first at {_at(alarms[0])}" if alarms else ""
    return Outcome(
        name="no_alert_before_onset",
        outcome="fail" if alarms else "pass",
        observed=f"{len(alarms)} false alarm{'s' if len(alarms) != 1 else ''}",
        target=f"0 firings at or before onset {_at(detection.onset)}",
        detail=detail,
    )


def _control_quiet(control: Period) -> Outcome:
    stats = control_stats(control)
    alarms, windows = stats["false_alarms"], stats["windows"]
    detail = (
        f"one-sided 95% upper bound on the false-alarm rate: "
        f"{stats['false_alarm_rate_upper_95']:.1%} per window"
    )
    if alarms:
        detail += f"; first at {_at(control.firings[0])}"
    return Outcome(
        name="control_quiet",
        outcome="fail" if alarms else "pass",
        observed=f"{alarms} false alarm{'s' if alarms != 1 else ''} in {windows} windows",
        target=f"0 false alarms in {control.display}",
        detail=detail,
    )


def _lead_time(detection: Detection, wanted: int) -> Outcome:
    target = f">= {format_duration_ms(wanted)} before detection at {_at(detection.detected)}"
    lead = detection.lead_time
    if lead is not None:
        return Outcome(
            name="lead_time_at_least",
            outcome="pass" if lead >= wanted else "fail",
            observed=format_duration_ms(lead),
            target=target,
            detail=f"fired at {_at(detection.detected - lead)}",
        )
    if detection.data_end < detection.detected - wanted:
        return Outcome(
            name="lead_time_at_least",
            outcome="inconclusive",
            observed="not fired when the recording ends",
            target=target,
            detail=f"the replayed period ends at {_at(detection.data_end)}",
        )
    observed, detail = _not_fired(detection)
    return Outcome(
        name="lead_time_at_least", outcome="fail", observed=observed, target=target, detail=detail
    )


# --------------------------------------------------------------------------- metrics


def window_table(period: Period) -> list[dict[str, Any]]:
    """The per-window table: bounds, rows, score and flag per column, alerting, firing."""
    return [_window_row(result) for result in period.windows]


def _window_row(result: WindowResult) -> dict[str, Any]:
    row: dict[str, Any] = {
        "start": _at(result.window.start),
        "end": _at(result.window.end),
        "rows": result.window.count,
    }
    if result.skipped:
        row["skipped"] = True
        return row
    row["columns"] = {name: cell.as_json() for name, cell in result.cells.items()}
    if result.empty_columns:
        row["empty_columns"] = result.empty_columns
    row["drifted_columns"] = len(result.drifted_columns)
    row["alerting"] = result.alerting
    row["firing"] = result.firing
    if result.fires:
        row["fires"] = True
    return row


def _duration(ms: int | None) -> str | None:
    return None if ms is None else format_duration_ms(ms)


def metrics(
    scenario: DriftReplayScenario,
    monitor: DriftMonitor,
    detection: Detection,
    incident: Period,
    control: Period | None,
    columns: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """Everything SPEC §4.1 asks to report, in JSON-ready form."""
    fired_at = detection.fired_at
    out: dict[str, Any] = {
        "onset": _at(detection.onset),
        "detected_at": _at(detection.detected),
        "window": format_duration_ms(scenario.window),
        "min_rows": scenario.min_rows,
        "monitor": monitor.model_dump(mode="json", by_alias=True, exclude_defaults=False),
        "columns": columns,
        "fired_at": _at(fired_at) if fired_at is not None else None,
        "detection_delay": _duration(detection.detection_delay),
        "detection_delay_s": _seconds(detection.detection_delay),
        "lead_time": _duration(detection.lead_time),
        "lead_time_s": _seconds(detection.lead_time),
        "false_alarms_before_onset": len(detection.false_alarms),
        "firings": [_at(t) for t in detection.firings],
        "windows_evaluated": len(incident.evaluated),
        "skipped_windows": [
            {"start": _at(w.window.start), "rows": w.window.count} for w in incident.skipped
        ],
        "windows": window_table(incident),
    }
    if control is not None:
        out["control"] = {
            **control_stats(control),
            "file": control.display,
            "firings": [_at(t) for t in control.firings],
            "window_table": window_table(control),
        }
    return out


def _seconds(ms: int | None) -> float | None:
    return None if ms is None else ms / 1000
