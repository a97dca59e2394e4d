"""Crash safety: a desk process killed (SIGKILL) in the middle of saves loses no accepted
revision and leaves no half-written one, on SQLite and on PostgreSQL.

A writer process (tests/desk_writer.py) does real desk work without pause: saves, creates,
workflow moves (publish and archive among them) and imports of 15–25 events in one call. It
prints `begin …` before each changing call, `ack …` once the call has returned, and inside a
call each SQL statement of the desk's transaction before it runs (`sql …`, `sql commit`): only
acknowledged work counts as accepted. The test kills it with SIGKILL right after a random number
of acknowledgements, at once or after a random number of the next statements, with no pause: the
writer keeps working until the signal lands, mostly between two statements of a transaction or
during its commit. Then it starts a new writer on the same database, which carries on from what
it reads there, and so on 25 times per database. After every kill it notes where the kill
landed and whether the interrupted call was written; after all of them it checks the desk from
a fresh store:

- every event's revisions are versions 1..N, each one's `before` the previous one's `after`;
  the event itself is version N with the last revision's data and status; no revision without
  its event;
- every acknowledged save, create, move and import is there with the exact data acknowledged;
- an import batch is at the desk whole or not at all, and nothing is there that no writer began;
- what readers see (`published`, the publication mark) is what the publish and archive
  revisions say it is;
- SQLite's file passes `PRAGMA integrity_check`; the desk takes a new save.

It also checks that the kills did interrupt work (enough of them landed inside a transaction)
and, on a desk damaged on purpose, that these checks do fail.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import random
import re
import select
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from geo.desk.roles import Editor, Role
from geo.desk.store import DeskEvent, DeskStore, Revision
from geo.desk.workflow import Move, Status
from geo.model import Event
from tests.desk_writer import HANDFUL, digest, event_dict

ROOT = Path(__file__).resolve().parent.parent
WRITER = ROOT / "tests" / "desk_writer.py"
KILLS = 25
MOST_ACKS_BEFORE_KILL = 15
# Nothing here waits for long: the imports take a second, a desk call milliseconds.
READY_TIMEOUT_S = 60.0
ACKS_TIMEOUT_S = 30.0
EXIT_TIMEOUT_S = 10.0
WARMING = 2  # writers started ahead, waiting for `go` with their imports done
# Of KILLS kills, at least this many must land inside a transaction (typically most do).
LEAST_MID_TRANSACTION = KILLS // 3


class Writer:
    """One writer process: its stdout read line by line with a deadline, its stderr in a file."""

    def __init__(self, url: str, seed: int, run: int, stderr: Path) -> None:
        self.stderr_path = stderr
        self.lines: list[str] = []
        self._buffer = b""
        self._eof = False
        with stderr.open("wb") as err:
            self.process = subprocess.Popen(
                [sys.executable, str(WRITER), url, str(seed), str(run)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
                cwd=ROOT,
            )

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")[-4000:]

    def fail(self, why: str) -> None:
        pytest.fail(
            f"{why}\nlast lines: {self.lines[-5:]}\nwriter's stderr:\n{self.stderr()}",
            pytrace=False,
        )

    def _read(self, deadline: float) -> bool:
        """Read what the pipe has, waiting until `deadline`; False at end of file."""
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            self.fail(f"the writer said nothing for too long (pid {self.process.pid})")
        chunk = os.read(fd, 65536)
        if not chunk:
            self._eof = True
            return False
        self._buffer += chunk
        *complete, self._buffer = self._buffer.split(b"\n")
        self.lines.extend(line.decode() for line in complete)
        return True

    def next_line(self, deadline: float) -> str:
        seen = len(self.lines)
        while len(self.lines) == seen:
            if self._eof or not self._read(deadline):
                code = self.process.wait(EXIT_TIMEOUT_S)
                self.fail(f"the writer stopped by itself (exit code {code})")
        return self.lines[seen]

    def go(self) -> None:
        if self.next_line(time.monotonic() + READY_TIMEOUT_S) != "ready":
            self.fail("the writer did not start as expected")
        assert self.process.stdin is not None
        self.process.stdin.write(b"go\n")
        self.process.stdin.flush()

    def kill_and_drain(self) -> None:
        """SIGKILL at once, then everything it printed before dying, then reap it."""
        self.process.send_signal(signal.SIGKILL)
        deadline = time.monotonic() + ACKS_TIMEOUT_S
        while not self._eof:
            self._read(deadline)
        # Lines are written whole (shorter than PIPE_BUF, one write each): nothing torn.
        assert self._buffer == b"", f"a torn line: {self._buffer[:200]!r}"
        assert self.process.wait(EXIT_TIMEOUT_S) == -signal.SIGKILL

    def close(self) -> None:
        """Whatever happened: killed, reaped, pipes closed."""
        if self.process.poll() is None:
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(EXIT_TIMEOUT_S)
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()


@dataclass
class Log:
    """What the writers began and acknowledged, over all runs."""

    # (event id, version) -> (digest, action, status), None where not said: in the history
    acked: dict[tuple[str, int], tuple[str, str | None, str | None]] = field(default_factory=dict)
    batches: dict[str, list[str]] = field(default_factory=dict)  # begun batch -> its ids
    acked_batches: set[str] = field(default_factory=set)
    created: set[str] = field(default_factory=set)  # begun creates
    kills: int = 0
    landed: Counter[str] = field(default_factory=Counter)  # where kills landed
    mid_call: int = 0  # kills after a `begin` without its `ack`
    written_unacked: int = 0  # … of which the call had committed
    rolled_back: int = 0  # … of which nothing was written
    acks: int = 0

    def read(self, line: str) -> None:
        word, *rest = line.split()
        if word == "begin" and rest[0] == "import":
            batch, count, *ids = rest[1:]
            assert len(ids) == int(count)
            self.batches[batch] = ids
        elif word == "begin" and rest[0] == "create":
            self.created.add(rest[1])
        elif word == "ack":
            self.acks += 1
            kind, *args = rest
            if kind in ("save", "create"):
                event_id, version, hashed = args
                action = "create" if kind == "create" else None  # a save's is "edit"
                self.acked[(event_id, int(version))] = (hashed, action, None)
            elif kind == "move":
                event_id, version, move, status, hashed = args
                self.acked[(event_id, int(version))] = (hashed, move, status)
            elif kind == "import":
                batch, count, *items = args
                assert int(count) == len(items) == len(self.batches[batch])
                for item in items:
                    event_id, version, hashed = item.split(":")
                    self.acked[(event_id, int(version))] = (hashed, "import", None)
                self.acked_batches.add(batch)
            else:
                raise AssertionError(f"unknown acknowledgement {line!r}")

    def interrupted(self, lines: list[str], store: DeskStore) -> None:
        """Where the kill landed, from the writer's last lines; whether the interrupted call
        was written, from the desk."""
        self.kills += 1
        begun = max((n for n, line in enumerate(lines) if line.startswith("begin ")), default=-1)
        after = lines[begun + 1 :]
        if begun < 0 or any(line.startswith(("ack ", "skip ")) for line in after):
            self.landed["between calls"] += 1
            return
        if not after:
            self.landed["at a call's start"] += 1
        elif after[-1] == "sql commit":
            self.landed["at the commit"] += 1
        else:
            self.landed[f"after {after[-1]}"] += 1
        kind, first, *rest = lines[begun].split()[1:]
        if kind in ("save", "move"):
            current = store.get(first)
            assert current is not None
            assert current.version in (int(rest[0]), int(rest[0]) + 1)
            written = current.version == int(rest[0]) + 1
        elif kind == "create":
            written = store.get(first) is not None
        else:
            present = [store.get(i) is not None for i in self.batches[first]]
            assert len(set(present)) == 1, f"batch {first} half imported: {present}"
            written = present[0]
        self.mid_call += 1
        if written:
            self.written_unacked += 1
        else:
            self.rolled_back += 1

    @property
    def mid_transaction(self) -> int:
        """Kills after a statement of the call's transaction, before its `ack`."""
        return sum(n for where, n in self.landed.items() if where.startswith(("after", "at the c")))


