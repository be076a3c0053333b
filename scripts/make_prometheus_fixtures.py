"""Regenerate ``fixtures/INC-2025-063/``: the incident's Prometheus metrics and the monitoring
repository whose alert rules the scenarios test.

INC-2025-063: a wine consortium certifies bulk-wine lots declared under its protected
designation. Each lot's lab assay (the 13 measurements of ``sklearn.datasets.load_wine``:
alcohol, colour intensity, hue, proline, ...) is scored by *cultivar-check*, a
StandardScaler + LogisticRegression model trained on those real wines; a lot whose
predicted cultivar differs from the declared one is held for the tasting panel and an
isotope test. When an assay arrives incomplete, cultivar-check v2.9 falls back to the
declared cultivar and certifies the lot (HTTP 200, ``outcome="fallback"``). On 7 October
2025 at 08:00 UTC the partner lab Cantina Sud put a new spectrophotometer into service
that measures colour undiluted: above 7.0 AU it is out of its linear range, and the lab's
export left ``color_intensity`` and ``hue`` blank. About one wine in five (mostly the third
cultivar, whose colour is deepest) is above 7.0 AU, so those lots were certified unchecked.

This script replays 06:00-16:00 UTC from the real wines and writes:

- ``fixtures/INC-2025-063/metrics.csv``: what Prometheus scraped every minute from
  cultivar-check (counters, labelled), in the format ``closeout capture prometheus``
  writes: a ``ts`` column and one column per series named as Prometheus prints it.
- ``fixtures/INC-2025-063/monitoring/`` (git-ignored): the team's monitoring repository,
  a git repository with the alert rules' history: ``v1.3.0``, ``v1.4.0`` (in production
  during the incident: it pages on the 5xx share only) and ``v1.5.0`` (the fix: it also pages
  on the fallback share and tickets a lab whose assays arrive incomplete). The rule texts
  are below; the commits are made with fixed authors and dates, so their ids are the same
  on every machine.

The day, in UTC: 08:00 Cantina Sud's new instrument goes live; 14:10 a cultivar-check hotfix
(deployed, so every counter restarts from 0) rejects incomplete assays with HTTP 422 instead
of certifying them; 14:40 Cantina Sud exports diluted measurements again.

Everything is deterministic (fixed split, fixed seed, no network). From the project root::

    python scripts/make_prometheus_fixtures.py                    # metrics + monitoring repo
    python scripts/make_prometheus_fixtures.py --monitoring-only  # just the repository
    python scripts/make_prometheus_fixtures.py --monitoring-only --monitoring DIR
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
INCIDENT = "INC-2025-063"
FIXTURES = ROOT / "fixtures" / INCIDENT
METRICS = FIXTURES / "metrics.csv"
MONITORING = FIXTURES / "monitoring"
RULES_PATH = "alerts/cultivar-check.yml"

SEED = 20251007
SPLIT_SEED = 63
JOB = "cultivar-check"
DAY = datetime(2025, 10, 7, tzinfo=UTC)
SCRAPE_FROM, SCRAPE_TO = DAY.replace(hour=6), DAY.replace(hour=16)
SERVER_STARTED = DAY - timedelta(hours=1, minutes=45)  # the previous deploy, 22:15 on 6 Oct
NEW_INSTRUMENT = DAY.replace(hour=8)
HOTFIX = DAY.replace(hour=14, minute=10)
INSTRUMENT_REVERTED = DAY.replace(hour=14, minute=40)

LABS = {"cantina-nord": 0.40, "cantina-sud": 0.35, "cantina-est": 0.25}
COLOUR_LIMIT_AU = 7.0  # the new instrument's linear range, undiluted
COLOUR_FIELDS = ("color_intensity", "hue")
INCOMPLETE_NORMAL = 0.003  # a field left blank by hand now and then
MISDECLARED = 0.04  # lots declared as another cultivar (audits: 3-5%)
SERVER_ERRORS = 0.002  # timeouts to the feature store: HTTP 500
MEASUREMENT_NOISE = 0.02  # relative, per measurement


def lots_per_minute(moment: datetime) -> float:
    """Harvest traffic: quiet at night, ramping up from 06:00 to 7 lots a minute by 07:00."""
    hour = moment.hour + moment.minute / 60
    if hour >= 22 or hour < 6:
        return 0.8
    return min(7.0, 3.0 + 4.0 * (hour - 6))


# --------------------------------------------------------------------------- the rules

RULES_V1_3 = """\
# Alerting rules of cultivar-check (authentication-ml). Deployed by CI on every tag.
groups:
  - name: cultivar-check
    rules:
      - record: job:http_requests:rate5m
        expr: sum by (job) (rate(http_requests_total{job="cultivar-check"}[5m]))
      - alert: CultivarCheckDown
        expr: up{job="cultivar-check"} == 0
        for: 2m
        labels: {severity: page, team: authentication-ml}
        annotations:
          summary: "cultivar-check is down: lots queue unchecked"
