"""The editorial store: events with their status, every change as a revision, edit markers and
members, in one transactional database.

One interface, two databases behind one seam (`_Database`): SQLite, embedded, the default (no
server to run); PostgreSQL with PostGIS when replicas share the desk. The SQL is written once
(`?` placeholders, portable upserts); only the table definitions and the spatial query differ.

Every write is one transaction that checks the editor's permission, the event's version
(optimistic locking: a save against an old version is refused, naming who saved in between) and
writes a revision: who, when, the event before and after, and a comment.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pydantic import ValidationError

from geo.desk.diff import Change, diff
from geo.desk.merge import Conflict, Merged, Side, merge3, path_label
from geo.desk.roles import Action, Editor, NotAllowedError, Role, parse_roles
from geo.desk.workflow import STATUS_LABELS, Move, Status, target_of
from geo.errors import EventAtlasError
from geo.model import Event

LOCK_SECONDS = 120


class DeskError(EventAtlasError):
    """A desk change that cannot be made as asked."""


class DeskUnavailableError(DeskError):
    """The desk's database cannot be reached or is busy."""


class EditConflictError(DeskError):
    """Someone saved the event after the version this edit started from. For a save, the two
    versions were merged field by field, and `conflicts` lists the fields both changed (the
    editor picks a side for each); for a status move, the move is simply refused."""

    def __init__(
        self,
        current: DeskEvent,
        by: str,
        at: dt.datetime,
        changes: list[Change],
        merged: Merged | None = None,
    ):
        self.current = current
        self.by = by
        self.at = at
        self.changes = changes
        self.merged = merged
        if merged is not None and merged.conflicts:
            both = ", ".join(c.label for c in merged.conflicts)
            theirs = ", ".join(merged.taken_from_theirs)
            kept = f" Their other changes ({theirs}) are kept." if theirs else ""
            message = (
                f"{by} saved this event at {at:%H:%M:%S} UTC (now version {current.version}) "
                f"while you were editing. You both changed {both}: choose yours or theirs for "
                f"each (or edit it), then save again.{kept} Nothing was saved yet; your text "
                "is kept"
            )
        else:
            fields = ", ".join(path_label(c.field) for c in changes[:8]) or "its status"
            more = f" and {len(changes) - 8} more" if len(changes) > 8 else ""
            message = (
                f"{by} saved this event at {at:%H:%M:%S} UTC (now version {current.version}) "
                f"while you were looking at it; they changed {fields}{more}. Nothing was done: "
                "look at their version, then try again"
            )
        super().__init__(message)

    @property
    def conflicts(self) -> list[Conflict]:
        return self.merged.conflicts if self.merged is not None else []


@dataclass(frozen=True)
class DeskEvent:
    """One event at the desk: its working copy and, if any, what readers see."""

    id: str
    version: int
    status: Status
    data: dict[str, Any]
    updated_by: str
    updated_at: dt.datetime
    published: dict[str, Any] | None
    published_at: dt.datetime | None

    @property
    def event(self) -> Event:
        return Event.model_validate(self.data)

    @property
    def title(self) -> str:
        return str(self.data.get("title", self.id))

    @property
    def unpublished_changes(self) -> bool:
        return self.published is not None and self.published != self.data


@dataclass(frozen=True)
class Revision:
    seq: int
    event_id: str
    version: int
    actor: str
    actor_name: str
    at: dt.datetime
    action: str
    status: Status
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    comment: str

    @property
    def changes(self) -> list[Change]:
        return diff(self.before, self.after)


@dataclass(frozen=True)
class EditMarker:
    """ "Being edited by": who opened the event for editing, until when (it expires)."""

    event_id: str
    holder: str
    holder_name: str
    expires_at: dt.datetime

    def held_by(self, editor: Editor) -> bool:
        return self.holder == editor.email


@dataclass(frozen=True)
class Member:
    email: str
    name: str
    roles: frozenset[Role]
    updated_by: str
    updated_at: dt.datetime


# --------------------------------------------------------------------------- the database seam


class _Cursor(Protocol):
    rowcount: int

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def fetchone(self) -> Any: ...


class _Database(Protocol):
    kind: str

    def setup(self) -> None: ...
    def transaction(self) -> Any: ...  # context manager yielding a _Cursor
    def within(
        self, west: float, south: float, east: float, north: float
    ) -> tuple[str, tuple[float, ...]]: ...