def wait_for_idle(url: str) -> None:
    """PostgreSQL: the killed writer's server session has ended (it rolls back what the client
    did not commit), so that what the test reads next is settled."""
    if not url.startswith("postgresql"):
        return
    import psycopg

    deadline = time.monotonic() + EXIT_TIMEOUT_S
    with psycopg.connect(url, autocommit=True) as connection:
        while True:
            row = connection.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            ).fetchone()
            if row is not None and row[0] == 0:
                return
            assert time.monotonic() < deadline, "the killed writer's session never ended"
            time.sleep(0.01)


def kill_writers_repeatedly(url: str, seed: int, logs: Path) -> Log:
    """KILLS writers on `url`, each killed with SIGKILL right after a random number of
    acknowledgements, at once or after a random number of the desk's SQL statements."""
    rng = random.Random(seed)
    log = Log()
    store = DeskStore.open(url)  # the schema, and the test's own reads between kills
    writers: list[Writer] = []
    try:
        for run in range(KILLS):
            # The next ones pay for their imports (a second) while this one works.
            while len(writers) < min(run + 1 + WARMING, KILLS):
                writers.append(Writer(url, seed, len(writers), logs / f"w{len(writers)}.err"))
            writer = writers[run]
            writer.go()
            wanted = rng.randint(1, MOST_ACKS_BEFORE_KILL)
            deadline = time.monotonic() + ACKS_TIMEOUT_S
            acks = 0
            while acks < wanted:
                acks += writer.next_line(deadline).startswith("ack ")
            # Then at once, or after some statements of the next call's transaction.
            statements = rng.choice([0, 0, *range(1, 10)])
            while statements:
                statements -= writer.next_line(deadline).startswith("sql ")
            writer.kill_and_drain()
            for line in writer.lines:
                log.read(line)
            wait_for_idle(url)
            log.interrupted(writer.lines, store)
            writer.close()
    finally:
        for writer in writers:
            writer.close()
    return log


