"""Work in a forked child: every message sent before the end survives; no ending goes unseen."""

from __future__ import annotations

import ctypes
import faulthandler
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from closeout import _forked
from closeout._forked import Send, run_forked

pytestmark = pytest.mark.skipif(not _forked.supported(), reason="needs os.fork")


def test_the_messages_of_a_child_that_finishes_come_back_in_order() -> None:
    def work(send: Send) -> None:
        send({"side": "fixed", "verdict": "pass"})
        send([1.5, float("inf"), None])

    forked = run_forked(work, timeout_s=30)
    assert (forked.ending, forked.detail) == ("finished", "")
    assert forked.messages == [{"side": "fixed", "verdict": "pass"}, [1.5, float("inf"), None]]


def test_a_large_message_crosses_the_pipe_whole() -> None:
    payload = os.urandom(3_000_000)
    forked = run_forked(lambda send: send(payload), timeout_s=30)
    assert forked.ending == "finished" and forked.messages == [payload]


def test_os_exit_0_is_a_vanished_child_and_what_it_sent_before_is_kept() -> None:
    def work(send: Send) -> None:
        send("fixed side done")
        os._exit(0)

    forked = run_forked(work, timeout_s=30)
    assert forked.ending == "vanished"
    assert forked.detail == "exited with code 0"
    assert forked.messages == ["fixed side done"]


def test_a_child_killed_by_a_signal_names_the_signal() -> None:
    forked = run_forked(lambda send: os.kill(os.getpid(), signal.SIGKILL), timeout_s=30)
    assert (forked.ending, forked.detail) == ("vanished", "was killed by SIGKILL")


def test_a_crash_of_the_interpreter_is_a_vanished_child() -> None:
    def work(send: Send) -> None:
        faulthandler.disable()  # pytest's crash dump would only add noise here
        ctypes.string_at(0)  # reads address 0: SIGSEGV

    forked = run_forked(work, timeout_s=30)
    assert (forked.ending, forked.detail) == ("vanished", "was killed by SIGSEGV")


def test_an_exception_escaping_the_work_is_reported_with_its_traceback() -> None:
    def work(send: Send) -> None:
        raise SystemExit("bye")

    forked = run_forked(work, timeout_s=30)
    assert forked.ending == "vanished"
    first, *rest = forked.detail.splitlines()
    assert first == "raised SystemExit: bye"
    assert "Traceback (most recent call last)" in "\n".join(rest)


def test_a_child_past_its_deadline_is_killed_and_reported_as_timed_out() -> None:
    def work(send: Send) -> None:
        send(os.getpid())
        time.sleep(60)

    started = time.monotonic()
    forked = run_forked(work, timeout_s=0.5)
    assert forked.ending == "timed_out"
    assert 0.5 <= forked.elapsed_s < 10 and time.monotonic() - started < 10
    with pytest.raises(ProcessLookupError):  # killed and reaped: no zombie left behind
        os.kill(forked.messages[0], 0)


@pytest.fixture
def grandchild(tmp_path: Path) -> Iterator[Path]:
    pid_file = tmp_path / "grandchild.pid"
    yield pid_file
    if pid_file.exists():  # not our child (init adopts it): only stop it
        os.kill(int(pid_file.read_text()), signal.SIGKILL)


def test_a_grandchild_holding_the_pipe_open_does_not_delay_the_answer(grandchild: Path) -> None:
    def work(send: Send) -> None:
        pid = os.fork()  # inherits the pipe's write end, and lives on after the work ends
        if pid == 0:
            time.sleep(60)
            os._exit(0)
        grandchild.write_text(str(pid))
        send("done")

    started = time.monotonic()
    forked = run_forked(work, timeout_s=30)
    assert (forked.ending, forked.messages) == ("finished", ["done"])
    assert time.monotonic() - started < 10


def test_ctrl_c_while_waiting_kills_the_child_and_goes_through(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"

    def work(send: Send) -> None:
        pid_file.write_text(str(os.getpid()))
        time.sleep(60)

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 1.0)
    try:
        with pytest.raises(KeyboardInterrupt):
            run_forked(work, timeout_s=60)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)


def test_an_unpicklable_message_ends_the_child_with_the_pickling_error() -> None:
    forked = run_forked(lambda send: send(lambda: None), timeout_s=30)
    assert forked.ending == "vanished"
    assert forked.detail.splitlines()[0].startswith("raised ")
    assert "pickle" in forked.detail.lower()


def test_describe_exit_reads_codes_and_signals() -> None:
    assert _forked.describe_exit(3 << 8) == "exited with code 3"
    assert _forked.describe_exit(signal.SIGTERM) == "was killed by SIGTERM"
