"""An event's way from draft to readers. Only `published` reaches readers, and only what a
publisher published: a later edit is a new draft until it is published again."""

from __future__ import annotations

from enum import StrEnum

from geo.desk.roles import Action
from geo.errors import EventAtlasError


class Status(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    VERIFIED = "verified"
    PUBLISHED = "published"
    ARCHIVED = "archived"


STATUS_LABELS = {
    Status.DRAFT: "Draft",
    Status.IN_REVIEW: "In review",
    Status.VERIFIED: "Verified",
    Status.PUBLISHED: "Published",
    Status.ARCHIVED: "Archived",
}


class Move(StrEnum):
    SUBMIT = "submit"
    VERIFY = "verify"
    SEND_BACK = "send_back"
    PUBLISH = "publish"
    ARCHIVE = "archive"
    RESTORE = "restore"


# move → (statuses it starts from, status it ends in, permission it needs)
MOVES: dict[Move, tuple[frozenset[Status], Status, Action]] = {
    Move.SUBMIT: (frozenset({Status.DRAFT}), Status.IN_REVIEW, Action.EDIT),
    Move.VERIFY: (frozenset({Status.IN_REVIEW}), Status.VERIFIED, Action.REVIEW),
    Move.SEND_BACK: (frozenset({Status.IN_REVIEW, Status.VERIFIED}), Status.DRAFT, Action.REVIEW),
    # Readers must never see an unverified figure: only verified work is published.
    Move.PUBLISH: (frozenset({Status.VERIFIED}), Status.PUBLISHED, Action.PUBLISH),
    Move.ARCHIVE: (
        frozenset({Status.DRAFT, Status.IN_REVIEW, Status.VERIFIED, Status.PUBLISHED}),
        Status.ARCHIVED,
        Action.PUBLISH,
    ),
    Move.RESTORE: (frozenset({Status.ARCHIVED}), Status.DRAFT, Action.PUBLISH),
}

MOVE_LABELS = {
    Move.SUBMIT: "Submit for review",
    Move.VERIFY: "Mark verified",
    Move.SEND_BACK: "Send back to draft",
    Move.PUBLISH: "Publish",
    Move.ARCHIVE: "Archive",
    Move.RESTORE: "Restore as draft",
}


class WorkflowError(EventAtlasError):
    """A move that the event's status does not allow."""


def target_of(move: Move, current: Status) -> Status:
    starts, ends, _ = MOVES[move]
    if current not in starts:
        allowed = ", ".join(STATUS_LABELS[s].lower() for s in sorted(starts))
        raise WorkflowError(
            f"cannot {MOVE_LABELS[move].lower()} an event that is "
            f"{STATUS_LABELS[current].lower()}: only from {allowed}"
        )
    return ends


def moves_from(current: Status) -> list[Move]:
    return [move for move, (starts, _, _) in MOVES.items() if current in starts]
