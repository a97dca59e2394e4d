"""Two replicas editing one event at once on PostgreSQL: every accepted change is on record.

Each replica is a separate process with its own connections to one PostgreSQL+PostGIS desk (a
throwaway cluster on 127.0.0.1). Both keep saving the same event; a save refused as an edit
conflict is retried on the newer version, as an editor does after reading the refusal. The
history must then hold every accepted save exactly once, in one unbroken chain of versions.
"""

from __future__ import annotations

import itertools
import multiprocessing
from typing import Any

from geo.desk.roles import Editor, Role
from geo.desk.store import DeskStore, EditConflictError, open_database
from geo.desk.workflow import Move
from tests.test_desk_store import event

EVENT_ID = "kharkiv-shelling"
SAVES_PER_REPLICA = 12
PROCESS_TIMEOUT_S = 120


def _replica(url: str, email: str, saves: int, start: Any, results: Any) -> None:
    """One replica's editor: `saves` accepted saves, each retried after a conflict."""
    store = DeskStore(open_database(url))
    editor = Editor(email, email.split("@")[0].title(), frozenset({Role.CONTRIBUTOR}))
    accepted: list[tuple[int, str]] = []
    conflicts = 0
    start.wait(PROCESS_TIMEOUT_S)
    for n in range(saves):
        title = f"{editor.name} edit {n}"
        while True:
            current = store.get(EVENT_ID)
            assert current is not None
            try:
                saved = store.save(editor, event(title=title), current.version, comment=title)
            except EditConflictError:
                conflicts += 1
                continue
            accepted.append((saved.version, title))
            break
    results.put((email, accepted, conflicts))


def test_concurrent_edits_from_two_replicas_keep_a_complete_history(postgres_db: str) -> None:
    store = DeskStore(open_database(postgres_db))
    admin = Editor("ada@example.org", "Ada", frozenset({Role.ADMIN}))
    created = store.create(admin, event())
    store.move(admin, EVENT_ID, Move.SUBMIT, created.version)

    spawn = multiprocessing.get_context("spawn")
    start = spawn.Barrier(2)
    results = spawn.Queue()
    replicas = [
        spawn.Process(target=_replica, args=(postgres_db, email, SAVES_PER_REPLICA, start, results))
        for email in ("alice@example.org", "bob@example.org")
    ]
    for process in replicas:
        process.start()
    outcomes = [results.get(timeout=PROCESS_TIMEOUT_S) for _ in replicas]
    for process in replicas:
        process.join(PROCESS_TIMEOUT_S)
        assert process.exitcode == 0

    accepted = {version: (email, title) for email, saves, _ in outcomes for version, title in saves}
    assert len(accepted) == 2 * SAVES_PER_REPLICA, "two saves were given one version"
    conflicts = sum(n for _, _, n in outcomes)
    print(f"{2 * SAVES_PER_REPLICA} saves accepted, {conflicts} refused as conflicts and retried")

    history = list(reversed(store.history(EVENT_ID)))  # oldest first
    assert [r.action for r in history[:2]] == ["create", "submit"]
    edits = history[2:]
    assert [r.version for r in history] == list(range(1, len(history) + 1))
    assert {r.version: (r.actor, r.comment) for r in edits} == accepted
    # One chain: each revision starts from what the one before it left.
    for before, after in itertools.pairwise(history):
        assert after.before == before.after
    current = store.get(EVENT_ID)
    assert current is not None
    assert current.version == history[-1].version
    assert current.data == history[-1].after
