"""The part of Prometheus the ``threshold`` kind needs, with promtool's exact semantics.

- ``parse_series``: promtool's expanding notation (``0.05x11 0.25+0.1x3 _x2 stale``).
  Increments accumulate (``v += step``) exactly as promtool's parser does, so values that
  land on a threshold compare the same way in both.
- ``parse_expr``: ``<series> <op> <number>`` comparisons joined by ``and`` / ``or`` (``and``
  binds tighter, parentheses allowed). Series carry no labels, so vector matching reduces to
  booleans: ``and`` holds when both sides hold, ``or`` when either does.
- ``evaluate_alert``: Prometheus' alerting-rule state machine (pending, firing, ``for``,
  ``keep_firing_for``) on an evaluation grid, giving the firing state at every step.

Times are integer milliseconds. Pure Python: no pandas, no numpy.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

STALE = None  # a stale marker: the series is absent while it is the latest sample

_NUMBER = r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|Inf|inf|NaN|nan)"
# promtool's lexer reads `NaNx2`, `Infx2` and `1+Infx2` as identifiers and refuses them;
# steps are therefore plain numbers, and a bare Inf/NaN cannot take a repetition.
_UNSIGNED = r"(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
_ITEM = re.compile(
    rf"^(?:(?P<blank>_)(?:x(?P<blanks>\d+))?"
    rf"|(?P<stale>stale)"
    rf"|(?P<value>{_NUMBER})(?:(?P<step>[+-]{_UNSIGNED})?x(?P<times>\d+))?)$"
)
MAX_SAMPLES = 1_000_000


class NotationError(ValueError):
    """The expanding notation or expression is malformed; ``column`` is 1-based."""

    def __init__(self, message: str, column: int = 0) -> None:
        super().__init__(message)
        self.column = column


@dataclass(frozen=True)
class Series:
    """Samples of one series: sorted times (ms) and values (float, or None for stale)."""

    name: str
    times: tuple[int, ...]
    values: tuple[float | None, ...]

    def value_at(self, t: int, lookback_ms: int) -> float | None:
        """Latest sample at or before ``t`` and at most ``lookback_ms`` old; None if absent."""
        index = bisect.bisect_right(self.times, t) - 1
        if index < 0 or t - self.times[index] > lookback_ms:
            return None
        return self.values[index]


def parse_series(text: str, start_ms: int, interval_ms: int, name: str = "") -> Series:
    """Expand promtool notation into samples ``interval_ms`` apart from ``start_ms``."""
    times: list[int] = []
    values: list[float | None] = []
    slot = 0
    column = 1
    for token in text.split():
        column = text.index(token, column - 1) + 1
        match = _ITEM.match(token)
        if match is None:
            raise NotationError(
                f"bad sample '{token}' at column {column}: expected a number, 'a+bxn', "
                "'axn', '_', '_xn' or 'stale'",
                column,
            )
        slot = _expand(match, slot, start_ms, interval_ms, times, values)
        if len(times) > MAX_SAMPLES or slot > MAX_SAMPLES:
            raise NotationError(f"more than {MAX_SAMPLES} samples", column)
        column += len(token)
    if not times and slot == 0:
        raise NotationError("no samples given")
    return Series(name, tuple(times), tuple(values))


def _expand(
    match: re.Match[str],
    slot: int,
    start_ms: int,
    interval_ms: int,
    times: list[int],
    values: list[float | None],
) -> int:
    if match["blank"]:
        return slot + (int(match["blanks"]) if match["blanks"] is not None else 1)
    if match["stale"]:
        times.append(start_ms + slot * interval_ms)
        values.append(STALE)
        return slot + 1
    if match["times"] is not None and match["step"] is None and match["value"][-1].isalpha():
        raise NotationError(f"'{match[0]}': promtool cannot repeat {match['value']} this way")
    value = _to_float(match["value"])
    if match["times"] is None:
        count, step = 1, 0.0
    else:
        count = int(match["times"]) + 1
        step = _to_float(match["step"]) if match["step"] else 0.0
    if count > MAX_SAMPLES:
        raise NotationError(f"repetition {count - 1} is too large")
    for _ in range(count):
        times.append(start_ms + slot * interval_ms)
        values.append(value)
        value += step  # accumulate like promtool, not value + i*step
        slot += 1
    return slot


def _to_float(text: str) -> float:
    return float(text.replace("Inf", "inf").replace("NaN", "nan"))


# --------------------------------------------------------------------------- expressions

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}
_MIRROR = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "==": "==", "!=": "!="}
_TOKEN = re.compile(
    rf"\s*(?:(?P<op>>=|<=|==|!=|>|<)|(?P<paren>[()])"
    rf"|(?P<number>{_NUMBER})(?![A-Za-z0-9_:])|(?P<word>[A-Za-z_:][A-Za-z0-9_:]*))"
)


@dataclass(frozen=True)
class Comparison:
    """``<series> <op> <threshold>`` (a number on the left is mirrored onto the right)."""

    series: str
    op: str
    threshold: float

    def holds(self, value: float | None) -> bool:
        """An absent sample (None) never satisfies a comparison, as in PromQL."""
        return value is not None and _OPS[self.op](value, self.threshold)


@dataclass(frozen=True)
class BoolOp:
    """``left and right`` or ``left or right``."""

    op: str  # "and" | "or"
    left: Expr
    right: Expr


Expr = Comparison | BoolOp


def parse_expr(text: str) -> Expr:
    """Parse ``a > 0.2 and (b <= 3 or c != 0)``; raise NotationError with a column."""
    tokens = _tokenize(text)
    parser = _Parser(tokens, text)
    expr = parser.parse_or()
    if parser.pos < len(tokens):
        parser.fail("unexpected")
    return expr


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    tokens: list[tuple[str, str, int]] = []
    pos = 0
    stripped_end = len(text.rstrip())
    while pos < stripped_end:
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            column = len(text) - len(text[pos:].lstrip()) + 1
            raise NotationError(f"cannot read '{text[pos:].strip()}' at column {column}", column)
        kind = match.lastgroup or ""
        tokens.append((kind, match[kind], match.start(kind) + 1))
        pos = match.end()
    return tokens


@dataclass
class _Parser:
    tokens: list[tuple[str, str, int]]
    text: str
    pos: int = 0

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def fail(self, what: str) -> None:
        token = self.peek()
        column = token[2] if token else len(self.text) + 1
        found = f"'{token[1]}'" if token else "the end"
        raise NotationError(
            f"{what} {found} at column {column} (write comparisons like "
            "'psi_income > 0.2' joined by and / or)",
            column,
        )

    def parse_or(self) -> Expr:
        left = self.parse_and()
        while (token := self.peek()) and token[0] == "word" and token[1] == "or":
            self.pos += 1
            left = BoolOp("or", left, self.parse_and())
        return left

    def parse_and(self) -> Expr:
        left = self.parse_atom()
        while (token := self.peek()) and token[0] == "word" and token[1] == "and":
            self.pos += 1
            left = BoolOp("and", left, self.parse_atom())
        return left

    def parse_atom(self) -> Expr:
        token = self.peek()
        if token and token[:2] == ("paren", "("):
            self.pos += 1
            inner = self.parse_or()
            if (close := self.peek()) is None or close[:2] != ("paren", ")"):
                self.fail("missing ')' before")
            self.pos += 1
            return inner
        return self.parse_comparison()

    def parse_comparison(self) -> Comparison:
        first = self.take({"word", "number"}, "a series name or a number")
        op = self.take({"op"}, "a comparison operator (> >= < <= == !=)")
        if first[0] == "word":
            number = self.take({"number"}, "a number")
            return Comparison(first[1], op[1], _to_float(number[1]))
        name = self.take({"word"}, "a series name")
        return Comparison(name[1], _MIRROR[op[1]], _to_float(first[1]))

    def take(self, kinds: set[str], what: str) -> tuple[str, str, int]:
        token = self.peek()
        if token is None or token[0] not in kinds or token[1] in ("and", "or"):
            self.fail(f"expected {what}, found")
            raise AssertionError("unreachable")
        self.pos += 1
        return token


def series_names(expr: Expr) -> list[str]:
    """Every series name an expression uses, once each, in order of appearance."""
    return list(dict.fromkeys(c.series for c in comparisons(expr)))


def comparisons(expr: Expr) -> list[Comparison]:
    """Every comparison in an expression, left to right."""
    if isinstance(expr, Comparison):
        return [expr]
    return comparisons(expr.left) + comparisons(expr.right)


def holds(expr: Expr, values: dict[str, float | None]) -> bool:
    """The expression is true for these series values (an absent series compares false)."""
    if isinstance(expr, Comparison):
        return expr.holds(values.get(expr.series))
    if expr.op == "and":
        return holds(expr.left, values) and holds(expr.right, values)
    return holds(expr.left, values) or holds(expr.right, values)


# --------------------------------------------------------------------------- alerting


@dataclass
class AlertTrace:
    """Firing state of one alert at every evaluation time."""

    times: list[int] = field(default_factory=list)
    firing: list[bool] = field(default_factory=list)
    pending: list[bool] = field(default_factory=list)

    def firing_at_grid(self, t: int) -> bool:
        """State at the last evaluation ``ts <= t`` (promtool's eval_time matching)."""
        index = bisect.bisect_right(self.times, t) - 1
        return index >= 0 and self.firing[index]

    def first_firing(self) -> int | None:
        """The first evaluation time at which the alert fires; None if it never does."""
        return next((t for t, f in zip(self.times, self.firing, strict=True) if f), None)

    def intervals(self, interval_ms: int) -> list[tuple[int, int | None]]:
        """Firing intervals ``[from, to)``; ``to`` is None if still firing at the end."""
        spans: list[tuple[int, int | None]] = []
        begin: int | None = None
        for t, is_firing in zip(self.times, self.firing, strict=True):
            if is_firing and begin is None:
                begin = t
            elif not is_firing and begin is not None:
                spans.append((begin, t))
                begin = None
        if begin is not None:
            spans.append((begin, None))
        return spans


def evaluate_alert(
    expr: Expr,
    series: dict[str, Series],
    grid: Sequence[int],
    for_ms: int,
    keep_firing_for_ms: int,
    lookback_ms: int,
) -> AlertTrace:
    """Run Prometheus' alerting state machine for one rule over the evaluation ``grid``."""
    trace = AlertTrace()
    names = series_names(expr)
    state = "inactive"
    active_at = 0
    keep_since: int | None = None
    for t in grid:
        values = {name: _lookup(series, name, t, lookback_ms) for name in names}
        if holds(expr, values):
            if state == "inactive":
                state, active_at = "pending", t
            keep_since = None
            if state == "pending" and t - active_at >= for_ms:
                state = "firing"
        elif state == "firing" and keep_firing_for_ms > 0:
            keep_since = t if keep_since is None else keep_since
            if t - keep_since >= keep_firing_for_ms:
                state, keep_since = "inactive", None
        else:
            state, keep_since = "inactive", None
        trace.times.append(t)
        trace.firing.append(state == "firing")
        trace.pending.append(state == "pending")
    return trace


def _lookup(series: dict[str, Series], name: str, t: int, lookback_ms: int) -> float | None:
    found = series.get(name)
    return found.value_at(t, lookback_ms) if found is not None else None
