"""Answers remembered for everyone: a bounded, thread-safe memo that computes each answer once.

A hundred readers opening one link ask the same questions at the same moment, each on its own
thread. The first one computes an answer; the others wait for it instead of computing it too,
and every later reader gets it for free. The memo keeps the most recently used answers only.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar, cast

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


class Memo(Generic[K]):
    """Most recently used answers by key, each computed by one thread only."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("a memo must keep at least one answer")
        self.capacity = capacity
        self._answers: OrderedDict[K, object] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[K, threading.Lock] = {}

    def get(self, key: K, compute: Callable[[], T]) -> T:
        """The remembered answer for `key`, computed (once, by one thread) when there is none."""
        found, answer = self._lookup(key)
        if found:
            return cast(T, answer)
        with self._lock:
            gate = self._computing.setdefault(key, threading.Lock())
        with gate:
            # Whoever held the gate before us may have computed it meanwhile.
            found, answer = self._lookup(key)
            if found:
                return cast(T, answer)
            try:
                value = compute()
                self._store(key, value)
            finally:
                with self._lock:
                    self._computing.pop(key, None)
            return value

    def _lookup(self, key: K) -> tuple[bool, object]:
        with self._lock:
            if key in self._answers:
                self._answers.move_to_end(key)
                return True, self._answers[key]
        return False, None

    def _store(self, key: K, value: object) -> None:
        with self._lock:
            self._answers[key] = value
            self._answers.move_to_end(key)
            while len(self._answers) > self.capacity:
                self._answers.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._answers)

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()
