"""Who runs next when many readers ask at once: a new reader's first runs go first.

Streamlit runs every session's script in a thread of its own, and all of them share one
interpreter lock with the server's event loop, which sends the page's files and messages. With
25 readers panning and filtering at once, a reader who just followed a link waited behind every
one of their runs, and the event loop got a 26th of the lock: the map's first markers came
after 7–8 s. The gate lets `RUN_SLOTS` page runs work at once; the others wait, without
touching the lock, in order of priority: a session's first `NEW_READER_RUNS` runs (the open,
the map's bounds report, its report after a popup's auto-pan) before everyone else's, then
first come, first served. The work done is the same; who waits for it changes.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

import streamlit as st

P = ParamSpec("P")
T = TypeVar("T")

# Page runs at once: one per core, so the event loop always finds the lock soon.
RUN_SLOTS = 2
# A session's first runs: the open, the map's first bounds report, the one after its auto-pan.
NEW_READER_RUNS = 3
# A run never waits longer than this: past it, it goes ahead (a stuck run must not stop all).
MAX_WAIT_SECONDS = 15.0
K_RUNS = "_gate_runs"  # per session: how many runs the gate has let through

FIRST, LATER = 0, 1

Clock = Callable[[], float]


class RunGate:
    """At most `slots` holders at once; waiters are let in by (priority, arrival)."""

    def __init__(self, slots: int, clock: Clock = time.monotonic) -> None:
        if slots < 1:
            raise ValueError(f"a gate needs at least one slot, not {slots}")
        self._slots = slots
        self._clock = clock
        self._changed = threading.Condition()
        self._running = 0
        self._queue: list[tuple[int, int]] = []
        self._arrivals = itertools.count()
        self._inside = threading.local()

    @property
    def running(self) -> int:
        return self._running

    @property
    def waiting(self) -> int:
        return len(self._queue)

    def holds(self) -> bool:
        """Whether this thread is inside already (a fragment drawn within the page's run)."""
        return bool(getattr(self._inside, "depth", 0))

    @contextmanager
    def admitted(self, priority: int, max_wait: float = MAX_WAIT_SECONDS) -> Iterator[None]:
        """Wait for a slot, then hold it until the block ends. A thread already inside does
        not wait again."""
        if self.holds():
            self._inside.depth += 1
            try:
                yield
            finally:
                self._inside.depth -= 1
            return
        self._enter(priority, max_wait)
        self._inside.depth = 1
        try:
            yield
        finally:
            self._inside.depth = 0
            self._leave()

    def _enter(self, priority: int, max_wait: float) -> None:
        ticket = (priority, next(self._arrivals))
        deadline = self._clock() + max_wait
        with self._changed:
            heapq.heappush(self._queue, ticket)
            while self._running >= self._slots or self._queue[0] != ticket:
                left = deadline - self._clock()
                if left <= 0:
                    break
                self._changed.wait(left)
            self._queue.remove(ticket)
            heapq.heapify(self._queue)
            self._running += 1
            self._changed.notify_all()  # the next in line may be let in by a free slot

    def _leave(self) -> None:
        with self._changed:
            self._running -= 1
            self._changed.notify_all()


GATE = RunGate(RUN_SLOTS)


def _priority() -> int:
    """FIRST for a session's first runs, then LATER; counted per session."""
    runs = st.session_state.get(K_RUNS, 0)
    runs = runs if isinstance(runs, int) else 0
    st.session_state[K_RUNS] = runs + 1
    return FIRST if runs < NEW_READER_RUNS else LATER


def gated(run: Callable[P, T]) -> Callable[P, T]:
    """`run` (a page or a fragment) waits its turn at the gate."""

    @wraps(run)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        with GATE.admitted(LATER if GATE.holds() else _priority()):
            return run(*args, **kwargs)

    return wrapper


__all__ = ["GATE", "RunGate", "gated"]
