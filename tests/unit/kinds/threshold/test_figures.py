"""``threshold.figures``: a rule file's revision and the engine lead the key figures."""

from __future__ import annotations

from closeout.kinds.threshold.figures import figures

ALERT = {"A": {"first_fires_at": "2025-10-07T08:24:00Z", "firing_intervals": []}}


def test_a_rule_file_at_a_revision_shows_path_tag_and_commit() -> None:
    metrics = {
        "engine": "promtool",
        "rules_file": {
            "path": "mon/alerts.yml",
            "rev": "v1.4.0",
            "commit": "4830317852" * 4,
            "sha256": "0" * 64,
        },
        "alerts": ALERT,
    }
    assert figures(metrics) == [
        ("rules", "mon/alerts.yml @ v1.4.0 (483031785248)"),
        ("engine", "promtool"),
        ("A first fires", "2025-10-07 08:24"),
    ]


def test_inline_rules_on_closeouts_engine_show_only_the_alerts() -> None:
    assert figures({"alerts": ALERT}) == [("A first fires", "2025-10-07 08:24")]
    working_tree = {"engine": "closeout", "rules_file": {"path": "a.yml"}, "alerts": ALERT}
    assert figures(working_tree)[0] == ("rules", "a.yml")
