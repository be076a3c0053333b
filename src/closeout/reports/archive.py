"""The archive page ``reports/index.html``: every incident, searchable and filterable in the
page (offline, by the inline script in ``assets/archive.js``), with the SPEC §9 metrics.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape
from typing import Any
from urllib.parse import quote

from closeout._format import day, duration, percent, rate, when
from closeout.reports import charts
from closeout.reports.document import Inlines, Table, plain
from closeout.reports.facts import CATEGORIES, SEVERITIES, IncidentFact
from closeout.reports.html import asset, page, table
from closeout.reports.metrics import MEASURES, incident_durations
from closeout.reports.postmortem_actions import STATE_TONES
from closeout.reports.search import PAGE_SCRIPTS
from closeout.reports.write import BIDI_CONTROLS

STATE_ORDER = ("regressed", "failing", "stale", "open", "verified", "closed", "waived", "not_doing")


def embed_json(data: Any) -> str:
    """JSON safe inside a <script> element: no ``<``, ``>`` or ``&`` survive literally, and a
    bidirectional control reads back as its visible escape text, not as itself."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = BIDI_CONTROLS.sub(lambda found: f"\\\\u{ord(found[0]):04x}", text)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _chip(text: str, tone: str) -> str:
    return f'<span class="badge {escape(tone)}">{escape(text)}</span>'


def _row(index: int, fact: IncidentFact) -> str:
    counts = fact.state_counts()
    states = [s for s in STATE_ORDER if s in counts]
    overdue = sum(a.overdue for a in fact.actions)
    durations = incident_durations(fact)
    chips = " ".join(
        _chip(f"{s.replace('_', ' ')} {counts[s]}", f"{STATE_TONES[s]} state-{s}") for s in states
    )
    if overdue:
        chips += " " + _chip(f"overdue {overdue}", "alert")
    link = f"{quote(fact.id)}/index.html"
    tags = f'<div class="sub">{escape(" · ".join(fact.tags))}</div>' if fact.tags else ""
    tickets = _tickets(fact)
    return (
        f'<tr data-i="{index}" data-severity="{escape(fact.severity)}" '
        f'data-categories="{escape(" ".join(fact.categories))}" '
        f'data-states="{escape(" ".join(states))}" data-overdue="{1 if overdue else 0}" '
        f'data-quarter="{escape(fact.quarter)}">'
        f'<td><a href="{link}">{escape(fact.id)}</a></td>'
        f"<td>{escape(fact.title)}{tags}</td>"
        f"<td>{_chip(fact.severity, fact.severity.lower())}</td>"
        f'<td class="nowrap">{day(fact.started_at)}</td>'
        f'<td class="num">{duration(durations["time_to_detect"])}</td>'
        f'<td class="num">{duration(durations["time_to_resolve"])}</td>'
        f"<td>{' '.join(_chip(c, 'info') for c in fact.categories)}</td>"
        f"<td>{chips}{tickets}</td></tr>"
    )


def _tickets(fact: IncidentFact) -> str:
    """The actions' tickets, as links where ``ticket_url`` makes them one."""
    shown = []
    for action in fact.actions:
        if not action.ticket:
            continue
        text = escape(action.ticket)
        url = action.ticket_url
        shown.append(f'<a href="{escape(url)}">{text}</a>' if url else text)
    return f'<div class="sub tickets">tickets: {", ".join(shown)}</div>' if shown else ""


def _options(name: str, label: str, values: Sequence[str]) -> str:
    options = "".join(f'<option value="{escape(v)}">{escape(v)}</option>' for v in values)
    return (
        f'<label>{escape(label)} <select id="{name}" name="{name}">'
        f'<option value="">all</option>{options}</select></label>'
    )


def _incidents(facts: Sequence[IncidentFact]) -> str:
    states = [s for s in STATE_ORDER if any(s in f.state_counts() for f in facts)]
    quarters = sorted({f.quarter for f in facts}, reverse=True)
    filters = (
        '<div class="filters" role="search">'
        '<input type="search" id="q" name="q" autocomplete="off" '
        'placeholder="Search titles, summaries, root causes, actions, tags" '
        'aria-label="Search incidents">'
        + _options(
            "severity", "Severity", [s for s in SEVERITIES if any(f.severity == s for f in facts)]
        )
        + _options(
            "category", "Cause", [c for c in CATEGORIES if any(c in f.categories for f in facts)]
        )
        + _options("state", "Action state", states)
        + _options("quarter", "Quarter", quarters)
        + '<label><input type="checkbox" id="overdue" name="overdue"> overdue only</label>'
        f'<span class="count" id="count" aria-live="polite">{len(facts)} incidents</span>'
        "</div>"
    )
    head = "".join(
        f"<th{cls}>{name}</th>"
        for name, cls in (
            ("Incident", ""),
            ("Title", ""),
            ("Severity", ""),
            ("Started", ""),
            ("Detect", ' class="num"'),
            ("Resolve", ' class="num"'),
            ("Root causes", ""),
            ("Actions", ""),
        )
    )
    rows = "".join(_row(i, f) for i, f in enumerate(facts))
    empty = '<tr class="empty" id="no-match" hidden><td colspan="8">No incident matches.</td></tr>'
    return (
        '<h2 id="incidents-title">Incidents</h2>'
        + filters
        + f'<div class="table-wrap"><table id="incidents"><thead><tr>{head}</tr></thead>'
        f"<tbody>{rows}{empty}</tbody></table></div>"
    )