_COMMON_TABLES = """
CREATE TABLE IF NOT EXISTS desk_events (
    id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    data TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    published TEXT,
    published_at TEXT,
    pub_lat DOUBLE PRECISION,
    pub_lon DOUBLE PRECISION
);
CREATE TABLE IF NOT EXISTS desk_locks (
    event_id TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    holder_name TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS desk_members (
    email TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    roles TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS desk_meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS desk_unsaved (
    email TEXT NOT NULL,
    form TEXT NOT NULL,
    typed TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    PRIMARY KEY (email, form)
);
"""

_REVISIONS = """
CREATE TABLE IF NOT EXISTS desk_revisions (
    seq {serial},
    event_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    actor TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    at TEXT NOT NULL,
    action TEXT NOT NULL,
    status TEXT NOT NULL,
    before TEXT,
    after TEXT,
    comment TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS desk_revisions_event ON desk_revisions (event_id, seq);
CREATE INDEX IF NOT EXISTS desk_events_status ON desk_events (status);
"""


class SqliteDatabase:
    """The embedded default: one file, no server. Writers queue on SQLite's write lock."""

    kind = "sqlite"

    def __init__(self, path: Path, *, create: bool = True) -> None:
        self.path = Path(path)
        # False: a desk that is not there is an error (a typo must not start an empty desk).
        self.create = create

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA busy_timeout=10000")
        return connection

    def setup(self) -> None:
        if not self.create and not self.path.is_file():
            raise DeskError(f"no desk at {self.path}: {_NO_DESK_REMEDY}")
        with self.transaction() as cursor:
            if not self.create:
                cursor.execute(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
                    ("desk_events",),
                )
                if not cursor.fetchone()[0]:
                    raise DeskError(f"{self.path} holds no desk: {_NO_DESK_REMEDY}")
            script = _COMMON_TABLES + _REVISIONS.format(serial="INTEGER PRIMARY KEY AUTOINCREMENT")
            for statement in script.split(";"):
                if statement.strip():
                    cursor.execute(statement)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Cursor]:
        try:
            connection = self._connect()
        except (sqlite3.Error, OSError) as exc:
            raise DeskUnavailableError(
                f"the desk database {self.path} cannot be opened ({exc}); check that the "
                "folder exists and is writable"
            ) from exc
        try:
            cursor = connection.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield cursor
            except BaseException:
                connection.rollback()
                raise
            connection.commit()
        except sqlite3.OperationalError as exc:
            raise DeskUnavailableError(
                f"the desk database {self.path} is unavailable ({exc}); try again in a moment"
            ) from exc
        finally:
            connection.close()

    def within(
        self, west: float, south: float, east: float, north: float
    ) -> tuple[str, tuple[float, ...]]:
        sql = (
            "SELECT id FROM desk_events WHERE published IS NOT NULL "
            "AND pub_lon BETWEEN ? AND ? AND pub_lat BETWEEN ? AND ? ORDER BY id"
        )
        return sql, (west, east, south, north)


