"""Who may do what at the desk. Checked on the server for every change, whatever a browser sends.

Roles are separate permissions, not ranks (a newsroom often lets a verifier check figures without
letting them publish): contributor drafts and edits, verifier reviews, publisher publishes and
archives, admin manages members. Admin may do everything. One person may hold several roles,
from the sign-in provider's groups or from the desk's members table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from geo.errors import EventAtlasError


class Role(StrEnum):
    CONTRIBUTOR = "contributor"
    VERIFIER = "verifier"
    PUBLISHER = "publisher"
    ADMIN = "admin"


class Action(StrEnum):
    EDIT = "edit"  # create, change, submit for review, revert
    REVIEW = "review"  # mark verified, send back to draft
    PUBLISH = "publish"  # publish, archive, restore
    MEMBERS = "members"  # give and take roles


NEEDS: dict[Action, Role] = {
    Action.EDIT: Role.CONTRIBUTOR,
    Action.REVIEW: Role.VERIFIER,
    Action.PUBLISH: Role.PUBLISHER,
    Action.MEMBERS: Role.ADMIN,
}


class NotAllowedError(EventAtlasError):
    """The signed-in editor lacks the role an action needs."""


@dataclass(frozen=True)
class Editor:
    """A signed-in person: what every change is attributed to."""

    email: str
    name: str = ""
    roles: frozenset[Role] = field(default_factory=frozenset)

    @property
    def label(self) -> str:
        return (
            f"{self.name} <{self.email}>" if self.name and self.name != self.email else self.email
        )

    def may(self, action: Action) -> bool:
        return Role.ADMIN in self.roles or NEEDS[action] in self.roles

    def require(self, action: Action) -> None:
        if not self.may(action):
            needed = NEEDS[action]
            held = ", ".join(sorted(self.roles)) or "no role"
            raise NotAllowedError(
                f"{self.email} may not {action.value}: that needs the {needed.value} role "
                f"(held: {held}); ask an admin of this desk"
            )


def roles_from_groups(groups: Iterable[str], prefix: str = "") -> frozenset[Role]:
    """Roles named by the provider's groups claim. With a prefix, only the groups the desk owns
    count (`atlas-publisher` with the prefix `atlas-`): a provider's plain `admin` group is
    someone else's and gives nothing. Without one, a group named like a role gives it, so the
    provider's group names must then be the desk's alone (README, Newsroom desk)."""
    known = {role.value: role for role in Role}
    found = set()
    for group in groups:
        name = str(group).strip().lower()
        if prefix:
            if not name.startswith(prefix.lower()):
                continue
            name = name[len(prefix) :]
        if name in known:
            found.add(known[name])
    return frozenset(found)


def parse_roles(text: str) -> frozenset[Role]:
    """`"verifier, publisher"` → roles; an unknown name is refused with the known ones."""
    roles = set()
    for part in text.replace(";", ",").split(","):
        name = part.strip().lower()
        if not name:
            continue
        try:
            roles.add(Role(name))
        except ValueError:
            known = ", ".join(r.value for r in Role)
            raise NotAllowedError(f"unknown role '{part.strip()}': use {known}") from None
    return frozenset(roles)
