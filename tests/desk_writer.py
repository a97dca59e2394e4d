"""A desk writer that never stops, for tests/test_desk_crash.py to kill (SIGKILL) mid-save.

    python tests/desk_writer.py URL SEED RUN

It imports the desk, prints `ready` and waits for `go` on stdin (so that the test can start the
next writer, paying for the imports, while the previous one still works), then opens
`DeskStore.open(URL)` and does desk work for ever: saves of a handful of events, creates, workflow
moves and imports of whole batches in one call. It reads the desk's events when it starts, so
it carries on from whatever a killed predecessor left.

Before each changing call it prints `begin …`, after the call returns `ack …`. The next call's
inputs are made before the `ack` is printed, in the same `write` as that call's `begin` (flushed,
shorter than PIPE_BUF: a line is never torn), so that the next call starts the moment the test
reads the `ack`. Only acknowledged work is accepted:

    begin save <id> <version read>         ack save <id> <version> <digest>
    begin move <id> <version read> <move>  ack move <id> <version> <move> <status> <digest>
                                           or skip move <id> <reason>  (refused: nothing written)
    begin create <id>                      ack create <id> <version> <digest>
    begin import <batch> <n> <id> …        ack import <batch> <n> <id>:<version>:<digest> …

`<digest>` is `digest(data)` of the event's data as the call returned it. Inside a call, each
SQL statement of the desk's transactions is announced (`sql update desk_events set`, …) before it
runs, and `sql commit` before the commit.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

HANDFUL = [f"desk-{n}" for n in range(6)]
WRITER_EMAIL = "writer@example.org"
CHECKER_EMAIL = "checker@example.org"
CITIES = [
    ("Kharkiv", "Харків", 49.99, 36.23),
    ("Kyiv", "Київ", 50.45, 30.52),
    ("Odesa", "Одеса", 46.48, 30.72),
    ("Lviv", "Львів", 49.84, 24.03),
]


def digest(data: dict[str, Any] | None) -> str:
    """The fingerprint both sides compare: sha256 of the data as sorted JSON."""
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


# Summary text to cut from: pages of it in SQLite for a long one.
TEXT = " ".join(f"{CITIES[n % 4][1]}-{n * 7919 % 10_000}" for n in range(1200))


def event_dict(event_id: str, rng: random.Random, tag: str) -> dict[str, Any]:
    """A valid event whose title, summary and figures change with every call (cheap to make:
    the writer should spend its time inside the desk's calls, where the kills are meant to
    land)."""
    name, local, lat, lon = rng.choice(CITIES)
    # Summaries from one line to several pages of SQLite: a save then spans many pages.
    start = rng.randrange(len(TEXT) // 2)
    summary = f"{tag}: " + TEXT[start : start + rng.randint(0, 9_000)]
    return {
        "id": event_id,
        "title": f"Shelling of {name} ({tag})",
        "event_type": "shelling",
        "date": f"2022-03-{rng.randint(1, 28):02d}",
        "place": {
            "name": name,
            "country": "UA",
            "latitude": lat,
            "longitude": lon,
            "geo_precision": 2,
        },
        "fatalities": [{"value": rng.randint(0, 5000), "claimed_by": "Regional governor"}],
        "injured": [{"value": rng.randint(0, 5000), "qualifier": "at least", "claimed_by": "UN"}],
        "summary": summary,
        "sources": [{"publisher": "Wire", "date": "2022-03-01", "quote": f"{local}: {tag}."}],
    }


def say(*lines: str) -> None:
    """Lines out in one write (the test may kill the writer the moment it reads one)."""
    sys.stdout.write("".join(line + "\n" for line in lines))
    sys.stdout.flush()


class TracedCursor:
    """The desk's cursor, saying each statement before it runs: the test can then kill the
    writer between two statements of one transaction (the store itself is unchanged)."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    @property
    def rowcount(self) -> int:
        return int(self._cursor.rowcount)

    def execute(self, sql: str, params: Any = ()) -> Any:
        say("sql " + " ".join(sql.split()[:3]).lower())
        return self._cursor.execute(sql, params)

    def fetchall(self) -> list[Any]:
        return list(self._cursor.fetchall())

    def fetchone(self) -> Any:
        return self._cursor.fetchone()

    def __getattr__(self, name: str) -> Any:  # anything else the desk's cursor offers
        return getattr(self._cursor, name)


def trace(database: Any) -> None:
    """Every transaction of `database` traced; `sql commit` just before it commits."""
    untraced = database.transaction

    @contextmanager
    def transaction() -> Iterator[TracedCursor]:
        with untraced() as cursor:
            yield TracedCursor(cursor)
            say("sql commit")

    database.transaction = transaction


