"""``closeout capture prometheus`` against a real Prometheus server (Debian's ``prometheus``).

The fixture backfills OpenMetrics samples with ``promtool tsdb create-blocks-from
openmetrics``, starts ``prometheus`` on a free loopback port with that storage, waits for
``/-/ready`` and stops it at the end. Expected CSV cells are computed here from the samples
written, with Prometheus' documented instant-query rule (the latest sample at or before the
step, at most 5m old).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from closeout.cli import main

pytestmark = [pytest.mark.prometheus, pytest.mark.slow]

T0 = datetime(2025, 7, 1, 21, 0, tzinfo=UTC)
LOOKBACK = timedelta(minutes=5)
# series -> {minute offset: value}; age stops after 12m, so it goes stale mid-range
SAMPLES: dict[str, dict[int, float]] = {
    'model_input_psi{feature="income",model="v4"}': {
        m: 0.05 if m < 10 else 0.25 for m in range(31)
    },
    'model_input_psi{feature="age",model="v4"}': {m: 0.01 * (m % 3) for m in range(13)},
    'http_requests_total{code="500",job="scorer"}': {m: 10.0 * m for m in range(31)},
}


def openmetrics() -> str:
    """The samples as OpenMetrics text (all gauges: the type does not change a query)."""
    lines = []
    for family in ("model_input_psi", "http_requests_total"):
        lines.append(f"# TYPE {family} gauge")
        lines += [
            f"{name} {value} {int(T0.timestamp()) + 60 * minute}"
            for name, samples in SAMPLES.items()
            if name.startswith(family + "{")
            for minute, value in samples.items()
        ]
    return "\n".join(lines) + "\n# EOF\n"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def binaries() -> tuple[str, str]:
    found = shutil.which("prometheus"), shutil.which("promtool")
    if None in found:
        reason = "prometheus/promtool not installed (Debian package 'prometheus')"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {reason}", pytrace=False)
        pytest.skip(reason)
    return found  # type: ignore[return-value]


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Prometheus serving the backfilled ``SAMPLES``; its base URL."""
    server, promtool = binaries()
    folder = tmp_path_factory.mktemp("prometheus")
    (folder / "data.om").write_text(openmetrics())
    subprocess.run(
        [promtool, "tsdb", "create-blocks-from", "openmetrics", "data.om", "tsdb"],
        cwd=folder,
        check=True,
        capture_output=True,
    )
    (folder / "prometheus.yml").write_text("global: {scrape_interval: 1h}\n")
    port = free_port()
    log = (folder / "prometheus.log").open("wb")
    process = subprocess.Popen(
        [
            server,
            "--config.file=prometheus.yml",
            "--storage.tsdb.path=tsdb",
            f"--web.listen-address=127.0.0.1:{port}",
            "--storage.tsdb.retention.time=10y",
        ],
        cwd=folder,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process, folder / "prometheus.log")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"prometheus exited ({process.returncode}):\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/-/ready", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"prometheus not ready after 60s:\n{log.read_text()[-2000:]}")


def expected_cell(name: str, at: datetime) -> str:
    """Prometheus' instant value: the latest sample at or before ``at``, within 5m."""
    samples = SAMPLES[name]
    found = [m for m in samples if T0 + timedelta(minutes=m) <= at]
    if not found or at - (T0 + timedelta(minutes=max(found))) > LOOKBACK:
        return ""
    value = samples[max(found)]
    return repr(value).removesuffix(".0") if value == int(value) else repr(value)


