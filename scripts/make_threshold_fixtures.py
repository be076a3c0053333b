"""Regenerate ``fixtures/INC-2025-031/metrics.csv`` from real data shipped with scikit-learn.

INC-2025-031: a document-processing company reads the handwritten 6-digit customer reference
on remittance slips (five digits and a mod-10 check digit) with *digit-reader*, a
StandardScaler + LogisticRegression model trained on ``sklearn.datasets.load_digits``
(8x8 images, pixel intensities 0-16). On 2025-03-14 a scanner-firmware rollout (4.2.0)
started delivering the same images on an 8-bit 0-255 scale. This script replays the
incident day from the held-out digits and writes the metrics the monitoring stack exported
every five minutes.

Everything is deterministic (fixed split, fixed seed, no network): the digits, the model,
the traffic and the rollout are real computations, not drawn curves. Run from the project
root::

    .venv/bin/python scripts/make_threshold_fixtures.py           # write the CSV, print a summary
    .venv/bin/python scripts/make_threshold_fixtures.py --alerts  # also replay the scenario rules

The day, in UTC (window boundaries all fall on the 5-minute grid):

- 08:00  firmware 4.2.0 stage 1: 10% of scanners send 0-255 intensities (round(x*255/16))
- 08:45  stage 2: 40% of scanners
- 09:30  stage 3: every scanner
- 13:20  mitigation: ingestion hotfix maps 8-bit images back (v*16/255); rollout paused

Each CSV row is one 5-minute window stamped at its *end* (``ts`` 08:05 covers 08:00-08:05),
as a scraped gauge would be. Columns:

- ``documents``: slips read in the window (time-of-day traffic, Poisson)
- ``pixel_mean``, ``pixel_max``: mean and max input intensity over every digit image
- ``intensity_psi``: PSI of the pixel-intensity histogram against the training images
- ``low_confidence_share``: share of digit reads whose top class probability is < 0.6
- ``top_class_share``: share of the most frequent predicted digit
- ``manual_review_rate``: share of slips routed to manual review (any digit below 0.6
  confidence, or a reference whose check digit does not validate)
- ``accuracy_sampled``: accuracy on the audit team's labelled sample of 20 digit reads,
  published every 30 minutes between 06:00 and 20:00; empty otherwise
"""

from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

ROOT = Path(__file__).resolve().parents[1]
INCIDENT = "INC-2025-031"
OUTPUT = ROOT / "fixtures" / INCIDENT / "metrics.csv"
SCENARIOS = ROOT / "scenarios" / INCIDENT

SEED = 20250314
SPLIT_SEED = 31
DAY_START = datetime(2025, 3, 14, 0, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=5)
WINDOWS = 288  # 24 h

# Firmware 4.2.0 rollout: (from, share of scanners on the new firmware)
ROLLOUT = [
    (datetime(2025, 3, 14, 8, 0, tzinfo=UTC), 0.10),
    (datetime(2025, 3, 14, 8, 45, tzinfo=UTC), 0.40),
    (datetime(2025, 3, 14, 9, 30, tzinfo=UTC), 1.00),
]
HOTFIX_AT = datetime(2025, 3, 14, 13, 20, tzinfo=UTC)

DIGITS_PER_SLIP = 6
CHECK_WEIGHTS = np.array([3, 1, 3, 1, 3])
REVIEW_CONFIDENCE = 0.6
AUDIT_SIZE = 20
AUDIT_HOURS = (6, 20)  # audit results posted at :00 and :30 from 06:00 to 20:00
# PSI bins over the 0-16 scale, plus an overflow bin for anything above it
PSI_EDGES = np.array([-0.5, 0.5, 2.5, 4.5, 6.5, 8.5, 10.5, 12.5, 14.5, 16.5, np.inf])
PSI_EPSILON = 1e-4

COLUMNS = [
    "ts",
    "documents",
    "pixel_mean",
    "pixel_max",
    "intensity_psi",
    "low_confidence_share",
    "top_class_share",
    "manual_review_rate",
    "accuracy_sampled",
]