class _PgCursor:
    """psycopg's cursor speaking the `?` placeholders the shared SQL is written in."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    @property
    def rowcount(self) -> int:
        return int(self._cursor.rowcount)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._cursor.execute(sql.replace("?", "%s"), tuple(params))

    def fetchall(self) -> list[Any]:
        return list(self._cursor.fetchall())

    def fetchone(self) -> Any:
        return self._cursor.fetchone()


# The advisory lock key that serialises schema setup (any fixed 64-bit number of our own).
SETUP_LOCK = 0x4576_656E_7441_746C  # "EventAtl"


class PostgresDatabase:
    """PostgreSQL with PostGIS: the desk shared by every replica. Published points are also a
    geometry column with a GiST index, for viewport queries over large desks."""

    kind = "postgresql"

    def __init__(self, url: str, connect_timeout: int = 5, *, create: bool = True) -> None:
        self.url = url
        self.connect_timeout = connect_timeout
        self.create = create

    def setup(self) -> None:
        with self.transaction() as cursor:
            # Replicas start together, and two setups at once deadlock on the tables' DDL
            # locks. One at a time: the lock is held until this transaction ends.
            cursor.execute("SELECT pg_advisory_xact_lock(?)", (SETUP_LOCK,))
            if not self.create:
                cursor.execute("SELECT to_regclass('desk_events') IS NOT NULL")
                if not cursor.fetchone()[0]:
                    raise DeskError(f"the database holds no desk: {_NO_DESK_REMEDY}")
            script = _COMMON_TABLES + _REVISIONS.format(serial="BIGSERIAL PRIMARY KEY")
            for statement in script.split(";"):
                if statement.strip():
                    cursor.execute(statement)
            cursor.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            cursor.execute(
                "ALTER TABLE desk_events ADD COLUMN IF NOT EXISTS geom geometry(Point, 4326) "
                "GENERATED ALWAYS AS (CASE WHEN pub_lon IS NULL OR pub_lat IS NULL THEN NULL "
                "ELSE ST_SetSRID(ST_MakePoint(pub_lon, pub_lat), 4326) END) STORED"
            )
            cursor.execute(
                "CREATE INDEX IF NOT EXISTS desk_events_geom ON desk_events USING GIST (geom)"
            )

    @contextmanager
    def transaction(self) -> Iterator[_PgCursor]:
        import psycopg

        try:
            connection = psycopg.connect(self.url, connect_timeout=self.connect_timeout)
        except psycopg.Error as exc:
            raise DeskUnavailableError(
                f"the desk database cannot be reached ({_first_line(exc)}); editors' changes "
                "wait until it is back, readers keep the last published events"
            ) from exc
        try:
            with connection.transaction(), connection.cursor() as cursor:
                # One writer per event at a time; the version check below does the rest.
                yield _PgCursor(cursor)
        except psycopg.OperationalError as exc:
            raise DeskUnavailableError(
                f"the desk database failed mid-change ({_first_line(exc)}); nothing was saved"
            ) from exc
        finally:
            connection.close()

    def within(
        self, west: float, south: float, east: float, north: float
    ) -> tuple[str, tuple[float, ...]]:
        sql = (
            "SELECT id FROM desk_events WHERE published IS NOT NULL "
            "AND geom && ST_MakeEnvelope(?, ?, ?, ?, 4326) ORDER BY id"
        )
        return sql, (west, south, east, north)


def _may_restore(editor: Editor, archived: Sequence[str]) -> None:
    """Bringing back an archived event, by any path (restore, revert, an import of its id),
    is a publisher's: archiving withdrew it from readers on purpose."""
    if archived and not editor.may(Action.PUBLISH):
        listed = ", ".join(f"'{event_id}'" for event_id in archived[:5])
        more = f" and {len(archived) - 5} more" if len(archived) > 5 else ""
        raise NotAllowedError(
            f"{listed}{more} {'is' if len(archived) == 1 else 'are'} archived: bringing "
            f"{'it' if len(archived) == 1 else 'them'} back is a publisher's (Restore as draft); "
            f"{editor.email} is not one. Nothing was changed"
        )


def _joined(*parts: str) -> str:
    return "; ".join(p.strip() for p in parts if p.strip())


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


_NO_DESK_REMEDY = (
    "check the desk's URL (--desk or EVENT_ATLAS_DESK); a new desk is made by the app when it "
    "first starts, never by a command"
)


def open_database(url: str, base: Path | None = None, *, create: bool = True) -> _Database:
    """`sqlite:///abs/path.db`, `sqlite:relative/path.db` or `postgresql://…`. With
    `create=False` (the command line), a desk that does not exist yet is a DeskError when it
    is set up, instead of a new, empty desk."""
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresDatabase(url, create=create)
    if url.startswith("sqlite:"):
        raw = url[len("sqlite:") :]
        raw = raw[2:] if raw.startswith("//") else raw
        path = Path(raw)
        if not path.is_absolute() and base is not None:
            path = base / path
        return SqliteDatabase(path, create=create)
    raise DeskError(
        f"desk database '{url}' is not understood: use sqlite:data/desk.sqlite (embedded) or "
        "postgresql://user@host:port/dbname"
    )


# --------------------------------------------------------------------------- the store


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _text(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=False)


def _json(text: str | None) -> dict[str, Any] | None:
    return None if text is None else dict(json.loads(text))


