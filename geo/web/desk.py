"""The newsroom desk: signed-in editors add, verify and publish events; every change on record.

The page offers only what the editor's roles allow, and the store checks every change again.
Typed text lives in the session under the form's keys and is never cleared by a refused save:
a validation error, an edit conflict or a database outage leaves the form as it was.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

import pandas as pd
import streamlit as st

from geo import settings
from geo.desk.files import import_into_desk, merged_events_yaml
from geo.desk.merge import path_label
from geo.desk.roles import Action, Editor, NotAllowedError, Role, parse_roles
from geo.desk.store import DeskError, DeskEvent, DeskStore, DeskUnavailableError, EditConflictError
from geo.desk.workflow import (
    MOVE_LABELS,
    MOVES,
    STATUS_LABELS,
    Move,
    Status,
    WorkflowError,
    moves_from,
)
from geo.errors import DataFileError, EventAtlasError
from geo.escape import escape_markdown as md
from geo.model import Event
from geo.web import auth, downloads
from geo.web.desk_form import K_FLASH, K_OPEN, K_TAB, K_TAB_NEXT, event_form, forget
from geo.web.desk_form import key as form_key
from geo.web.publication import desk_store

K_OPEN_PICKER = "desk_open_select"
K_TABLE = "desk_events_table"
K_TABLE_IDS = "desk_events_table_ids"
OUTAGE = (
    "{error}. Nothing typed is lost: it stays in this form; try again when the database is back."
)


def desk_page(app_dir: Path) -> None:
    st.title("Desk")
    url = settings.desk_url()
    if url is None:
        st.info(
            "No desk is configured. Start the app with EVENT_ATLAS_DESK=sqlite:data/desk.sqlite "
            "(embedded) or a postgresql:// URL; see the README, Newsroom desk."
        )
        return
    try:
        store = desk_store(url, str(app_dir))
        editor = auth.current_editor(store)
    except DeskUnavailableError as error:
        _outage(error)
        return
    problem = auth.sign_in_problem()
    if problem is not None:
        st.warning(md(problem))
        auth.sign_out_button()
        return
    if editor is None:
        auth.sign_in_box()
        return
    _header(editor)
    relaxed = auth.unverified_emails_warning()
    if relaxed is not None:
        st.warning(md(relaxed))
    # Always drawn, so that what follows keeps its place on the page (the tabs stay where the
    # editor left them whether or not there is a message).
    flash_slot = st.container()
    flash = st.session_state.pop(K_FLASH, None)
    if flash:
        flash_slot.success(md(flash))
    if not editor.roles:
        st.warning(
            md(
                f"{editor.email} has no desk role yet: an admin gives roles on the Members tab "
                "(or through the sign-in provider's groups)."
            )
        )
        return
    try:
        _tabs(store, editor, app_dir)
    except DeskUnavailableError as error:
        _outage(error)


def _outage(error: DeskUnavailableError) -> None:
    text = str(error)
    st.error(md(OUTAGE.format(error=text[:1].upper() + text[1:])))
    st.button("Try again", key="desk_try_again")  # any click reruns the page


def _header(editor: Editor) -> None:
    left, right = st.columns([4, 1])
    roles = ", ".join(sorted(r.value for r in editor.roles)) or "no role"
    left.caption(md(f"Signed in as {editor.label} · {roles}"))
    with right:
        auth.sign_out_button()


def _tabs(store: DeskStore, editor: Editor, app_dir: Path) -> None:
    names = ["Events", "New event", "Import and export"]
    if editor.may(Action.EDIT):  # the role that adds and imports events
        names.insert(2, "From an article")
    if editor.may(Action.MEMBERS):
        names.append("Members")
    chosen = st.session_state.pop(K_TAB_NEXT, None)
    if chosen in names:
        st.session_state[K_TAB] = chosen
    elif st.session_state.get(K_TAB) not in names:
        st.session_state.pop(K_TAB, None)
    # Keyed, so the tab an editor is on stays chosen across runs (and a page may choose it).
    tabs = dict(zip(names, st.tabs(names, key=K_TAB, on_change="rerun"), strict=True))
    with tabs["Events"]:
        _events_tab(store, editor, app_dir)
    with tabs["New event"]:
        if editor.may(Action.EDIT):
            event_form(store, editor, None, app_dir)
        else:
            st.caption("Adding events needs the contributor role.")
    if "From an article" in tabs:
        with tabs["From an article"]:
            from geo.web.article_drafts import article_tab  # it uses this module's keys

            article_tab(store, editor, app_dir)
    with tabs["Import and export"]:
        _files_tab(store, editor, app_dir)
    if "Members" in tabs:
        with tabs["Members"]:
            _members_tab(store, editor)


# --------------------------------------------------------------------------- the list


def _events_tab(store: DeskStore, editor: Editor, app_dir: Path) -> None:
    statuses = st.multiselect(
        "Status",
        options=list(Status),
        format_func=lambda s: STATUS_LABELS[s],
        default=[Status.DRAFT, Status.IN_REVIEW, Status.VERIFIED, Status.PUBLISHED],
        key="desk_status_filter",
    )
    events = store.events(statuses)
    if not events:
        st.caption("No event has these statuses.")
        return
    st.session_state[K_TABLE_IDS] = [e.id for e in events]
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "title": e.title,
                    "status": STATUS_LABELS[e.status],
                    "readers see": _readers_see(e),
                    "version": e.version,
                    "updated by": e.updated_by,
                    "updated": f"{e.updated_at:%Y-%m-%d %H:%M} UTC",
                    "id": e.id,
                }
                for e in events
            ]
        ),
        hide_index=True,
        width="stretch",
        key=K_TABLE,
        on_select=_table_picked,
        # A click on any cell of a row opens its event, as does its row marker.
        selection_mode=["single-row", "single-cell"],
    )
    st.caption("Click a row to open its event, or choose it here:")
    ids: list[str] = [e.id for e in events]
    titles = {e.id: f"{e.title} · {STATUS_LABELS[e.status]}" for e in events}
    # The browser holds the picked option by its label, which changes with the event's status
    # or title; a stale label would come back as no choice at all. So the open event is kept
    # apart and handed to the picker on every run, which gives the browser the new label.
    st.session_state[K_OPEN_PICKER] = (
        st.session_state[K_OPEN] if st.session_state.get(K_OPEN) in ids else None
    )
    chosen = st.selectbox(
        "Open an event",
        options=ids,
        format_func=lambda i: titles[i],
        placeholder="Choose an event to edit, review or publish",
        key=K_OPEN_PICKER,
        on_change=_picked,
    )
    if chosen is None:
        return
    current = store.get(chosen)
    if current is None:
        st.warning(md(f"'{chosen}' is no longer at the desk."))
        return
    _event_panel(store, editor, current, app_dir)


def _picked() -> None:
    st.session_state[K_OPEN] = st.session_state.get(K_OPEN_PICKER)


def _table_picked() -> None:
    """A click on a row of the events table (a cell or the row marker) opens that event."""
    selection = _selection(st.session_state.get(K_TABLE))
    rows = [int(r) for r in selection.get("rows") or []]
    rows += [int(cell[0]) for cell in selection.get("cells") or []]
    ids = list(st.session_state.get(K_TABLE_IDS) or [])
    if rows and 0 <= rows[0] < len(ids):
        st.session_state[K_OPEN] = ids[rows[0]]


def _selection(state: Any) -> Mapping[str, Any]:
    selection = state.get("selection") if isinstance(state, Mapping) else None
    if selection is None:
        selection = getattr(state, "selection", None)
    return selection if isinstance(selection, Mapping) else {}


def _readers_see(event: DeskEvent) -> str:
    if event.published is None:
        return "nothing yet"
    return "an older version" if event.unpublished_changes else "this version"


def _event_panel(store: DeskStore, editor: Editor, current: DeskEvent, app_dir: Path) -> None:
    st.subheader(md(current.title))
    published = (
        f" · published {current.published_at:%Y-%m-%d %H:%M} UTC" if current.published_at else ""
    )
    st.caption(
        md(
            f"{STATUS_LABELS[current.status]} · version {current.version} · last change by "
            f"{current.updated_by}{published}"
            + (" · has changes readers do not see yet" if current.unpublished_changes else "")
        )
    )
    if editor.may(Action.EDIT) and current.status is not Status.ARCHIVED:
        marker = store.mark_editing(editor, current.id)
        if not marker.held_by(editor):
            st.warning(
                md(
                    f"Being edited by {marker.holder_name or marker.holder} ({marker.holder}) "
                    f"until {marker.expires_at:%H:%M:%S} UTC. You may still save: your changes "
                    "and theirs are merged field by field, and a field you both change is "
                    "shown to you to choose."
                )
            )
    _moves(store, editor, current)
    edit, history = st.tabs(["Edit", "History"])
    with edit:
        if editor.may(Action.EDIT) and current.status is not Status.ARCHIVED:
            event_form(store, editor, current, app_dir)
        else:
            st.json(current.data, expanded=False)
    with history:
        _history(store, editor, current)


def _moves(store: DeskStore, editor: Editor, current: DeskEvent) -> None:
    allowed = [m for m in moves_from(current.status) if editor.may(MOVES[m][2])]
    if not allowed:
        return
    comment = st.text_input(
        "Comment for the record (optional)", key=f"desk_move_comment_{current.id}"
    )
    blocked = _second_pair_needed(store, editor, current, allowed)
    columns = st.columns(len(allowed))
    for column, move in zip(columns, allowed, strict=True):
        if column.button(
            MOVE_LABELS[move],
            key=f"desk_move_{move.value}_{current.id}",
            disabled=move in blocked,
            help=blocked.get(move),
        ):
            _apply_move(store, editor, current, move, comment)
    if blocked:
        st.caption(md(next(iter(blocked.values()))))
    if blocked and Role.ADMIN in editor.roles:
        _override(store, editor, current, list(blocked), comment)


def _second_pair_needed(
    store: DeskStore, editor: Editor, current: DeskEvent, allowed: list[Move]
) -> dict[Move, str]:
    """The moves the two-person rule keeps from this editor, with the reason."""
    checked = [m for m in allowed if m in (Move.VERIFY, Move.PUBLISH)]
    if not checked or not store.two_person_rule or store.last_editor(current.id) != editor.email:
        return {}
    return {
        move: (
            f"You made the last change to this version, so someone else must "
            f"{'verify' if move is Move.VERIFY else 'publish'} it (two-person rule)."
        )
        for move in checked
    }


def _override(
    store: DeskStore, editor: Editor, current: DeskEvent, moves: list[Move], comment: str
) -> None:
    """An admin may verify or publish their own change, stating why; the reason is recorded."""
    with st.expander("Override the two-person rule (admins only, recorded in the history)"):
        reason = st.text_input(
            "Reason for the override (required)", key=f"desk_override_reason_{current.id}"
        )
        for move in moves:
            if st.button(
                f"{MOVE_LABELS[move]} anyway", key=f"desk_override_{move.value}_{current.id}"
            ):
                if not reason.strip():
                    st.error("Write the reason for the override first: it goes into the record.")
                    return
                _apply_move(store, editor, current, move, comment, override=reason)


def _apply_move(
    store: DeskStore,
    editor: Editor,
    current: DeskEvent,
    move: Move,
    comment: str,
    *,
    override: str = "",
) -> None:
    try:
        moved = store.move(editor, current.id, move, current.version, comment, override=override)
    except EditConflictError as conflict:
        st.error(md(conflict))
        return
    except (NotAllowedError, WorkflowError, DeskError, DataFileError) as error:
        if isinstance(error, DeskUnavailableError):
            raise
        st.error(md(error))
        return
    version_key = form_key(current.id, "version")
    if st.session_state.get(version_key) == current.version:
        st.session_state[version_key] = moved.version  # our own move: the content is the same
    st.session_state[K_FLASH] = f"{moved.title}: {STATUS_LABELS[moved.status].lower()}."
    st.rerun()


# --------------------------------------------------------------------------- history


def _history(store: DeskStore, editor: Editor, current: DeskEvent) -> None:
    for revision in store.history(current.id):
        who = revision.actor_name or revision.actor
        head = (
            f"**{revision.action}** by {who} ({revision.actor}) · {revision.at:%Y-%m-%d %H:%M:%S} "
            f"UTC · version {revision.version} · {STATUS_LABELS[revision.status]}"
        )
        with st.expander(md(head.replace("**", "")), expanded=False):
            if revision.comment:
                st.text(f"Comment: {revision.comment}")
            changes = revision.changes
            if changes:
                # st.dataframe shows cells as plain text (st.table would render Markdown).
                st.dataframe(
                    pd.DataFrame(
                        [
                            {
                                "field": path_label(c.field),
                                "before": _shown(c.before),
                                "after": _shown(c.after),
                            }
                            for c in changes
                        ]
                    ),
                    hide_index=True,
                    width="stretch",
                )
            else:
                st.caption("No field changed (a status change).")
            may_revert = editor.may(Action.EDIT) and revision.version != current.version
            if may_revert and st.button(
                f"Revert to this version ({revision.version})",
                key=f"desk_revert_{current.id}_{revision.seq}",
            ):
                try:
                    store.revert(editor, current.id, revision.seq, current.version)
                except (EventAtlasError, NotAllowedError) as error:
                    if isinstance(error, DeskUnavailableError):
                        raise
                    st.error(md(error))
                    return
                forget(current.id)
                st.session_state[K_FLASH] = (
                    f"Reverted to version {revision.version}: saved as a new draft."
                )
                st.rerun()


def _shown(value: Any) -> str:
    return "—" if value is None else str(value)


# --------------------------------------------------------------------------- files


def _files_tab(store: DeskStore, editor: Editor, app_dir: Path) -> None:
    st.caption(
        "Import a file: its events become drafts attributed to you (an events file, or any "
        "export the command `python -m geo import` reads: ACLED, GDELT, UCDP, GeoJSON, CSV)."
    )
    if editor.may(Action.EDIT):
        upload = st.file_uploader("File to import", key="desk_import_file")
        if upload is not None and st.button("Import as drafts", key="desk_import_go"):
            _import_upload(store, editor, upload.name, upload.getvalue())
    events = store.published_events()
    st.caption(
        f"Export the {len(events):,} published events. The YAML is the app's events file with "
        "the desk's changes merged in: its comments and order are kept, so a curated file in "
        "git can stay the record."
    )
    events_file = settings.events_path(app_dir)
    # Each file is written when its button is clicked, then saved from disk (geo.web.downloads).
    kinds = [
        downloads.FileKind("Events YAML", "events.yaml", "application/yaml", _yaml(events_file)),
        replace(downloads.GEOJSON, label="GeoJSON"),
        replace(downloads.CSV, label="CSV"),
    ]
    version = events_file.stat().st_mtime_ns if events_file.is_file() else None
    holds = (store.publication_mark(), version)  # a publish or an edit of the file: new files
    for column, kind in zip(st.columns(3), kinds, strict=True):
        with column:
            downloads.offer(
                kind,
                lambda: events,
                slot=f"desk:{kind.file_name}",
                holds=holds,
                total=lambda: len(events),
            )


def _yaml(events_file: Path) -> downloads.Writer:
    """The published events merged into the events file as it is when the button is clicked."""

    def write(events: Iterable[Event], out: TextIO) -> int:
        existing = events_file.read_text(encoding="utf-8-sig") if events_file.is_file() else None
        listed = list(events)
        heading = "Published events from the Event Atlas desk"
        out.write(merged_events_yaml(existing, listed, heading))
        return len(listed)

    return write


def _import_upload(store: DeskStore, editor: Editor, name: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(name).name
        path.write_bytes(data)
        try:
            drafts = import_into_desk(store, editor, path)
        except DataFileError as error:
            st.error(md(f"Nothing imported: {error.summary}"))
            st.code("\n".join(str(p) for p in error.problems[:50]), language=None)
            return
    st.session_state[K_FLASH] = f"{len(drafts):,} drafts from {name}, attributed to you."
    st.rerun()


# --------------------------------------------------------------------------- members


def _members_tab(store: DeskStore, admin: Editor) -> None:
    members = store.members()
    if members:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "email": m.email,
                        "name": m.name,
                        "roles": ", ".join(sorted(m.roles)),
                        "changed by": m.updated_by,
                    }
                    for m in members
                ]
            ),
            hide_index=True,
        )
    with st.form("desk_member_form"):
        email = st.text_input("Email")
        name = st.text_input("Name (optional)")
        roles = st.multiselect("Roles (none removes the member)", options=[r.value for r in Role])
        if st.form_submit_button("Give these roles"):
            try:
                store.set_member(admin, email, parse_roles(",".join(roles)), name)
            except (DeskError, NotAllowedError) as error:
                if isinstance(error, DeskUnavailableError):
                    raise
                st.error(md(error))
                return
            st.session_state[K_FLASH] = f"{email}: {', '.join(roles) or 'no role'}."
            st.rerun()
