"""From raw YAML data to a typed model, every pydantic error a located ``Problem``.

``validate`` is all-or-nothing. ``validate_partially`` serves lint, which must report every
independent error of a file in one pass: when the file has schema errors it also validates a
*repaired* copy, with the erroneous optional keys, unknown keys and broken list items or
mapping entries left out, so the checks that come after the schema (files present, names
defined, references resolved) still run on everything the errors did not touch.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from closeout import _yaml
from closeout.errors import Location, Problem, ScenarioError, field_path, is_location_tag
from closeout.models import suggest

ModelT = TypeVar("ModelT", bound=BaseModel)

# Each round of repair can only remove data, and removing data can reveal new errors (a list
# left empty); a few rounds settle every realistic file.
_REPAIR_ROUNDS = 4


def locate(raw: Any, loc: tuple[str | int, ...], display: str) -> Location:
    """The line of the deepest element of ``loc`` found in the raw YAML data."""
    current, line = raw, getattr(raw, "line", 0)
    for part in loc:
        if isinstance(current, _yaml.LineDict) and str(part) in current:
            line, current = current.line_of(str(part)), current[str(part)]
        elif isinstance(current, _yaml.LineList) and isinstance(part, int) and part < len(current):
            line, current = current.line_of(part), current[part]
        elif isinstance(part, str) and is_location_tag(part):
            continue
        else:
            break
    return Location(display, line)


def validate(model: type[ModelT], raw: Any, display: str) -> ModelT:
    """Validate raw data into ``model``; every error becomes a located Problem."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError([_problem(error, raw, display) for error in exc.errors()]) from None


@dataclass(frozen=True)
class Partial(Generic[ModelT]):
    """What ``validate_partially`` found: the model (None when the file has schema errors)
    and the model of the repaired copy (None when the errors could not be left out), for
    the checks that follow. ``left_out`` are the top-level keys the repair removed or
    renamed, ``kept`` the original index of each item left in a list it removed items from.
    """

    model: ModelT | None
    repaired: ModelT | None
    problems: list[Problem]
    left_out: frozenset[str] = frozenset()
    kept: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    # The repaired model was constructed field by field, without the required fields the
    # file gets wrong: a check reading one of them meets an AttributeError (see ``checked``).
    constructed: bool = False

    def checked(self, check: Callable[[ModelT], list[Problem]]) -> list[Problem]:
        """The findings of ``check`` on the repaired model that can be trusted."""
        if self.repaired is None:
            return []
        try:
            found = check(self.repaired)
        except AttributeError:
            if not self.constructed:
                raise
            return []  # the check needs a field the file got wrong: it runs once fixed
        return [q for p in found if (q := self.restore(p)) is not None]

    def original(self, loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
        """A location in the repaired copy as a location in the file."""
        return _original(loc, self.kept)

    def restore(self, problem: Problem) -> Problem | None:
        """A later finding about the repaired copy, with the file's list indexes; None when
        it is about data the repair touched (not to be trusted)."""
        head, rest = _split_field(problem.field)
        if head in self.left_out:
            return None
        match = re.match(r"\[(\d+)\]", rest)
        if head not in self.kept or match is None:
            return problem
        index = self.kept[head][int(match[1])]
        return replace(problem, field=f"{head}[{index}]{rest[match.end() :]}")


def validate_partially(model: type[ModelT], raw: Any, display: str) -> Partial[ModelT]:
    """Validate ``raw``; on schema errors also validate a repaired copy (see the module)."""
    try:
        valid = model.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
    else:
        return Partial(valid, valid, [])
    problems = [_problem(error, raw, display) for error in errors]
    repair = _Repair(model, raw)
    for _ in range(_REPAIR_ROUNDS):
        if not repair.leave_out(errors):
            break
        try:
            repaired = model.model_validate(repair.data)
        except ValidationError as exc:
            # An error that only shows once others are gone (an unknown key stops the whole
            # model before its fields are validated) is real, unless it is about data the
            # repair touched or about the whole file (a rule between fields it removed).
            errors = exc.errors()
            found = [_problem(e, raw, display, repair.kept) for e in errors]
            problems += [p for p in found if p.field and repair.trusted(p)]
            continue
        return Partial(None, repaired, problems, frozenset(repair.left_out), repair.frozen())
    # A required field is wrong: validate the other fields one by one instead, without the
    # rules between fields (those need every field right).
    constructed = repair.construct(model)
    return Partial(
        None, constructed, problems, frozenset(repair.left_out), repair.frozen(), constructed=True
    )


class _Repair:
    """A copy of the raw top-level mapping with what errors are about left out."""

    def __init__(self, model: type[BaseModel], raw: Any) -> None:
        self.fields = {info.alias or name: info for name, info in model.model_fields.items()}
        self.data: dict[str, Any] = dict(raw)
        self.left_out: set[str] = set()
        self.kept: dict[str, list[int]] = {}
        self.touched: set[str] = set()  # lists and mappings it removed items from

    def frozen(self) -> dict[str, tuple[int, ...]]:
        return {head: tuple(indexes) for head, indexes in self.kept.items()}

    def trusted(self, problem: Problem) -> bool:
        """An error first seen after a repair is real unless it is about what the repair
        touched (a list it left empty, a key it renamed)."""
        head = _split_field(problem.field)[0]
        return head not in self.left_out and head not in self.touched

    def leave_out(self, errors: Any) -> bool:
        """Remove what each error is about; False when an error cannot be removed (a
        missing or broken required field, an error about the whole file)."""
        drop: set[str] = set()
        items: dict[str, set[int | str]] = {}
        stuck = False
        for error in errors:
            loc = _data_loc(error)
            if not loc or not isinstance(loc[0], str):
                stuck = True  # about the whole file: a rule between fields
                continue
            head = loc[0]
            if head not in self.data:  # a required field is missing
                self.left_out.add(head)
                stuck = True
                continue
            meant = self._meant(head) if head not in self.fields else None
            if meant is not None:  # a typo of a required key: read the value under its name
                self.data[meant] = self.data.pop(head)
                self.left_out.add(meant)
            elif head not in self.fields or not self.fields[head].is_required():
                drop.add(head)
            elif len(loc) >= 2 and isinstance(self.data[head], list | dict):
                items.setdefault(head, set()).add(loc[1])
            else:  # a required field holds a wrong value
                drop.add(head)
                stuck = True
        for head, keys in items.items():
            if head not in drop:
                self._remove_items(head, keys)
        for head in drop:
            self.data.pop(head)
        self.left_out.update(drop)
        return not stuck

    def construct(self, model: type[ModelT]) -> ModelT:
        """The model of every field that is right on its own (no rule between fields runs)."""
        values: dict[str, Any] = {}
        for name, info in model.model_fields.items():
            key = info.alias or name
            if key not in self.data:
                continue
            # The field's type with its constraints (min_length, ge, ...) as pydantic reads it.
            adapter: TypeAdapter[Any] = TypeAdapter(Annotated[info.annotation, info])  # type: ignore[arg-type]
            try:
                values[name] = adapter.validate_python(self.data[key])
            except ValidationError:
                self.left_out.add(key)
        return model.model_construct(**values)

    def _remove_items(self, head: str, keys: set[int | str]) -> None:
        container = self.data[head]
        self.touched.add(head)
        if isinstance(container, dict):
            self.data[head] = {k: v for k, v in container.items() if k not in keys}
            return
        kept = self.kept.get(head, list(range(len(container))))
        self.kept[head] = [kept[i] for i in range(len(container)) if i not in keys]
        self.data[head] = [item for i, item in enumerate(container) if i not in keys]

    def _meant(self, key: str) -> str | None:
        """The missing required field an unknown key is a typo of, if one is close."""
        missing = [
            name
            for name, info in self.fields.items()
            if info.is_required() and name not in self.data
        ]
        close = difflib.get_close_matches(key.lower(), missing, n=1, cutoff=0.6)
        return close[0] if close else None


def _split_field(path: str) -> tuple[str, str]:
    """``expect[2].at`` -> (``expect``, ``[2].at``)."""
    head = re.split(r"[.\[]", path, maxsplit=1)[0]
    return head, path[len(head) :]


def _original(
    loc: tuple[str | int, ...], kept: Mapping[str, Sequence[int]]
) -> tuple[str | int, ...]:
    if len(loc) >= 2 and isinstance(loc[0], str) and isinstance(loc[1], int) and loc[0] in kept:
        indexes = kept[loc[0]]
        if loc[1] < len(indexes):
            return (loc[0], indexes[loc[1]], *loc[2:])
    return loc


def _data_loc(error: Any) -> tuple[str | int, ...]:
    """The error's location in the data: validator tags out, the key of a key error in."""
    loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and is_location_tag(p)))
    key = (error.get("ctx") or {}).get("key")
    return (*loc, key) if key is not None else loc


