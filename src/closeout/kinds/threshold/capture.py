"""``closeout capture prometheus``: a live Prometheus' ``query_range`` into a CSV (SPEC §11).

The CSV has a ``ts`` column (ISO 8601, UTC) and one column per returned series, named as
Prometheus prints a series (labels sorted by name, no spaces:
``model_input_psi{feature="income",model="v4"}``), so a threshold scenario reads it with
``{file: ..., timestamp: ts, column: '<that name>'}``. ``PATH.source.json`` beside it records
where the data came from (url, query, start, end, step, captured_at, the CSV's sha256).

HTTP is the standard library's ``urllib.request`` and the answer is Prometheus' documented
JSON (``/api/v1/query_range``); a server error, a refused connection or a query that
returns no series is a ``CaptureError`` carrying the server's own message.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from closeout._io import write_text
from closeout._time import format_duration_ms, iso_z, utc_now
from closeout.errors import CloseoutError

QUERY_RANGE = "/api/v1/query_range"
TIMEOUT_S = 60
SIDECAR_SUFFIX = ".source.json"


class CaptureError(CloseoutError):
    """The capture could not be made; the message is the server's (or the network's)."""


@dataclass(frozen=True)
class Captured:
    """What a capture wrote."""

    csv_path: Path
    sidecar_path: Path
    series: list[str]
    rows: int


def capture(
    url: str, query: str, start: datetime, end: datetime, step_ms: int, out: Path
) -> Captured:
    """Run ``query`` over [start, end] every ``step_ms`` and write the CSV and its sidecar."""
    if end < start:
        raise CaptureError(f"--end {iso_z(end)} is before --start {iso_z(start)}")
    if step_ms <= 0:
        raise CaptureError("--step must be longer than 0s")
    result = query_range(url, query, start, end, step_ms)
    if not result:
        raise CaptureError(
            f"the query returned no series between {iso_z(start)} and {iso_z(end)}: {query}"
        )
    names, rows = table(result)
    text = to_csv(names, rows)
    write_text(out, text)
    sidecar = out.with_name(out.name + SIDECAR_SUFFIX)
    provenance = {
        "url": url,
        "query": query,
        "start": iso_z(start),
        "end": iso_z(end),
        "step": format_duration_ms(step_ms),
        "captured_at": iso_z(utc_now()),
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "series": names,
    }
    write_text(sidecar, json.dumps(provenance, indent=2, ensure_ascii=False) + "\n")
    return Captured(out, sidecar, names, len(rows))


def query_range(
    url: str, query: str, start: datetime, end: datetime, step_ms: int
) -> list[dict[str, Any]]:
    """The ``result`` list of a ``query_range`` answer (a matrix)."""
    form = {
        "query": query,
        "start": _seconds(start),
        "end": _seconds(end),
        "step": str(Decimal(step_ms) / 1000),
    }
    request = urllib.request.Request(
        url.rstrip("/") + QUERY_RANGE,
        data=urllib.parse.urlencode(form).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    answer = _fetch(request, url)
    if answer.get("status") != "success":
        raise CaptureError(f"{url}: {answer.get('errorType', 'error')}: {answer.get('error')}")
    data = answer.get("data") or {}
    if data.get("resultType") != "matrix":
        raise CaptureError(f"{url}: expected a range vector (matrix), got {data.get('resultType')}")
    result = data.get("result")
    return result if isinstance(result, list) else []


def _fetch(request: urllib.request.Request, url: str) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:
        body = exc.read()
        answer = _json(body)
        if answer is None or "error" not in answer:
            text = body.decode("utf-8", "replace").strip()[:500]
            raise CaptureError(f"{url}: HTTP {exc.code} {exc.reason}: {text}") from None
        return answer
    except urllib.error.URLError as exc:
        raise CaptureError(f"{url}: cannot connect: {exc.reason}") from None
    except (OSError, ValueError) as exc:
        raise CaptureError(f"{url}: {exc}") from None
    answer = _json(body)
    if answer is None:
        raise CaptureError(f"{url}: the answer is not Prometheus JSON")
    return answer


def _json(body: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(body)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _seconds(moment: datetime) -> str:
    return str(Decimal(round(moment.timestamp() * 1000)) / 1000)


def series_name(metric: dict[str, str]) -> str:
    """A series as Prometheus prints it: ``name{a="x",b="y"}``, labels sorted, no spaces."""
    name = metric.get("__name__", "")
    labels = sorted((k, v) for k, v in metric.items() if k != "__name__")
    if not labels and name:
        return name
    inner = ",".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in labels)
    return f"{name}{{{inner}}}"


def table(result: list[dict[str, Any]]) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """Column names and rows (timestamp, one cell per series; empty where it has no sample)."""
    columns = sorted(result, key=lambda item: series_name(item.get("metric") or {}))
    names = [series_name(item.get("metric") or {}) for item in columns]
    cells: dict[Decimal, list[str]] = {}
    for index, item in enumerate(columns):
        for stamp, value in item.get("values") or []:
            row = cells.setdefault(Decimal(str(stamp)), [""] * len(columns))
            row[index] = str(value)
    rows = [(_iso(stamp), row) for stamp, row in sorted(cells.items())]
    return names, rows


def _iso(stamp: Decimal) -> str:
    """Unix seconds as ISO 8601 UTC, with milliseconds only when there are any."""
    millis = int(stamp * 1000)
    seconds, rest = divmod(millis, 1000)
    text = iso_z(datetime.fromtimestamp(seconds, tz=UTC))
    return text if rest == 0 else f"{text[:-1]}.{rest:03d}Z"


def to_csv(names: list[str], rows: list[tuple[str, list[str]]]) -> str:
    """The CSV text: header ``ts,<series>...`` then one line per timestamp."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["ts", *names])
    for stamp, row in rows:
        writer.writerow([stamp, *row])
    return buffer.getvalue()