"""

_ERRORS_ALERT = """\
      - alert: CultivarCheckDegraded
        expr: |
          sum by (job) (rate(http_requests_total{job="cultivar-check",code=~"5.."}[5m]))
            / job:http_requests:rate5m > 0.02
        for: 10m
        labels: {severity: page, team: authentication-ml}
        annotations:
          summary: "cultivar-check answers {{ $value | humanizePercentage }} with a 5xx"
"""

RULES_V1_4 = RULES_V1_3 + _ERRORS_ALERT

RULES_V1_5 = (
    RULES_V1_3
    + """\
      - alert: CultivarCheckDegraded
        # INC-2025-063: a lot certified on the declared cultivar without a model check is
        # as bad as a failed request, and it answers 200.
        expr: |
          (
            sum by (job) (rate(http_requests_total{job="cultivar-check",code=~"5.."}[5m]))
              / job:http_requests:rate5m > 0.02
          )
          or
          (
            sum by (job) (
              rate(cultivar_check_predictions_total{job="cultivar-check",outcome="fallback"}[30m])
            )
              / sum by (job) (rate(cultivar_check_predictions_total{job="cultivar-check"}[30m]))
              > 0.02
          )
        for: 10m
        labels: {severity: page, team: authentication-ml}
        annotations:
          summary: "cultivar-check fails or certifies unchecked: {{ $value | humanizePercentage }}"
      - alert: LabAssaysIncomplete
        expr: |
          sum by (lab) (rate(cultivar_check_incomplete_assays_total{job="cultivar-check"}[30m]))
            / sum by (lab) (rate(cultivar_check_assays_total{job="cultivar-check"}[30m]))
            > 0.05
        for: 15m
        labels: {severity: ticket, team: lab-liaison}
        annotations:
          summary: "{{ $labels.lab }} sends {{ $value | humanizePercentage }} incomplete assays"
"""
)

# (tag, commit date, message, rule text): the repository's history, oldest first.
HISTORY = [
    (
        "v1.3.0",
        "2025-03-18T10:12:00+01:00",
        "cultivar-check: page when the service is down",
        RULES_V1_3,
    ),
    ("v1.4.0", "2025-06-12T15:40:00+02:00", "cultivar-check: page on the 5xx share", RULES_V1_4),
    (
        "v1.5.0",
        "2025-10-09T11:05:00+02:00",
        "cultivar-check: page on the fallback share; ticket labs with incomplete assays\n\n"
        "INC-2025-063: incomplete assays were certified on the declared cultivar with HTTP 200.",
        RULES_V1_5,
    ),
]


def build_monitoring_repo(target: Path) -> None:
    """(Re)create the monitoring repository at ``target`` from ``HISTORY``."""
    git = shutil.which("git")
    if git is None:
        raise SystemExit("git not found on PATH: it is needed to build the monitoring repository")
    if target.exists():
        shutil.rmtree(target)
    (target / RULES_PATH).parent.mkdir(parents=True)
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "authentication-ml",
        "GIT_AUTHOR_EMAIL": "authentication-ml@consortium.example",
        "GIT_COMMITTER_NAME": "authentication-ml",
        "GIT_COMMITTER_EMAIL": "authentication-ml@consortium.example",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }

    def run(*args: str, **extra: str) -> None:
        subprocess.run(
            [git, "-C", str(target), *args], check=True, env={**env, **extra}, capture_output=True
        )

    run("init", "--quiet", "--initial-branch=main")
    for tag, date, message, text in HISTORY:
        (target / RULES_PATH).write_text(text, encoding="utf-8")
        run("add", RULES_PATH)
        run(
            "commit",
            "--quiet",
            "--no-gpg-sign",
            "-m",
            message,
            GIT_AUTHOR_DATE=date,
            GIT_COMMITTER_DATE=date,
        )
        run("tag", tag)


# --------------------------------------------------------------------------- the replay


@dataclass
class Service:
    """cultivar-check's counters, as its /metrics page shows them."""

    counters: Counter[str] = field(default_factory=Counter)

    def inc(self, name: str) -> None:
        self.counters[name] += 1


def series(metric: str, **labels: str) -> str:
    """A series name as Prometheus prints it (labels sorted, no spaces)."""
    inner = ",".join(f'{k}="{v}"' for k, v in sorted({"job": JOB, **labels}.items()))
    return f"{metric}{{{inner}}}"


@dataclass
class Replay:
    """The model, the real wines standing in for lab assays, and the random stream."""

    model: Any
    wines: Any
    cultivars: Any
    colour: int
    rng: Any
    tally: Counter[str] = field(default_factory=Counter)  # figures for the postmortem


