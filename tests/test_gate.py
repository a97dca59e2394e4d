"""The run gate: a new reader's first runs before the others; never more than its slots."""

from __future__ import annotations

import threading
import time

import pytest

from geo.web.gate import FIRST, LATER, RunGate


def _until(condition: object) -> None:
    """Yield the processor until `condition()` holds (other threads get there on their own)."""
    while not condition():  # type: ignore[operator]
        time.sleep(0)


def _queued(gate: RunGate, order: list[str], name: str, priority: int) -> threading.Thread:
    def run() -> None:
        with gate.admitted(priority):
            order.append(name)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_first_run_is_let_in_before_runs_that_came_earlier() -> None:
    gate = RunGate(1)
    order: list[str] = []
    with gate.admitted(LATER):
        threads = [_queued(gate, order, "interaction", LATER)]
        _until(lambda: gate.waiting == 1)
        threads.append(_queued(gate, order, "second interaction", LATER))
        _until(lambda: gate.waiting == 2)
        threads.append(_queued(gate, order, "new reader", FIRST))
        _until(lambda: gate.waiting == 3)
        assert order == []  # all wait while the slot is held
    for thread in threads:
        thread.join()
    assert order == ["new reader", "interaction", "second interaction"]


def test_no_more_runs_than_slots_at_once() -> None:
    gate = RunGate(2)
    most = 0
    lock = threading.Lock()
    release = threading.Event()

    def run() -> None:
        nonlocal most
        with gate.admitted(LATER):
            with lock:
                most = max(most, gate.running)
            release.wait()

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    _until(lambda: gate.running == 2 and gate.waiting == 4)
    release.set()
    for thread in threads:
        thread.join()
    assert most == 2
    assert (gate.running, gate.waiting) == (0, 0)


def test_a_fragment_inside_the_page_run_does_not_wait_for_a_second_slot() -> None:
    gate = RunGate(1)
    with gate.admitted(FIRST):
        assert gate.holds()
        with gate.admitted(LATER, max_wait=3600):  # would wait forever if it queued
            assert gate.running == 1
        assert gate.holds()
    assert not gate.holds() and gate.running == 0


def test_a_run_that_waited_its_longest_goes_ahead() -> None:
    gate = RunGate(1)
    went_ahead = threading.Event()

    def impatient() -> None:
        with gate.admitted(LATER, max_wait=0):
            went_ahead.set()

    with gate.admitted(LATER):  # this holder never leaves while the other asks
        thread = threading.Thread(target=impatient)
        thread.start()
        thread.join()
        assert went_ahead.is_set()
    assert (gate.running, gate.waiting) == (0, 0)


def test_a_gate_needs_a_slot() -> None:
    with pytest.raises(ValueError, match="at least one slot"):
        RunGate(0)
