"""Where things went wrong, and the one small exception tree of closeout.

::

    CloseoutError                  anything closeout reports to a user (exit 2 in the CLI)
     ├── ScenarioError             a postmortem or scenario file is wrong (has a Location)
     │    └── YamlError            the file is not acceptable YAML at all
     ├── DataError                 data a scenario reads is missing or unusable
     ├── UsageError                the command line or the project setup is wrong
     └── SubjectError              the user's subject code raised (a `fail`, not an `error`)

A failed expectation is not an exception: it is an ``Outcome`` in a ``KindResult``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """A place in a file: ``path`` as shown to the user, ``line`` 1-based (0 when unknown)."""

    path: str
    line: int = 0

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True)
class Problem:
    """One finding of lint or validation: where, which field, what is wrong."""

    location: Location
    field: str
    message: str
    severity: str = "error"  # error | warning | info (info: said, never counted)

    def __str__(self) -> str:
        field = f"{self.field}: " if self.field else ""
        tag = f"{self.severity}: " if self.severity in ("warning", "info") else ""
        return f"{self.location}: {tag}{field}{self.message}"


class CloseoutError(Exception):
    """Base of every error closeout reports to a user without a traceback."""


class ScenarioError(CloseoutError):
    """A postmortem or scenario file is wrong; carries one or more located problems."""

    def __init__(self, problems: list[Problem] | Problem) -> None:
        found = problems if isinstance(problems, list) else [problems]
        self.problems = sorted(found, key=lambda p: (p.location.path, p.location.line))
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def location(self) -> Location:
        return self.problems[0].location


class YamlError(ScenarioError):
    """The file could not be read as (safe, unambiguous) YAML."""


class DataError(CloseoutError):
    """A data file a scenario reads is missing, empty or does not have what it needs."""


class UsageError(CloseoutError):
    """The command line or the project configuration is wrong."""


class SubjectError(CloseoutError):
    """The user's subject code raised; the run is a `fail` with this traceback as evidence."""

    def __init__(self, message: str, traceback_text: str) -> None:
        super().__init__(message)
        self.traceback_text = traceback_text


def field_path(loc: tuple[str | int, ...]) -> str:
    """``actions[0].owner`` from a pydantic location."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not is_location_tag(part):
            out += ("." if out else "") + part
    return out


def is_location_tag(part: str) -> bool:
    """pydantic adds union members and validator names to locations; they are not data."""
    return "[" in part or part.startswith(("function-", "form:")) or part in ("str", "int", "float")
