"""The YAML model of a ``drift_replay`` scenario (SPEC §4.1, §12), and evidently's stattests.

The recorded incident period (and an optional normal ``control`` period) is cut into windows
of ``window``; each window is compared with the ``reference`` data column by column with
evidently's own drift tests, so every score and drifted flag is exactly evidently's. The
subject is ``monitor``: either closeout's own description (which columns, which test and
threshold, the multiple-testing correction and when a window alerts) or
``{evidently: module:function}``, a function returning the evidently ``Report`` the team
deploys, read at run time (``evidently_report``). The engine (``run`` and the modules it
uses) is imported only while a scenario runs; this module stays light so that ``closeout
lint`` never loads pandas or evidently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from closeout.callables import parse_ref
from closeout.models import DurationMs, Model, ScenarioBase, Timestamp, suggest


@dataclass(frozen=True)
class StatTestInfo:
    """What closeout needs to know about one evidently stattest without importing evidently.

    ``types``: the column types evidently allows (``num``, ``cat``); ``p_value``: the score is
    a p-value (drift when it falls below the threshold) rather than a distance;
    ``inclusive``: evidently's comparison includes the threshold itself (``p <= t`` for
    ``ks``, ``score >= t`` for most distances). tests/unit/kinds/drift_replay/test_spec.py
    checks this table against evidently's registry and behaviour.
    """

    types: tuple[str, ...]
    p_value: bool
    inclusive: bool
    default_threshold: float


# evidently 0.7.x stattests for numeric and categorical columns (text tests are not offered:
# a drift replay monitors tabular inputs).
STATTESTS: dict[str, StatTestInfo] = {
    "anderson": StatTestInfo(("num",), True, False, 0.1),
    "chisquare": StatTestInfo(("cat",), True, False, 0.05),
    "cramer_von_mises": StatTestInfo(("num",), True, True, 0.1),
    "ed": StatTestInfo(("num",), False, False, 0.1),
    "empirical_mmd": StatTestInfo(("num",), True, False, 0.1),
    "es": StatTestInfo(("num",), True, False, 0.05),
    "fisher_exact": StatTestInfo(("cat",), True, False, 0.1),
    "g_test": StatTestInfo(("cat",), True, False, 0.1),
    "hellinger": StatTestInfo(("cat", "num"), False, True, 0.1),
    "jensenshannon": StatTestInfo(("cat", "num"), False, True, 0.1),
    "kl_div": StatTestInfo(("cat", "num"), False, True, 0.1),
    "ks": StatTestInfo(("num",), True, True, 0.05),
    "mannw": StatTestInfo(("num",), True, False, 0.05),
    "psi": StatTestInfo(("cat", "num"), False, True, 0.1),
    "t_test": StatTestInfo(("num",), True, False, 0.05),
    "TVD": StatTestInfo(("cat",), True, False, 0.1),
    "wasserstein": StatTestInfo(("num",), False, True, 0.1),
    "z": StatTestInfo(("cat",), True, False, 0.05),
}
DEFAULT_MIN_ROWS = 30
_FOR = "consecutive alerting windows before the alert fires"


def _stattest_name(value: object) -> str:
    if not isinstance(value, str) or value not in STATTESTS:
        raise PydanticCustomError(
            "stattest",
            "unknown stattest '{value}'{hint}; evidently's tests for numeric and categorical "
            "columns are: {names}",
            {
                "value": str(value),
                "hint": suggest(str(value), list(STATTESTS)),
                "names": ", ".join(sorted(STATTESTS, key=str.lower)),
            },
        )
    return value


StatTestName = Annotated[
    str,
    BeforeValidator(_stattest_name),
    WithJsonSchema({"type": "string", "enum": sorted(STATTESTS, key=str.lower)}),
]
Threshold = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class DuckDBQuery(Model):
    """Data from a DuckDB database file: the rows of ``query`` (SPEC §12)."""

    duckdb: str = Field(
        min_length=1, description="the DuckDB database file, relative to the project root"
    )
    query: str = Field(
        min_length=1,
        description="the SQL query whose rows are the data, e.g. select * from events",
    )


def _source_form(value: Any) -> str:
    return "form:duckdb" if isinstance(value, dict) else "form:path"


# A CSV or Parquet file, a folder or glob of Parquet files (hive partitions allowed), or a
# DuckDB query (SPEC §4.1, §12).
DataSource = Annotated[
    Annotated[Annotated[str, StringConstraints(min_length=1)], Tag("form:path")]
    | Annotated[DuckDBQuery, Tag("form:duckdb")],
    Discriminator(_source_form),
]


def source_text(source: str | DuckDBQuery) -> str:
    """How a data source is named in messages: its path, or its DuckDB file."""
    return source if isinstance(source, str) else source.duckdb


class ColumnTest(Model):
    """A per-column override of the monitor's method and threshold."""

    method: StatTestName | None = Field(
        default=None, description="evidently's stattest for this column, e.g. jensenshannon"
    )
    threshold: Threshold | None = Field(
        default=None,
        description="this column's threshold: p-values drift below it, distances at or above it",
    )


