"""Answers remembered for everyone: a bounded, thread-safe memo that computes each answer once.

A hundred readers opening one link ask the same questions at the same moment, each on its own
thread. The first one computes an answer; the others wait for it instead of computing it too,
and every later reader gets it for free. The memo keeps the most recently used answers only,
bounded by their number and by their size in bytes: a client that asks for many different
views can fill neither the memory nor the memo with them.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from typing import Any, Generic, TypeVar, cast

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


def approximate_bytes(value: object, depth: int = 3) -> int:
    """About how much memory a value holds: strings and bytes by length, containers by a
    sample of their items (up to `depth` levels), objects by their fields, frames by pandas'
    own count. An estimate for budgets, not an accounting."""
    if isinstance(value, str | bytes | bytearray):
        return sys.getsizeof(value)
    usage = getattr(value, "memory_usage", None)
    if callable(usage):  # a pandas DataFrame
        try:
            return int(usage(deep=True).sum())
        except (TypeError, ValueError, AttributeError):
            pass
    own = sys.getsizeof(value)
    if depth <= 0:
        return own
    items: list[Any]
    if isinstance(value, Mapping):
        items = [*value.keys(), *value.values()]
    elif isinstance(value, list | tuple | set | frozenset):
        items = list(value)
    elif hasattr(value, "__dict__") or hasattr(value, "__slots__"):
        fields = getattr(value, "__dict__", None) or {
            name: getattr(value, name, None) for name in getattr(value, "__slots__", ())
        }
        items = list(fields.values())
    else:
        return own
    if not items:
        return own
    sample = items[:: max(1, len(items) // 50)][:50]  # about 50 items stand for all
    per_item = sum(approximate_bytes(item, depth - 1) for item in sample) / len(sample)
    return own + int(per_item * len(items))


class Memo(Generic[K]):
    """Most recently used answers by key, each computed by one thread only, at most `capacity`
    of them and (when `max_bytes` is given) about `max_bytes` of them in all; an answer bigger
    than the whole budget is handed out but not kept."""

    def __init__(
        self,
        capacity: int,
        max_bytes: int | None = None,
        weigh: Callable[[object], int] = approximate_bytes,
    ) -> None:
        if capacity < 1:
            raise ValueError("a memo must keep at least one answer")
        if max_bytes is not None and max_bytes < 1:
            raise ValueError("a memo's byte budget must be positive")
        self.capacity = capacity
        self.max_bytes = max_bytes
        self._weigh = weigh
        self._answers: OrderedDict[K, object] = OrderedDict()
        self._sizes: dict[K, int] = {}
        self._bytes = 0
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

    def peek(self, key: K) -> object | None:
        """The remembered answer for `key`, or None; never computes."""
        return self._lookup(key)[1]

    def knows(self, key: K) -> bool:
        """Whether the answer for `key` is remembered (asking costs nothing)."""
        with self._lock:
            return key in self._answers

    def _lookup(self, key: K) -> tuple[bool, object]:
        with self._lock:
            if key in self._answers:
                self._answers.move_to_end(key)
                return True, self._answers[key]
        return False, None

    def _store(self, key: K, value: object) -> None:
        size = self._weigh(value) if self.max_bytes is not None else 0
        with self._lock:
            if self.max_bytes is not None and size > self.max_bytes:
                return  # too big to keep: computed again when asked again
            if key in self._answers:
                self._bytes -= self._sizes.pop(key, 0)
            self._answers[key] = value
            self._sizes[key] = size
            self._bytes += size
            self._answers.move_to_end(key)
            while len(self._answers) > self.capacity or (
                self.max_bytes is not None and self._bytes > self.max_bytes
            ):
                old, _ = self._answers.popitem(last=False)
                self._bytes -= self._sizes.pop(old, 0)

    @property
    def bytes(self) -> int:
        """About how many bytes the kept answers hold (0 without a byte budget)."""
        with self._lock:
            return self._bytes

    def __len__(self) -> int:
        with self._lock:
            return len(self._answers)

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()
            self._sizes.clear()
            self._bytes = 0
