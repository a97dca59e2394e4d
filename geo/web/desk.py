"""The newsroom desk: signed-in editors add, verify and publish events; every change on record.

The page offers only what the editor's roles allow, and the store checks every change again.
Typed text lives in the session under the form's keys and is never cleared by a refused save:
a validation error, an edit conflict or a database outage leaves the form as it was.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from geo import settings
from geo.desk.files import import_into_desk, merged_events_yaml
from geo.desk.form import (
    FIGURE_COLUMNS,
    QUALIFIERS,
    SOURCE_COLUMNS,
    TIME_PRECISIONS,
    checked_event,
    form_data,
    form_values,
    geocoded_record,
    locate,
    new_event_id,
)
from geo.desk.roles import Action, Editor, NotAllowedError, Role, parse_roles
from geo.desk.store import DeskError, DeskEvent, DeskStore, DeskUnavailableError, EditConflictError
from geo.desk.workflow import MOVE_LABELS, STATUS_LABELS, Move, Status, WorkflowError, moves_from
from geo.errors import DataFileError, EventAtlasError
from geo.escape import escape_markdown as md
from geo.export import to_csv, to_geojson_text
from geo.map.base import point_map
from geo.vocabulary import GEO_PRECISION_LABELS, EventType
from geo.web import auth, page
from geo.web.component import render_base_map, show_map
from geo.web.publication import desk_store

K_OPEN = "desk_open_event"
K_OPEN_PICKER = "desk_open_select"
K_FLASH = "desk_flash"
NEW = "new"
OUTAGE = (
    "{error}. Nothing typed is lost: it stays in this form; try again when the database is back."
)


def desk_page(app_dir: Path) -> None:
    st.title("Desk")
    _keep_typed_text()
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
    if editor is None:
        auth.sign_in_box()
        return
    _header(editor)
    flash = st.session_state.pop(K_FLASH, None)
    if flash:
        st.success(md(flash))
    if not editor.roles:
        st.warning(
            f"{editor.email} has no desk role yet: an admin gives roles on the Members tab "
            "(or through the sign-in provider's groups)."
        )
        return
    try:
        _tabs(store, editor, app_dir)
    except DeskUnavailableError as error:
        _outage(error)


_NOT_TYPED = ("add_source", "add_figure", "restore", "_map")  # buttons and the map


def _keep_typed_text() -> None:
    """Streamlit forgets a widget's value when a run does not draw it, as a run that stops at
    an outage banner. Re-stating every form value at the start of each run keeps it."""
    for key in list(st.session_state.keys()):
        name = str(key)
        if name.startswith("df_") and not any(part in name for part in _NOT_TYPED):
            st.session_state[key] = st.session_state[key]


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
    tabs = dict(zip(names, st.tabs(names), strict=True))
    with tabs["Events"]:
        _events_tab(store, editor, app_dir)
    with tabs["New event"]:
        if editor.may(Action.EDIT):
            _event_form(store, editor, None, app_dir)
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
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "id": e.id,
                    "title": e.title,
                    "status": STATUS_LABELS[e.status],
                    "unpublished changes": e.unpublished_changes,
                    "version": e.version,
                    "updated by": e.updated_by,
                    "updated": f"{e.updated_at:%Y-%m-%d %H:%M} UTC",
                }
                for e in events
            ]
        ),
        hide_index=True,
        width="stretch",
    )
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
                    f"until {marker.expires_at:%H:%M:%S} UTC. You may still save: if they save "
                    "first, your save is refused with their change and your text is kept."
                )
            )
    _moves(store, editor, current)
    edit, history = st.tabs(["Edit", "History"])
    with edit:
        if editor.may(Action.EDIT) and current.status is not Status.ARCHIVED:
            _event_form(store, editor, current, app_dir)
        else:
            st.json(current.data, expanded=False)
    with history:
        _history(store, editor, current)


def _moves(store: DeskStore, editor: Editor, current: DeskEvent) -> None:
    from geo.desk.workflow import MOVES

    allowed = [m for m in moves_from(current.status) if editor.may(MOVES[m][2])]
    if not allowed:
        return
    comment = st.text_input(
        "Comment for the record (optional)", key=f"desk_move_comment_{current.id}"
    )
    columns = st.columns(len(allowed))
    for column, move in zip(columns, allowed, strict=True):
        if column.button(MOVE_LABELS[move], key=f"desk_move_{move.value}_{current.id}"):
            _apply_move(store, editor, current, move, comment)


def _apply_move(
    store: DeskStore, editor: Editor, current: DeskEvent, move: Move, comment: str
) -> None:
    try:
        moved = store.move(editor, current.id, move, current.version, comment)
    except EditConflictError as conflict:
        st.error(md(conflict))
        return
    except (NotAllowedError, WorkflowError, DeskError, DataFileError) as error:
        st.error(md(error))
        return
    if st.session_state.get(_key(current.id, "version")) == current.version:
        st.session_state[_key(current.id, "version")] = moved.version  # our own move
    st.session_state[K_FLASH] = f"{moved.title}: {STATUS_LABELS[moved.status].lower()}."
    st.rerun()


# --------------------------------------------------------------------------- the form


def _key(form: str, field: str) -> str:
    return f"df_{form}_{field}"


def _prime(form: str, current: DeskEvent | None) -> None:
    """Fill the form once from the stored event; later runs keep whatever was typed."""
    if st.session_state.get(_key(form, "primed")) and current is not None:
        untouched = _typed(form) == st.session_state.get(_key(form, "base"))
        stale = st.session_state.get(_key(form, "version")) != current.version
        if untouched and stale:  # someone else saved, and nothing was typed here: show theirs
            _forget_form(form)
    if st.session_state.get(_key(form, "primed")):
        pending = st.session_state.pop(_key(form, "pending"), None)
        if pending:
            for field, value in pending.items():
                st.session_state[_key(form, field)] = value
        if st.session_state.pop(_key(form, "comment_clear"), False):
            st.session_state[_key(form, "comment")] = ""
        return
    values = form_values(current.data if current else None)
    for field, value in values.items():
        if field in ("figures", "sources"):
            columns = SOURCE_COLUMNS if field == "sources" else FIGURE_COLUMNS
            rows = value or [{}]
            st.session_state[_key(form, f"n_{field}")] = len(rows)
            for index, row in enumerate(rows):
                for column in columns:
                    cell = row.get(column, _EMPTY_CELL.get(column, ""))
                    st.session_state[_key(form, f"{field}{index}_{column}")] = cell
        else:
            st.session_state[_key(form, field)] = value
    st.session_state[_key(form, "version")] = current.version if current else 0
    st.session_state[_key(form, "primed")] = True
    st.session_state[_key(form, "base")] = _typed(form)


def _row_keys(form: str, field: str, columns: tuple[str, ...]) -> list[dict[str, str]]:
    count = int(st.session_state.get(_key(form, f"n_{field}")) or 1)
    return [{c: _key(form, f"{field}{i}_{c}") for c in columns} for i in range(count)]


def _add_row(form: str, field: str, columns: tuple[str, ...]) -> None:
    index = len(_row_keys(form, field, columns))
    for column in columns:
        st.session_state[_key(form, f"{field}{index}_{column}")] = _EMPTY_CELL.get(column, "")
    st.session_state[_key(form, f"n_{field}")] = index + 1
    st.rerun()


_EMPTY_CELL: dict[str, Any] = {"kind": "fatalities", "qualifier": "exact", "value": None}


def _typed_rows(form: str, field: str, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    return [
        {column: st.session_state.get(key) for column, key in keys.items()}
        for keys in _row_keys(form, field, columns)
    ]


def _event_form(store: DeskStore, editor: Editor, current: DeskEvent | None, app_dir: Path) -> None:
    form = current.id if current else NEW
    _prime(form, current)
    _offer_unsaved(store, editor, form)
    with st.form(f"desk_form_{form}", clear_on_submit=False):
        if current is None:
            st.text_input("Id (optional: made from the date and title)", key=_key(form, "id"))
        st.text_input("Title", key=_key(form, "title"), max_chars=300)
        left, middle, right = st.columns(3)
        left.selectbox("Type", options=[t.value for t in EventType], key=_key(form, "event_type"))
        middle.date_input("Date", key=_key(form, "date"), format="YYYY-MM-DD")
        right.selectbox("Date precision", options=TIME_PRECISIONS, key=_key(form, "time_precision"))
        st.date_input("Last day (for a range)", key=_key(form, "date_end"), format="YYYY-MM-DD")
        left, middle, right = st.columns([3, 1, 2])
        left.text_input(
            "Place (found in the offline gazetteer on save)", key=_key(form, "place_name")
        )
        middle.text_input("Country (ISO code)", key=_key(form, "country"), max_chars=2)
        right.selectbox(
            "Location precision",
            options=[0, 1, 2, 3],
            format_func=lambda p: GEO_PRECISION_LABELS[p],
            key=_key(form, "geo_precision"),
        )
        left, right = st.columns(2)
        left.text_input("Latitude (blank: from the place name)", key=_key(form, "latitude"))
        right.text_input("Longitude (blank: from the place name)", key=_key(form, "longitude"))
        st.caption("Sources: each with the exact quote the event rests on")
        for index, keys in enumerate(_row_keys(form, "sources", SOURCE_COLUMNS)):
            left, middle, right = st.columns([2, 3, 1])
            left.text_input(f"Source {index + 1}: publisher", key=keys["publisher"])
            middle.text_input(f"Source {index + 1}: link (optional)", key=keys["url"])
            right.text_input(
                f"Source {index + 1}: date", key=keys["date"], placeholder="YYYY-MM-DD"
            )
            st.text_area(f"Source {index + 1}: exact quote", key=keys["quote"], height=80)
        st.caption("Figures: deaths or injuries, each with who claims it")
        for index, keys in enumerate(_row_keys(form, "figures", FIGURE_COLUMNS)):
            kind, value, qualifier, claimed = st.columns(4)
            kind.selectbox(f"Figure {index + 1}", ["fatalities", "injured"], key=keys["kind"])
            value.number_input(
                f"Figure {index + 1}: number", min_value=0, step=1, key=keys["value"]
            )
            qualifier.selectbox(
                f"Figure {index + 1}: qualifier", list(QUALIFIERS), key=keys["qualifier"]
            )
            claimed.text_input(f"Figure {index + 1}: claimed by", key=keys["claimed_by"])
        st.text_area("Summary", key=_key(form, "summary"), max_chars=10_000)
        left, right = st.columns(2)
        left.text_input("Tags (comma-separated)", key=_key(form, "tags"))
        right.text_input("Actors (comma-separated)", key=_key(form, "actors"))
        st.text_input("Comment for the record: what changed and why", key=_key(form, "comment"))
        label = "Save draft" if current is None else "Save as a new draft version"
        submitted = st.form_submit_button(label, type="primary")
    more_sources, more_figures, _ = st.columns([1, 1, 3])
    if more_sources.button("Add a source", key=_key(form, "add_source")):
        _add_row(form, "sources", SOURCE_COLUMNS)
    if more_figures.button("Add a figure", key=_key(form, "add_figure")):
        _add_row(form, "figures", FIGURE_COLUMNS)
    if submitted:
        _save(store, editor, current, form, _typed(form))
    _place_map(form, app_dir)


def _offer_unsaved(store: DeskStore, editor: Editor, form: str) -> None:
    """Text a refused save kept on the server (this session or an earlier one, before a reload
    or an expired sign-in), offered back until a save succeeds."""
    kept = store.unsaved(editor.email, form)
    if kept is None or kept[0] == _json_safe(_typed(form)):
        return
    typed, at = kept
    left, right = st.columns([3, 1])
    left.warning(f"You have text typed here at {at:%Y-%m-%d %H:%M} UTC that was never saved.")
    if right.button("Restore it", key=_key(form, "restore")):
        _restore(form, typed)
        st.rerun()


def _json_safe(values: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(json.dumps(values, default=str)))


def _restore(form: str, typed: dict[str, Any]) -> None:
    pending: dict[str, Any] = {}
    for field, value in typed.items():
        if field in ("sources", "figures"):
            rows = list(value or [])
            st.session_state[_key(form, f"n_{field}")] = max(len(rows), 1)
            for index, row in enumerate(rows):
                for column, cell in row.items():
                    pending[f"{field}{index}_{column}"] = cell
        elif field in ("date", "date_end"):
            pending[field] = dt.date.fromisoformat(value) if value else None
        else:
            pending[field] = value
    st.session_state[_key(form, "pending")] = pending


def _typed(form: str) -> dict[str, Any]:
    fields = (
        "id",
        "title",
        "event_type",
        "date",
        "time_precision",
        "date_end",
        "place_name",
        "country",
        "latitude",
        "longitude",
        "geo_precision",
        "summary",
        "tags",
        "actors",
    )
    values = {field: st.session_state.get(_key(form, field)) for field in fields}
    values["sources"] = _typed_rows(form, "sources", SOURCE_COLUMNS)
    values["figures"] = _typed_rows(form, "figures", FIGURE_COLUMNS)
    return values


def _save(
    store: DeskStore,
    editor: Editor,
    current: DeskEvent | None,
    form: str,
    values: dict[str, Any],
) -> None:
    comment = str(st.session_state.get(_key(form, "comment")) or "")
    base = current.data if current else None
    try:
        data = form_data(values, keep=base)
        located = _geocode_if_needed(form, data, base)
        if current is None and not data["id"]:
            taken = [e.id for e in store.events()]
            data["id"] = new_event_id(data["title"], values.get("date"), taken)
        event = checked_event(data)
        version = int(st.session_state.get(_key(form, "version")) or 0)
        if current is None:
            saved = store.create(editor, event, comment)
        else:
            saved = store.save(editor, event, version, comment)
    except DataFileError as error:
        store.keep_unsaved(editor, form, values)
        st.error("Not saved: fix these fields (your text is kept).")
        st.code("\n".join(f"{p.field}: {p.message}" for p in error.problems), language=None)
        return
    except EditConflictError as conflict:
        store.keep_unsaved(editor, form, values)
        st.session_state[_key(form, "version")] = conflict.current.version
        st.error(md(conflict))
        st.table(
            pd.DataFrame(
                [
                    {"field": c.field, "theirs": str(c.after), "before": str(c.before)}
                    for c in conflict.changes
                ]
            )
        )
        return
    except (NotAllowedError, DeskError) as error:
        if isinstance(error, DeskUnavailableError):
            raise
        st.error(md(error))
        return
    store.forget_unsaved(editor.email, form)
    if located is not None:
        st.session_state[_key(form, "pending")] = located
    if current is None:
        for field in [k for k in st.session_state if str(k).startswith(_key(NEW, ""))]:
            del st.session_state[field]
        st.session_state[K_OPEN] = saved.id
        st.session_state[K_FLASH] = f"Saved '{saved.title}' as a draft ({saved.id})."
    else:
        st.session_state[_key(form, "version")] = saved.version
        st.session_state[_key(form, "comment_clear")] = True
        st.session_state[_key(form, "base")] = _typed(form)
        st.session_state[K_FLASH] = f"Saved '{saved.title}': version {saved.version}, a draft."
    st.rerun()


def _geocode_if_needed(
    form: str, data: dict[str, Any], base: Mapping[str, Any] | None
) -> dict[str, Any] | None:
    """Coordinates from the offline gazetteer when the editor gave a place name but none (or
    renamed the place without moving it). Returns the widget values to show afterwards."""
    place = data["place"]
    old = dict((base or {}).get("place") or {})
    renamed = (
        bool(old)
        and place.get("name") != old.get("name")
        and (place.get("latitude"), place.get("longitude"))
        == (old.get("latitude"), old.get("longitude"))
    )
    if not place.get("name") or (place.get("latitude") is not None and not renamed):
        return None
    located = locate(place["name"], place.get("country", ""), page.gazetteer())
    place.update(
        latitude=located.latitude,
        longitude=located.longitude,
        country=place.get("country") or located.country,
        geo_precision=located.geo_precision,
        geocoded=geocoded_record(located, place["name"], dt.date.today()),
    )
    return {
        "latitude": str(located.latitude),
        "longitude": str(located.longitude),
        "country": place["country"],
        "geo_precision": located.geo_precision,
    }


def _place_map(form: str, app_dir: Path) -> None:
    """The point on a small offline map: a click moves it (saved with the next save)."""
    try:
        lat = float(st.session_state.get(_key(form, "latitude")) or "")
        lon = float(st.session_state.get(_key(form, "longitude")) or "")
    except ValueError:
        return
    st.caption(f"The place at {lat:.5f}, {lon:.5f}. Click the map to move the point, then save.")
    urls = page.static_urls(app_dir, settings.static_url())
    render = render_base_map(point_map(lat, lon, urls))
    map_key = _key(form, "map")

    def moved() -> None:
        value = st.session_state.get(map_key) or {}
        click = value.get("last_clicked") if isinstance(value, Mapping) else None
        if click:
            st.session_state[_key(form, "pending")] = {
                "latitude": f"{float(click['lat']):.5f}",
                "longitude": f"{float(click['lng']):.5f}",
            }

    show_map(
        render,
        key=map_key,
        layer="",
        returned_objects=["last_clicked"],
        on_change=moved,
        height=260,
    )


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
                st.table(
                    pd.DataFrame(
                        [
                            {"field": c.field, "before": _shown(c.before), "after": _shown(c.after)}
                            for c in changes
                        ]
                    )
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
                _forget_form(current.id)
                st.session_state[K_FLASH] = (
                    f"Reverted to version {revision.version}: saved as a new draft."
                )
                st.rerun()


def _shown(value: Any) -> str:
    return "—" if value is None else str(value)


def _forget_form(form: str) -> None:
    for field in [k for k in st.session_state if str(k).startswith(_key(form, ""))]:
        del st.session_state[field]


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
    existing = events_file.read_text(encoding="utf-8-sig") if events_file.is_file() else None
    left, middle, right = st.columns(3)
    left.download_button(
        "Events YAML",
        merged_events_yaml(existing, events, "Published events from the Event Atlas desk"),
        file_name="events.yaml",
        mime="application/yaml",
    )
    middle.download_button(
        "GeoJSON", to_geojson_text(events), file_name="events.geojson", mime="application/geo+json"
    )
    right.download_button("CSV", to_csv(events), file_name="events.csv", mime="text/csv")


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
