"""Outcomes and evidence for ``synthetic`` runs: the broken expectation and its counterexample.

A failing outcome's ``detail`` holds what a person needs at the pytest failure report: the
counterexample as a small table (dtypes under the names), the reason, the frame as pandas
code to paste into a unit test, and the tail of the subject's traceback. The evidence
(``metrics.counterexamples``) keeps the full record, JSON-safe.
"""

from __future__ import annotations

from typing import Any

from closeout.kinds.synthetic.encode import encode_frame, frame_literal, table_text
from closeout.kinds.synthetic.failure import Found
from closeout.models import Outcome

OBSERVED_WIDTH = 120
LITERAL_ROWS = 10  # larger counterexamples are shown as a table only
TRACEBACK_LINES = 16


def counterexample(found: Found) -> dict[str, Any]:
    """The JSON-safe evidence of one failure."""
    record: dict[str, Any] = {
        "expectation": found.key,
        "message": found.broken.message,
        "source": found.source,
        "frame": encode_frame(found.frame),
        "traceback": found.broken.traceback,
    }
    if found.flaky:
        record["flaky"] = True
    record.update(found.extra)
    return record


def passed_outcome(name: str, observed: str, target: str) -> Outcome:
    return Outcome(name=name, outcome="pass", observed=observed, target=target)


def inconclusive_outcome(name: str, observed: str, target: str) -> Outcome:
    """An expectation no frame could judge: neither held nor broken (SPEC §4)."""
    return Outcome(name=name, outcome="inconclusive", observed=observed, target=target)


def failed_outcome(name: str, found: Found, target: str, observed: str | None = None) -> Outcome:
    """A failing outcome with the counterexample table in ``detail``."""
    message = observed or found.broken.message.splitlines()[0]
    if len(message) > OBSERVED_WIDTH:
        message = message[: OBSERVED_WIDTH - 3] + "..."
    return Outcome(name=name, outcome="fail", observed=message, target=target, detail=detail(found))


def detail(found: Found) -> str:
    """Counterexample table, reason, pandas literal and traceback tail, as plain text."""
    encoded = encode_frame(found.frame)
    rows = encoded["rows"]
    parts = [
        f"counterexample ({_origin(found)}; "
        f"{rows} row{'s' * (rows != 1)}, {len(encoded['columns'])} columns):",
        _indent(table_text(encoded)),
        f"why: {found.broken.message}",
    ]
    touched = found.extra.get("touched_rows")
    if touched:
        parts.append(f"the fault touched rows: {', '.join(map(str, touched))}")
    if found.flaky:
        parts.append(
            "note: the failure did not repeat when replayed: the subject is not deterministic"
        )
    if rows <= LITERAL_ROWS:
        parts.append("as pandas, for a unit test:\n" + _indent(frame_literal(encoded)))
    if found.broken.traceback:
        lines = found.broken.traceback.rstrip().splitlines()
        tail = lines if len(lines) <= TRACEBACK_LINES else ["...", *lines[-TRACEBACK_LINES:]]
        parts.append("traceback (user code):\n" + _indent("\n".join(tail)))
    return "\n".join(parts)


def _origin(found: Found) -> str:
    if found.source == "generated":
        return "generated, shrunk"
    kept, size = found.extra.get("edge_case_rows"), found.extra.get("edge_case_size")
    if kept is None or len(kept) == size:
        return f"{found.source}, as given"
    shown = ", ".join(map(str, kept[:10])) + (", ..." if len(kept) > 10 else "")
    return f"{found.source}, reduced to row{'s' * (len(kept) != 1)} {shown} of its {size}"


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.splitlines())