def check_history(store: DeskStore, log: Log) -> dict[str, DeskEvent]:
    """The desk as the writers' acknowledgements say it must be; its events by id."""
    events = {e.id: e for e in store.events()}
    with store.database.transaction() as cursor:
        cursor.execute("SELECT DISTINCT event_id FROM desk_revisions")
        revised = {row[0] for row in cursor.fetchall()}
    assert revised == set(events), "revisions without their event, or events without any"
    marks = 0
    published_ids = []
    for event_id, current in events.items():
        # One unbroken chain of versions, ending in the event as it stands.
        history: list[Revision] = store.history(event_id)[::-1]
        versions = [r.version for r in history]
        assert versions == list(range(1, len(history) + 1)), f"{event_id} versions {versions}"
        assert history[0].before is None, f"{event_id} starts from something"
        for previous, revision in itertools.pairwise(history):
            assert revision.before == previous.after, f"{event_id} v{revision.version} before"
        last = history[-1]
        assert (current.version, current.data, current.status) == (
            last.version,
            last.after,
            last.status,
        ), f"{event_id} is not its last revision"
        # What readers see, replayed from the publish and archive revisions.
        published = None
        for revision in history:
            if revision.action == "publish":
                assert revision.status is Status.PUBLISHED, f"{event_id} published as draft"
                published = revision.after
                marks += 1
            elif revision.action == "archive":
                marks += published is not None
                published = None
        assert current.published == published, f"{event_id} published other data"
        if current.status is Status.PUBLISHED:
            assert current.published == current.data, f"{event_id} published other data"
        if published is not None:
            published_ids.append(event_id)
        # Acknowledged versions are there with the data, status and action acknowledged.
        for revision in history:
            acked = log.acked.get((event_id, revision.version))
            if acked is not None:
                hashed, action, status = acked
                where = f"{event_id} v{revision.version}"
                assert digest(revision.after) == hashed, f"{where}: other data than acknowledged"
                assert action is None or revision.action == action, f"{where}: not {action}"
                assert status is None or revision.status.value == status, f"{where}: not {status}"
    mark = store.publication_mark()
    assert mark == marks, f"publication mark {mark}, but {marks} (un)publications on record"
    readers = sorted(e.id for e in store.published_events())
    assert readers == sorted(published_ids), f"readers see {readers}"
    # No acknowledged version is missing.
    missing = [key for key in log.acked if key[0] not in events or key[1] > events[key[0]].version]
    assert missing == [], f"acknowledged, then lost: {missing[:10]}"
    # Import batches: all or nothing; acknowledged ones whole.
    for batch, ids in log.batches.items():
        present = [i in events for i in ids]
        assert all(present) or not any(present), f"batch {batch} half imported: {present}"
        assert all(present) or batch not in log.acked_batches, f"acknowledged {batch} lost"
    # Nothing at the desk that no writer began.
    begun = set(HANDFUL) | log.created | {i for ids in log.batches.values() for i in ids}
    assert set(events) <= begun, f"never begun: {sorted(set(events) - begun)[:10]}"
    return events


