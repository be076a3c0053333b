"""Counterexamples: any DataFrame as JSON-safe data, a readable table and a pandas literal.

The JSON form is row-oriented, in the shape ``edge_cases`` reads, so a counterexample can be
pasted into the scenario as an edge case. NaN and the infinities are written as the evidence
policy says (``closeout._numbers``: ``"NaN"``, ``"Infinity"``, ``"-Infinity"``), a missing
timestamp as ``"NaT"``; other missing values (None, pd.NA) are ``null``. The frame is capped
at ``MAX_ROWS`` rows; the true row count is kept.

Rendering (the table, the pandas literal) also reads counterexamples written before that
policy, whose infinities are ``"inf"`` and ``"-inf"``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from closeout._numbers import NAN, NEG_INF, POS_INF, encode_float
from closeout.kinds.synthetic.values import NAT, iso_ns

if TYPE_CHECKING:
    import pandas as pd

MAX_ROWS = 50
TABLE_ROWS = 20  # rows printed in a failure report (the evidence keeps up to MAX_ROWS)
CELL_WIDTH = 24
# The float markers a counterexample may hold, written now or before the policy, as Python.
_FLOAT_LITERALS = {
    NAN: "float('nan')",
    POS_INF: "float('inf')",
    NEG_INF: "float('-inf')",
    "inf": "float('inf')",
    "-inf": "float('-inf')",
}
# Text that a reader could take for a marker or a null, so the table quotes it.
_CONFUSABLE = {*_FLOAT_LITERALS, NAT, "null", ""}


def encode_frame(frame: pd.DataFrame) -> dict[str, Any]:
    """``{rows, shown, columns: {name: dtype}, data: [{column: cell}, ...]}``."""
    shown = frame.iloc[:MAX_ROWS]
    cells = {str(name): _column_cells(shown[name]) for name in shown.columns}
    names = list(cells)
    return {
        "rows": len(frame),
        "shown": len(shown),
        "columns": {str(name): str(dtype) for name, dtype in frame.dtypes.items()},
        "data": [{name: cells[name][i] for name in names} for i in range(len(shown))],
    }


def _column_cells(series: pd.Series) -> list[Any]:
    import pandas as pd

    if isinstance(series, pd.DataFrame):  # duplicate column names: keep the first
        series = series.iloc[:, 0]
    dtype = series.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        naive = (
            series.dt.tz_convert("UTC").dt.tz_localize(None)
            if getattr(dtype, "tz", None)
            else series
        )
        return [NAT if pd.isna(v) else iso_ns(int(v.value)) for v in naive.astype("datetime64[ns]")]
    if pd.api.types.is_float_dtype(dtype):
        return [json_scalar(v) for v in series.astype(object).tolist()]
    # Outside float columns every missing value (None, NaN, pd.NA) is null.
    return [None if _missing(v) else json_scalar(v) for v in series.astype(object).tolist()]


def _missing(value: Any) -> bool:
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # containers: never missing
        return False


def json_scalar(value: Any) -> Any:
    """One cell as JSON-safe data (numpy scalars unwrapped, markers for NaN/inf/NaT)."""
    import pandas as pd

    if value is None or value is pd.NA:
        return None
    if value is pd.NaT:
        return NAT
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()  # numpy scalar
    if isinstance(value, float):
        return encode_float(value)
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, pd.Timestamp):
        return iso_ns(int(value.tz_convert("UTC").value if value.tzinfo else value.value))
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    return repr(value)


# --------------------------------------------------------------------------- rendering


def table_text(encoded: dict[str, Any], limit: int = TABLE_ROWS) -> str:
    """A small text table of an encoded frame: a row number column, one column per column."""
    names = list(encoded["columns"])
    if not names:
        return f"(a frame with {encoded['rows']} rows and no columns)"
    data = encoded["data"][:limit]
    header = ["#", *names]
    dtypes = ["", *(encoded["columns"][n] for n in names)]
    body = [
        [str(i), *(_cell_text(row.get(n), encoded["columns"][n]) for n in names)]
        for i, row in enumerate(data)
    ]
    cells = [header, dtypes, *body]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(2, "  ".join("-" * w for w in widths))
    if not body:
        lines.append("(no rows)")
    hidden = encoded["rows"] - len(data)
    if hidden > 0:
        lines.append(
            f"... {hidden} more rows ({encoded['rows']} in all; evidence keeps {encoded['shown']})"
        )
    return "\n".join(lines)


def _cell_text(value: Any, dtype: str) -> str:
    if value is None:
        return "null"
    text = _number_text(value) if isinstance(value, float) else str(value)
    marker_column = dtype.startswith(("float", "Float", "datetime64"))
    # Text that could be mistaken for a marker, a null or padding is quoted.
    if isinstance(value, str) and not marker_column:
        confusable = value in _CONFUSABLE or value != value.strip()
        if confusable or not value.isprintable():
            text = repr(value)
    return text if len(text) <= CELL_WIDTH else text[: CELL_WIDTH - 3] + "..."


def _number_text(value: float) -> str:
    # Readable, not exact (the evidence and the pandas literal are): 6.283980000000001 is
    # shown as 6.28398; whole numbers keep their ".0" so they still read as floats.
    if value.is_integer() and abs(value) < 1e15:
        return f"{value:.1f}"
    return f"{value:.8g}"


def frame_literal(encoded: dict[str, Any]) -> str:
    """Python that rebuilds the (capped) frame, for a unit test: ``pd.DataFrame({...})``."""
    names = list(encoded["columns"])
    columns = []
    for name in names:
        dtype = encoded["columns"][name]
        values = ", ".join(_py(row.get(name), dtype) for row in encoded["data"])
        columns.append(f"{name!r}: pd.Series([{values}], dtype={dtype!r})")
    return "pd.DataFrame({" + ", ".join(columns) + "})"


def _py(value: Any, dtype: str) -> str:
    if value is None:
        return "None"
    if dtype.startswith("datetime64"):
        return "pd.NaT" if value == NAT else f"pd.Timestamp({value!r})"
    if dtype.startswith(("float", "Float")) and isinstance(value, str):
        return _FLOAT_LITERALS[value]
    return repr(value)