def make_replay() -> Replay:
    import numpy as np
    from sklearn.datasets import load_wine
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    data = load_wine()
    x_train, x_test, y_train, y_test = train_test_split(
        data.data, data.target, test_size=0.4, stratify=data.target, random_state=SPLIT_SEED
    )
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
    model.fit(x_train, y_train)
    colour = list(data.feature_names).index("color_intensity")
    return Replay(model, x_test, y_test, colour, np.random.default_rng(SEED))


def lab_of(replay: Replay) -> str:
    return str(replay.rng.choice(list(LABS), p=list(LABS.values())))


def handle_lot(replay: Replay, service: Service, moment: datetime) -> None:
    """One lot's assay through the lab and cultivar-check, counted as the service counts."""
    rng = replay.rng
    index = int(rng.integers(len(replay.cultivars)))
    assay = replay.wines[index] * (1 + MEASUREMENT_NOISE * rng.standard_normal(13))
    truth = int(replay.cultivars[index])
    declared = truth if rng.random() >= MISDECLARED else int((truth + rng.integers(1, 3)) % 3)
    lab = lab_of(replay)
    during = NEW_INSTRUMENT <= moment < HOTFIX
    replay.tally["lots during"] += during
    replay.tally["cantina-sud lots during"] += during and lab == "cantina-sud"
    service.inc(series("cultivar_check_assays_total", lab=lab))
    new_instrument = lab == "cantina-sud" and NEW_INSTRUMENT <= moment < INSTRUMENT_REVERTED
    incomplete = (new_instrument and assay[replay.colour] > COLOUR_LIMIT_AU) or (
        rng.random() < INCOMPLETE_NORMAL
    )
    if rng.random() < SERVER_ERRORS:
        service.inc(series("http_requests_total", code="500"))
        return
    if incomplete:
        service.inc(series("cultivar_check_incomplete_assays_total", lab=lab))
        if moment >= HOTFIX:  # v2.9.1 fails closed
            service.inc(series("http_requests_total", code="422"))
            replay.tally["rejected with 422 after the hotfix"] += 1
            return
        service.inc(series("http_requests_total", code="200"))
        service.inc(series("cultivar_check_predictions_total", outcome="fallback"))
        replay.tally["certified unchecked during"] += during
        replay.tally["misdeclared certified unchecked during"] += during and declared != truth
        return
    predicted = int(replay.model.predict(assay.reshape(1, -1))[0])
    service.inc(series("http_requests_total", code="200"))
    outcome = "certified" if predicted == declared else "held"
    service.inc(series("cultivar_check_predictions_total", outcome=outcome))
    replay.tally["misdeclared held during"] += during and declared != truth and outcome == "held"


def replay_day() -> tuple[list[tuple[datetime, dict[str, int]]], Replay]:
    """Every minute from the previous deploy to 16:00; scrapes from 06:00 on."""
    replay = make_replay()
    service = Service()
    scrapes: list[tuple[datetime, dict[str, int]]] = []
    moment = SERVER_STARTED
    while moment < SCRAPE_TO:
        if moment == HOTFIX - timedelta(minutes=1):
            service = Service()  # the hotfix deploy restarts the process: counters from 0
        lots = int(replay.rng.poisson(lots_per_minute(moment)))
        for _ in range(lots):
            handle_lot(replay, service, moment)
        moment += timedelta(minutes=1)
        if moment >= SCRAPE_FROM:
            scrapes.append((moment, dict(service.counters)))
    return scrapes, replay


def write_metrics(scrapes: list[tuple[datetime, dict[str, int]]], path: Path) -> list[str]:
    names = sorted({name for _, counters in scrapes for name in counters})
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["ts", *names])
        for moment, counters in scrapes:
            stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
            writer.writerow([stamp, *(counters.get(n, "") for n in names)])
    return names


def summarise(scrapes: list[tuple[datetime, dict[str, int]]], replay: Replay) -> None:
    print(f"{len(scrapes)} scrapes, {len(scrapes[-1][1])} series")
    print("08:00-14:10 (the new instrument until the hotfix):")
    for key, value in sorted(replay.tally.items()):
        print(f"  {key}: {value}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--monitoring-only", action="store_true", help="only the git repository")
    parser.add_argument("--monitoring", type=Path, default=MONITORING, help="where to build it")
    args = parser.parse_args(argv)
    build_monitoring_repo(args.monitoring)
    print(f"built {args.monitoring} ({', '.join(tag for tag, *_ in HISTORY)})")
    if args.monitoring_only:
        return 0
    scrapes, replay = replay_day()
    write_metrics(scrapes, METRICS)
    print(f"wrote {METRICS.relative_to(ROOT)}")
    summarise(scrapes, replay)
    return 0


if __name__ == "__main__":
    sys.exit(main())