class AlertWhen(Model):
    """When a window alerts: enough drifted columns, or a large enough share of them."""

    drifted_columns: int | None = Field(
        default=None, ge=1, description="a window alerts when at least this many columns drift"
    )
    drift_share: float | None = Field(
        default=None,
        gt=0,
        le=1,
        description="a window alerts when at least this share of its columns drift "
        "(evidently's drift_share)",
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> AlertWhen:
        given = [k for k in ("drifted_columns", "drift_share") if getattr(self, k) is not None]
        if len(given) != 1:
            raise PydanticCustomError(
                "alert_when",
                "give exactly one of drifted_columns (a count) or drift_share (a fraction)",
            )
        return self


class DriftMonitor(Model):
    """The subject: what the monitor watches and when it alerts."""

    columns: list[str] | None = Field(
        default=None,
        min_length=1,
        description="the columns watched; default: every column reference and current share "
        "except the timestamp",
    )
    method: StatTestName | None = Field(
        default=None,
        description="evidently's stattest for every column; default: evidently's choice per column",
    )
    threshold: Threshold | None = Field(
        default=None,
        description="p-values drift below it, distances at or above it; default: the method's own",
    )
    per_column: dict[str, ColumnTest] = Field(
        default_factory=dict, description="a method or threshold for one column"
    )
    correction: Literal["none", "bonferroni", "fdr"] = Field(
        default="none",
        description="adjust a window's p-values across its columns before comparing them",
    )
    alert_when: AlertWhen = Field(
        default_factory=lambda: AlertWhen(drifted_columns=1),
        description="when a window alerts; default: one drifted column",
    )
    for_: int = Field(default=1, ge=1, alias="for", description=_FOR)

    def test_for(self, column: str) -> tuple[str | None, float | None]:
        """The method and threshold for ``column`` (None: evidently's choice / default)."""
        override = self.per_column.get(column)
        method = override.method if override and override.method else self.method
        has_threshold = override is not None and override.threshold is not None
        threshold = override.threshold if override and has_threshold else self.threshold
        return method, threshold


class EvidentlyMonitor(Model):
    """The subject as deployed: a function returning an evidently ``Report`` (SPEC §12).

    Lint only checks the reference (no user code is imported); the function is called and
    its Report's drift configuration read when the scenario runs.
    """

    evidently: str = Field(
        min_length=1,
        description="package.module:function (or path/file.py:function) returning the "
        "evidently Report the team deploys; read at run time",
    )
    for_: int = Field(default=1, ge=1, alias="for", description=_FOR)

    @field_validator("evidently")
    @classmethod
    def _reference(cls, value: str) -> str:
        try:
            parse_ref(value)
        except ValueError as exc:
            raise PydanticCustomError("callable", str(exc).replace("{", "{{")) from None
        return value


def _monitor_form(value: Any) -> str:
    return "form:evidently" if isinstance(value, dict) and "evidently" in value else "form:own"


# closeout's own description of the monitor, or the evidently Report the team deploys.
Monitor = Annotated[
    Annotated[DriftMonitor, Tag("form:own")] | Annotated[EvidentlyMonitor, Tag("form:evidently")],
    Discriminator(_monitor_form),
]


class DriftExpect(Model):
    fires_within: DurationMs | None = Field(
        default=None, description="the first firing after the onset comes at most this late"
    )
    no_alert_before_onset: bool = Field(
        default=True, description="no firing at or before the onset (a false alarm)"
    )
    control_quiet: bool | None = Field(
        default=None,
        description="no firing in the control period; default: true when there is one",
    )
    lead_time_at_least: DurationMs | None = Field(
        default=None,
        description="the alert fires at least this long before the postmortem's detected_at",
    )


class DriftReplayBefore(Model):
    monitor: Monitor = Field(description="the monitor in place during the incident")


class DriftReplayScenario(ScenarioBase):
    """A ``drift_replay`` scenario: data, windows, the monitor (the subject), expectations."""

    subject_key = "monitor"

    kind: Literal["drift_replay"] = Field(
        description="drift_replay: would the drift monitor have caught the incident, and when?"
    )
    reference: DataSource = Field(
        description="what normal looks like: a CSV or Parquet file, a folder or glob of "
        "Parquet files, or {duckdb: file, query: ...}"
    )
    current: DataSource = Field(description="the recorded incident period, cut into windows")
    control: DataSource | None = Field(
        default=None, description="a normal period that must not alert"
    )
    timestamp: str = Field(
        min_length=1, description="the time column of current and control (ISO 8601)"
    )
    window: DurationMs = Field(description="the length of one window, e.g. 1h")
    min_rows: int = Field(
        default=DEFAULT_MIN_ROWS,
        ge=1,
        description="windows with fewer rows are skipped (and break a run of alerts)",
    )
    onset: Timestamp | None = Field(
        default=None, description="when the drift began; default: the postmortem's started_at"
    )
    monitor: Monitor = Field(
        description="the subject: closeout's description of the monitor, or "
        "{evidently: module:function}"
    )
    expect: DriftExpect = Field(
        default_factory=DriftExpect, description="what the replay must show"
    )
    before: DriftReplayBefore | None = Field(
        default=None, description="the pre-fix state: the monitor before the fix"
    )

    def control_quiet(self) -> bool:
        """Whether the control period must stay quiet (default: when there is one)."""
        if self.expect.control_quiet is None:
            return self.control is not None
        return self.expect.control_quiet
