"""From per-column scores to window alerts and firings, and the control period's statistics.

- correction: p-value columns of one window are adjusted together (Bonferroni:
  ``min(1, p*m)``; fdr: Benjamini-Hochberg as ``scipy.stats.false_discovery_control``), then
  compared with their threshold the way evidently compares that method (``ks`` drifts at
  ``p <= t``, most others at ``p < t``). Distance columns keep evidently's flag.
- a window alerts when ``alert_when`` holds; the alert fires at the end of the ``for``-th
  consecutive alerting window, and a skipped window (fewer than ``min_rows`` rows) breaks the
  run. A *firing* is that moment: one per uninterrupted run of alerting windows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from closeout.kinds.drift_replay.scoring import Cell
from closeout.kinds.drift_replay.spec import STATTESTS, AlertWhen, DriftMonitor
from closeout.kinds.drift_replay.windows import Window

CONFIDENCE = 0.95


@dataclass
class WindowResult:
    """One window of a replayed period, judged."""

    window: Window
    skipped: bool
    cells: dict[str, Cell] = field(default_factory=dict)
    empty_columns: list[str] = field(default_factory=list)  # no values in this window
    alerting: bool = False
    firing: bool = False
    fires: bool = False  # the alert fires at this window's end

    @property
    def drifted_columns(self) -> list[str]:
        return [name for name, cell in self.cells.items() if cell.flagged]


@dataclass
class Period:
    """A replayed file (the incident or the control period)."""

    role: str
    display: str
    windows: list[WindowResult]

    @property
    def evaluated(self) -> list[WindowResult]:
        return [w for w in self.windows if not w.skipped]

    @property
    def skipped(self) -> list[WindowResult]:
        return [w for w in self.windows if w.skipped]

    @property
    def firings(self) -> list[int]:
        """The times (epoch ms, a window's end) at which the alert fires."""
        return [w.window.end for w in self.windows if w.fires]


def correct(cells: dict[str, Cell], correction: str) -> None:
    """Set each cell's final flag, adjusting the window's p-values across columns first."""
    family = [name for name, c in cells.items() if c.p_value and math.isfinite(c.score)]
    for cell in cells.values():
        cell.flagged = cell.drifted
    if correction == "none" or not family:
        return
    scores = [cells[name].score for name in family]
    adjusted = adjust(scores, correction)
    for name, value in zip(family, adjusted, strict=True):
        cell = cells[name]
        cell.adjusted = value
        inclusive = STATTESTS[cell.method].inclusive
        cell.flagged = value <= cell.threshold if inclusive else value < cell.threshold


def adjust(p_values: list[float], correction: str) -> list[float]:
    """Adjusted p-values: Bonferroni or Benjamini-Hochberg (scipy's implementation)."""
    if correction == "bonferroni":
        return [min(1.0, p * len(p_values)) for p in p_values]
    from scipy.stats import false_discovery_control

    return [float(v) for v in false_discovery_control(p_values, method="bh")]


def alerts(cells: dict[str, Cell], rule: AlertWhen) -> bool:
    """Whether a window with these (corrected) cells alerts."""
    drifted = sum(cell.flagged for cell in cells.values())
    if rule.drifted_columns is not None:
        return drifted >= rule.drifted_columns
    return bool(cells) and drifted / len(cells) >= (rule.drift_share or 0.0)


def mark_firings(windows: list[WindowResult], needed: int) -> None:
    """Set ``firing`` and ``fires`` from ``alerting``: ``for`` consecutive windows."""
    run = 0
    for result in windows:
        run = run + 1 if result.alerting and not result.skipped else 0
        result.firing = run >= needed
        result.fires = run == needed


def judge_windows(windows: list[WindowResult], monitor: DriftMonitor) -> None:
    """Correct, decide alerting and mark firings for every window of a period."""
    for result in windows:
        if result.skipped:
            continue
        correct(result.cells, monitor.correction)
        result.alerting = alerts(result.cells, monitor.alert_when)
    mark_firings(windows, monitor.for_)


def clopper_pearson_upper(alarms: int, windows: int, confidence: float = CONFIDENCE) -> float:
    """One-sided upper confidence bound on a rate: ``alarms`` in ``windows`` trials."""
    if alarms >= windows:
        return 1.0
    from scipy.stats import beta

    return float(beta.ppf(confidence, alarms + 1, windows - alarms))


def control_stats(period: Period) -> dict[str, Any]:
    """Window count, false alarms and the 95% upper bound on the false-alarm rate."""
    evaluated = len(period.evaluated)
    alarms = len(period.firings)
    return {
        "windows": evaluated,
        "skipped_windows": len(period.skipped),
        "false_alarms": alarms,
        "false_alarm_rate": alarms / evaluated if evaluated else None,
        "false_alarm_rate_upper_95": clopper_pearson_upper(alarms, evaluated),
        "alerting_windows": sum(w.alerting for w in period.evaluated),
    }
