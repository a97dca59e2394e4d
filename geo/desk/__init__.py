"""The newsroom desk: events with a status, every change a revision, roles checked on every
change; SQLite embedded or PostgreSQL+PostGIS behind one interface (`DeskStore`)."""

from geo.desk.roles import Action, Editor, NotAllowedError, Role
from geo.desk.store import (
    DeskError,
    DeskEvent,
    DeskStore,
    DeskUnavailableError,
    EditConflictError,
    Revision,
)
from geo.desk.workflow import Move, Status, WorkflowError

__all__ = [
    "Action",
    "DeskError",
    "DeskEvent",
    "DeskStore",
    "DeskUnavailableError",
    "EditConflictError",
    "Editor",
    "Move",
    "NotAllowedError",
    "Revision",
    "Role",
    "Status",
    "WorkflowError",
]