def capture(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["capture", "prometheus", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out + err


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize(
    ("step", "shown"), [(timedelta(minutes=2), "2m"), (timedelta(seconds=90), "1m30s")]
)
def test_series_with_labels_on_the_step_grid(
    prometheus: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    step: timedelta,
    shown: str,
) -> None:
    out = tmp_path / "psi.csv"
    end = T0 + timedelta(minutes=20)
    code, text = capture(
        capsys,
        "--url",
        prometheus,
        "--query",
        "model_input_psi",
        "--start",
        stamp(T0),
        "--end",
        "2025-07-01T23:20:00+02:00",
        "--step",
        f"{int(step.total_seconds())}s",
        "-o",
        str(out),
    )
    assert code == 0, text
    names = sorted(n for n in SAMPLES if n.startswith("model_input_psi"))
    rows = []
    at = T0
    while at <= end:
        cells = [expected_cell(n, at) for n in names]
        if any(cells):
            rows.append(",".join([stamp(at), *cells]))
        at += step
    header = ",".join(["ts", *(f'"{n.replace(chr(34), chr(34) * 2)}"' for n in names)])
    assert out.read_text().splitlines() == [header, *rows]
    source = json.loads((tmp_path / "psi.csv.source.json").read_text())
    assert source.pop("captured_at").endswith("Z")
    assert source == {
        "url": prometheus,
        "query": "model_input_psi",
        "start": stamp(T0),
        "end": stamp(end),
        "step": shown,
        "sha256": hashlib.sha256(out.read_bytes()).hexdigest(),
        "series": names,
    }


def test_a_captured_csv_feeds_a_threshold_scenario_as_is(
    prometheus: str, project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = project_dir / "fixtures" / "INC-1" / "errors.csv"
    out.parent.mkdir(parents=True)
    code, text = capture(
        capsys,
        "--url",
        prometheus,
        "--query",
        'http_requests_total{job="scorer"}',
        "--start",
        stamp(T0),
        "--end",
        stamp(T0 + timedelta(minutes=30)),
        "--step",
        "1m",
        "-o",
        str(out),
    )
    assert code == 0, text
    (project_dir / "scenarios" / "INC-1" / "a1.yaml").write_text(
        "action: A1\nkind: threshold\ninterval: 1m\n"
        "series:\n"
        '  \'http_requests_total{code="500",job="scorer"}\': '
        "{file: fixtures/INC-1/errors.csv, timestamp: ts}\n"
        "rules: [{alert: Errors, expr: http_requests_total > 95, for: 2m}]\n"
        "engine: promtool\n"
        "expect:\n  - {alert: Errors, first_fires_at: 2025-07-01T21:12:00Z}\n"
    )
    code, text = main(["run", "--no-evidence"]), capsys.readouterr()
    assert code == 0, text


def test_an_empty_result_is_exit_2_and_writes_nothing(
    prometheus: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, text = capture(
        capsys,
        "--url",
        prometheus,
        "--query",
        'model_input_psi{feature="zip"}',
        "--start",
        stamp(T0),
        "--end",
        stamp(T0 + timedelta(minutes=5)),
        "--step",
        "1m",
        "-o",
        str(tmp_path / "x.csv"),
    )
    assert code == 2
    assert "the query returned no series between 2025-07-01T21:00:00Z and" in text
    assert not list(tmp_path.iterdir())


def test_a_bad_query_is_exit_2_with_the_servers_message(
    prometheus: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, text = capture(
        capsys,
        "--url",
        prometheus,
        "--query",
        "rate(model_input_psi[5m)",
        "--start",
        stamp(T0),
        "--end",
        stamp(T0 + timedelta(minutes=5)),
        "--step",
        "1m",
        "-o",
        str(tmp_path / "x.csv"),
    )
    assert code == 2
    assert f"closeout: {prometheus}: bad_data: 1:" in text and "parse error" in text


def test_a_dead_url_is_exit_2_naming_the_refusal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    code, text = capture(
        capsys,
        "--url",
        url,
        "--query",
        "up",
        "--start",
        stamp(T0),
        "--end",
        stamp(T0 + timedelta(minutes=5)),
        "--step",
        "1m",
        "-o",
        str(tmp_path / "x.csv"),
    )
    assert code == 2 and f"closeout: {url}: cannot connect:" in text and "refused" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start", "2025-07-01T21:00:00"], "has no offset"),
        (["--step", "1 minute"], "--step: bad duration"),
        (["--end", "2025-07-01T20:00:00Z"], "is before --start"),
    ],
)
def test_bad_arguments_are_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    base = {
        "--url": "http://127.0.0.1:9",
        "--query": "up",
        "--start": stamp(T0),
        "--end": stamp(T0),
        "--step": "1m",
        "-o": str(tmp_path / "x.csv"),
    }
    base |= dict(zip(args[::2], args[1::2], strict=True))
    code, text = capture(capsys, *[part for pair in base.items() for part in pair])
    assert code == 2 and message in text