@dataclass
class Reader:
    """The production model and the held-out digits that stand in for production traffic."""

    model: Pipeline
    images: np.ndarray  # held-out images, 0-16 scale
    labels: np.ndarray
    by_label: list[np.ndarray]  # held-out indices of each digit
    reference_shares: np.ndarray  # training pixel-intensity histogram (PSI reference)


def train_reader() -> Reader:
    """digit-reader v3.1: StandardScaler + LogisticRegression on 60% of load_digits."""
    x, y = load_digits(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.4, stratify=y, random_state=SPLIT_SEED
    )
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
    model.fit(x_train, y_train)
    by_label = [np.flatnonzero(y_test == digit) for digit in range(10)]
    return Reader(model, x_test, y_test, by_label, histogram_shares(x_train))


def histogram_shares(pixels: np.ndarray) -> np.ndarray:
    counts, _ = np.histogram(np.ravel(pixels), bins=PSI_EDGES)
    return counts / counts.sum()


def psi(reference: np.ndarray, current: np.ndarray) -> float:
    ref = np.clip(reference, PSI_EPSILON, None)
    cur = np.clip(current, PSI_EPSILON, None)
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def traffic_rate(window_start: datetime) -> float:
    """Expected slips per 5 minutes: ~45 at night, ~120 in the early afternoon."""
    hour = window_start.hour + window_start.minute / 60
    daylight = max(0.0, np.sin(np.pi * (hour - 6.0) / 14.0)) if 6.0 <= hour <= 20.0 else 0.0
    return 45.0 + 75.0 * daylight**1.5


def rollout_share(window_start: datetime) -> float:
    share = 0.0
    for since, fraction in ROLLOUT:
        if window_start >= since:
            share = fraction
    return share


def check_digit(digits: np.ndarray) -> np.ndarray:
    """Mod-10 check digit with weights 3,1,3,1,3: catches every single-digit misread."""
    return (10 - (digits @ CHECK_WEIGHTS) % 10) % 10


def firmware_encode(images: np.ndarray) -> np.ndarray:
    """Firmware 4.2.0: 8-bit intensities instead of the 0-16 scale."""
    return np.round(images * 255.0 / 16.0)


def hotfix_decode(images: np.ndarray) -> np.ndarray:
    """The 13:20 ingestion hotfix: map 8-bit images back to 0-16."""
    return images * 16.0 / 255.0


@dataclass
class Window:
    row: dict[str, str]
    slips: int
    affected: int
    misread_slips: int  # auto-accepted with a wrong reference (not visible to monitoring)
    reviewed: int


def replay_window(reader: Reader, start: datetime, rng: np.random.Generator) -> Window:
    """Simulate one 5-minute window of traffic and compute what monitoring exported."""
    slips = int(rng.poisson(traffic_rate(start)))
    body = rng.integers(0, 10, size=(slips, DIGITS_PER_SLIP - 1))
    truth = np.column_stack([body, check_digit(body)])
    picks = np.array([rng.choice(reader.by_label[d]) for d in truth.ravel()])
    images = reader.images[picks].copy()

    on_new_firmware = rng.random(slips) < rollout_share(start)
    affected_rows = np.repeat(on_new_firmware, DIGITS_PER_SLIP)
    images[affected_rows] = firmware_encode(images[affected_rows])
    if start >= HOTFIX_AT:
        images[affected_rows] = hotfix_decode(images[affected_rows])

    proba = reader.model.predict_proba(images)
    predicted = proba.argmax(axis=1)
    confident = proba.max(axis=1) >= REVIEW_CONFIDENCE
    read = predicted.reshape(slips, DIGITS_PER_SLIP)
    checksum_ok = check_digit(read[:, :-1]) == read[:, -1]
    all_confident = confident.reshape(slips, DIGITS_PER_SLIP).all(axis=1)
    to_review = ~(checksum_ok & all_confident)
    wrong = (read != truth).any(axis=1)

    row = {
        "ts": (start + WINDOW).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "documents": str(slips),
        "pixel_mean": f"{images.mean():.4f}",
        "pixel_max": f"{images.max():.4f}",
        "intensity_psi": f"{psi(reader.reference_shares, histogram_shares(images)):.4f}",
        "low_confidence_share": f"{1.0 - confident.mean():.4f}",
        "top_class_share": f"{np.bincount(predicted, minlength=10).max() / predicted.size:.4f}",
        "manual_review_rate": f"{to_review.mean():.4f}",
        "accuracy_sampled": audit(start + WINDOW, predicted, truth.ravel(), rng),
    }
    return Window(
        row,
        slips,
        int(on_new_firmware.sum()),
        int((wrong & ~to_review).sum()),
        int(to_review.sum()),
    )