def check_the_kills_mattered(log: Log, events: dict[str, DeskEvent]) -> None:
    """The checks had something to check: kills inside calls, batches, publications."""
    assert log.kills == KILLS
    assert log.mid_call == log.written_unacked + log.rolled_back
    assert log.mid_transaction >= LEAST_MID_TRANSACTION, (
        f"only {log.mid_transaction} of {log.kills} kills landed inside a transaction: "
        f"{dict(log.landed)}"
    )
    assert log.acked_batches, "no import was acknowledged"
    assert any(a[1] == "publish" for a in log.acked.values()), "no publish was acknowledged"
    assert any(a[1] == "archive" for a in log.acked.values()), "no archive was acknowledged"
    assert any(e.published is not None for e in events.values())


def save_once_more(store: DeskStore) -> None:
    """The desk takes writes after all those kills."""
    editor = Editor("after@example.org", "After", frozenset({Role.ADMIN}))
    current = store.get(HANDFUL[0])
    assert current is not None
    data = event_dict(HANDFUL[0], random.Random(0), "after the kills")
    if current.status is Status.ARCHIVED:
        current = store.move(editor, current.id, Move.RESTORE, current.version)
    saved = store.save(editor, Event.model_validate(data), current.version, "after the kills")
    assert saved.version == current.version + 1
    latest = store.history(HANDFUL[0])[0]
    assert (latest.version, latest.actor, digest(latest.after)) == (
        saved.version,
        editor.email,
        digest(saved.data),
    )


def report(backend: str, log: Log, started: float) -> None:
    print(
        f"\n{backend}: {log.kills} kills, {log.mid_call} inside a changing call "
        f"({log.rolled_back} rolled back, {log.written_unacked} written but not acknowledged), "
        f"{log.mid_transaction} inside its transaction; landed: {dict(log.landed)}; "
        f"{log.acks} acknowledgements, {time.monotonic() - started:.1f} s"
    )


def test_sqlite_desk_killed_mid_save_keeps_every_accepted_revision(tmp_path: Path) -> None:
    started = time.monotonic()
    path = tmp_path / "desk.sqlite"
    url = f"sqlite:///{path}"
    log = kill_writers_repeatedly(url, seed=20220228, logs=tmp_path)
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    store = DeskStore.open(url)
    check_the_kills_mattered(log, check_history(store, log))
    save_once_more(store)
    check_history(store, log)
    report("sqlite", log, started)


def test_postgresql_desk_killed_mid_save_keeps_every_accepted_revision(
    postgres_db: str, tmp_path: Path
) -> None:
    started = time.monotonic()
    log = kill_writers_repeatedly(postgres_db, seed=20220301, logs=tmp_path)
    store = DeskStore.open(postgres_db)
    check_the_kills_mattered(log, check_history(store, log))
    save_once_more(store)
    check_history(store, log)
    report("postgresql", log, started)