def main(argv: list[str]) -> int:
    url, seed, run = argv[1], int(argv[2]), int(argv[3])

    from geo.desk.roles import Editor, NotAllowedError, Role
    from geo.desk.store import DeskEvent, DeskStore
    from geo.desk.workflow import Move, Status, WorkflowError, moves_from
    from geo.model import Event

    writer = Editor(WRITER_EMAIL, "Writer", frozenset({Role.ADMIN}))
    # Moves other than submit come from a second person: the desk may refuse to let the last
    # editor verify or publish their own work.
    checker = Editor(CHECKER_EMAIL, "Checker", frozenset({Role.ADMIN}))
    rng = random.Random(seed * 1000 + run)
    progress = {  # how far along the way to readers
        Status.DRAFT: 0,
        Status.IN_REVIEW: 1,
        Status.VERIFIED: 2,
        Status.PUBLISHED: -1,
        Status.ARCHIVED: -2,
    }
    weights = {
        Move.SUBMIT: 3,
        Move.VERIFY: 3,
        Move.SEND_BACK: 1,
        Move.PUBLISH: 4,
        Move.ARCHIVE: 1,
        Move.RESTORE: 3,
    }

    say("ready")
    if sys.stdin.readline().strip() != "go":
        return 2
    store = DeskStore.open(url)
    say("open")

    # What a killed predecessor left: read once here, then known from each call's answer (this
    # is the only writer), so that a call starts right after the previous one's `ack`.
    known: dict[str, DeskEvent] = {}
    for event in store.events():
        if event.id in HANDFUL or event.id.startswith("n"):
            known[event.id] = event
    missing = [event_id for event_id in HANDFUL if event_id not in known]
    trace(store.database)

    def create(event_id: str, tag: str) -> tuple[str, Callable[[], str]]:
        event = Event.model_validate(event_dict(event_id, rng, tag))

        def call() -> str:
            created = known[event_id] = store.create(writer, event)
            return f"ack create {event_id} {created.version} {digest(created.data)}"

        return f"begin create {event_id}", call

    def save(current: DeskEvent, tag: str) -> tuple[str, Callable[[], str]]:
        event = Event.model_validate(event_dict(current.id, rng, tag))

        def call() -> str:
            saved = known[current.id] = store.save(writer, event, current.version, tag)
            return f"ack save {saved.id} {saved.version} {digest(saved.data)}"

        return f"begin save {current.id} {current.version}", call

    def move(current: DeskEvent, move: Move, tag: str) -> tuple[str, Callable[[], str]]:
        editor = writer if move is Move.SUBMIT else checker

        def call() -> str:
            try:
                moved = store.move(editor, current.id, move, current.version, tag)
            except (NotAllowedError, WorkflowError) as refused:
                return f"skip move {current.id} {type(refused).__name__}"
            known[current.id] = moved
            return (
                f"ack move {moved.id} {moved.version} {move.value} {moved.status.value} "
                f"{digest(moved.data)}"
            )

        return f"begin move {current.id} {current.version} {move.value}", call

    def import_batch(batch: str, tag: str) -> tuple[str, Callable[[], str]]:
        ids = [f"{batch}-{i}" for i in range(rng.randint(15, 25))]
        events = [Event.model_validate(event_dict(i, rng, tag)) for i in ids]

        def call() -> str:
            done = store.import_events(writer, events, f"{batch}.yaml")
            items = " ".join(f"{e.id}:{e.version}:{digest(e.data)}" for e in done)
            return f"ack import {batch} {len(done)} {items}"

        return f"begin import {batch} {len(ids)} {' '.join(ids)}", call

    def plan(step: int) -> tuple[str, Callable[[], str]] | None:
        tag = f"run {run} step {step}"
        if missing:
            return create(missing.pop(0), tag)
        roll = rng.random()
        current = known[rng.choice(sorted(known))]
        if roll < 0.45 and current.status is not Status.ARCHIVED:
            return save(current, tag)
        if roll < 0.8:
            # Half the moves take an event furthest along the way to readers, so that events
            # do get published between the edits that send them back to draft.
            if rng.random() < 0.5:
                current = max(known.values(), key=lambda e: (progress[e.status], e.id))
            moves = moves_from(current.status)
            chosen = rng.choices(moves, [weights[m] for m in moves])[0]
            if chosen is Move.ARCHIVE and rng.random() < 0.8:
                return None  # withdrawn now and then, or nothing would stay published
            return move(current, chosen, tag)
        if roll < 0.92:
            return create(f"n{run}-{step}", tag)
        return import_batch(f"b{run}-{step}", tag)

    acked: list[str] = []
    for step in itertools.count(1):
        planned = plan(step)
        if planned is not None:
            begin, call = planned
            say(*acked, begin)
            acked = [call()]


if __name__ == "__main__":
    sys.exit(main(sys.argv))