def _tiles(metrics: dict[str, Any]) -> str:
    overall = metrics["overall"]
    counts = overall["actions"]
    tiles = [
        (str(overall["incidents"]), "incidents"),
        (str(counts["open"]), f"open actions ({counts['overdue']} overdue)"),
        (str(counts["closed"]), "closed actions"),
        (str(counts["waived"] + counts["not_doing"]), "waived or not doing"),
        (percent(overall["closure_rate"]), "closure rate"),
        (
            rate(overall["recurrence_rate"]),
            f"recurrence rate ({overall['recurrences']} records)",
        ),
        (duration(overall["time_to_detect"]["median_s"]), "median time to detect"),
        (duration(overall["time_to_resolve"]["median_s"]), "median time to resolve"),
    ]
    inner = "".join(
        f'<div class="tile"><b>{escape(v)}</b><span>{escape(t)}</span></div>' for v, t in tiles
    )
    return f'<div class="tiles">{inner}</div>'


def metrics_table(groups: dict[str, dict[str, Any]], first: str) -> Table:
    """Median / p90 of each measure and the action figures, one row per group."""
    rows: list[list[Inlines]] = []
    for name, group in groups.items():
        counts = group["actions"]
        spreads = [
            plain(f"{duration(group[m]['median_s'])} / {duration(group[m]['p90_s'])}")
            for m, _ in MEASURES
        ]
        rows.append(
            [plain(name), plain(str(group["incidents"])), *spreads]
            + [plain(str(counts[k])) for k in ("open", "overdue", "closed")]
            + [plain(percent(group["closure_rate"])), plain(rate(group["recurrence_rate"]))]
        )
    headers = [first, "Incidents", "Detect", "Diagnose", "Mitigate", "Resolve", "Close"]
    headers += ["Open", "Overdue", "Closed", "Closure", "Recurrence"]
    return Table(headers, rows, frozenset(range(1, len(headers))))


def _metrics(metrics: dict[str, Any]) -> str:
    overall = {"all incidents": metrics["overall"]}
    parts = [
        '<h2 id="metrics">Metrics</h2>',
        '<div class="para">Durations are medians and 90th percentiles (linear interpolation '
        "between closest ranks), never means: median / p90 in the tables. Detect, mitigate and "
        "resolve count from the start of impact; diagnose from detection; close from detection "
        "to an action's first closure record. Closure rate = closed ÷ (closed + open), waived "
        "and not-doing actions aside; recurrence rate = recurrence records per action ever "
        "closed.</div>",
    ]
    for key, label, first in (
        ("by_severity", "by severity", "Severity"),
        ("by_category", "by root-cause category", "Category"),
        ("by_quarter", "by quarter (of the start of impact)", "Quarter"),
    ):
        groups = {**overall, **metrics[key]}
        parts.append(f"<h3>Time to detect, diagnose, mitigate, resolve and close {label}</h3>")
        parts.append(
            f'<figure class="chart">{charts.spread_chart(groups, f"Durations {label}")}</figure>'
        )
        parts.append(table(metrics_table(groups, first), ' class="metrics"'))
    parts.append("<h3>Trend by quarter</h3>")
    trend = charts.trend_chart(metrics["by_quarter"], "Median and p90 per quarter (log scale)")
    parts.append(f'<figure class="chart">{trend}</figure>')
    parts.append("<h3>Actions by severity</h3>")
    actions = charts.actions_chart({**overall, **metrics["by_severity"]}, "Action states")
    parts.append(f'<figure class="chart">{actions}</figure>')
    return "\n".join(parts)


def render(
    facts: Sequence[IncidentFact],
    metrics: dict[str, Any],
    search_index: dict[str, Any],
    as_of: Any,
    version: str,
    problems: Sequence[str] = (),
) -> str:
    """The archive page. ``facts`` must be in the order of the search index's documents."""
    warning = ""
    if problems:
        items = "".join(f"<li>{escape(p)}</li>" for p in problems)
        warning = (
            '<div class="para"><strong>Not included (could not be read):</strong>'
            f"<ul>{items}</ul></div>"
        )
    body = "\n".join(
        [
            "<h1>Incident archive</h1>",
            f'<div class="sub">{len(facts)} postmortems · action states as of '
            f"{escape(when(as_of))}</div>",
            warning,
            _tiles(metrics),
            _incidents(facts),
            _metrics(metrics),
            '<script type="application/json" id="search-index">'
            f"{embed_json(search_index)}</script>",
        ]
    )
    nav = '<a href="#incidents-title">Incidents</a> · <a href="#metrics">Metrics</a>'
    footer = (
        f"Rendered by closeout {version} at {when(as_of)}. A static page: search and filters "
        "run in the page, offline."
    )
    script = "\n".join(asset(name) for name in PAGE_SCRIPTS)
    return page("Incident archive", body, nav=nav, footer=footer, script=script)