def damaged_desk(tmp_path: Path) -> tuple[DeskStore, list[str]]:
    """A small desk (a saved event, a published one, an imported batch of two) and the log
    lines its writer would have printed."""
    store = DeskStore.open(f"sqlite:///{tmp_path / 'desk.sqlite'}")
    editor = Editor("writer@example.org", "Writer", frozenset({Role.ADMIN}))
    rng = random.Random(1)
    created = store.create(editor, Event.model_validate(event_dict("desk-0", rng, "one")))
    saved = store.save(editor, Event.model_validate(event_dict("desk-0", rng, "two")), 1)
    other = store.create(editor, Event.model_validate(event_dict("desk-1", rng, "one")))
    checker = Editor("checker@example.org", "Checker", frozenset({Role.ADMIN}))
    for move in (Move.SUBMIT, Move.VERIFY, Move.PUBLISH):
        mover = editor if move is Move.SUBMIT else checker  # the two-person rule
        other = store.move(mover, "desk-1", move, other.version)
    batch = [Event.model_validate(event_dict(f"b0-1-{i}", rng, "batch")) for i in range(2)]
    store.import_events(editor, batch, "b0-1.yaml")
    lines = [
        f"ack create desk-0 1 {digest(created.data)}",
        f"ack save desk-0 2 {digest(saved.data)}",
        "begin create desk-1",
        f"ack move desk-1 4 publish published {digest(other.data)}",
        "begin import b0-1 2 b0-1-0 b0-1-1",
    ]
    return store, lines


def log_of(*lines: str) -> Log:
    log = Log()
    for line in lines:
        log.read(line)
    return log


@pytest.mark.parametrize(
    ("damage", "refusal"),
    [
        (
            "UPDATE desk_revisions SET before = '{}' WHERE event_id = 'desk-0' AND version = 2",
            "desk-0 v2 before",
        ),
        ("DELETE FROM desk_revisions WHERE event_id = 'desk-0' AND version = 2", "desk-0 is not"),
        ("UPDATE desk_revisions SET version = 3 WHERE event_id = 'desk-0' AND version = 2", "1, 3"),
        ("UPDATE desk_events SET version = 3 WHERE id = 'desk-0'", "desk-0 is not its last"),
        ("UPDATE desk_events SET data = '{}' WHERE id = 'desk-0'", "desk-0 is not its last"),
        ("UPDATE desk_events SET status = 'draft' WHERE id = 'desk-1'", "desk-1 is not its last"),
        ("UPDATE desk_events SET published = NULL WHERE id = 'desk-1'", "desk-1 published other"),
        ("UPDATE desk_meta SET value = value + 1 WHERE key = 'publication'", "publication mark"),
        ("UPDATE desk_revisions SET after = '{}' WHERE event_id = 'b0-1-0'", "b0-1-0 is not"),
        ("DELETE FROM desk_events WHERE id = 'b0-1-1'", "revisions without their event"),
        ("DELETE FROM desk_revisions WHERE event_id = 'b0-1-1'", "revisions without their event"),
    ],
)
def test_the_history_check_notices_a_damaged_desk(
    tmp_path: Path, damage: str, refusal: str
) -> None:
    store, lines = damaged_desk(tmp_path)
    check_history(store, log_of(*lines))  # intact, it passes
    with store.database.transaction() as cursor:
        cursor.execute(damage)
        assert cursor.rowcount >= 1
    with pytest.raises(AssertionError, match=re.escape(refusal)):
        check_history(store, log_of(*lines))


def test_the_history_check_notices_lost_and_other_acknowledged_work(tmp_path: Path) -> None:
    store, good = damaged_desk(tmp_path)
    with pytest.raises(AssertionError, match="desk-0 v2: other data than acknowledged"):
        check_history(store, log_of(*good, f"ack save desk-0 2 {digest({'title': 'x'})}"))
    with pytest.raises(AssertionError, match="acknowledged, then lost"):
        check_history(store, log_of(*good, f"ack save desk-0 3 {digest({'title': 'x'})}"))
    with pytest.raises(AssertionError, match="half imported"):
        check_history(store, log_of(*good, "begin import b0-1 3 b0-1-0 b0-1-1 b0-1-2"))
    with pytest.raises(AssertionError, match=re.escape("never begun: ['b0-1-0', 'b0-1-1']")):
        check_history(store, log_of(*good[:-1]))
    with pytest.raises(AssertionError, match="desk-1 v4: not verify"):
        check_history(store, log_of(*good, good[3].replace("publish published", "verify draft")))
