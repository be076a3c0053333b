"""An evidently ``Report`` read as closeout's replay configuration (SPEC §12).

A team's deployed Report (evidently 0.7.x) is made of drift elements that closeout can replay
with its own engine, because each one only says *which columns, which stattest, which
threshold, when the dataset drifts*:

- ``DataDriftPreset`` and ``DriftedColumnsCount``: a group of columns (``columns``; default:
  every column), a method and threshold resolved per column the way evidently resolves them
  (``per_column_method`` over ``num_method``/``cat_method`` over ``method``; thresholds in the
  same order; ``None``: evidently's automatic choice and the method's default threshold), and
  the dataset-drift rule: a window drifts when the share of drifted columns reaches
  ``drift_share`` (default 0.5), the rule of evidently's ``get_dataset_drift`` and of the
  ``DriftedColumnsCount`` test (``share < drift_share`` passes).
- ``ValueDrift(column, method, threshold)`` metrics alone: each one's test fails when its
  column drifts, so a window alerts when any of them drifts (``drifted_columns: 1``).

Everything else is refused with the element named: another metric (its tests would alert
on something a drift replay does not compute), custom tests on a drift metric, custom
stattest functions, text and embedding settings, and a group mixed with ``ValueDrift``
metrics (two alert rules joined by "or"). The translation is a ``Plan``; ``Plan.monitor``
turns it into a ``DriftMonitor`` once the monitored columns and their kinds are known (only
needed for ``num_*``/``cat_*`` settings, or per-column settings without ``columns``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from closeout.errors import CloseoutError
from closeout.kinds.drift_replay.spec import STATTESTS, DriftMonitor

GROUPS = ("DataDriftPreset", "DriftedColumnsCount")
DEFAULT_DRIFT_SHARE = 0.5
_UNSUPPORTED = ("text_method", "text_threshold", "embeddings", "embeddings_drift_method")
Setting = tuple[str | None, float | None]  # (method, threshold); None: evidently's default


class Unreplayable(CloseoutError):
    """A Report element closeout cannot replay; the message names it and says what to do."""


@dataclass(frozen=True)
class Plan:
    """A Report's drift configuration in closeout's terms."""

    elements: list[str]  # the Report elements read, as evidently names them
    columns: list[str] | None  # None: every column (closeout's default)
    default: Setting = (None, None)
    by_kind: dict[str, Setting] = field(default_factory=dict)  # "num" / "cat"
    methods: dict[str, str] = field(default_factory=dict)  # per column
    thresholds: dict[str, float] = field(default_factory=dict)  # per column
    drift_share: float | None = None  # None: alert on any drifted column (ValueDrift)

    @property
    def needs_data(self) -> bool:
        """Whether the columns' names or kinds must be read before the monitor is known."""
        per_column = bool(self.methods or self.thresholds)
        return bool(self.by_kind) or (self.columns is None and per_column)

    def setting(self, column: str, kind: str | None) -> Setting:
        """The method and threshold evidently uses for ``column`` (see the module docstring)."""
        method, threshold = self.default
        kind_method, kind_threshold = self.by_kind.get(kind or "", (None, None))
        method = self.methods.get(column, kind_method or method)
        if column in self.thresholds:
            return method, self.thresholds[column]
        return method, kind_threshold if kind_threshold is not None else threshold

    def monitor(
        self, for_: int, names: list[str] | None = None, kinds: Mapping[str, str] | None = None
    ) -> DriftMonitor:
        """closeout's monitor for this plan; ``names``/``kinds`` when ``needs_data``."""
        alert = (
            {"drifted_columns": 1}
            if self.drift_share is None
            else {"drift_share": self.drift_share}
        )
        columns = names if names is not None else self.columns
        if names is not None or kinds is not None:
            per_column = {}
            for column in columns or []:
                method, threshold = self.setting(column, (kinds or {}).get(column))
                per_column[column] = {"method": method, "threshold": threshold}
            body: dict[str, Any] = {"columns": columns, "per_column": per_column}
        else:
            chosen = set(self.methods) | set(self.thresholds)
            per_column = {
                c: {"method": self.methods.get(c), "threshold": self.thresholds.get(c)}
                for c in sorted(chosen)
                if columns is None or c in columns
            }
            method, threshold = self.default
            body = {"columns": columns, "method": method, "threshold": threshold}
            body["per_column"] = per_column
        try:
            return DriftMonitor.model_validate({**body, "alert_when": alert, "for": for_})
        except ValueError as exc:  # pydantic's ValidationError: a value closeout refuses
            raise Unreplayable(
                f"{', '.join(self.elements)}: a setting closeout cannot replay: {_first_error(exc)}"
            ) from None


