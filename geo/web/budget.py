"""What one reader may cost the server, over time.

Every value a browser sends is clamped where it is read (a viewport to what a screen shows, a
clicked popup's text, the text search's length), and a single question to the store is
stopped past its time limit. That bounds one request. This module bounds a session: new map
layers and tables cost the server the time it took to make them (an answer another reader
already asked for costs nothing). Past `SESSION_SECONDS` of that work within `WINDOW_SECONDS`,
the session's map and table keep what they show and say why, until the window has moved on.
A reader panning and filtering by hand never gets near it; a script replaying views does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import streamlit as st

T = TypeVar("T")

WINDOW_SECONDS = 60.0
SESSION_SECONDS = 30.0
# One layer or table is stopped past this (its store question, geo.store.time_limit).
REQUEST_SECONDS = 10.0
K_WORK = "_work_spent"  # per session: (when, seconds) of the recent work done for it

Clock = Callable[[], float]


def _recent(now: float) -> list[tuple[float, float]]:
    spent = st.session_state.get(K_WORK)
    entries = list(spent) if isinstance(spent, list) else []
    return [(at, seconds) for at, seconds in entries if now - at < WINDOW_SECONDS]


def seconds_spent(clock: Clock = time.monotonic) -> float:
    """The server time this session's new layers and tables took within the window."""
    return sum(seconds for _, seconds in _recent(clock()))


def exhausted(clock: Clock = time.monotonic) -> bool:
    return seconds_spent(clock) >= SESSION_SECONDS


def charged(make: Callable[[], T], clock: Clock = time.monotonic) -> Callable[[], T]:
    """`make`, charging this session with the time it takes when it runs (a remembered
    answer never runs it)."""
    session = st.session_state

    def run() -> T:
        started = clock()
        try:
            return make()
        finally:
            now = clock()
            spent = session.get(K_WORK)
            entries = [
                (at, seconds)
                for at, seconds in (spent if isinstance(spent, list) else [])
                if now - at < WINDOW_SECONDS
            ]
            session[K_WORK] = [*entries, (now, now - started)]

    return run


def wait_message(clock: Clock = time.monotonic) -> str:
    now = clock()
    recent = _recent(now)
    wait = max((WINDOW_SECONDS - (now - at) for at, _ in recent[:1]), default=0.0)
    return (
        f"This page has asked the server for {seconds_spent(clock):.0f} s of work in the last "
        f"minute, its share: the map and the table stay as they are for about {wait:.0f} s. "
        "Readers who pan and filter by hand never see this."
    )
