"""Static checks of a drift_replay scenario for ``closeout lint``: no data is read.

Data files are checked to exist, and the columns the scenario names (the timestamp, the
monitor's columns) against their header line or Parquet schema. A monitor given as an
evidently Report (``{evidently: module:function}``) is only found, never imported: lint
imports no user code, and says in an info line that the Report is read at run time.
"""

from __future__ import annotations

from closeout.callables import check_ref
from closeout.errors import Problem
from closeout.kind import Locate
from closeout.kinds._toolkit.data import check_columns, check_data_file, dataset_files, is_glob
from closeout.kinds.drift_replay.spec import (
    STATTESTS,
    DriftMonitor,
    DriftReplayScenario,
    DuckDBQuery,
    EvidentlyMonitor,
)
from closeout.models import suggest
from closeout.project import Project

Where = tuple[str | int, ...]


def check(scenario: DriftReplayScenario, project: Project, locate: Locate) -> list[Problem]:
    """Lint: data files and their columns, the monitors, and that something is expected."""
    problems = _check_files(scenario, project, locate)
    problems += _check_headers(scenario, project, locate)
    for prefix, monitor in _monitors(scenario):
        if isinstance(monitor, EvidentlyMonitor):
            problems += _check_evidently(monitor, prefix, project, locate)
        else:
            problems += _check_monitor(monitor, prefix, locate)
    if scenario.window <= 0:
        problems.append(Problem(locate(("window",)), "window", "must be longer than 0s"))
    if not _has_expectation(scenario):
        problems.append(
            Problem(
                locate(("expect",)),
                "expect",
                "nothing to check: give fires_within, lead_time_at_least, a control period "
                "with control_quiet, or leave no_alert_before_onset on",
            )
        )
    if scenario.expect.control_quiet and scenario.control is None:
        problems.append(
            Problem(
                locate(("expect", "control_quiet")),
                "expect.control_quiet",
                "needs a `control` file: the normal period that must not alert",
            )
        )
    return problems


def _monitors(
    scenario: DriftReplayScenario,
) -> list[tuple[tuple[str, ...], DriftMonitor | EvidentlyMonitor]]:
    found: list[tuple[tuple[str, ...], DriftMonitor | EvidentlyMonitor]] = [
        (("monitor",), scenario.monitor)
    ]
    if scenario.before is not None:
        found.append((("before", "monitor"), scenario.before.monitor))
    return found


def notes(scenario: DriftReplayScenario, locate: Locate) -> list[Problem]:
    """Info lines: an evidently monitor is read when the scenario runs, not by lint."""
    return [
        Problem(
            locate((*prefix, "evidently")),
            ".".join((*prefix, "evidently")),
            f"the monitor is the evidently Report {monitor.evidently} returns; it is read when "
            "the scenario runs (lint imports no user code): an element closeout cannot replay "
            "is an error then",
            "info",
        )
        for prefix, monitor in _monitors(scenario)
        if isinstance(monitor, EvidentlyMonitor)
    ]


def _check_evidently(
    monitor: EvidentlyMonitor, prefix: tuple[str, ...], project: Project, locate: Locate
) -> list[Problem]:
    """The Report factory can be found (by reading source files, importing nothing)."""
    message = check_ref(monitor.evidently, project)
    if message is None:
        return []
    where = (*prefix, "evidently")
    return [Problem(locate(where), ".".join(where), message)]


def _check_headers(
    scenario: DriftReplayScenario, project: Project, locate: Locate
) -> list[Problem]:
    """The timestamp and the monitored columns are columns of the data files (headers only)."""
    listed: list[tuple[str, Where]] = []
    for prefix, monitor in _monitors(scenario):
        if isinstance(monitor, DriftMonitor) and monitor.columns is not None:
            listed += [(c, (*prefix, "columns", i)) for i, c in enumerate(monitor.columns)]
    problems: list[Problem] = []
    for field in ("reference", "current", "control"):
        source = getattr(scenario, field)
        if source is None or isinstance(source, DuckDBQuery):
            continue  # a query's columns are known when it runs
        wanted = list(listed)
        if field != "reference":
            wanted.insert(0, (scenario.timestamp, ("timestamp",)))
        problems += check_columns(project, source, wanted, locate)
    return problems