def _when(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def event_data(event: Event) -> dict[str, Any]:
    """An event as the desk stores it: the events file's own field names and values."""
    return event.model_dump(mode="json", exclude_none=True, exclude_defaults=True)


def _point(data: dict[str, Any] | None) -> tuple[float | None, float | None]:
    place = (data or {}).get("place") or {}
    return place.get("latitude"), place.get("longitude")


_EVENT_COLUMNS = "id, version, status, data, updated_by, updated_at, published, published_at"


def _desk_event(row: Sequence[Any]) -> DeskEvent:
    return DeskEvent(
        id=row[0],
        version=int(row[1]),
        status=Status(row[2]),
        data=_json(row[3]) or {},
        updated_by=row[4],
        updated_at=_when(row[5]),
        published=_json(row[6]),
        published_at=_when(row[7]) if row[7] else None,
    )


class DeskStore:
    """Events at the desk. Every method that changes something takes the editor doing it."""

    def __init__(
        self,
        database: _Database,
        clock: Callable[[], dt.datetime] = _now,
        *,
        two_person_rule: bool = True,
    ) -> None:
        self.database = database
        self._clock = clock
        # Whoever made the last change to an event neither verifies nor publishes it.
        self.two_person_rule = two_person_rule
        database.setup()

    @classmethod
    def open(
        cls,
        url: str,
        base: Path | None = None,
        *,
        two_person_rule: bool = True,
        create: bool = True,
    ) -> DeskStore:
        """The desk at `url`; `create=False` refuses one that does not exist (DeskError)."""
        return cls(open_database(url, base, create=create), two_person_rule=two_person_rule)

    # ----------------------------------------------------------------- reading

    def get(self, event_id: str) -> DeskEvent | None:
        with self.database.transaction() as cursor:
            return self._get(cursor, event_id)

    def _get(self, cursor: _Cursor, event_id: str) -> DeskEvent | None:
        cursor.execute(f"SELECT {_EVENT_COLUMNS} FROM desk_events WHERE id = ?", (event_id,))
        row = cursor.fetchone()
        return _desk_event(row) if row else None

    def events(self, statuses: Sequence[Status] = ()) -> list[DeskEvent]:
        sql = f"SELECT {_EVENT_COLUMNS} FROM desk_events"
        params: list[Any] = []
        if statuses:
            sql += " WHERE status IN (" + ", ".join("?" for _ in statuses) + ")"
            params = [s.value for s in statuses]
        with self.database.transaction() as cursor:
            cursor.execute(sql + " ORDER BY updated_at DESC, id", params)
            return [_desk_event(row) for row in cursor.fetchall()]

    def published_events(self) -> list[Event]:
        """What readers see: the last published version of every event not archived."""
        with self.database.transaction() as cursor:
            cursor.execute(
                "SELECT published FROM desk_events WHERE published IS NOT NULL ORDER BY id"
            )
            return [Event.model_validate(json.loads(row[0])) for row in cursor.fetchall()]

    def publication_mark(self) -> int:
        """Grows with every publish or archive: readers reload when it moves."""
        with self.database.transaction() as cursor:
            cursor.execute("SELECT value FROM desk_meta WHERE key = 'publication'")
            row = cursor.fetchone()
            return int(row[0]) if row else 0

    def published_within(self, west: float, south: float, east: float, north: float) -> list[str]:
        """Ids of published events inside a box (PostGIS index on PostgreSQL)."""
        with self.database.transaction() as cursor:
            cursor.execute(*self.database.within(west, south, east, north))
            return [row[0] for row in cursor.fetchall()]

    def history(self, event_id: str) -> list[Revision]:
        """Every revision of the event, newest first."""
        with self.database.transaction() as cursor:
            cursor.execute(
                "SELECT seq, event_id, version, actor, actor_name, at, action, status, before, "
                "after, comment FROM desk_revisions WHERE event_id = ? ORDER BY seq DESC",
                (event_id,),
            )
            return [_revision(row) for row in cursor.fetchall()]

    # ----------------------------------------------------------------- changing

    def create(
        self, editor: Editor, event: Event, comment: str = "", action: str = "create"
    ) -> DeskEvent:
        """A new event, as a draft."""
        editor.require(Action.EDIT)
        data = event_data(event)
        with self.database.transaction() as cursor:
            if self._get(cursor, event.id) is not None:
                raise DeskError(
                    f"an event with id '{event.id}' is already at the desk: open it to edit, "
                    "or choose another id"
                )
            # Ids keep their case (PHL10453 and phl10453 are two ids), but a new one that
            # differs from a desk event's only in case is refused: too easily taken for it.
            cursor.execute(
                "SELECT id FROM desk_events WHERE lower(id) = ? ORDER BY id LIMIT 1",
                (event.id.lower(),),
            )
            row = cursor.fetchone()
            if row is not None:
                raise DeskError(
                    f"an event with id '{row[0]}' is already at the desk, and '{event.id}' "
                    "differs from it only in upper and lower case: open it to edit, or choose "
                    "an id that differs by more than case"
                )
            return self._insert_draft(cursor, editor, event.id, data, action, comment)

    def _insert_draft(
        self,
        cursor: _Cursor,
        editor: Editor,
        event_id: str,
        data: dict[str, Any],
        action: str,
        comment: str,
    ) -> DeskEvent:
        cursor.execute(
            f"INSERT INTO desk_events ({_EVENT_COLUMNS}) VALUES (?, 1, ?, ?, ?, ?, NULL, NULL)",
            (event_id, Status.DRAFT.value, _text(data), editor.email, self._clock().isoformat()),
        )
        self._revise(cursor, editor, event_id, 1, action, Status.DRAFT, None, data, comment)
        created = self._get(cursor, event_id)
        assert created is not None
        return created

    def save(
        self,
        editor: Editor,
        event: Event,
        expected_version: int,
        comment: str = "",
        action: str = "edit",
        *,
        choices: Mapping[str, Side] | None = None,
    ) -> DeskEvent:
        """A new version of the working copy. It is a draft again: changed work is unverified,
        and readers keep the published version until it is published again.

        When someone saved since `expected_version` (the version the editor opened), the two
        versions are merged field by field against it (geo.desk.merge): what only they
        changed is kept, what only this editor changed is taken, and a field both changed is
        settled by `choices`, or the save is refused with EditConflictError listing those
        fields. So a save never reverts a field its editor did not touch."""
        editor.require(Action.EDIT)
        data = event_data(event)
        with self.database.transaction() as cursor:
            current = self._get(cursor, event.id)
            if current is None:
                raise DeskError(f"no event '{event.id}' at the desk")
            if current.status is Status.ARCHIVED:
                raise DeskError(f"'{event.id}' is archived: restore it as a draft to edit it")
            if current.version != expected_version:
                data, comment = self._merged(
                    cursor, current, expected_version, data, comment, choices or {}
                )
            return self._write(
                cursor, editor, current, data, Status.DRAFT, action, comment, publish=False
            )

    def _merged(
        self,
        cursor: _Cursor,
        current: DeskEvent,
        opened: int,
        yours: dict[str, Any],
        comment: str,
        choices: Mapping[str, Side],
    ) -> tuple[dict[str, Any], str]:
        """This editor's version merged with the one saved since `opened`, and the record's
        comment saying so."""
        base = self._data_at(cursor, current.id, opened)
        merged = merge3(base, yours, current.data, choices)
        by, at = self._saved_since(cursor, current, opened)
        if merged.conflicts:
            raise EditConflictError(current, by, at, diff(base, current.data), merged)
        try:
            data = event_data(Event.model_validate(merged.data))
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(p) for p in problem["loc"])
            raise DeskError(
                f"your changes and {by}'s do not fit together: {where}: {problem['msg']}. "
                "Nothing was saved: change that field and save again"
            ) from exc
        note = f"merged with version {current.version} by {by}"
        if merged.taken_from_theirs:
            note += f"; their {', '.join(merged.taken_from_theirs)} kept"
        if merged.settled:
            picked = ", ".join(
                f"{c} {'mine' if side == 'yours' else 'theirs'}"
                for c, side in self._labelled(merged).items()
            )
            note += f"; chosen: {picked}"
        return data, f"{comment.strip()} ({note})" if comment.strip() else note

    @staticmethod
    def _labelled(merged: Merged) -> dict[str, Side]:
        labels = {c.key: c.label for c in merged.settled_conflicts}
        return {labels.get(key, key): side for key, side in merged.settled.items()}

    def _data_at(self, cursor: _Cursor, event_id: str, version: int) -> dict[str, Any] | None:
        """The event's data as it was at `version` (None when no revision has it)."""
        cursor.execute(
            "SELECT after FROM desk_revisions WHERE event_id = ? AND version = ? ORDER BY seq DESC",
            (event_id, version),
        )
        row = cursor.fetchone()
        return _json(row[0]) if row else None

    def _saved_since(
        self, cursor: _Cursor, current: DeskEvent, version: int
    ) -> tuple[str, dt.datetime]:
        """Who saved the event after `version` (the latest of them), and when."""
        cursor.execute(
            "SELECT actor, actor_name, at FROM desk_revisions WHERE event_id = ? "
            "AND version > ? ORDER BY seq DESC",
            (current.id, version),
        )
        later = cursor.fetchall()
        actor, name, at = later[0] if later else (current.updated_by, "", current.updated_at)
        by = f"{name} <{actor}>" if name and name != actor else actor
        return by, at if isinstance(at, dt.datetime) else _when(str(at))

    def move(
        self,
        editor: Editor,
        event_id: str,
        move: Move,
        expected_version: int,
        comment: str = "",
        *,
        override: str = "",
    ) -> DeskEvent:
        """Submit, verify, send back, publish, archive or restore. Verify and publish follow
        the two-person rule: not by the version's last editor, unless an admin overrides it
        with a reason (`override`), which goes into the record."""
        from geo.desk.workflow import MOVES

        editor.require(MOVES[move][2])
        with self.database.transaction() as cursor:
            current = self._current(cursor, event_id, expected_version)
            status = target_of(move, current.status)
            if move in (Move.VERIFY, Move.PUBLISH):
                comment = self._second_pair_of_eyes(
                    cursor, editor, current.id, move, comment, override
                )
            if move is Move.PUBLISH:
                Event.model_validate(current.data)  # never publish what the loader would refuse
            return self._write(
                cursor,
                editor,
                current,
                current.data,
                status,
                move.value,
                comment,
                publish=move is Move.PUBLISH,
                withdraw=move is Move.ARCHIVE,
            )

    def last_editor(self, event_id: str) -> str | None:
        """Who made the last change to the event's content (a status move changes none)."""
        with self.database.transaction() as cursor:
            return self._last_editor(cursor, event_id)

    def _last_editor(self, cursor: _Cursor, event_id: str) -> str | None:
        cursor.execute(
            "SELECT actor, before, after FROM desk_revisions WHERE event_id = ? ORDER BY seq DESC",
            (event_id,),
        )
        for actor, before, after in cursor.fetchall():
            if before is None or _json(before) != _json(after):
                return str(actor)
        return None

    def _second_pair_of_eyes(
        self,
        cursor: _Cursor,
        editor: Editor,
        event_id: str,
        move: Move,
        comment: str,
        override: str,
    ) -> str:
        """The two-person rule: whoever made the last change does not verify or publish it.
        Returns the record's comment, which says when the rule was relaxed or overridden."""
        if self._last_editor(cursor, event_id) != editor.email:
            return comment
        verb = "verify" if move is Move.VERIFY else "publish"
        if not self.two_person_rule:
            return _joined(comment, f"{verb} by its last editor: the two-person rule is off")
        reason = override.strip()
        if reason and Role.ADMIN in editor.roles:
            return _joined(f"two-person rule overridden by {editor.email}: {reason}", comment)
        if reason:
            raise NotAllowedError(
                f"only an admin may override the two-person rule; {editor.email} is not one"
            )
        raise NotAllowedError(
            f"{editor.email} made the last change to this version, so someone else must "
            f"{verb} it (two-person rule): ask another "
            f"{'verifier' if move is Move.VERIFY else 'publisher'}"
            + (", or override it with a reason" if Role.ADMIN in editor.roles else "")
        )

    def revert(
        self, editor: Editor, event_id: str, seq: int, expected_version: int, comment: str = ""
    ) -> DeskEvent:
        """The event as it was after revision `seq`, saved as a new draft version."""
        editor.require(Action.EDIT)
        with self.database.transaction() as cursor:
            current = self._current(cursor, event_id, expected_version)
            if current.status is Status.ARCHIVED:
                _may_restore(editor, [event_id])
            cursor.execute(
                "SELECT after, before FROM desk_revisions WHERE seq = ? AND event_id = ?",
                (seq, event_id),
            )
            row = cursor.fetchone()
            if row is None:
                raise DeskError(f"'{event_id}' has no revision {seq}")
            data = _json(row[0]) or _json(row[1]) or {}
            Event.model_validate(data)
            note = comment or f"reverted to revision {seq}"
            return self._write(
                cursor, editor, current, data, Status.DRAFT, "revert", note, publish=False
            )

    def import_events(
        self, editor: Editor, events: Sequence[Event], source: str
    ) -> list[DeskEvent]:
        """Drafts from a file, attributed to whoever imported it; an event already at the desk
        gets a new draft version (its history keeps the old one)."""
        editor.require(Action.EDIT)
        comment = f"imported from {source}"
        done = []
        with self.database.transaction() as cursor:
            archived = [
                event.id
                for event in events
                if (found := self._get(cursor, event.id)) is not None
                and found.status is Status.ARCHIVED
            ]
            _may_restore(editor, archived)
            for event in events:
                data = event_data(event)
                current = self._get(cursor, event.id)
                if current is None:
                    done.append(
                        self._insert_draft(cursor, editor, event.id, data, "import", comment)
                    )
                elif current.data != data or current.status is not Status.DRAFT:
                    done.append(
                        self._write(
                            cursor,
                            editor,
                            current,
                            data,
                            Status.DRAFT,
                            "import",
                            comment,
                            publish=False,
                        )
                    )
        return done

    def _current(self, cursor: _Cursor, event_id: str, expected_version: int) -> DeskEvent:
        current = self._get(cursor, event_id)
        if current is None:
            raise DeskError(f"no event '{event_id}' at the desk")
        if current.version != expected_version:
            by, at = self._saved_since(cursor, current, expected_version)
            base = self._data_at(cursor, event_id, expected_version)
            raise EditConflictError(current, by, at, diff(base, current.data))
        return current

    def _write(
        self,
        cursor: _Cursor,
        editor: Editor,
        current: DeskEvent,
        data: dict[str, Any],
        status: Status,
        action: str,
        comment: str,
        *,
        publish: bool,
        withdraw: bool = False,
    ) -> DeskEvent:
        version = current.version + 1
        now = self._clock().isoformat()
        if publish:
            lat, lon = _point(data)
            cursor.execute(
                "UPDATE desk_events SET version = ?, status = ?, data = ?, updated_by = ?, "
                "updated_at = ?, published = ?, published_at = ?, pub_lat = ?, pub_lon = ? "
                "WHERE id = ? AND version = ?",
                (
                    version,
                    status.value,
                    _text(data),
                    editor.email,
                    now,
                    _text(data),
                    now,
                    lat,
                    lon,
                    current.id,
                    current.version,
                ),
            )
        elif withdraw:
            cursor.execute(
                "UPDATE desk_events SET version = ?, status = ?, data = ?, updated_by = ?, "
                "updated_at = ?, published = NULL, published_at = NULL, pub_lat = NULL, "
                "pub_lon = NULL WHERE id = ? AND version = ?",
                (
                    version,
                    status.value,
                    _text(data),
                    editor.email,
                    now,
                    current.id,
                    current.version,
                ),
            )
        else:
            cursor.execute(
                "UPDATE desk_events SET version = ?, status = ?, data = ?, updated_by = ?, "
                "updated_at = ? WHERE id = ? AND version = ?",
                (
                    version,
                    status.value,
                    _text(data),
                    editor.email,
                    now,
                    current.id,
                    current.version,
                ),
            )
        if cursor.rowcount != 1:  # a writer slipped in between our read and this update
            self._current(cursor, current.id, current.version)
            raise DeskUnavailableError("the event changed during the save; try again")
        before = current.data
        self._revise(cursor, editor, current.id, version, action, status, before, data, comment)
        if publish or (withdraw and current.published is not None):
            self._bump_publication(cursor)
        updated = self._get(cursor, current.id)
        assert updated is not None
        return updated

    def _revise(
        self,
        cursor: _Cursor,
        editor: Editor,
        event_id: str,
        version: int,
        action: str,
        status: Status,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        comment: str,
    ) -> None:
        cursor.execute(
            "INSERT INTO desk_revisions (event_id, version, actor, actor_name, at, action, "
            "status, before, after, comment) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                event_id,
                version,
                editor.email,
                editor.name,
                self._clock().isoformat(),
                action,
                status.value,
                _text(before),
                _text(after),
                comment.strip(),
            ),
        )

    def _bump_publication(self, cursor: _Cursor) -> None:
        cursor.execute(
            "INSERT INTO desk_meta (key, value) VALUES ('publication', 1) "
            "ON CONFLICT (key) DO UPDATE SET value = desk_meta.value + 1"
        )

    def seed_published(self, events: Sequence[Event], source: str) -> int:
        """A desk with no events starts from the curated events file, published as it is (the
        file in git was the record until now). Does nothing once the desk has any event."""
        seeder = Editor(f"file:{source}", source, frozenset({Role.ADMIN}))
        with self.database.transaction() as cursor:
            cursor.execute("SELECT COUNT(*) FROM desk_events")
            if int(cursor.fetchone()[0]) > 0:
                return 0
            now = self._clock().isoformat()
            for event in events:
                data = event_data(event)
                lat, lon = _point(data)
                cursor.execute(
                    "INSERT INTO desk_events (id, version, status, data, updated_by, updated_at, "
                    "published, published_at, pub_lat, pub_lon) "
                    "VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        event.id,
                        Status.PUBLISHED.value,
                        _text(data),
                        seeder.email,
                        now,
                        _text(data),
                        now,
                        lat,
                        lon,
                    ),
                )
                self._revise(
                    cursor,
                    seeder,
                    event.id,
                    1,
                    "seed",
                    Status.PUBLISHED,
                    None,
                    data,
                    f"published as found in {source} when the desk started",
                )
            if events:
                self._bump_publication(cursor)
        return len(events)

    # ----------------------------------------------------------------- "being edited by"

    def mark_editing(
        self, editor: Editor, event_id: str, seconds: int = LOCK_SECONDS
    ) -> EditMarker:
        """Say that `editor` is editing the event. Returns the marker that holds: theirs, or
        someone else's unexpired one (which is left alone: the marker informs, the version
        check protects)."""
        editor.require(Action.EDIT)
        now = self._clock()
        with self.database.transaction() as cursor:
            held = self._marker(cursor, event_id)
            if held is not None and held.expires_at > now and held.holder != editor.email:
                return held
            expires = now + dt.timedelta(seconds=seconds)
            cursor.execute(
                "INSERT INTO desk_locks (event_id, holder, holder_name, expires_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (event_id) DO UPDATE SET holder = ?, "
                "holder_name = ?, expires_at = ?",
                (
                    event_id,
                    editor.email,
                    editor.name,
                    expires.isoformat(),
                    editor.email,
                    editor.name,
                    expires.isoformat(),
                ),
            )
            return EditMarker(event_id, editor.email, editor.name, expires)

    def editing(self, event_id: str) -> EditMarker | None:
        """Who is editing the event now, if anyone (expired markers are nobody)."""
        with self.database.transaction() as cursor:
            held = self._marker(cursor, event_id)
        return held if held is not None and held.expires_at > self._clock() else None

    def stop_editing(self, editor: Editor, event_id: str) -> None:
        with self.database.transaction() as cursor:
            cursor.execute(
                "DELETE FROM desk_locks WHERE event_id = ? AND holder = ?",
                (event_id, editor.email),
            )

    def _marker(self, cursor: _Cursor, event_id: str) -> EditMarker | None:
        cursor.execute(
            "SELECT event_id, holder, holder_name, expires_at FROM desk_locks WHERE event_id = ?",
            (event_id,),
        )
        row = cursor.fetchone()
        return EditMarker(row[0], row[1], row[2], _when(row[3])) if row else None

    # ----------------------------------------------------------------- typed, not saved

    def keep_unsaved(self, editor: Editor, form: str, typed: dict[str, Any]) -> None:
        """What an editor typed into a form whose save was refused: kept on the server, so
        that it survives a reload or an expired sign-in, until a save succeeds."""
        text = json.dumps(typed, default=str, ensure_ascii=False)
        now = self._clock().isoformat()
        with self.database.transaction() as cursor:
            cursor.execute(
                "INSERT INTO desk_unsaved (email, form, typed, saved_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (email, form) DO UPDATE SET typed = ?, saved_at = ?",
                (editor.email, form, text, now, text, now),
            )

    def unsaved(self, email: str, form: str) -> tuple[dict[str, Any], dt.datetime] | None:
        with self.database.transaction() as cursor:
            cursor.execute(
                "SELECT typed, saved_at FROM desk_unsaved WHERE email = ? AND form = ?",
                (email, form),
            )
            row = cursor.fetchone()
        return (dict(json.loads(row[0])), _when(row[1])) if row else None

    def forget_unsaved(self, email: str, form: str) -> None:
        with self.database.transaction() as cursor:
            cursor.execute("DELETE FROM desk_unsaved WHERE email = ? AND form = ?", (email, form))

    # ----------------------------------------------------------------- members

    def members(self) -> list[Member]:
        with self.database.transaction() as cursor:
            cursor.execute(
                "SELECT email, name, roles, updated_by, updated_at FROM desk_members ORDER BY email"
            )
            return [
                Member(r[0], r[1], parse_roles(r[2]), r[3], _when(r[4])) for r in cursor.fetchall()
            ]

    def roles_of(self, email: str) -> frozenset[Role]:
        with self.database.transaction() as cursor:
            cursor.execute("SELECT roles FROM desk_members WHERE email = ?", (email.lower(),))
            row = cursor.fetchone()
        return parse_roles(row[0]) if row else frozenset()

    def set_member(self, admin: Editor, email: str, roles: frozenset[Role], name: str = "") -> None:
        """Give `email` exactly `roles` (none removes the member)."""
        admin.require(Action.MEMBERS)
        email = email.strip().lower()
        if "@" not in email:
            raise DeskError(f"'{email}' is not an email address")
        now = self._clock().isoformat()
        with self.database.transaction() as cursor:
            if not roles:
                cursor.execute("DELETE FROM desk_members WHERE email = ?", (email,))
                return
            text = ", ".join(sorted(r.value for r in roles))
            cursor.execute(
                "INSERT INTO desk_members (email, name, roles, updated_by, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (email) DO UPDATE SET name = ?, roles = ?, "
                "updated_by = ?, updated_at = ?",
                (email, name, text, admin.email, now, name, text, admin.email, now),
            )


def _revision(row: Sequence[Any]) -> Revision:
    return Revision(
        seq=int(row[0]),
        event_id=row[1],
        version=int(row[2]),
        actor=row[3],
        actor_name=row[4],
        at=_when(row[5]),
        action=row[6],
        status=Status(row[7]),
        before=_json(row[8]),
        after=_json(row[9]),
        comment=row[10],
    )


def status_label(status: Status) -> str:
    return STATUS_LABELS[status]