def audit(
    stamp: datetime, predicted: np.ndarray, truth: np.ndarray, rng: np.random.Generator
) -> str:
    """The audit team's sample accuracy, published at :00 and :30 in working hours."""
    sample = rng.choice(predicted.size, size=AUDIT_SIZE, replace=False)
    published = stamp.minute in (0, 30) and AUDIT_HOURS[0] <= stamp.hour <= AUDIT_HOURS[1]
    if not published:
        return ""
    return f"{(predicted[sample] == truth[sample]).mean():.2f}"


def replay_day() -> list[Window]:
    reader = train_reader()
    rng = np.random.default_rng(SEED)
    return [replay_window(reader, DAY_START + i * WINDOW, rng) for i in range(WINDOWS)]


def write_csv(windows: list[Window], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for window in windows:
            writer.writerow(window.row)


def summarise(windows: list[Window]) -> None:
    """Impact figures quoted in the postmortem, and per-phase averages of each metric."""
    hotfix_stamp = (HOTFIX_AT + WINDOW).strftime("%Y-%m-%dT%H:%M:%SZ")
    impacted = [w for w in windows if w.affected and w.row["ts"] < hotfix_stamp]
    print(f"slips read: {sum(w.slips for w in windows)}")
    print(f"slips from 4.2.0 scanners before the hotfix: {sum(w.affected for w in impacted)}")
    print(f"slips routed to review 08:00-13:20: {sum(w.reviewed for w in impacted)}")
    print(f"auto-accepted misreads 08:00-13:20: {sum(w.misread_slips for w in impacted)}")
    print(f"auto-accepted misreads, whole day: {sum(w.misread_slips for w in windows)}")
    phases = [
        ("night 00:00-08:00", "2025-03-14T00:05:00Z", "2025-03-14T08:00:00Z"),
        ("stage 1 (10%)", "2025-03-14T08:05:00Z", "2025-03-14T08:45:00Z"),
        ("stage 2 (40%)", "2025-03-14T08:50:00Z", "2025-03-14T09:30:00Z"),
        ("stage 3 (100%)", "2025-03-14T09:35:00Z", "2025-03-14T13:20:00Z"),
        ("after hotfix", "2025-03-14T13:25:00Z", "2025-03-15T00:00:00Z"),
    ]
    metrics = COLUMNS[1:]
    print(f"{'phase':20}" + "".join(f"{m[:14]:>15}" for m in metrics))
    for label, first, last in phases:
        rows = [w.row for w in windows if first <= w.row["ts"] <= last]
        cells = []
        for metric in metrics:
            values = [float(r[metric]) for r in rows if r[metric] != ""]
            low, high = (min(values), max(values)) if values else (float("nan"),) * 2
            cells.append(f"{low:7.3f}-{high:<7.3f}")
        print(f"{label:20}" + "".join(cells))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument(
        "--alerts",
        action="store_true",
        help="replay every scenario's rules (fixed and before) on the output",
    )
    args = parser.parse_args(argv)
    windows = replay_day()
    write_csv(windows, args.output)
    print(f"wrote {args.output} ({len(windows)} windows)")
    summarise(windows)
    if args.alerts:
        replay_scenario_rules(args.output)
    return 0


# ---------------------------------------------------------------- scenario rule replay
# An independent re-implementation of Prometheus' alerting-rule semantics (evaluation every
# `interval` from `start`, 5m lookback, pending/firing/`for`/`keep_firing_for`), used to derive
# the scenarios' expectations from the data rather than from wishful thinking.


def replay_scenario_rules(csv_path: Path) -> None:
    import yaml

    table = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    for path in sorted(SCENARIOS.glob("*.yaml")):
        scenario = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(scenario, dict) or scenario.get("kind") != "threshold":
            continue
        print(f"\n{path.name}")
        for state, rules in (
            ("fixed", scenario["rules"]),
            ("before", scenario.get("before", {}).get("rules", [])),
        ):
            for rule in rules:
                spans = firing_spans(rule, scenario, table)
                shown = ", ".join(f"[{a:%H:%M}, {b:%H:%M})" for a, b in spans) or "never"
                print(
                    f"  {state:6} {rule['alert']}: {rule['expr']!r} for "
                    f"{rule.get('for', '0m')}: firing {shown}"
                )


def firing_spans(
    rule: dict[str, str], scenario: dict[str, object], table: list[dict[str, str]]
) -> list[tuple[datetime, datetime]]:
    start = _timestamp(scenario["start"])
    step = _duration(str(scenario.get("interval", "5m")))
    lookback = _duration(str(scenario.get("lookback", "5m")))
    samples = _samples(scenario["series"], table)  # type: ignore[arg-type]
    hold_for = _duration(rule.get("for", "0m"))
    keep_for = _duration(rule.get("keep_firing_for", "0m"))
    state, active_at, keep_since = "inactive", start, None
    firing_times: list[datetime] = []
    t = start
    while t <= start + timedelta(days=1):
        if _holds(rule["expr"], samples, t, lookback):
            if state == "inactive":
                state, active_at = "pending", t
            keep_since = None
            if state == "pending" and t - active_at >= hold_for:
                state = "firing"
        elif state == "firing" and keep_for:
            keep_since = keep_since or t
            if t - keep_since >= keep_for:
                state, keep_since = "inactive", None
        else:
            state, keep_since = "inactive", None
        if state == "firing":
            firing_times.append(t)
        t += step
    spans: list[tuple[datetime, datetime]] = []
    for moment in firing_times:
        if spans and spans[-1][1] == moment:
            spans[-1] = (spans[-1][0], moment + step)
        else:
            spans.append((moment, moment + step))
    return spans


def _samples(
    series: dict[str, dict[str, str]], table: list[dict[str, str]]
) -> dict[str, list[tuple[datetime, float]]]:
    out = {}
    for name, spec in series.items():
        out[name] = [
            (_timestamp(r[spec["timestamp"]]), float(r[spec["column"]]))
            for r in table
            if r[spec["column"]] != ""
        ]
    return out


def _holds(
    expr: str, samples: dict[str, list[tuple[datetime, float]]], t: datetime, lookback: timedelta
) -> bool:
    ops = {
        ">": np.greater,
        ">=": np.greater_equal,
        "<": np.less,
        "<=": np.less_equal,
        "==": np.equal,
        "!=": np.not_equal,
    }

    def comparison(text: str) -> bool:
        name, op, number = text.split()
        recent = [v for at, v in samples[name] if t - lookback <= at <= t]
        return bool(recent) and bool(ops[op](recent[-1], float(number)))

    return any(all(comparison(c) for c in conj.split(" and ")) for conj in expr.split(" or "))


def _timestamp(value: object) -> datetime:
    if isinstance(value, datetime):  # PyYAML may have parsed it already
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC)


def _duration(text: str) -> timedelta:
    units = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
    total, number = timedelta(), ""
    for char in text:
        if char.isdigit():
            number += char
        else:
            total += timedelta(**{units[char]: int(number)})
            number = ""
    return total


if __name__ == "__main__":
    sys.exit(main())