def _has_expectation(scenario: DriftReplayScenario) -> bool:
    expect = scenario.expect
    return (
        expect.fires_within is not None
        or expect.lead_time_at_least is not None
        or expect.no_alert_before_onset
        or (scenario.control_quiet() and scenario.control is not None)
    )


def _check_files(scenario: DriftReplayScenario, project: Project, locate: Locate) -> list[Problem]:
    problems: list[Problem] = []
    for field in ("reference", "current", "control"):
        source = getattr(scenario, field)
        if isinstance(source, DuckDBQuery):
            problems += _check_duckdb(source, field, project, locate)
        elif source is not None and (is_glob(source) or _is_folder(project, source)):
            problems += _check_dataset(source, field, project, locate)
        elif source is not None:
            problems += check_data_file(source, (field,), project, locate)
    return problems


def _is_folder(project: Project, relative: str) -> bool:
    try:
        return project.resolve_inside(relative).is_dir()
    except ValueError:
        return False


def _check_dataset(relative: str, field: str, project: Project, locate: Locate) -> list[Problem]:
    """A folder or glob of Parquet files: inside the project, naming at least one file."""
    try:
        files = dataset_files(project, relative)
    except ValueError as exc:
        return [Problem(locate((field,)), field, str(exc))]
    if files:
        return []
    what = f"glob '{relative}' matches" if is_glob(relative) else f"folder '{relative}' holds"
    return [
        Problem(
            locate((field,)),
            field,
            f"{what} no Parquet file (.parquet or .pq; names starting with . or _ are skipped)",
        )
    ]


def _check_duckdb(
    source: DuckDBQuery, field: str, project: Project, locate: Locate
) -> list[Problem]:
    """The DuckDB file resolves inside the project and exists (the query runs at run time)."""
    where = (field, "duckdb")
    try:
        path = project.resolve_inside(source.duckdb)
    except ValueError as exc:
        return [Problem(locate(where), f"{field}.duckdb", str(exc))]
    if not path.is_file():
        message = f"DuckDB file '{source.duckdb}' not found"
        return [Problem(locate(where), f"{field}.duckdb", message)]
    return []


def _check_monitor(monitor: DriftMonitor, prefix: tuple[str, ...], locate: Locate) -> list[Problem]:
    problems: list[Problem] = []
    where = ".".join(prefix)
    columns = monitor.columns
    if columns is not None:
        for index, column in enumerate(columns):
            if column in columns[:index]:
                problems.append(
                    Problem(
                        locate((*prefix, "columns", index)),
                        f"{where}.columns[{index}]",
                        f"column '{column}' is listed twice",
                    )
                )
        for column in monitor.per_column:
            if column not in columns:
                problems.append(
                    Problem(
                        locate((*prefix, "per_column", column)),
                        f"{where}.per_column.{column}",
                        f"'{column}' is not a monitored column{suggest(column, columns)}; "
                        f"columns: {', '.join(columns)}",
                    )
                )
        wanted = monitor.alert_when.drifted_columns
        if wanted is not None and wanted > len(set(columns)):
            problems.append(
                Problem(
                    locate((*prefix, "alert_when", "drifted_columns")),
                    f"{where}.alert_when.drifted_columns",
                    f"{wanted} drifted columns can never happen: the monitor watches "
                    f"{len(set(columns))}",
                )
            )
    problems += _check_thresholds(monitor, prefix, locate)
    return problems


def _check_thresholds(
    monitor: DriftMonitor, prefix: tuple[str, ...], locate: Locate
) -> list[Problem]:
    """A p-value threshold above 1 can never be crossed the intended way: say so early."""
    problems: list[Problem] = []
    tests: list[tuple[tuple[str | int, ...], str | None, float | None]] = [
        ((*prefix, "threshold"), monitor.method, monitor.threshold)
    ]
    for column in monitor.per_column:
        tests.append(((*prefix, "per_column", column, "threshold"), *monitor.test_for(column)))
    for loc, method, threshold in tests:
        if method is None or threshold is None:
            continue
        if STATTESTS[method].p_value and threshold > 1:
            problems.append(
                Problem(
                    locate(loc),
                    ".".join(str(p) for p in loc),
                    f"'{method}' gives a p-value: a threshold of {threshold:g} is above 1; "
                    "p-value thresholds are significance levels such as 0.05 or 0.01",
                )
            )
    return problems
