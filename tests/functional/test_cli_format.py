"""``--format json``: every command prints exactly one JSON document on stdout (SPEC §16), on
its normal path, its empty path (nothing to do, nothing found) and its error paths (bad input
exit 2, usage errors from argparse), in a real temporary project."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tests.conftest import SCENARIO, Write

from closeout.cli import app, main
from closeout.cli.commands import COMMANDS
from closeout.cli.output import emit
from closeout.errors import UsageError

# Not tagged regression: with nothing closed, gate and recur have nothing to do.
UNTAGGED = SCENARIO.replace("tags: [regression]\n", "")
# argparse, a missing incident, a $CLOSEOUT_ROOT pointing nowhere: bad input of every sort.
NOWHERE = "CLOSEOUT_ROOT=/nonexistent/closeout-root"

Setup = Callable[[Path, pytest.MonkeyPatch], None]


def fresh(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A scenario, never run."""


def closed(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The scenario ran and passed, and A1 is closed on it."""
    assert main(["run", "INC-1", "--json"]) == 0
    assert main(["close", "INC-1", "A1", "--by", "sam", "--json"]) == 0


def signing_key(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Evidence on record and an Ed25519 signing key for reseal."""
    closed(project, monkeypatch)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    (project / "ci.pem").write_bytes(pem)
    monkeypatch.setenv("CLOSEOUT_SIGNING_KEY_FILE", str(project / "ci.pem"))


# (command, path, setup, arguments, allowed exit codes). An argument `CLOSEOUT_ROOT=...`
# sets that environment variable instead.
CASES: list[tuple[str, str, Setup, list[str], set[int]]] = [
    ("init", "normal", fresh, ["init", "INC-2"], {0}),
    ("init", "error", fresh, ["init", "INC-1"], {2}),
    ("init", "usage", fresh, ["init"], {2}),
    ("lint", "normal", fresh, ["lint"], {0}),
    ("lint", "empty", fresh, ["lint", "empty"], {0}),
    ("lint", "error", fresh, ["lint", "no/such/folder"], {2}),
    ("run", "normal", fresh, ["run", "INC-1"], {0}),
    ("run", "empty", fresh, ["run", "--shard", "2/2"], {0}),
    ("run", "error", fresh, ["run", "INC-9"], {2}),
    ("run", "usage", fresh, ["run", "--shard", "3/2"], {2}),
    ("status", "normal", closed, ["status"], {0}),
    ("status", "empty", fresh, ["status", "--owner", "nobody"], {0}),
    ("status", "error", fresh, ["status", "INC-9"], {2}),
    ("close", "normal", fresh, ["close", "INC-1", "A1", "--by", "sam"], {1}),
    ("close", "error", fresh, ["close", "INC-1", "A9", "--by", "sam"], {2}),
    ("close", "usage", fresh, ["close", "INC-1", "A1"], {2}),
    ("waive", "normal", fresh, ["waive", "INC-1", "A1", "--by", "sam", "--reason", "r"], {1}),
    ("waive", "error", fresh, ["waive", "INC-9", "A1", "--by", "sam", "--reason", "r"], {2}),
    ("gate", "normal", closed, ["gate"], {0}),
    ("gate", "empty", fresh, ["gate"], {0}),
    ("gate", "empty shard", closed, ["gate", "--shard", "2/2"], {0}),
    ("gate", "error", fresh, ["gate", NOWHERE], {2}),
    ("recur", "normal", closed, ["recur"], {0}),
    ("recur", "empty", fresh, ["recur"], {0}),
    ("recur", "error", fresh, ["recur", "--shard", "x"], {2}),
    ("plan", "normal", closed, ["plan", "--shards", "2"], {0}),
    ("plan", "empty", fresh, ["plan", "--shards", "2", "--for", "gate"], {0}),
    ("plan", "error", fresh, ["plan", "--shards", "0"], {2}),
    ("verify", "normal", closed, ["verify"], {0}),
    ("verify", "empty", fresh, ["verify"], {0}),
    ("verify", "error", fresh, ["verify", "INC-9"], {2}),
    ("checkpoint", "normal", closed, ["checkpoint"], {0}),
    ("checkpoint", "error", fresh, ["checkpoint", "INC-9"], {2}),
    ("reseal", "normal", signing_key, ["reseal", "--by", "sam"], {0}),
    ("reseal", "error", fresh, ["reseal", "--by", "sam"], {2}),
    ("report", "normal", closed, ["report"], {0}),
    ("report", "error", fresh, ["report", "INC-9"], {2}),
    ("digest", "normal", closed, ["digest"], {0}),
    ("digest", "error", fresh, ["digest", "--since", "someday"], {2}),
    ("search", "normal", fresh, ["search", "alert"], {0}),
    ("search", "empty", fresh, ["search", "zzzqqq"], {0}),
    ("search", "error", fresh, ["search", "alert", "--limit", "0"], {2}),
    ("metrics", "normal", closed, ["metrics"], {0}),
    ("metrics", "error", fresh, ["metrics", NOWHERE], {2}),
    ("export", "normal", fresh, ["export", "promtool", "-o", "out"], {0}),
    ("export", "error", fresh, ["export", "promtool", "INC-9"], {2}),
    # No Prometheus on the normal path here (tests/functional/test_prometheus_capture.py
    # starts one): nothing listens on the discard port.
    (
        "capture",
        "error",
        fresh,
        [
            *("capture", "prometheus", "--url", "http://127.0.0.1:9", "--query", "up"),
            *("--start", "2025-01-01T00:00:00Z", "--end", "2025-01-01T01:00:00Z"),
            *("--step", "1m", "-o", "x.csv"),
        ],
        {2},
    ),
    ("schema", "normal", fresh, ["schema", "scenario"], {0}),
]


def ids(case: tuple[str, str, Setup, list[str], set[int]]) -> str:
    return f"{case[0]}-{case[1]}"


def test_every_command_that_reports_has_a_case() -> None:
    reporting = {c.name for c in COMMANDS if any("--json" in a.flags for a in c.arguments)}
    # schema prints JSON always; completion prints shell code, not a result.
    assert reporting | {"schema"} == {case[0] for case in CASES}
    assert {c.name for c in COMMANDS} - reporting == {"schema", "completion"}


@pytest.mark.parametrize("case", CASES, ids=ids)
@pytest.mark.parametrize("flag", ["--json", "--format=json"])
def test_json_output_is_exactly_one_document(
    case: tuple[str, str, Setup, list[str], set[int]],
    flag: str,
    project_dir: Path,
    write: Write,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    command, _, setup, argv, codes = case
    write("scenarios/INC-1/a1.yaml", UNTAGGED)
    (project_dir / "empty").mkdir()
    setup(project_dir, monkeypatch)
    capsys.readouterr()
    for word in [w for w in argv if w.startswith("CLOSEOUT_ROOT=")]:
        monkeypatch.setenv("CLOSEOUT_ROOT", word.partition("=")[2])
    words = [w for w in argv if not w.startswith("CLOSEOUT_ROOT=")]
    # schema has no --json: its output is always one JSON document.
    words += [] if command == "schema" else [flag]
    try:
        code = main(words)
    except SystemExit as exited:  # argparse's usage errors
        code = int(exited.code or 0)
    out, err = capsys.readouterr()
    assert code in codes, (out, err)
    document = json.loads(out)  # raises on plain text, on nothing, and on a second document
    if code in (2, 3):
        assert document == {"error": document["error"], "exit": code}
        assert document["error"] in err or document["error"].split(": error: ")[-1] in err


def test_json_and_another_format_disagree(
    project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["status", "--json", "--format", "github"])
    assert exited.value.code == 2
    assert "--json and --format github disagree" in capsys.readouterr().err


def test_format_text_is_the_default_output(
    project_dir: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    write("scenarios/INC-1/a1.yaml", UNTAGGED)
    assert main(["status", "--format", "text"]) == 0
    text = capsys.readouterr().out
    assert main(["status"]) == 0
    assert capsys.readouterr().out == text and "INC-1" in text


def test_a_failing_handler_leaves_only_the_error_document(
    project_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Output printed before the failure is dropped: one document, the error.
    def handler(args: object) -> int:
        emit({"partial": True})
        raise UsageError("scenarios/INC-1/a1.yaml:3: broke halfway")

    monkeypatch.setattr(app, "load", lambda reference: handler)
    assert main(["verify", "--json"]) == 2
    out, err = capsys.readouterr()
    assert json.loads(out) == {"error": "scenarios/INC-1/a1.yaml:3: broke halfway", "exit": 2}
    assert "closeout: scenarios/INC-1/a1.yaml:3: broke halfway" in err
