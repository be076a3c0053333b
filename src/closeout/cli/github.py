"""``--format github``: GitHub Actions workflow annotations and the job summary (SPEC §16).

The handler runs as under ``--json``; its one JSON document is turned here into

- the plain-text lines a reader of the log wants (the run summary table, lint problems);
- workflow commands ``::error file=F,line=L,title=T::message`` (and ``::warning``,
  ``::notice``), which GitHub shows on the file and line in a pull request;
- when ``$GITHUB_STEP_SUMMARY`` names a file, a Markdown summary appended to it.

Escaping follows GitHub's toolkit (``@actions/core``, ``command.ts``): in a message ``%``,
``\\r`` and ``\\n`` are percent-encoded; in a property also ``:`` and ``,``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from closeout.cli.output import note, say
from closeout.report_text import summary_table
from closeout.reports import markdown

SUMMARY_ENV = "GITHUB_STEP_SUMMARY"
"""The file GitHub's runner reads the job summary from (Markdown, appended to)."""
_RUNS = ("run", "gate", "recur")
# A lint problem's severity -> the workflow command GitHub shows it as (an unknown one, an error).
LINT_LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    """A workflow command's message, escaped."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value (file, title), escaped."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(
    level: str, message: str, *, file: str | None = None, line: int | None = None, title: str = ""
) -> str:
    """``::error file=F,line=L,title=T::message`` (properties only when known)."""
    props = [f"file={escape_property(file)}"] if file else []
    props += [f"line={int(line)}"] if file and line else []
    props += [f"title={escape_property(title)}"] if title else []
    head = f"::{level} {','.join(props)}" if props else f"::{level}"
    return f"{head}::{escape_data(message)}"


def _cell(value: Any) -> str:
    """A Markdown table cell: ``-`` for unknown, ``yes``/``no`` for a flag, one line."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return markdown.table_cell("-" if value is None else str(value))


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured Markdown table of values (their text is Markdown, e.g. a code span)."""
    return markdown.table(
        [markdown.table_cell(h) for h in headers], [[_cell(v) for v in row] for row in rows]
    )


Rendered = tuple[list[str], list[str], list[str]]
"""What a document becomes: text lines, annotations, Markdown summary lines."""


def _run_failed(row: dict[str, Any]) -> bool:
    if "passed" in row:
        return not row["passed"]
    return row.get("verdict") != "pass" or bool(row.get("vacuous"))


def _runs(command: str, doc: dict[str, Any]) -> Rendered:
    rows: list[dict[str, Any]] = list(doc.get("results", []))
    text = [summary_table(rows)] if rows else []
    text += [str(doc["nothing"])] if doc.get("nothing") else []
    notes = []
    for row in rows:
        if not _run_failed(row):
            continue
        who = f"{row.get('incident')}/{row.get('action')} {row.get('scenario')}"
        why = row.get("failure") or f"verdict {row.get('verdict')}"
        notes.append(
            annotation(
                "error",
                f"{who}: {why}",
                file=row.get("path"),
                line=row.get("line"),
                title=f"closeout {command}: {row.get('scenario')} failed",
            )
        )
    for problem in doc.get("invalid", []):
        file, line, message = _located(str(problem))
        notes.append(
            annotation(
                "error",
                message,
                file=file,
                line=line,
                title=f"closeout {command}: invalid scenario",
            )
        )
    for action in doc.get("regressed", []):
        notes.append(annotation("error", f"{action} regressed: a closed action's check fails"))
    failed = sum(1 for r in rows if _run_failed(r))
    head = f"### closeout {command}" + (f" (shard {doc['shard']})" if doc.get("shard") else "")
    summary = [head, ""]
    summary.append(
        f"{len(rows)} scenario(s): {len(rows) - failed} passed, {failed} failed"
        + (f", {len(doc.get('broken', []))} invalid" if doc.get("broken") else "")
    )
    if rows:
        summary += ["", _results_table(rows)]
    if doc.get("nothing"):
        summary.append(str(doc["nothing"]))
    for key, label in (("new_recurrences", "New recurrence records"), ("regressed", "Regressed")):
        if doc.get(key):
            summary += ["", f"{label}: " + ", ".join(f"`{v}`" for v in doc[key])]
    return text, notes, summary


def _results_table(rows: list[dict[str, Any]]) -> str:
    return markdown_table(
        ["incident", "action", "scenario", "verdict", "before", "discriminating", "s", "failure"],
        [
            [
                r.get("incident"),
                r.get("action"),
                f"`{r.get('scenario')}`",
                ("✅ " if not _run_failed(r) else "❌ ") + str(r.get("verdict")),
                r.get("before_verdict"),
                "no (vacuous)" if r.get("vacuous") else r.get("discriminating"),
                r.get("duration_s"),
                r.get("failure"),
            ]
            for r in rows
        ],
    )


def _located(problem: str) -> tuple[str | None, int | None, str]:
    """``file:line: message`` split into its parts (when it has them)."""
    parts = problem.split(":", 2)
    if len(parts) == 3 and parts[1].strip().isdigit():
        return parts[0], int(parts[1]), parts[2].strip()
    return None, None, problem


def _lint(command: str, doc: dict[str, Any]) -> Rendered:
    problems: list[dict[str, Any]] = list(doc.get("problems", []))
    text, notes = [], []
    counts = dict.fromkeys(("error", "warning", "notice"), 0)
    for p in problems:
        severity = str(p.get("severity", "error"))
        level = LINT_LEVELS.get(severity, "error")
        counts[level] += 1
        field = f"{p['field']}: " if p.get("field") else ""
        text.append(f"{p.get('path')}:{p.get('line')}: {severity}: {field}{p.get('message')}")
        notes.append(
            annotation(
                level,
                f"{field}{p.get('message')}",
                file=p.get("path"),
                line=p.get("line"),
                title=f"closeout lint: {severity}",
            )
        )
    said = f"{counts['error']} error(s), {counts['warning']} warning(s)"
    said += f", {counts['notice']} note(s)" if counts["notice"] else ""
    summary = ["### closeout lint", "", f"{doc.get('files', 0)} file(s): {said}"]
    if problems:
        summary += [
            "",
            markdown_table(
                ["file", "line", "severity", "problem"],
                [
                    [p.get("path"), p.get("line"), p.get("severity"), p.get("message")]
                    for p in problems
                ],
            ),
        ]
    return text, notes, summary


def _verify(command: str, doc: dict[str, Any]) -> Rendered:
    bad: list[dict[str, Any]] = list(doc.get("bad", []))
    text = [f"{b.get('path')}: {b.get('problem')}" for b in bad]
    notes = [
        annotation("error", str(b.get("problem")), file=b.get("path"), title="closeout verify")
        for b in bad
    ]
    counts = f"{doc.get('checked', 0)} record(s) checked, {len(bad)} problem(s)"
    return text, notes, ["### closeout verify", "", counts]


# Keyed by the commands of ``closeout.cli.output.GITHUB_COMMANDS`` (a test checks they agree).
RENDERERS: dict[str, Callable[[str, dict[str, Any]], Rendered]] = {
    "lint": _lint,
    "verify": _verify,
} | dict.fromkeys(_RUNS, _runs)


def render_github(command: str, document: str, code: int) -> int:
    """Print ``document`` (the handler's JSON) for a GitHub Actions log; return ``code``."""
    try:
        doc = json.loads(document)
    except ValueError:
        say(document.rstrip("\n"))  # not ours to judge: show it as it came
        return code
    if isinstance(doc, dict) and "error" in doc and set(doc) <= {"error", "exit"}:
        text: list[str] = []
        notes = [annotation("error", str(doc["error"]), title=f"closeout {command}")]
        summary = [f"### closeout {command}", "", f"error (exit {code}): {doc['error']}"]
    else:
        text, notes, summary = RENDERERS[command](command, doc if isinstance(doc, dict) else {})
    for line in [*text, *notes]:
        say(line)
    append_summary("\n".join(summary))
    return code


def append_summary(text: str) -> None:
    """Append the Markdown ``text`` to ``$GITHUB_STEP_SUMMARY`` when it is set (a failure to
    write the summary is said, never fatal: the check's verdict stands)."""
    target = os.environ.get(SUMMARY_ENV, "")
    if not target:
        return
    try:
        with Path(target).open("a", encoding="utf-8") as stream:
            stream.write(text.rstrip("\n") + "\n\n")
    except OSError as exc:
        note(f"closeout: {SUMMARY_ENV}={target}: {exc.strerror or exc}")
