"""A drift replay's evidently snapshot JSON rendered as evidently's HTML page, on request.

Kept apart from the engine (``snapshot`` writes the JSON during a run) so that ``closeout
report --evidently`` imports nothing of the replay: evidently itself is imported only when a
page is rendered.
"""

from __future__ import annotations

import warnings
from pathlib import Path

SNAPSHOT_SUFFIX = "-evidently.json"


def html_path(snapshot_json: Path) -> Path:
    """Where the page of a snapshot goes: beside it, ``...-evidently.html``."""
    return snapshot_json.with_suffix(".html")


def render_snapshot_html(snapshot_json: Path, html: Path) -> Path:
    """Render a snapshot JSON written by a drift replay as evidently's HTML report.

    The page is self-contained (it opens offline). Returns ``html``. A file that is not an
    evidently snapshot raises ``ValueError``.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from evidently.core.report import Snapshot  # heavy: only when rendering

        try:
            snapshot = Snapshot.loads(snapshot_json.read_text(encoding="utf-8"))
        except Exception as exc:  # pydantic, JSON and key errors alike: not a snapshot
            raise ValueError(f"{snapshot_json}: not an evidently snapshot: {exc}") from None
        html.parent.mkdir(parents=True, exist_ok=True)
        snapshot.save_html(str(html))  # a pathlib.Path silently writes nothing (FACTS.md)
    return html
