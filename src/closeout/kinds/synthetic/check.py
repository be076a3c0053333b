"""Static checks of a ``synthetic`` scenario (lint and load): no data read, no user code run.

Cross-field rules pydantic cannot see on one field: the mode and its fields, faults that
name generated columns and really inject something, properties with sane arguments, edge
cases whose cells fit their columns, generation that can be satisfied, callables that exist.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

from closeout.callables import check_ref, parse_ref, source_file
from closeout.errors import DataError, Problem
from closeout.kind import Locate
from closeout.kinds._toolkit.data import check_data_file, header_columns
from closeout.kinds.synthetic.columns import Column
from closeout.kinds.synthetic.spec import (
    CheckCallable,
    DropColumnFault,
    DtypeFault,
    DuplicateRowsFault,
    EdgeCaseFile,
    InRange,
    NewCategoryFault,
    NullsFault,
    OutOfRangeFault,
    ScaleFault,
    SyntheticScenario,
)
from closeout.kinds.synthetic.values import bound_value, coerce
from closeout.models import suggest
from closeout.project import Project

Loc = tuple[str | int, ...]
ProblemAt = Callable[[Loc, str], Problem]
# dtype fault: the column dtypes each target dtype can be converted from.
CONVERSIONS = {
    "str": {"float", "int", "bool", "category", "datetime"},
    "float": {"int", "bool"},
    "int": {"float", "bool"},
    "category": {"str", "int", "bool"},
}
UNBOUNDED = math.inf


def check(scenario: SyntheticScenario, project: Project, locate: Locate) -> list[Problem]:
    """Every located problem of the scenario (see the module docstring)."""

    def problem(loc: Loc, message: str) -> Problem:
        return Problem(locate(loc), _field(loc), message)

    problems = _check_mode(scenario, problem)
    problems += _check_generation(scenario, problem)
    for index, fault in enumerate(scenario.faults):
        problems += _check_fault(scenario, index, fault, problem)
    for index, prop in enumerate(scenario.properties):
        if isinstance(prop, InRange):
            problems += _check_in_range(index, prop, problem)
    problems += _check_edge_cases(scenario, project, problem, locate)
    for loc, ref in callable_refs(scenario):
        message = check_ref(ref, project)
        if message is not None:
            problems.append(problem(loc, message))
    return problems


def _field(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + part
    return out


def callable_refs(scenario: SyntheticScenario) -> list[tuple[Loc, str]]:
    """Every callable the scenario names, with where it is named."""
    refs: list[tuple[Loc, str]] = [(("function",), scenario.function)]
    if scenario.before is not None:
        refs.append((("before", "function"), scenario.before.function))
    for index, prop in enumerate(scenario.properties):
        if isinstance(prop, CheckCallable):
            refs.append((("properties", index, "check"), prop.check))
    return refs


def source_files(refs: list[str], project: Project) -> list[Path]:
    """The source files defining ``refs`` (the ones that cannot be found are skipped)."""
    found: dict[Path, None] = {}
    for text in refs:
        try:
            found[source_file(parse_ref(text), project)] = None
        except (ValueError, DataError):
            continue
    return list(found)


def _check_mode(scenario: SyntheticScenario, problem: ProblemAt) -> list[Problem]:
    problems: list[Problem] = []
    if scenario.mode == "transform":
        if scenario.faults:
            problems.append(problem(("faults",), "faults apply to mode: validator"))
        if scenario.expect is not None:
            problems.append(
                problem(
                    ("expect",),
                    "expect applies to mode: validator; a transform is held to its properties",
                )
            )
        return problems
    if scenario.properties:
        problems.append(
            problem(
                ("properties",),
                "properties apply to mode: transform; a validator is held to expect and faults",
            )
        )
    expect = scenario.expect
    if expect is not None and not expect.accepts_clean and not scenario.faults:
        problems.append(
            problem(("expect",), "nothing to check: no faults and accepts_clean is false")
        )
    if expect is not None and isinstance(expect.rejects, list):
        seen: set[int] = set()
        for position, index in enumerate(expect.rejects):
            loc: Loc = ("expect", "rejects", position)
            if index >= len(scenario.faults):
                count = len(scenario.faults)
                problems.append(
                    problem(
                        loc,
                        f"no fault {index}: faults are numbered 0..{count - 1}"
                        if count
                        else "there are no faults",
                    )
                )
            elif index in seen:
                problems.append(problem(loc, f"fault {index} is listed twice"))
            seen.add(index)
    return problems


# --------------------------------------------------------------------------- generation


def capacity(column: Column) -> float:
    """How many distinct non-null values the column can take (inf when practically unbounded)."""
    if column.values is not None:
        return len(column.values)
    if column.dtype == "bool":
        return 2
    if column.dtype == "str":
        return 1 if column.max_length == 0 else UNBOUNDED
    low, high = column.bound("min"), column.bound("max")
    if low is None or high is None:
        return UNBOUNDED
    if column.dtype == "int":
        return high - low + 1
    if column.dtype == "datetime":
        return math.floor(high) - math.ceil(low) + 1
    return 1 if low == high else UNBOUNDED


def _check_generation(scenario: SyntheticScenario, problem: ProblemAt) -> list[Problem]:
    problems: list[Problem] = []
    needed = scenario.rows.min
    for name, column in scenario.columns.items():
        if column.unique and not column.nulls and capacity(column) < needed:
            problems.append(
                problem(
                    ("columns", name, "unique"),
                    f"contradictory bounds: column '{name}' can take only {int(capacity(column))} "
                    f"distinct values but rows.min is {needed}",
                )
            )
    if any(isinstance(f, DuplicateRowsFault) for f in scenario.faults):
        distinct = math.prod(capacity(c) + (1 if c.nulls else 0) for c in scenario.columns.values())
        if distinct < needed:
            problems.append(
                problem(
                    ("rows", "min"),
                    "clean frames must have no duplicate rows (there is a duplicate_rows "
                    f"fault), but the columns allow only {int(distinct)} distinct rows and "
                    f"rows.min is {needed}",
                )
            )
    return problems


# --------------------------------------------------------------------------- faults


def _check_fault(
    scenario: SyntheticScenario, index: int, fault: object, problem: ProblemAt
) -> list[Problem]:
    at: Loc = ("faults", index)
    if isinstance(fault, DuplicateRowsFault):
        if scenario.rows.max < 1:
            return [problem(at, "duplicate_rows needs frames with rows (rows.max is 0)")]
        return []
    name: str = getattr(fault, "column")  # noqa: B009 - every other fault names a column
    column = scenario.columns.get(name)
    if column is None:
        return [problem((*at, "column"), unknown_column(name, list(scenario.columns)))]
    message = _fault_message(fault, name, column, scenario)
    return [problem(at, message)] if message else []


def _fault_message(
    fault: object, name: str, column: Column, scenario: SyntheticScenario
) -> str | None:
    if not isinstance(fault, DropColumnFault | DtypeFault) and scenario.rows.max < 1:
        return "this fault changes rows, but rows.max is 0"
    if isinstance(fault, NullsFault) and column.nulls:
        return (
            f"column '{name}' allows nulls (nulls: true), so clean frames carry nulls too: "
            "a nulls fault would inject nothing they lack"
        )
    if isinstance(fault, OutOfRangeFault):
        return _out_of_range_message(fault, name, column)
    if isinstance(fault, ScaleFault):
        if column.dtype not in ("float", "int"):
            return f"scale needs a numeric column; '{name}' is {column.dtype}"
        if not math.isfinite(fault.factor) or fault.factor == 1:
            return f"factor {fault.factor} does not change any value"
    if isinstance(fault, DtypeFault) and fault.to not in _targets(column):
        possible = ", ".join(sorted(_targets(column))) or "none"
        return f"cannot convert a {column.dtype} column to {fault.to}; possible: {possible}"
    if isinstance(fault, NewCategoryFault):
        if column.values is None or column.dtype not in ("category", "str", "int"):
            return f"new_category needs a column with values; '{name}' has none"
        if any(str(v) == str(fault.value) for v in column.values):
            return f"'{fault.value}' is already one of the values of '{name}': it is not new"
    return None


def _targets(column: Column) -> set[str]:
    return {to for to, sources in CONVERSIONS.items() if column.dtype in sources}


def _out_of_range_message(fault: OutOfRangeFault, name: str, column: Column) -> str | None:
    if column.dtype not in ("float", "int", "datetime"):
        return (
            f"out_of_range needs a numeric or datetime column; '{name}' is {column.dtype} "
            "(use new_category for unknown values)"
        )
    low, high = column.bound("min"), column.bound("max")
    if low is None and high is None:
        return f"column '{name}' has no min or max, so no value is out of its range"
    value = bound_value(column.dtype, fault.value)
    if isinstance(value, str):
        return f"value: {value}"
    if (low is None or value >= low) and (high is None or value <= high):
        return (
            f"value {fault.value!r} is inside the range of '{name}' "
            f"[{_shown(column.min, '-inf')}, {_shown(column.max, 'inf')}]: it is not out of range"
        )
    return None


def _shown(bound: object, open_end: str) -> str:
    return open_end if bound is None else str(bound)


def unknown_column(name: str, names: list[str]) -> str:
    return f"no generated column '{name}'{suggest(name, names)}; columns: {', '.join(names)}"


# --------------------------------------------------------------------------- properties


def _check_in_range(index: int, prop: InRange, problem: ProblemAt) -> list[Problem]:
    problems: list[Problem] = []
    for name, (low, high) in prop.in_range.items():
        loc: Loc = ("properties", index, "in_range", name)
        kind = "datetime" if isinstance(low, str) or isinstance(high, str) else "float"
        values = [bound_value(kind, bound) for bound in (low, high)]
        errors = [v for v in values if isinstance(v, str)]
        if errors:
            problems.append(problem(loc, f"{errors[0]} (both bounds numbers, or both timestamps)"))
        elif values[0] > values[1]:  # type: ignore[operator]
            problems.append(problem(loc, f"contradictory bounds: {low} is above {high}"))
    return problems


# --------------------------------------------------------------------------- edge cases


def _check_edge_cases(
    scenario: SyntheticScenario, project: Project, problem: ProblemAt, locate: Locate
) -> list[Problem]:
    problems: list[Problem] = []
    names = list(scenario.columns)
    for index, case in enumerate(scenario.edge_cases):
        if isinstance(case, EdgeCaseFile):
            where: Loc = ("edge_cases", index, "file")
            missing = check_data_file(case.file, where, project, locate)
            problems += missing or _file_columns(case.file, names, project, problem, where)
            continue
        for row_index, row in enumerate(case):
            for key, value in row.items():
                loc: Loc = ("edge_cases", index, row_index, key)
                column = scenario.columns.get(key)
                if column is None:
                    problems.append(problem(loc, unknown_column(key, names)))
                    continue
                try:
                    coerce(column.dtype, value)
                except ValueError as exc:
                    problems.append(problem(loc, f"column '{key}' ({column.dtype}): {exc}"))
    return problems


def _file_columns(
    relative: str, names: list[str], project: Project, problem: ProblemAt, where: Loc
) -> list[Problem]:
    """An edge-case file holds every generated column and nothing else (its header says)."""
    header = header_columns(project.resolve_inside(relative))
    if header is None:  # unreadable: the run says why
        return []
    missing = [
        problem(
            where,
            f"no column '{name}' in {relative}{suggest(name, header)}; "
            f"columns are: {', '.join(header)}",
        )
        for name in names
        if name not in header
    ]
    extra = [
        problem(
            where, f"column '{name}' of {relative} is not a generated column ({', '.join(names)})"
        )
        for name in header
        if name not in names
    ]
    return missing + extra