def _problem(
    error: Any, raw: Any, display: str, kept: Mapping[str, Sequence[int]] | None = None
) -> Problem:
    loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and is_location_tag(p)))
    loc = _original(loc, kept or {})
    ctx = error.get("ctx") or {}
    message = _message(error)
    if "key" in ctx:  # errors about one key of a mapping (unknown key, conflicting keys)
        loc = (*loc, ctx["key"])
    return Problem(locate(raw, loc, display), field_path(loc), message)


def _message(error: Any) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "missing":
        return "missing required field"
    if kind == "literal_error":
        expected = [
            e.strip().strip("'")
            for e in str(ctx.get("expected", "")).replace(" or ", ", ").split(",")
        ]
        hint = suggest(str(error["input"]), expected)
        return f"{error['input']!r} is not one of {', '.join(expected)}{hint}"
    if kind == "too_short" and isinstance(error.get("input"), list | dict):
        return "must not be empty"
    bounds = {
        "greater_than_equal": ("at least", "ge"),
        "greater_than": ("more than", "gt"),
        "less_than_equal": ("at most", "le"),
        "less_than": ("less than", "lt"),
    }
    if kind in bounds:
        words, key = bounds[kind]
        return f"must be {words} {ctx.get(key)}, got {_short(error.get('input'))}"
    wanted = _EXPECTED.get(kind)
    if wanted is not None:
        return f"expected {wanted}, got {_short(error.get('input'))}"
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    return message


_EXPECTED = {
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_parsing": "a number",
    "float_type": "a number",
    "string_type": "text",
    "dict_type": "a mapping of keys",
    "list_type": "a list",
    "model_type": "a mapping of keys",
    "model_attributes_type": "a mapping of keys",
    "date_parsing": "a date like 2025-07-20",
    "date_from_datetime_parsing": "a date like 2025-07-20",
    "date_type": "a date like 2025-07-20",
}


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
