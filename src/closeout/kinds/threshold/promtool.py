"""The real ``promtool``: find it, check a rule file, run a unit test, read its output back.

closeout never re-implements PromQL: a rule beyond closeout's own subset is evaluated by
``promtool test rules`` (Debian/Ubuntu package ``prometheus``). promtool 2.42 has no
machine-readable output, so the engine asks a question whose answer is printed: every
``alert_rule_test`` expects *no* alert, so each evaluation where an alert fires fails and
promtool prints the alerts it got::

    alertname: HighErr, time: 5m,
        exp:[],
        got:[
            0:
              Labels:{alertname="HighErr", job="a", severity="page"}
              Annotations:{summary="errors 1 on a"}
            ]

Label sets are printed by Go's ``labels.Labels.String`` (values quoted by
``strconv.Quote``) and times by ``model.Duration.String``; both are read back exactly here.
Only firing alerts are printed (pending ones are invisible to promtool's tests).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

PROMTOOL = "promtool"
ENV_BINARY = "CLOSEOUT_PROMTOOL"
TIMEOUT_S = 300
INSTALL_HINT = "install the Debian/Ubuntu package 'prometheus' or a Prometheus release"

Labels = tuple[tuple[str, str], ...]
"""A label set, sorted by name (``alertname`` excluded where it is implied)."""


class PromtoolError(RuntimeError):
    """promtool could not be run, or said something other than test results."""


@dataclass(frozen=True)
class Instance:
    """One firing alert as promtool printed it."""

    labels: Labels
    annotations: Labels


@dataclass(frozen=True)
class Firing:
    """The alerts of one ``alert_rule_test`` (alert name, eval time) that were firing."""

    alertname: str
    time_ms: int
    got: tuple[Instance, ...]


_YAML_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def quote(text: str) -> str:
    """``text`` as a YAML double-quoted scalar (what promtool's files are written with)."""
    out = []
    for char in text:
        if char in _YAML_ESCAPES:
            out.append(_YAML_ESCAPES[char])
        elif ord(char) < 0x20 or char in "\x7f\x85\u2028\u2029\ufeff":
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def find_promtool() -> str | None:
    """The promtool binary: ``$CLOSEOUT_PROMTOOL`` when set, else ``promtool`` on PATH."""
    chosen = os.environ.get(ENV_BINARY)
    if chosen:
        return chosen if Path(chosen).is_file() else shutil.which(chosen)
    return shutil.which(PROMTOOL)


def run(binary: str, args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``promtool ARGS`` in ``cwd``; an unrunnable binary is a PromtoolError."""
    try:
        return subprocess.run(
            [binary, *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
            env={**os.environ, "LC_ALL": "C"},
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise PromtoolError(f"cannot run {binary}: {exc}") from None


# --------------------------------------------------------------------------- check rules

_CHECK_LINE = re.compile(r"^(?P<file>[^:\n]+): (?:(?P<line>\d+):(?P<col>\d+): )?(?P<msg>.+)$")
_YAML_LINE = re.compile(r"^\s+line (?P<line>\d+): (?P<msg>.+)$")


def check_rules(binary: str, text: str) -> list[tuple[int, str]]:
    """``promtool check rules`` on ``text``: (line, message) for each problem, line 0 if none
    is given. An empty list means promtool accepted the file."""
    with tempfile.TemporaryDirectory(prefix="closeout-promtool-") as folder:
        Path(folder, "rules.yml").write_text(text, encoding="utf-8")
        done = run(binary, ["check", "rules", "rules.yml"], Path(folder))
    if done.returncode == 0:
        return []
    found = parse_check_output(done.stdout + "\n" + done.stderr, "rules.yml")
    return found or [(0, (done.stderr or done.stdout).strip() or f"exit {done.returncode}")]


def parse_check_output(output: str, name: str) -> list[tuple[int, str]]:
    """The problems ``promtool check rules NAME`` printed, located where it says."""
    problems: list[tuple[int, str]] = []
    for raw in output.splitlines():
        yaml_detail = _YAML_LINE.match(raw)
        if yaml_detail and problems:
            problems.append((int(yaml_detail["line"]), yaml_detail["msg"].strip()))
            continue
        match = _CHECK_LINE.match(raw.strip())
        if match is None or match["file"] != name:
            continue
        message = match["msg"].strip()
        line = int(match["line"]) if match["line"] else _line_in(message)
        if message.endswith("unmarshal errors:"):
            continue  # the details follow on their own lines
        if (line, message) not in problems:
            problems.append((line, message))
    return problems


def _line_in(message: str) -> int:
    found = re.search(r"\bline (\d+)\b", message)
    return int(found[1]) if found else 0


# --------------------------------------------------------------------------- test rules

_BLOCK = re.compile(r"^\s*alertname: (?P<name>.*?), time: (?P<time>[0-9a-z]+),\s*$")
_FIELD = re.compile(r"^\s*(?P<what>Labels|Annotations):(?P<set>\{.*\}),?\s*$")


def run_tests(binary: str, files: dict[str, str], test_file: str) -> list[Firing]:
    """Write ``files`` to a temporary folder, run ``promtool test rules TEST_FILE`` there,
    and return every alert it saw firing (see the module docstring)."""
    with tempfile.TemporaryDirectory(prefix="closeout-promtool-") as folder:
        for name, text in files.items():
            Path(folder, name).write_text(text, encoding="utf-8")
        done = run(binary, ["test", "rules", test_file], Path(folder))
    return read_test_output(done.returncode, done.stdout, done.stderr)


def read_test_output(code: int, stdout: str, stderr: str) -> list[Firing]:
    """Firing alerts from promtool's output; anything else that failed is a PromtoolError."""
    if code == 0:
        return []
    firings = parse_failures(stderr)
    if not firings:
        detail = "\n".join(line for line in (stderr + stdout).splitlines() if line.strip())
        raise PromtoolError(f"promtool test rules failed:\n{detail}")
    return firings


def parse_failures(output: str) -> list[Firing]:
    """Every ``alertname: X, time: T`` block and the alerts listed under its ``got:``.

    A day of evaluations prints megabytes, with the same label sets thousands of times:
    lines are told apart by their first word before any regex runs, and each distinct label
    set is parsed once."""
    firings: list[Firing] = []
    current: tuple[str, int] | None = None
    in_got = False
    labels: Labels | None = None
    got: list[Instance] = []
    seen: dict[str, Labels] = {}
    for raw in output.splitlines():
        line = raw.strip()
        if line.startswith("alertname: "):
            block = _BLOCK.match(line)
            if block is None:
                continue
            if current is not None:
                firings.append(Firing(current[0], current[1], tuple(got)))
            current, in_got, got = (block["name"], parse_duration(block["time"])), False, []
        elif current is None:
            continue
        elif line.startswith("got:"):
            in_got = True
        elif in_got and line.startswith(("Labels:", "Annotations:")):
            field = _FIELD.match(line)
            if field is None:
                continue
            text = field["set"]
            parsed = seen.get(text)
            if parsed is None:
                parsed = seen[text] = parse_label_set(text)
            if field["what"] == "Labels":
                labels = parsed
            elif labels is not None:
                got.append(Instance(labels, parsed))
                labels = None
    if current is not None:
        firings.append(Firing(current[0], current[1], tuple(got)))
    return firings


_LABEL = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_label_set(text: str) -> Labels:
    """``{a="x", b="y\\n"}`` (Go's labels.Labels.String) as sorted (name, value) pairs."""
    return tuple(
        sorted(
            (name, go_unquote(value) if "\\" in value else value)
            for name, value in _LABEL.findall(text)
        )
    )


_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_GO_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)")


def go_unquote(body: str) -> str:
    """The string Go's ``strconv.Quote`` printed as ``"body"``."""

    def replace(match: re.Match[str]) -> str:
        escape = match[1]
        if escape[0] in "xuU" and len(escape) > 1:
            return chr(int(escape[1:], 16))
        return _ESCAPES.get(escape, escape)

    return _GO_ESCAPE.sub(replace, body)


_PROM_UNITS = {
    "y": 365 * 86_400_000,
    "w": 7 * 86_400_000,
    "d": 86_400_000,
    "h": 3_600_000,
    "m": 60_000,
    "s": 1000,
    "ms": 1,
}
# Prometheus' own model.ParseDuration: units from largest to smallest, each at most once.
_PROM_DURATION = re.compile(
    r"^(?:(?P<y>\d+)y)?(?:(?P<w>\d+)w)?(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?"
    r"(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s)?(?:(?P<ms>\d+)ms)?$"
)


def parse_duration(text: str) -> int:
    """A Prometheus duration (``1d2h``, ``90s``, ``0s``, ``0``, ``1y``) in milliseconds."""
    if text == "0":
        return 0
    match = _PROM_DURATION.match(text)
    if not text or match is None:
        raise ValueError(f'not a valid duration string: "{text}"')
    return sum(int(count) * _PROM_UNITS[unit] for unit, count in match.groupdict().items() if count)