def translate(report: Any) -> Plan:
    """The ``Plan`` of an evidently ``Report``; ``Unreplayable`` naming what is not."""
    elements = list(getattr(report, "metrics", None) or [])
    groups = [e for e in elements if type(e).__name__ in GROUPS]
    singles = [e for e in elements if type(e).__name__ == "ValueDrift"]
    for element in elements:
        if element not in groups and element not in singles:
            raise Unreplayable(
                f"{describe(element)} is not a drift metric: closeout replays "
                "DataDriftPreset, DriftedColumnsCount and ValueDrift; return a Report of the "
                "drift metrics alone (the rest is not what this scenario tests)"
            )
    if not groups and not singles:
        raise Unreplayable(
            "the Report has no drift metric: give it a DataDriftPreset, a DriftedColumnsCount "
            "or ValueDrift metrics"
        )
    if len(groups) > 1 or (groups and singles):
        raise Unreplayable(
            f"{', '.join(describe(e) for e in groups + singles)}: a Report with "
            f"{'two column groups' if len(groups) > 1 else 'a column group and ValueDrift'} "
            "alerts on either rule, which one closeout monitor cannot replay; return one "
            "DataDriftPreset or DriftedColumnsCount, or ValueDrift metrics only"
        )
    if groups:
        return _group(groups[0])
    return _singles(singles)


def describe(element: Any) -> str:
    """How messages name a Report element: ``ValueDrift(column='age')``, ``DataDriftPreset``."""
    name = type(element).__name__
    column = getattr(element, "column", None)
    return f"{name}(column={column!r})" if isinstance(column, str) else name


def _group(element: Any) -> Plan:
    name = describe(element)
    for key in _UNSUPPORTED:
        if getattr(element, key, None):
            raise Unreplayable(
                f"{name}({key}=...): text and embedding drift cannot be replayed; drift "
                "replays test numeric and categorical columns"
            )
    _no_custom_tests(element, ("tests", "share_tests"))
    share = float(getattr(element, "drift_share", DEFAULT_DRIFT_SHARE))
    if not 0 < share <= 1:
        raise Unreplayable(
            f"{name}(drift_share={share:g}): a share of drifted columns must be in (0, 1] "
            "for an alert to mean anything"
        )
    by_kind = {}
    for kind in ("num", "cat"):
        method = _method(getattr(element, f"{kind}_method", None), name, f"{kind}_method")
        threshold = getattr(element, f"{kind}_threshold", None)
        if method is not None or threshold is not None:
            by_kind[kind] = (method, threshold)
    columns = getattr(element, "columns", None)
    per_method = getattr(element, "per_column_method", None) or {}
    return Plan(
        elements=[name],
        columns=list(columns) if columns is not None else None,
        default=(
            _method(getattr(element, "method", None), name, "method"),
            getattr(element, "threshold", None),
        ),
        by_kind=by_kind,
        methods={
            str(c): m
            for c, value in per_method.items()
            if (m := _method(value, name, f"per_column_method[{c!r}]")) is not None
        },
        thresholds=dict(getattr(element, "per_column_threshold", None) or {}),
        drift_share=share,
    )


def _singles(elements: list[Any]) -> Plan:
    columns: list[str] = []
    methods: dict[str, str] = {}
    thresholds: dict[str, float] = {}
    for element in elements:
        name = describe(element)
        column = str(element.column)
        if column in columns:
            raise Unreplayable(
                f"{name} is in the Report twice: give each column one ValueDrift metric"
            )
        _no_custom_tests(element, ("tests",))
        columns.append(column)
        method = _method(getattr(element, "method", None), name, "method")
        if method is not None:
            methods[column] = method
        if getattr(element, "threshold", None) is not None:
            thresholds[column] = float(element.threshold)
    return Plan(
        elements=[describe(e) for e in elements],
        columns=columns,
        methods=methods,
        thresholds=thresholds,
    )


def _no_custom_tests(element: Any, keys: tuple[str, ...]) -> None:
    for key in keys:
        if getattr(element, key, None):
            raise Unreplayable(
                f"{describe(element)}({key}=...): custom tests on a drift metric cannot be "
                "replayed; closeout replays the drift flag of each method's threshold and the "
                "drift_share rule: set method=, threshold= or drift_share= instead"
            )


def _method(value: Any, element: str, key: str) -> str | None:
    """The stattest name a method setting stands for (a name, or evidently's own StatTest
    object or function); ``Unreplayable`` for a custom test."""
    if value is None:
        return None
    name = value if isinstance(value, str) else _registered_name(value)
    if name is None:
        shown = getattr(value, "display_name", None) or getattr(value, "__name__", repr(value))
        raise Unreplayable(
            f"{element}({key}=...): the custom stattest {shown!r} cannot be replayed; use one "
            f"of evidently's own: {', '.join(sorted(STATTESTS, key=str.lower))}"
        )
    if name not in STATTESTS:
        raise Unreplayable(
            f"{element}({key}={name!r}): closeout replays evidently's tests for numeric and "
            f"categorical columns: {', '.join(sorted(STATTESTS, key=str.lower))}"
        )
    return name


def _registered_name(value: Any) -> str | None:
    """The registry name of one of evidently's own StatTest objects or functions."""
    from evidently.legacy.calculations.stattests import registry

    if isinstance(value, registry.StatTest):
        registered = registry._registered_stat_tests.get(value.name, {})
        return value.name if any(t is value for t in registered.values()) else None
    if callable(value):
        name = registry._registered_stat_test_funcs.get(value)
        return str(name) if name is not None else None
    return None


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        return f"{where}: {first.get('msg', '')}" if where else str(first.get("msg", ""))
    return str(exc)
